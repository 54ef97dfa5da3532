#include "host/out/hep.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

#include "host/out/flow_mirror.hpp"
#include "host/out/hep_sender.hpp"
#include "host/out/l4_view.hpp"
#include "tests/host/out/synth_packets.hpp"
#include "tests/support/hep3_reader.hpp"
#include "tests/support/loopback_udp.hpp"

namespace sigprobe {
namespace {

using testing::parse_hep3;

uint32_t be(const std::string& v) {
  uint32_t x = 0;
  for (char c : v) x = x << 8 | uint8_t(c);
  return x;
}

TEST(Hep, EncodesEveryChunkOfASipMessage) {
  const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
  const std::string sip = "OPTIONS sip:x SIP/2.0\r\n\r\n";
  hep::Message m;
  m.src = src;
  m.dst = dst;
  m.sport = 5060;
  m.dport = 5080;
  m.ts_ns = 1'700'000'000'123'456'789ull;
  m.correlation = "abc@host";
  m.payload = as_bytes(sip);
  hep::Identity id{2001, "secret", "probe-7"};
  std::string out;
  ASSERT_TRUE(hep::encode(out, m, id));
  auto c = parse_hep3(out);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(be(c[hep::kIpFamily]), 2u);
  EXPECT_EQ(be(c[hep::kIpProto]), 17u);
  EXPECT_EQ(c[hep::kIpv4Src], std::string("\x0a\x00\x00\x01", 4));
  EXPECT_EQ(c[hep::kIpv4Dst], std::string("\x0a\x00\x00\x02", 4));
  EXPECT_EQ(be(c[hep::kSrcPort]), 5060u);
  EXPECT_EQ(be(c[hep::kDstPort]), 5080u);
  EXPECT_EQ(be(c[hep::kTsSec]), 1700000000u);
  EXPECT_EQ(be(c[hep::kTsUsec]), 123456u);
  EXPECT_EQ(be(c[hep::kProtoType]), 1u);
  EXPECT_EQ(be(c[hep::kCaptureId]), 2001u);
  EXPECT_EQ(c[hep::kAuthKey], "secret");
  EXPECT_EQ(c[hep::kCorrelationId], "abc@host");
  EXPECT_EQ(c[hep::kNodeName], "probe-7");
  EXPECT_EQ(c[hep::kPayload], sip);
}

TEST(Hep, LeavesOutEmptyOptionalChunksAndRefusesOversizedMessages) {
  const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
  std::string big(70000, 'x');
  hep::Message m;
  m.family = 6;
  m.src = m.dst = a;
  m.payload = as_bytes(std::string_view(big).substr(0, 100));
  std::string out;
  ASSERT_TRUE(hep::encode(out, m, hep::Identity{}));
  auto c = parse_hep3(out);
  EXPECT_EQ(be(c[hep::kIpFamily]), 10u);
  EXPECT_EQ(c[hep::kIpv6Src].size(), 16u);
  EXPECT_FALSE(c.count(hep::kAuthKey));
  EXPECT_FALSE(c.count(hep::kCorrelationId));
  EXPECT_FALSE(c.count(hep::kNodeName));
  m.payload = as_bytes(big);
  std::string out2;
  EXPECT_FALSE(hep::encode(out2, m, hep::Identity{}));
  EXPECT_TRUE(out2.empty());
}

TEST(L4View, FindsUdpPayloadAndSctpDataChunks) {
  auto udp = testing::udp_packet({10, 0, 0, 1}, 5060, {10, 0, 0, 2}, 5070, "hello");
  L4View v;
  ASSERT_TRUE(find_l4(udp, LinkType::Ethernet, v));
  EXPECT_EQ(v.ip_proto, 17);
  EXPECT_EQ(v.sport, 5060);
  EXPECT_EQ(v.dport, 5070);
  EXPECT_EQ(as_chars(v.payload), "hello");
  // Every truncation of the headers is refused, never read past.
  for (size_t n = 0; n < udp.size() - 5; ++n)
    EXPECT_FALSE(find_l4({udp.data(), n}, LinkType::Ethernet, v) && v.payload.size() == 5) << n;

  std::vector<uint8_t> m3ua = {1, 0, 1, 1, 0, 0, 0, 8};  // M3UA DATA header only (RFC 4666 3.1)
  auto sctp = testing::sctp_m3ua_packet({10, 0, 0, 1}, {10, 0, 0, 2}, m3ua);
  ASSERT_TRUE(find_l4(sctp, LinkType::Ethernet, v));
  EXPECT_EQ(v.ip_proto, 132);
  std::vector<std::pair<uint32_t, size_t>> chunks;
  for_each_sctp_data(v.payload, [&](uint32_t ppid, Bytes d) { chunks.push_back({ppid, d.size()}); });
  EXPECT_EQ(chunks, (std::vector<std::pair<uint32_t, size_t>>{{3u, 8u}}));
}

// A UDP socket on 127.0.0.1 that stands in for a collector.
struct UdpCollector {
  int fd = -1;
  uint16_t port = 0;
  UdpCollector() { fd = testing::bind_loopback_udp(port); }
  ~UdpCollector() { close(fd); }
  std::vector<std::string> drain() {
    std::vector<std::string> got;
    pollfd p{fd, POLLIN, 0};
    while (poll(&p, 1, 200) > 0) {
      std::string b(70000, '\0');
      ssize_t n = recv(fd, b.data(), b.size(), 0);
      if (n <= 0) break;
      b.resize(size_t(n));
      got.push_back(b);
    }
    return got;
  }
};

TEST(HepSender, SendsM3uaChunksOfAFlaggedTransactionWithItsTcapKey) {
  UdpCollector col;
  auto hs = std::make_unique<HepSender>();
  std::string err;
  HepOptions ho;
  ho.target = "udp:127.0.0.1:" + std::to_string(col.port);
  ho.id.capture_id = 9;
  ASSERT_TRUE(hs->init(ho, err)) << err;
  std::vector<std::unique_ptr<FlowOutput>> outs;
  outs.push_back(std::move(hs));
  MirrorOptions mo;
  mo.lookback_packets = 16;
  mo.lookback_bytes = 1 << 16;
  FlowMirror fm(mo, std::move(outs));

  // An M3UA DATA message header (RFC 4666 3.1: version 1, class 1, type 1, length 8);
  // the event below says what decode found in it.
  std::vector<uint8_t> m3ua = {1, 0, 1, 1, 0, 0, 0, 8};
  auto bytes = testing::sctp_m3ua_packet({10, 2, 0, 1}, {10, 2, 0, 2}, m3ua);
  PacketRef p{bytes.data(), uint32_t(bytes.size()), uint32_t(bytes.size()), 1'700'000'000'500'000'000ull, 1,
              LinkType::Ethernet, 0};
  SignalEvent ev;
  ev.frame = 1;
  ev.proto = Proto::Map;
  ev.layers = kLayerMtp3 | kLayerTcap | kLayerMap;
  ev.mtp3.opc = 1201;
  ev.mtp3.dpc = 2302;
  ev.tcap.type = TcapType::Begin;
  ev.tcap.otid = {0x0a, 0x1b, 0x2c, 0x3d};
  ev.tcap.otid_len = 4;
  ev.map.msisdn = "8613800138000";
  fm.on_burst({&p, 1}, {&ev, 1});
  Alert a;
  a.id = "t1";
  a.subject_type = SubjectType::Msisdn;
  a.subject = "8613800138000";
  a.ts_ns = p.ts_ns;
  fm.on_alert(a);
  fm.on_alert(a);  // a second alert on the same flow does not send the packet again
  fm.finish();

  auto got = col.drain();
  ASSERT_EQ(got.size(), 1u);
  auto c = parse_hep3(got[0]);
  EXPECT_EQ(be(c[hep::kProtoType]), 9u) << "M3UA";
  EXPECT_EQ(be(c[hep::kIpProto]), 132u);
  EXPECT_EQ(be(c[hep::kSrcPort]), 2905u);
  EXPECT_EQ(be(c[hep::kCaptureId]), 9u);
  EXPECT_EQ(c[hep::kCorrelationId], "1201-0a1b2c3d");
  EXPECT_EQ(c[hep::kCorrelationId], tcap_tid_text(1201, ev.tcap.otid, 4));
  EXPECT_EQ(c[hep::kPayload], std::string(m3ua.begin(), m3ua.end()));
  EXPECT_EQ(be(c[hep::kTsUsec]), 500000u);
}

TEST(HepSender, RejectsATargetWithoutPort) {
  HepSender hs;
  std::string err;
  EXPECT_FALSE(hs.init({"127.0.0.1", {}}, err));
  EXPECT_NE(err.find("HOST:PORT"), std::string::npos);
}

}  // namespace
}  // namespace sigprobe
