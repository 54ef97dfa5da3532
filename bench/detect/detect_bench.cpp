// Track + detect throughput on one core, in events per second, with a realistic
// rules file: the default rules plus 3,000 generated keywords and a blacklist of
// 1,000,000 numbers (generated in the setup, written to a temporary folder and loaded
// through the normal loader). The events are a mix of SIP calls (INVITE, 180, 200,
// ACK, BYE or CANCEL) among 50,000 subscribers and MAP mo-forwardSM with text,
// built before timing; the cpu offload backend scans and counts. Bursts of 32.
// BM_TrackDetectAtBound: the same with the tables at a third of the
// subscribers. allocs_per_event: operator new calls per event while timing.
//
// Then the fraud's own shapes, where work can grow with one number: a flagged
// fake service line's callers (BM_CallsToFlaggedLine, BM_VictimsOfCalledLine),
// a flagged SIM box's calls (BM_CallsOfFlaggedSimBox), a bulk dialler with the
// default rules (BM_CallsOfBulkDialler), a scam text campaign (BM_TextsOfScamSender).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "dataplane/core/table_memory.hpp"
#include "host/detect/detector.hpp"
#include "tests/host/track/event_builder.hpp"
#include "tests/support/count_allocations.hpp"  // this binary's one counting operator new

namespace {

namespace fs = std::filesystem;
using sigprobe::testing::EventBuilder;
using namespace sigprobe;

struct Setup {
  EventBuilder b;
  std::vector<SignalEvent> events;
  std::unique_ptr<detect::Detector> det;
  std::string err;
  size_t patterns = 0, list_entries = 0;

