// The one fuzz entry point for the whole pipeline after the source, shared by
// the libFuzzer target (pipeline_fuzz.cpp) and the g++ replay test: decode ->
// track -> detect -> act on a short capture, twice: with the default rules and
// their lists, and with hair-trigger rules (trigger_rules.yaml: thresholds of
// one or two, lists that take most numbers), so that a short input flags
// numbers and reaches what follows a flag (victims, blocking, victim_on_line).
// Tables are bounded to a few entries so that every eviction path runs.
// The input is the L2-L4 target's (tests/fuzz/l2l4), so its seeds serve:
//   record := selector (1 byte) | length (2 bytes, big-endian) | bytes
// the last record takes whatever is left. The selector's low bits pick the
// link type; its high nibble moves capture time on by that many times 97 s
// before the packet (call timeouts, windows, victim_on_line's 5 minutes).
// Whatever the bytes: no crash; every alert names a rule of the file and a
// subject, at a capture time of the input, and is one line of JSON; the
// victims file is JSON lines; no pattern match loses its field.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataplane/decode.hpp"
#include "host/detect/compiled_rules.hpp"
#include "host/detect/detector.hpp"
#include "host/offload/backend_detail.hpp"
#include "host/offload/engines.hpp"
#include "host/out/alert_json.hpp"
#include "host/rules/rule_set.hpp"
#include "tests/fuzz/l2l4/l2l4_fuzz_entry.hpp"

namespace sigprobe::pipeline::fuzz {

inline void require(bool ok, const char* what, const std::string& detail = "") {
  if (ok) return;
  std::fprintf(stderr, "pipeline fuzz: %s %s\n", what, detail.c_str());
  std::abort();
}

// The two rule files, each loaded once, with every table bounded to 4 entries.
enum class Rules { Default, Trigger };

inline std::shared_ptr<const rules::RuleSet> load_small(const std::string& path) {
  std::string err;
  auto loaded = rules::load_rules(path, err);
  require(loaded != nullptr, "a rules file does not load:", err);
  auto small = std::make_shared<rules::RuleSet>(*loaded);
  small->settings.max_calls = small->settings.max_transactions = small->settings.max_subscribers = 4;
  return small;
}

inline std::shared_ptr<const rules::RuleSet> small_rules(Rules which) {
  static const std::shared_ptr<const rules::RuleSet> def =
      load_small(std::string(SIGPROBE_SOURCE_DIR) + "/host/rules/default_rules.yaml");
  static const std::shared_ptr<const rules::RuleSet> trig =
      load_small(std::string(SIGPROBE_SOURCE_DIR) + "/tests/fuzz/pipeline/trigger_rules.yaml");
  return which == Rules::Default ? def : trig;
}

// What the inputs reached, summed over the runs of a process: the replay test
// asserts that the seeds reach the paths after a flag.
struct Reach {
  uint64_t alerts = 0, victims = 0, called_in = 0, called_back = 0, deep = 0, on_line = 0, blocked = 0;
  std::set<std::string> rules;  // that raised an alert
};
inline Reach& reach() {
  static Reach r;
  return r;
}

// The pattern engine keeps no state between scans that changes a result:
// one, built once (its Hyperscan database is most of a detector's cost), is
// lent to each input's detector.
class LentPatterns final : public offload::PatternEngine {
 public:
  explicit LentPatterns(offload::PatternEngine& e) : e_(e) {}
  std::string_view backend() const override { return e_.backend(); }
  void scan(std::span<const offload::ScanItem> items, std::vector<offload::PatternMatch>& out) override {
    e_.scan(items, out);
  }

