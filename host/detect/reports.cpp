// What the detector caught, for people: the replay summary and the victims file.
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/detect/detector.hpp"

namespace sigprobe::detect {
namespace {
// sp_detect does not link host/out: its own copy of the subject names.
const char* subject_name(SubjectType t) {
  static constexpr const char* kNames[] = {"msisdn", "ip", "gt", "user_agent", "imei", "imsi"};
  return kNames[size_t(t)];
}
}  // namespace

void Detector::print_caught(std::ostream& os) const {
  std::map<std::string, std::pair<uint64_t, uint64_t>> per_rule;  // alerts, hits
  for (const Caught& c : caught_) {
    auto& e = per_rule[c.rule];
    e.first += c.alerts;
    e.second += c.hits;
  }
  os << "  alerts per rule:\n";
  if (per_rule.empty()) os << "    (none)\n";
  for (const auto& [rule, e] : per_rule)
    os << fmt::format("    {:<28} {:>7} alert(s) {:>9} hit(s)\n", rule, e.first, e.second);
  std::vector<const Caught*> top;
  for (const Caught& c : caught_) top.push_back(&c);
  std::sort(top.begin(), top.end(), [](const Caught* a, const Caught* b) {
    return a->hits != b->hits ? a->hits > b->hits : a->subject < b->subject;
  });
  if (!top.empty()) os << "  top subjects:\n";
  for (size_t i = 0; i < top.size() && i < 10; ++i)
    os << fmt::format("    {:<10} {:<24} {:<28} {:>7} hit(s)\n", subject_name(top[i]->subject_type),
                      top[i]->subject, top[i]->rule, top[i]->hits);
  // victims of flagged numbers
  std::map<std::string, uint64_t> first;
  for (const Caught& c : caught_)
    if (c.subject_type == SubjectType::Msisdn) {
      auto [it, fresh] = first.emplace(c.subject, c.first_ts_ns);
      if (!fresh) it->second = std::min(it->second, c.first_ts_ns);
    }
  uint64_t shallow = 0, deep = 0;
  const uint64_t lookback = compiled_->rules->settings.victims_lookback_ns;
  for (const auto& [num, ts] : first)
    for (const Victim& v : victims_of(num, ts > lookback ? ts - lookback : 0)) (v.deep ? deep : shallow)++;
  os << fmt::format("  victims: {} number(s) flagged, {} victim(s) ({} deep, {} shallow)\n", first.size(),
                    deep + shallow, deep, shallow);
  const auto& cc = calls_.counters();
  os << fmt::format("  calls tracked: {} ({} answered, {} cancelled before answer, {} rejected, {} timed out), "
                    "table bound {} evictions {}\n",
                    cc.calls, cc.answered, cc.cancelled, cc.rejected, cc.timed_out,
                    calls_.table_counters().capacity, calls_.table_counters().evictions);
  if (counters_.whitelisted_suppressed)
    os << fmt::format("  whitelisted subjects not flagged: {} time(s)\n", counters_.whitelisted_suppressed);
}

void Detector::write_victims(std::ostream& os) const {
  std::map<std::string, std::pair<uint64_t, std::vector<std::string>>> flagged;
  for (const Caught& c : caught_) {
    if (c.subject_type != SubjectType::Msisdn) continue;
    auto& e = flagged[c.subject];
    if (e.second.empty() || c.first_ts_ns < e.first) e.first = c.first_ts_ns;
    e.second.push_back(c.rule);
  }
  const uint64_t lookback = compiled_->rules->settings.victims_lookback_ns;
  for (const auto& [num, e] : flagged) {
    nlohmann::json j;
    j["subject"] = num;
    j["rules"] = e.second;
    j["first_alert_ts"] = double(e.first) / 1e9;
    nlohmann::json vs = nlohmann::json::array();
    for (const Victim& v : victims_of(num, e.first > lookback ? e.first - lookback : 0))
      vs.push_back({{"number", v.number}, {"deep", v.deep}, {"last_ts", double(v.last_ts_ns) / 1e9}});
    j["victims"] = vs;
    os << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
}

}  // namespace sigprobe::detect