  // settings: lines added to the rules' settings (table bounds).
  explicit Setup(const std::string& settings = "") {
    fs::path dir = fs::temp_directory_path() / "sigprobe_detect_bench";
    fs::create_directories(dir);
    std::mt19937_64 rnd(7);
    {
      std::ofstream bl(dir / "blacklist.txt");
      for (int i = 0; i < 1'000'000; ++i) bl << 8617000000000ull + (rnd() % 9'000'000'000ull) << '\n';
    }
    std::string src = std::string(SIGPROBE_SOURCE_DIR) + "/host/rules/default_rules.yaml";
    std::ifstream in(src);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string yaml = ss.str();
    // Lists next to the generated file: point the default lists at the source tree.
    for (size_t p = 0; (p = yaml.find("file: lists/", p)) != std::string::npos;)
      yaml.replace(p, 12, "file: " + std::string(SIGPROBE_SOURCE_DIR) + "/host/rules/lists/");
    yaml.replace(yaml.find("lists:\n"), 7, "lists:\n  big_black: {file: " + (dir / "blacklist.txt").string() + "}\n");
    yaml.replace(yaml.find("settings:\n"), 10, "settings:\n" + settings);
    std::string extra = "  - name: big_blacklist\n    type: number_list\n    lists: [big_black]\n"
                        "  - name: many_keywords\n    type: content\n    min_families: 2\n    keywords:\n";
    const char* kSyll[] = {"贷款", "客服", "退款", "会员", "账户", "充值", "中奖", "包裹", "理财", "积分"};
    for (int f = 0; f < 30; ++f) {
      extra += "      fam" + std::to_string(f) + ": [";
      for (int w = 0; w < 100; ++w)
        extra += std::string(w ? ", " : "") + kSyll[(f + w) % 10] + kSyll[(w * 7 + f) % 10] + "x" +
                 std::to_string(f * 100 + w);
      extra += "]\n";
    }
    yaml += extra;
    std::ofstream(dir / "rules.yaml") << yaml;
    auto rs = rules::load_rules((dir / "rules.yaml").string(), err);
    if (!rs) return;
    detect::SpecRegistry reg;
    auto c = detect::compile_rules(rs, reg, err);
    if (!c) return;
    patterns = c->patterns.size();
    list_entries = rs->list_entries();
    offload::OffloadOptions o;
    o.backend = offload::Backend::Cpu;
    set_table_prefault(true);  // as the dataplane's detect stage (sigprobe dpdk, live)
    auto e = offload::make_engines(o, c->patterns, c->rates, err);
    if (!e.pattern) return;
    det = std::make_unique<detect::Detector>(std::move(c), std::move(e.pattern), std::move(e.rate));
    make_events(rnd);
  }

  void make_events(std::mt19937_64& rnd) {
    std::vector<std::string> subs;
    for (int i = 0; i < 50'000; ++i) subs.push_back(std::to_string(8613800000000ull + rnd() % 100'000'000ull));
    // VoLTE INVITEs name the caller's cell (P-Access-Network-Info): a city's
    // 2,000 cells, each subscriber calling from one of them.
    std::vector<std::string> cells;
    for (int i = 0; i < 2'000; ++i) {
      char cell[24];
      std::snprintf(cell, sizeof cell, "46000%04X%07X", 0x2A00 + i / 64, 0x01A2B00 + i);
      cells.emplace_back(cell);
    }
    double t = 1.0;
    int id = 0;
    while (events.size() < 200'000) {
      const size_t ai = rnd() % subs.size();
      const std::string& a = subs[ai];
      const std::string& bn = subs[rnd() % subs.size()];
      t += 0.01;
      if (rnd() % 5 == 0) {
        auto e = b.map_invoke(46, t, "8613900000011", "460001234567890", TcapType::Begin, uint32_t(id++));
        e.map.msisdn = b.keep(a);
        e.map.sms.present = true;
        e.map.sms.tpdu_type = 1;
        e.map.sms.da = b.keep(bn);
        e.map.sms.text = b.keep(rnd() % 2 ? "晚上一起吃饭吗？到家了告诉我" : "Meeting moved to 3pm, see you there");
        events.push_back(e);
        continue;
      }
      std::string cid = "bench" + std::to_string(id++);
      auto src = EventBuilder::ip4(10, uint8_t(rnd()), uint8_t(rnd()), uint8_t(rnd()), 5060);
      auto inv = b.sip_request(SipMethod::Invite, t, cid, a, bn, src);
      inv.sip.user_agent = b.keep("Linphone/5.2.0");
      inv.sip.cell = b.keep(cells[ai % cells.size()]);
      events.push_back(inv);
      events.push_back(b.sip_response(180, t + 0.001, cid, a, bn));
      if (rnd() % 10 < 7) {
        events.push_back(b.sip_response(200, t + 0.002, cid, a, bn));
        events.push_back(b.sip_request(SipMethod::Ack, t + 0.003, cid, a, bn, src, "tt"));
        events.push_back(b.sip_request(SipMethod::Bye, t + 0.004, cid, a, bn, src, "tt"));
      } else {
        events.push_back(b.sip_request(SipMethod::Cancel, t + 0.004, cid, a, bn, src));
      }
    }
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

// The same with tables a third the size of the subscriber population: a
// probe's steady state on a real link, where every new number or call pushes
// out the oldest.
Setup& setup_at_bound() {
  static Setup s("  max_subscribers: 16384\n  max_calls: 16384\n");
  return s;
}

constexpr size_t kBurst = 32;

// Bursts are taken in order from the prepared stream; at its end it starts
// over (the same calls again, as new calls), its capture times moved past
// the last lap's so that time keeps going forward (untimed). pos is where
// the next burst starts.
void next_burst(benchmark::State& state, std::vector<SignalEvent>& events, size_t& pos) {
  if (pos + kBurst <= events.size()) return;
  state.PauseTiming();
  const uint64_t lap_ns = events.back().ts_ns - events.front().ts_ns + 1'000'000'000ull;
  for (SignalEvent& e : events) e.ts_ns += lap_ns;
  state.ResumeTiming();
  pos = 0;
}

void track_detect(benchmark::State& state, Setup& s) {
  if (!s.det) {
    state.SkipWithError(s.err.c_str());
    return;
  }
  std::vector<Alert> alerts;
  size_t pos = 0;
  const std::span<const SignalEvent> all(s.events);
  const uint64_t allocs0 = test::allocation_count();
  for (auto _ : state) {
    next_burst(state, s.events, pos);
    alerts.clear();
    s.det->on_events(all.subspan(pos, kBurst), alerts);
    pos += kBurst;
    benchmark::DoNotOptimize(alerts.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kBurst);
  // operator new calls per event while timing (next_burst's lap shift allocates nothing).
  state.counters["allocs_per_event"] =
      double(test::allocation_count() - allocs0) / double(state.iterations() * kBurst);
  state.counters["patterns"] = double(s.patterns);
  state.counters["list_entries"] = double(s.list_entries);
  // What one event costs downstream: rate samples and alerts per event.
  const auto& dc = s.det->counters();
  state.counters["samples_per_event"] = dc.events ? double(dc.samples) / double(dc.events) : 0;
  state.counters["alerts_per_event"] = dc.events ? double(dc.alerts) / double(dc.events) : 0;
  state.counters["contact_evictions"] = double(s.det->contacts().table_counters().evictions);
}

void BM_TrackDetect(benchmark::State& state) { track_detect(state, setup()); }
BENCHMARK(BM_TrackDetect)->Unit(benchmark::kMicrosecond);

void BM_TrackDetectAtBound(benchmark::State& state) { track_detect(state, setup_at_bound()); }
BENCHMARK(BM_TrackDetectAtBound)->Unit(benchmark::kMicrosecond);

// Reads every byte a string view points at (the decoder has just read them).
uint64_t touch(std::string_view v) {
  uint64_t sum = 0;
  for (size_t i = 0; i < v.size(); i += 64) sum += uint8_t(v[i]);
  return sum;
}

uint64_t touch(const SignalEvent& e) {
  uint64_t sum = 0;
  const SipInfo& s = e.sip;
  for (std::string_view v : {s.method_name, s.reason, s.call_id, s.cseq, s.from_user, s.to_user, s.ruri_user,
                             s.pai_user, s.from_display, s.from_tag, s.to_tag, s.user_agent, s.contact_instance,
                             s.imei, s.cell, s.via_host, s.content_type, s.body_text, s.sdp_addr})
    sum += touch(v);
  const MapInfo& m = e.map;
  for (std::string_view v : {m.imsi, m.msisdn, m.vlr, m.msc, m.sgsn, m.hlr, m.imei, m.service_centre,
                             m.roaming_number, m.gsm_scf, m.forwarded_to, m.ussd, m.sms.oa, m.sms.da, m.sms.text,
                             e.sccp.calling.gt, e.sccp.called.gt, e.tcap.acn, e.isup.calling, e.isup.called})
    sum += touch(v);
  return sum;
}

// The same stream, but each burst is handed over as the pipeline hands it:
// just written by the decoder, its events and the packet bytes they point at
// in the core's caches. The copy and the touch are outside the timed region
// (manual time around on_events only), so this is track + detect alone on a
// warm burst; BM_TrackDetect above also pays for reading its 168 MB event
// array cold.
void BM_TrackDetectWarmBurst(benchmark::State& state) {
  Setup& s = setup();
  if (!s.det) {
    state.SkipWithError(s.err.c_str());
    return;
  }
  std::vector<Alert> alerts;
  std::vector<SignalEvent> hot(kBurst);
  size_t pos = 0;
  uint64_t sink = 0;
  for (auto _ : state) {
    next_burst(state, s.events, pos);
    for (size_t i = 0; i < kBurst; ++i) {
      hot[i] = s.events[pos + i];
      sink += touch(hot[i]);
    }
    alerts.clear();
    const auto t0 = std::chrono::steady_clock::now();
    s.det->on_events(std::span<const SignalEvent>(hot), alerts);
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    pos += kBurst;
    benchmark::DoNotOptimize(alerts.data());
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(int64_t(state.iterations()) * kBurst);
}
BENCHMARK(BM_TrackDetectWarmBurst)->Unit(benchmark::kMicrosecond)->UseManualTime();

// A fake customer-service line (the playbook's refund and medical-insurance
// scripts give one) is called by hundreds of victims. These two measure what
// such a number costs where the work grows with its callers: each answered
// call to it once it is flagged (its caller noted as a victim), and listing
// its victims at an alert (its callers from before the flag, from the
// contact log). Rules: one number list on the called number, as the default
// police list has it.
constexpr std::string_view kLine = "4008001234";

std::unique_ptr<detect::Detector> detector_of(std::shared_ptr<const rules::RuleSet> rs, std::string& err) {
  if (!rs) return nullptr;
  detect::SpecRegistry reg;
  auto c = detect::compile_rules(rs, reg, err);
  if (!c) return nullptr;
  offload::OffloadOptions o;
  o.backend = offload::Backend::Cpu;
  auto e = offload::make_engines(o, c->patterns, c->rates, err);
  if (!e.pattern) return nullptr;
  return std::make_unique<detect::Detector>(std::move(c), std::move(e.pattern), std::move(e.rate));
}

std::unique_ptr<detect::Detector> detector_of(const std::string& yaml, std::string& err) {
  return detector_of(rules::parse_rules(yaml, "bench_rules.yaml", err), err);
}

// The default rules as they ship (nullptr, the benchmark skipped with the
// error, when they do not load).
std::unique_ptr<detect::Detector> default_detector(benchmark::State& state) {
  std::string err;
  auto rs = rules::load_rules(std::string(SIGPROBE_SOURCE_DIR) + "/host/rules/default_rules.yaml", err);
  auto det = detector_of(std::move(rs), err);
  if (!det) state.SkipWithError(err.c_str());
  return det;
}

std::unique_ptr<detect::Detector> line_detector(std::string_view listed, std::string& err) {
  return detector_of("lists:\n  police: {entries: ['" + std::string(listed) +
                         "']}\nrules:\n  - name: police\n    type: number_list\n    lists: [police]\n"
                         "    fields: [called]\n    window: 1h\n",
                     err);
}

// As a capture has them: by capture time (stable: a message's order within
// the same instant kept).
void in_time_order(std::vector<SignalEvent>& evs) {
  std::stable_sort(evs.begin(), evs.end(),
                   [](const SignalEvent& x, const SignalEvent& y) { return x.ts_ns < y.ts_ns; });
}

// The timed loop of the benchmarks below: evs in bursts of kBurst, in order,
// over and over (next_burst).
void run_bursts(benchmark::State& state, detect::Detector& det, std::vector<SignalEvent>& evs) {
  std::vector<Alert> alerts;
  size_t pos = 0;
  for (auto _ : state) {
    next_burst(state, evs, pos);
    alerts.clear();
    det.on_events(std::span<const SignalEvent>(evs).subspan(pos, kBurst), alerts);
    pos += kBurst;
    benchmark::DoNotOptimize(alerts.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kBurst);
}

// Answered calls from `callers` distinct numbers to the line, one after the
// other, each 60 s long (INVITE, 180, 200, ACK, BYE).
std::vector<SignalEvent> calls_to_line(EventBuilder& b, size_t callers, size_t calls) {
  std::vector<SignalEvent> evs;
  double t = 1.0;
  for (size_t k = 0; k < calls; ++k) {
    const std::string a = std::to_string(8613900000000ull + k % callers);
    const std::string cid = "line" + std::to_string(k);
    const auto src = EventBuilder::ip4(10, 1, uint8_t(k >> 8), uint8_t(k), 5060);
    evs.push_back(b.sip_request(SipMethod::Invite, t, cid, a, std::string(kLine), src));
    evs.push_back(b.sip_response(180, t + 0.5, cid, a, std::string(kLine)));
    evs.push_back(b.sip_response(200, t + 3, cid, a, std::string(kLine)));
    evs.push_back(b.sip_request(SipMethod::Ack, t + 3.1, cid, a, std::string(kLine), src, "tt"));
    evs.push_back(b.sip_request(SipMethod::Bye, t + 63, cid, a, std::string(kLine), src, "tt"));
    t += 0.1;
  }
  in_time_order(evs);
  return evs;
}

// Events per second of calls to the flagged line from 1,000 callers in turn:
// after the first 256 its list of callers noted since the flag is full.
void BM_CallsToFlaggedLine(benchmark::State& state) {
  std::string err;
  auto det = line_detector(kLine, err);
  if (!det) {
    state.SkipWithError(err.c_str());
    return;
  }
  EventBuilder b;
  std::vector<SignalEvent> evs = calls_to_line(b, 1000, 20'000);
  run_bursts(state, *det, evs);
  state.counters["inbound_dropped"] = double(det->counters().inbound_dropped);
}
BENCHMARK(BM_CallsToFlaggedLine)->Unit(benchmark::kMicrosecond);

// One victims_of() of the line after range(0) distinct callers called it
// (before any flag: the line is not listed here), as an alert on it lists
// them.
void BM_VictimsOfCalledLine(benchmark::State& state) {
  std::string err;
  auto det = line_detector("4009999999", err);
  if (!det) {
    state.SkipWithError(err.c_str());
    return;
  }
  const auto callers = size_t(state.range(0));
  EventBuilder b;
  std::vector<SignalEvent> evs = calls_to_line(b, callers, callers);
  std::vector<Alert> alerts;
  for (size_t pos = 0; pos < evs.size(); pos += kBurst)
    det->on_events(std::span<const SignalEvent>(evs).subspan(pos, std::min(kBurst, evs.size() - pos)), alerts);
  size_t victims = 0;
  for (auto _ : state) {
    auto v = det->victims_of(kLine, 0);
    victims = v.size();
    benchmark::DoNotOptimize(v.data());
  }
  if (victims != callers) state.SkipWithError("victims_of did not list every caller");
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(callers));
}
BENCHMARK(BM_VictimsOfCalledLine)->Arg(16)->Arg(128)->Arg(512)->Unit(benchmark::kMicrosecond);

// A GoIP box flagged by its address (simbox, group_by ip): it goes on
// dialling, 1,000 SIM cards in turn, each call cancelled after a short ring.
// Every call of a flagged group counts into its open alert and names its
// calling number as one of the group's (up to 256, whose contacts are the
// group's victims): events per second of that.
void BM_CallsOfFlaggedSimBox(benchmark::State& state) {
  std::string err;
  auto det = detector_of(
      "rules:\n  - name: simbox_ip\n    type: simbox\n    group_by: ip\n    window: 10m\n"
      "    min_distinct_numbers: 8\n",
      err);
  if (!det) {
    state.SkipWithError(err.c_str());
    return;
  }
  EventBuilder b;
  std::vector<SignalEvent> evs;
  std::mt19937_64 rnd(11);
  const auto box = EventBuilder::ip4(10, 7, 7, 7, 5060);
  double t = 1.0;
  for (size_t k = 0; k < 20'000; ++k) {
    const std::string a = std::to_string(8617000000000ull + k % 1000);
    const std::string callee = std::to_string(8613800000000ull + rnd() % 100'000'000ull);
    const std::string cid = "box" + std::to_string(k);
    evs.push_back(b.sip_request(SipMethod::Invite, t, cid, a, callee, box));
    evs.push_back(b.sip_response(180, t + 0.5, cid, a, callee));
    evs.push_back(b.sip_request(SipMethod::Cancel, t + 4, cid, a, callee, box));
    t += 0.05;
  }
  in_time_order(evs);
  run_bursts(state, *det, evs);
  state.counters["alerts"] = double(det->counters().alerts);
}
BENCHMARK(BM_CallsOfFlaggedSimBox)->Unit(benchmark::kMicrosecond);

// A bulk dialler (the playbook's "dials many numbers with short calls"),
// with the default rules: one number calling a new number every 0.2 s, each
// call cancelled after 2 s of ringing. Its contact list is at its bound (512)
// from early on and every call looks the callee up in it; after its flag
// every call counts into its open alerts.
void BM_CallsOfBulkDialler(benchmark::State& state) {
  auto det = default_detector(state);
  if (!det) return;
  EventBuilder b;
  std::vector<SignalEvent> evs;
  const std::string a = "8617012345678";
  const auto src = EventBuilder::ip4(10, 3, 3, 3, 5060);
  double t = 1.0;
  for (size_t k = 0; k < 20'000; ++k) {
    const std::string callee = std::to_string(8613800000000ull + k * 7919 % 100'000'000ull);
    const std::string cid = "bulk" + std::to_string(k);
    evs.push_back(b.sip_request(SipMethod::Invite, t, cid, a, callee, src));
    evs.push_back(b.sip_response(180, t + 0.3, cid, a, callee));
    evs.push_back(b.sip_request(SipMethod::Cancel, t + 2.3, cid, a, callee, src));
    t += 0.2;
  }
  in_time_order(evs);
  run_bursts(state, *det, evs);
  state.counters["alerts"] = double(det->counters().alerts);
}
BENCHMARK(BM_CallsOfBulkDialler)->Unit(benchmark::kMicrosecond);

// A scam text campaign (default rules): one sender texts the playbook's
// medical-insurance script, with its callback number, to a new recipient
// every 0.1 s over MAP mo-forwardSM. After its flag every text counts into
// its open alerts and names the callback number again.
void BM_TextsOfScamSender(benchmark::State& state) {
  auto det = default_detector(state);
  if (!det) return;
  EventBuilder b;
  std::vector<SignalEvent> evs;
  const std::string_view text = b.keep("【医保局】您的医保卡异常已被冻结，请立即致电4008001234办理退款，逾期将影响报销");
  double t = 1.0;
  for (uint32_t k = 0; k < 20'000; ++k) {
    auto e = b.map_invoke(46, t, "8613900000011", "460001234567890", TcapType::Begin, k);
    e.map.msisdn = b.keep("8617012345678");
    e.map.sms.present = true;
    e.map.sms.tpdu_type = 1;
    e.map.sms.da = b.keep(std::to_string(8613800000000ull + k * 7919 % 100'000'000ull));
    e.map.sms.text = text;
    evs.push_back(e);
    t += 0.1;
  }
  run_bursts(state, *det, evs);
  state.counters["alerts"] = double(det->counters().alerts);
}
BENCHMARK(BM_TextsOfScamSender)->Unit(benchmark::kMicrosecond);

}  // namespace
