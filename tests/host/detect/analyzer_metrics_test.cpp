// The analyzer's --metrics gauges: table occupancy follows the calls it tracks.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "host/detect/analyzer.hpp"

namespace sigprobe {
namespace {

double metric(const std::vector<std::pair<std::string, double>>& m, const std::string& name) {
  auto it = std::find_if(m.begin(), m.end(), [&](const auto& p) { return p.first == name; });
  return it == m.end() ? -1.0 : it->second;
}

TEST(AnalyzerMetrics, CallTableOccupancyCountsOpenCalls) {
  AnalyzerOptions o;
  o.offload.backend = offload::Backend::Cpu;
  std::string err;
  auto a = make_analyzer(o, err);
  ASSERT_TRUE(a) << err;

  std::vector<std::pair<std::string, double>> m;
  a->append_metrics(m);
  EXPECT_EQ(metric(m, "sigprobe_table_entries{table=\"calls\"}"), 0.0);
  EXPECT_GT(metric(m, "sigprobe_table_capacity{table=\"calls\"}"), 0.0);
  EXPECT_EQ(metric(m, "sigprobe_offload_fallbacks_total"), 0.0);

  // Two INVITEs of two different calls, never answered: two open calls.
  std::vector<SignalEvent> evs(2);
  const char* ids[] = {"metrics-call-1", "metrics-call-2"};
  for (size_t i = 0; i < evs.size(); ++i) {
    SignalEvent& e = evs[i];
    e.frame = i + 1;
    e.ts_ns = 1'700'000'000'000'000'000ull + i * 1'000'000'000ull;
    e.proto = Proto::Sip;
    e.transport = Transport::Udp;
    e.layers = kLayerSip;
    e.src.family = e.dst.family = 4;
    e.src.addr = {10, 0, 0, 1};
    e.dst.addr = {10, 0, 0, 2};
    e.src.port = e.dst.port = 5060;
    e.sip.method = SipMethod::Invite;
    e.sip.method_name = "INVITE";
    e.sip.call_id = ids[i];
    e.sip.cseq = "1 INVITE";
    e.sip.cseq_num = 1;
    e.sip.cseq_method = SipMethod::Invite;
    e.sip.from_user = "8613800138000";
    e.sip.to_user = i ? "8613900139001" : "8613900139000";
    e.sip.from_tag = "a";
  }
  std::vector<Alert> alerts;
  a->on_events(evs, alerts);
  m.clear();
  a->append_metrics(m);
  EXPECT_EQ(metric(m, "sigprobe_table_entries{table=\"calls\"}"), 2.0);
  EXPECT_EQ(metric(m, "sigprobe_table_evictions_total{table=\"calls\"}"), 0.0);
}

}  // namespace
}  // namespace sigprobe
