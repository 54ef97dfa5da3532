// The analyzer's --metrics gauges: table occupancy follows the calls it tracks;
// a reload keeps the country code decoding started with.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

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
  // The caller's contact list; no MAP traffic yet: no locations, no IMSI-MSISDN pairs.
  EXPECT_EQ(metric(m, "sigprobe_table_entries{table=\"contacts\"}"), 1.0);
  EXPECT_GT(metric(m, "sigprobe_table_capacity{table=\"contacts\"}"), 0.0);
  // Its two callees, each with its caller.
  EXPECT_EQ(metric(m, "sigprobe_table_entries{table=\"callers\"}"), 2.0);
  EXPECT_GT(metric(m, "sigprobe_table_capacity{table=\"callers\"}"), 0.0);
  EXPECT_EQ(metric(m, "sigprobe_track_contacts_dropped_total"), 0.0);
  EXPECT_EQ(metric(m, "sigprobe_track_callers_forgotten_total"), 0.0);
  EXPECT_EQ(metric(m, "sigprobe_table_entries{table=\"locations\"}"), 0.0);
  EXPECT_EQ(metric(m, "sigprobe_table_entries{table=\"subscriber_numbers\"}"), 0.0);
  EXPECT_EQ(metric(m, "sigprobe_table_evictions_total{table=\"subscriber_numbers\"}"), 0.0);
  // Nothing flagged by the default rules in two unanswered calls: no numbers, no calls watched.
  EXPECT_EQ(metric(m, "sigprobe_table_entries{table=\"flagged_numbers\"}"), 0.0);
  EXPECT_GT(metric(m, "sigprobe_table_capacity{table=\"flagged_numbers\"}"), 0.0);
  EXPECT_EQ(metric(m, "sigprobe_table_entries{table=\"flagged_inbound\"}"), 0.0);
  EXPECT_GT(metric(m, "sigprobe_table_capacity{table=\"flagged_inbound\"}"), 0.0);
  EXPECT_EQ(metric(m, "sigprobe_table_entries{table=\"flagged_national_forms\"}"), 0.0);
  EXPECT_GT(metric(m, "sigprobe_table_capacity{table=\"flagged_national_forms\"}"), 0.0);
  EXPECT_EQ(metric(m, "sigprobe_detect_calls_on_watch"), 0.0);
  EXPECT_EQ(metric(m, "sigprobe_detect_inbound_dropped_total"), 0.0);
}

// The decoders are built once with the first rules' country code: a reload
// that changes settings.country_code is reported and leaves it, so the numbers
// of one run stay in one form; the rest of the reload applies.
TEST(AnalyzerReload, CountryCodeStaysWhatTheRunStartedWith) {
  auto dir = std::filesystem::temp_directory_path() / ("sp_cc_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "rules.yaml").string();
  auto write = [&](const std::string& cc, const std::string& rule) {
    std::ofstream(path) << "settings:\n  country_code: \"" << cc << "\"\nrules:\n  - name: " << rule
                        << "\n    type: wangiri\n    min_one_ring_calls: 3\n";
  };
  write("86", "one_ring");
  AnalyzerOptions o;
  o.rules_path = path;
  o.offload.backend = offload::Backend::Cpu;
  std::string err;
  auto a = make_analyzer(o, err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->country_code(), "86");
  write("852", "one_ring_renamed");
  a->request_reload();
  a->maybe_reload();
  std::vector<std::pair<std::string, double>> m;
  a->append_metrics(m);
  EXPECT_EQ(metric(m, "sigprobe_rules_reloads_total"), 1.0);
  EXPECT_EQ(a->country_code(), "86");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sigprobe
