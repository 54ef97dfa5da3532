#include "host/out/event_json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "host/out/json_writer.hpp"

namespace sigprobe {
namespace {

TEST(EventJson, SipEventFollowsTheContract) {
  SignalEvent ev;
  ev.frame = 7;
  ev.ts_ns = 1'700'000'000'250'000'000ull;
  ev.proto = Proto::Sip;
  ev.transport = Transport::Udp;
  ev.layers = kLayerSip;
  ev.src.family = 4;
  ev.src.addr = {10, 1, 1, 5};
  ev.src.port = 5060;
  ev.dst.family = 4;
  ev.dst.addr = {10, 1, 1, 9};
  ev.dst.port = 5060;
  ev.sip.method = SipMethod::Invite;
  ev.sip.method_name = "INVITE";
  ev.sip.call_id = "a84b4c76e66710";
  ev.sip.from_user = "8613800138000";
  ev.sip.user_agent = "GoIP";
  std::string out;
  append_event_json(out, ev);
  ASSERT_EQ(out.back(), '\n');
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["frame"], 7);
  EXPECT_DOUBLE_EQ(j["ts"].get<double>(), 1700000000.25);
  EXPECT_EQ(j["src"], "10.1.1.5:5060");
  EXPECT_EQ(j["transport"], "udp");
  EXPECT_EQ(j["sip"]["method"], "INVITE");
  EXPECT_EQ(j["sip"]["from_user"], "8613800138000");
  EXPECT_FALSE(j["sip"].contains("to_user")) << "absent fields are omitted";
}

TEST(EventJson, Ipv6EndpointIsBracketed) {
  Endpoint ep;
  ep.family = 6;
  ep.addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  ep.port = 5060;
  EXPECT_EQ(format_endpoint(ep), "[2001:db8::1]:5060");
}

TEST(JsonWriter, InvalidUtf8IsEscapedValidUtf8Kept) {
  std::string out;
  json::append_escaped(out, std::string_view("a\xff\"\n\xe6\x82\xa8", 7));
  EXPECT_EQ(out, "a\\u00ff\\\"\\n\xe6\x82\xa8");
  EXPECT_TRUE(nlohmann::json::accept("\"" + out + "\""));
}

TEST(EventJson, TimestampTrimsTrailingZeros) {
  std::string s;
  append_ts(s, 1'700'000'001'500'000'000ull);
  EXPECT_EQ(s, "1700000001.5");
  s.clear();
  append_ts(s, 1'700'000'001'000'000'000ull);
  EXPECT_EQ(s, "1700000001.0");
}

}  // namespace
}  // namespace sigprobe