 private:
  offload::PatternEngine& e_;
};

// A fresh detector per input (each input reproduces alone).
inline std::unique_ptr<detect::Detector> fresh_detector(Rules which) {
  static detect::SpecRegistry reg;
  std::string err;
  auto c = detect::compile_rules(small_rules(which), reg, err);
  require(c != nullptr, "a rules file does not compile:", err);
  static std::unique_ptr<offload::PatternEngine> engines[2];
  std::unique_ptr<offload::PatternEngine>& patterns = engines[which == Rules::Default ? 0 : 1];
  if (!patterns) {
    offload::OffloadOptions o;
    o.backend = offload::Backend::Cpu;
    std::string e;
    patterns = offload::make_engines(o, c->patterns, c->rates, e).pattern;
    require(patterns != nullptr, "no cpu pattern engine:", e);
  }
  // A small rate table (1,024 sets): fewer pages to map, and its evictions run.
  auto rate = offload::make_cpu_rate_engine_sized(c->rates, 10, err);
  require(rate != nullptr, "no cpu rate engine:", err);
  return std::make_unique<detect::Detector>(std::move(c), std::make_unique<LentPatterns>(*patterns),
                                            std::move(rate));
}

inline void run_with(Rules which, const uint8_t* data, size_t size) {
  static Decoder decoder = [] {
    DecoderConfig dc;
    dc.ip_frag_max_datagrams = 4;
    dc.tcp_max_streams = 4;
    dc.sctp_max_partial = 4;
    dc.country_code = "86";
    return Decoder(dc);
  }();
  decoder.begin_capture();
  static EventBatch batch(16, 1 << 16);
  auto det = fresh_detector(which);
  DecodeCounters c;

  constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;
  std::vector<PacketRef> pkts;
  uint64_t ts = kT0;
  l2l4::fuzz::for_each_record(data, size, [&](uint8_t sel, const uint8_t* bytes, size_t len) {
    ts += 1'000'000 + uint64_t(sel >> 4) * 97'000'000'000ull;
    PacketRef p;
    p.data = bytes;
    p.caplen = p.wirelen = uint32_t(len);
    p.ts_ns = ts;
    p.frame = pkts.size() + 1;
    p.link = l2l4::fuzz::kLinks[(sel & 0x0F) % l2l4::fuzz::kLinks.size()];
    pkts.push_back(p);
  });

  Reach& r = reach();
  std::vector<Alert> alerts;
  for (size_t i = 0; i < pkts.size(); i += 8) {
    batch.clear();
    const size_t n = std::min<size_t>(8, pkts.size() - i);
    require(decoder.decode_burst({pkts.data() + i, n}, batch, c) == n, "a burst was not decoded whole");
    det->on_events(batch.events(), alerts);
    for (const SignalEvent& e : batch.events()) r.blocked += det->blocked(e);
  }
  det->finish(ts + 86'400'000'000'000ull, alerts);
  require(det->counters().matches_without_field == 0, "a pattern match whose field text was not found");

  const rules::RuleSet& rs = *small_rules(which);
  for (const Alert& a : alerts) {
    bool known = false;
    for (const rules::Rule& rule : rs.rules) known = known || rule.name == a.rule;
    require(known, "an alert names no rule of the file:", a.rule);
    require(!a.subject.empty(), "an alert without a subject:", a.rule);
    require(a.ts_ns >= kT0 && a.ts_ns <= ts + 86'400'000'000'000ull, "an alert outside the capture's time:",
            a.rule);
    for (const Victim& v : a.victims) require(!v.number.empty(), "a victim without a number:", a.rule);
    std::string line;
    append_alert_json(line, a);
    require(line.size() > 2 && line.front() == '{' && line.find('\n') == line.size() - 1,
            "an alert line that is not one JSON object:", line);
    ++r.alerts;
    r.rules.insert(a.rule);
    r.on_line += a.rule == "victim_on_line" || a.rule == "on_line";
  }
  std::ostringstream os;
  det->write_victims(os);
  std::istringstream lines(os.str());
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    require(!j.is_discarded() && j.contains("subject") && j["victims"].is_array(),
            "a victims line that is not a subject's JSON object:", line);
    for (const auto& v : j["victims"]) {
      ++r.victims;
      r.called_in += v.value("called_in", false);
      r.called_back += v.value("called_back", false);
      r.deep += v.value("deep", false);
    }
  }
  det->print_caught(os);
}

inline int run_one(const uint8_t* data, size_t size) {
  run_with(Rules::Default, data, size);
  run_with(Rules::Trigger, data, size);
  return 0;
}

}  // namespace sigprobe::pipeline::fuzz
