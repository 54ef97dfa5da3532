// Every capture (pcaps/ and, when present, ../shared/corpus) decoded, its
// event fields scanned and its events counted by the cpu and csim backends:
// both must give identical matches and rate results. Engine level: the
// alert-level replay comparison belongs with host/detect's analyzer.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>

#include "dataplane/decode.hpp"
#include "dataplane/io/packet_source.hpp"
#include "host/offload/backend_detail.hpp"
#include "tests/host/offload/capture_list.hpp"

namespace sigprobe::offload {
namespace {

namespace fs = std::filesystem;

struct Capture {
  std::deque<std::string> text;  // owns the field bytes
  std::vector<ScanItem> items;
  std::vector<RateSample> samples;
};

void add(Capture& c, uint32_t item, FieldTag f, std::string_view s) {
  if (s.empty()) return;
  c.text.emplace_back(s);
  c.items.push_back({item, f, c.text.back()});
}

// The fields detection scans, as DESIGN.md lists them per protocol.
void add_event(Capture& c, uint32_t item, const SignalEvent& e) {
  if (e.has(kLayerSip)) {
    add(c, item, FieldTag::Calling, e.sip.from_user);
    add(c, item, FieldTag::Calling, e.sip.pai_user);
    add(c, item, FieldTag::Called, e.sip.to_user);
    add(c, item, FieldTag::Called, e.sip.ruri_user);
    add(c, item, FieldTag::UserAgent, e.sip.user_agent);
    add(c, item, FieldTag::FromDisplay, e.sip.from_display);
    add(c, item, FieldTag::Text, e.sip.body_text);
    add(c, item, FieldTag::Imei, e.sip.imei);
  }
  if (e.has(kLayerSccp)) {
    add(c, item, FieldTag::Gt, e.sccp.calling.gt);
    add(c, item, FieldTag::Gt, e.sccp.called.gt);
  }
  if (e.has(kLayerMap)) {
    add(c, item, FieldTag::Imsi, e.map.imsi);
    add(c, item, FieldTag::Called, e.map.msisdn);
    add(c, item, FieldTag::Gt, e.map.vlr);
    add(c, item, FieldTag::Gt, e.map.msc);
    add(c, item, FieldTag::Imei, e.map.imei);
    add(c, item, FieldTag::Calling, e.map.sms.oa);
    add(c, item, FieldTag::Called, e.map.sms.da);
    add(c, item, FieldTag::Text, e.map.sms.text);
    add(c, item, FieldTag::Text, e.map.ussd);
  }
  if (e.has(kLayerIsup)) {
    add(c, item, FieldTag::Calling, e.isup.calling);
    add(c, item, FieldTag::Called, e.isup.called);
  }
}

bool read_capture(const fs::path& p, Capture& c) {
  std::string err;
  auto src = open_pcap_file(p.string(), 0, err);
  if (!src) return false;
  Decoder dec;
  DecodeCounters counters;
  EventBatch batch;
  std::vector<PacketRef> pkts(kBurstMax);
  uint32_t item = 0;
  while (!src->at_end()) {
    const uint16_t n = src->rx_burst(pkts);
    if (n == 0) continue;
    batch.clear();
    dec.decode_burst(std::span(pkts).first(n), batch, counters);
    for (const SignalEvent& e : batch.events()) {
      const size_t first = c.items.size();
      add_event(c, item, e);
      // Rate samples: per subject (first number field), distinct over the other fields.
      const uint64_t key = first < c.items.size() ? std::hash<std::string_view>{}(c.items[first].bytes) : 0;
      for (size_t i = first; i < c.items.size(); ++i) {
        const uint64_t v = std::hash<std::string_view>{}(c.items[i].bytes);
        c.samples.push_back({item, static_cast<uint32_t>(c.items[i].field) % 3, key, v, e.ts_ns});
      }
      ++item;
    }
  }
  return true;
}

// Patterns drawn from the captures' own fields (so that many match) plus
// fixed keywords and number prefixes from the fraud playbook. About 5,000
// fields are sampled however large the corpus grows (every 7th field of a
// small one): the csim automaton has a fixed capacity, as the card does.
std::vector<PatternSpec> patterns_for(const std::vector<Capture>& caps, size_t items) {
  const size_t stride = std::max<size_t>(7, items / 5000);
  std::vector<PatternSpec> p = {
      {1, PatternKind::LiteralNocase, field_bit(FieldTag::UserAgent), "friendly-scanner"},
      {2, PatternKind::LiteralNocase, field_bit(FieldTag::UserAgent), "sipvicious"},
      {3, PatternKind::LiteralNocase, field_bit(FieldTag::UserAgent), "goip"},
      {4, PatternKind::Literal, field_bit(FieldTag::Text), "银行"},
      {5, PatternKind::LiteralNocase, field_bit(FieldTag::Text), "verify your"},
      {6, PatternKind::Prefix, 0x7, "86"},
      {7, PatternKind::Prefix, 0x7, "44"},
      {8, PatternKind::Prefix, 0x7, "1"},
      {9, PatternKind::Exact, 0x7, "10086"}};
  uint32_t id = 100;
  size_t k = 0, n = 0;  // fields seen, fields sampled (n varies the kinds, whatever the stride)
  for (const Capture& c : caps) {
    for (const ScanItem& it : c.items) {
      if (++k % stride != 0) continue;
      ++n;
      const std::string s(it.bytes);
      const uint32_t mask = field_bit(it.field) | (n % 3 == 0 ? 0x1ff : 0);
      const size_t at = s.size() / 3, len = std::min<size_t>(1 + n % 6, s.size() - at);
      p.push_back({id++, n % 2 ? PatternKind::Literal : PatternKind::LiteralNocase, mask, s.substr(at, len)});
      p.push_back({id++, PatternKind::Prefix, mask, s.substr(0, std::min<size_t>(s.size(), 2 + n % 5))});
      if (s.size() <= 64) p.push_back({id++, PatternKind::Exact, mask, s});
    }
  }
  return p;
}

TEST(OffloadCorpus, CpuAndCsimGiveIdenticalMatchesAndRatesOnEveryCapture) {
  const std::vector<fs::path> files = testing::all_captures();
  if (files.empty()) GTEST_SKIP() << "no captures found";
  std::vector<Capture> caps(files.size());
  size_t read = 0, items = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    read += read_capture(files[i], caps[i]);
    items += caps[i].items.size();
  }
  ASSERT_GT(read, 0u);
  ASSERT_GT(items, 100u) << "the decoders produced almost no fields";
  const std::vector<PatternSpec> pats = patterns_for(caps, items);
  std::printf("%zu fields, %zu patterns\n", items, pats.size());
  const std::vector<RateSpec> rates = {{0, 1'000'000'000ull, 3, 2}, {1, 60'000'000'000ull, 10, 4},
                                       {2, 10'000'000ull, 2, 0}};
  std::string err;
  auto cpu_p = make_cpu_pattern_engine(pats, err);
  ASSERT_TRUE(cpu_p) << err;
  auto csim_p = make_csim_pattern_engine(pats, err);
  ASSERT_TRUE(csim_p) << err;
  auto cpu_r = make_cpu_rate_engine(rates, err);
  auto csim_r = make_csim_rate_engine(rates, err);
  ASSERT_TRUE(cpu_r && csim_r) << err;
  size_t matches = 0, fired = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    std::vector<PatternMatch> a, b;
    cpu_p->scan(caps[i].items, a);
    csim_p->scan(caps[i].items, b);
    EXPECT_EQ(a, b) << files[i];
    matches += a.size();
    std::vector<RateResult> ra, rb;
    cpu_r->update(caps[i].samples, ra);
    csim_r->update(caps[i].samples, rb);
    EXPECT_EQ(ra, rb) << files[i];
    for (const RateResult& r : ra) fired += r.count_fired || r.distinct_fired;
  }
  RecordProperty("captures", static_cast<int>(read));
  RecordProperty("fields", static_cast<int>(items));
  RecordProperty("matches", static_cast<int>(matches));
  EXPECT_GT(matches, items / 10);  // the comparison covered real matches
  EXPECT_GT(fired, 0u);
}

}  // namespace
}  // namespace sigprobe::offload
