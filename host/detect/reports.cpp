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
  static constexpr const char* kNames[] = {"msisdn", "ip", "gt", "user_agent", "imei", "imsi", "cell"};
  return kNames[size_t(t)];
}

// The numbers flagged, each with its first alert, its rules and the entries
// of its cli_spoof rules. A number flagged only as a spoofed CLI belongs to a
// subscriber of ours or a service (a bank): its victims are the numbers its
// spoofed calls and texts reached, not its own contacts.
struct FlaggedNumber {
  uint64_t first_ns = 0;
  std::vector<std::string> rules;
  bool contacts = false;                // flagged by a rule whose victims are its contacts
  std::vector<const Caught*> spoofed;   // its cli_spoof entries
};
std::map<std::string, FlaggedNumber> flagged_numbers(const track::FlatTable<Caught>& caught) {
  std::map<std::string, FlaggedNumber> out;
  caught.for_each([&](uint64_t, const Caught& c) {
    if (c.subject_type != SubjectType::Msisdn || c.victim) return;  // a victim_on_line subject is a victim
    FlaggedNumber& f = out[c.subject];
    if (f.rules.empty() || c.first_ts_ns < f.first_ns) f.first_ns = c.first_ts_ns;
    f.rules.push_back(c.rule);
    if (c.spoofed_cli) f.spoofed.push_back(&c);
    else f.contacts = true;
  });
  return out;
}

// A victims-file line's victims.
nlohmann::json victims_json(const std::vector<Victim>& victims) {
  nlohmann::json vs = nlohmann::json::array();
  for (const Victim& v : victims) {
    nlohmann::json j{{"number", v.number}, {"deep", v.deep}, {"last_ts", double(v.last_ts_ns) / 1e9}};
    if (!v.imsi.empty()) j["imsi"] = v.imsi;
    if (v.called_back) j["called_back"] = true;
    if (v.called_in) j["called_in"] = true;
    vs.push_back(std::move(j));
  }
  return vs;
}
}  // namespace

std::vector<Caught> Detector::caught() const {
  std::vector<Caught> out;
  out.reserve(caught_.size());
  caught_.for_each([&](uint64_t, const Caught& c) { out.push_back(c); });
  return out;
}

std::map<std::string, RuleTotals> Detector::alerts_per_rule() const {
  std::map<std::string, RuleTotals> per_rule = evicted_totals_;
  caught_.for_each([&](uint64_t, const Caught& c) {
    RuleTotals& t = per_rule[c.rule];
    t.alerts += c.alerts;
    t.hits += c.hits;
  });
  return per_rule;
}

void Detector::print_caught(std::ostream& os) const {
  const auto per_rule = alerts_per_rule();
  os << "  alerts per rule:\n";
  if (per_rule.empty()) os << "    (none)\n";
  for (const auto& [rule, t] : per_rule)
    os << fmt::format("    {:<28} {:>7} alert(s) {:>9} hit(s)\n", rule, t.alerts, t.hits);
  std::vector<const Caught*> top;
  caught_.for_each([&](uint64_t, const Caught& c) { top.push_back(&c); });
  std::sort(top.begin(), top.end(), [](const Caught* a, const Caught* b) {
    if (a->hits != b->hits) return a->hits > b->hits;
    return a->subject != b->subject ? a->subject < b->subject : a->rule < b->rule;
  });
  if (!top.empty()) os << "  top subjects:\n";
  for (size_t i = 0; i < top.size() && i < 10; ++i)
    os << fmt::format("    {:<10} {:<24} {:<28} {:>7} hit(s)\n", subject_name(top[i]->subject_type),
                      top[i]->subject, top[i]->rule, top[i]->hits);
  // victims of flagged numbers
  const auto flagged = flagged_numbers(caught_);
  uint64_t shallow = 0, deep = 0, called_back = 0, called_in = 0;
  for (const auto& [num, f] : flagged)
    for (const Victim& v : number_victims(num, f.first_ns, f.contacts, f.spoofed)) {
      (v.deep ? deep : shallow)++;
      called_back += v.called_back;
      called_in += v.called_in;
    }
  os << fmt::format(
      "  victims: {} number(s) flagged, {} victim(s) ({} deep, {} shallow; {} called back, {} called in)\n",
      flagged.size(), deep + shallow, deep, shallow, called_back, called_in);
  // victims of flagged groups (SIM boxes), through the calling numbers seen in their calls
  const uint64_t lookback = compiled_->rules->settings.victims_lookback_ns;
  size_t groups = 0, numbers = 0, group_victims = 0;
  caught_.for_each([&](uint64_t, const Caught& c) {
    if (c.members.empty() || c.spoofed_cli) return;
    ++groups;
    numbers += c.members.size();
    group_victims += victims_of(c.members, c.first_ts_ns > lookback ? c.first_ts_ns - lookback : 0).size();
  });
  if (groups)
    os << fmt::format("  group victims: {} (rule, group) flagged, {} calling number(s), {} victim(s)\n", groups,
                      numbers, group_victims);
  const auto& cc = calls_.counters();
  os << fmt::format("  calls tracked: {} ({} answered, {} cancelled before answer, {} rejected, {} timed out{}{}{}{}), "
                    "table bound {} evictions {}\n",
                    cc.calls, cc.answered, cc.cancelled, cc.rejected, cc.timed_out,
                    cc.unseen ? fmt::format(", {} outcome not on the link", cc.unseen) : std::string(),
                    cc.later_legs ? fmt::format(", {} later leg(s) of a call seen already", cc.later_legs)
                                  : std::string(),
                    cc.challenged ? fmt::format(", {} challenge(s) for credentials (401/407) within a call",
                                                cc.challenged)
                                  : std::string(),
                    cc.retry_asked
                        ? fmt::format(", {} redirect(s) or other answer(s) asking for a retry within a call",
                                      cc.retry_asked)
                        : std::string(),
                    calls_.table_counters().capacity, calls_.table_counters().evictions);
  if (caught_.counters().evictions)
    os << fmt::format("  caught list bound {} (settings.max_subscribers): {} (rule, subject) entries pushed out "
                      "(still in the alerts per rule, not in the top subjects or victims)\n",
                      caught_.capacity(), caught_.counters().evictions);
  if (counters_.sms_later_legs)
    os << fmt::format("  SMS seen again as another leg (CAMEL and MAP, MO and MT, SIP hops) within 10 s: {}, counted once\n",
                      counters_.sms_later_legs);
  if (counters_.whitelisted_suppressed)
    os << fmt::format("  whitelisted subjects not flagged: {} time(s)\n", counters_.whitelisted_suppressed);
  if (counters_.on_line_unwatched)
    os << fmt::format("  answered calls of flagged numbers not watched for victim_on_line (watch list full): {}\n",
                      counters_.on_line_unwatched);
  if (counters_.calls_cut)
    os << fmt::format("  victims' calls to cut (a blocking victim_on_line; cut inline with --enforce): {}\n",
                      counters_.calls_cut);
  if (counters_.cli_roaming_passed)
    os << fmt::format("  calls from abroad with our number passed, its subscriber roaming abroad: {}\n",
                      counters_.cli_roaming_passed);
  if (offload_fallbacks())
    os << fmt::format("  offload fallbacks to the cpu: {} ({})\n", offload_fallbacks(), offload_fallback_reasons());
}

std::string Detector::offload_fallback_reasons() const {
  std::string out;
  if (pattern_->fallbacks())
    out += fmt::format("pattern {} {}: {}", pattern_->backend(), pattern_->fallbacks(), pattern_->fallback_reason());
  if (rate_->fallbacks())
    out += fmt::format("{}rate {} {}: {}", out.empty() ? "" : "; ", rate_->backend(), rate_->fallbacks(),
                       rate_->fallback_reason());
  return out;
}

std::vector<Victim> Detector::number_victims(const std::string& number, uint64_t first_ns, bool contacts,
                                             const std::vector<const Caught*>& spoofed) const {
  const uint64_t lookback = compiled_->rules->settings.victims_lookback_ns;
  const uint64_t since = first_ns > lookback ? first_ns - lookback : 0;
  if (contacts || spoofed.empty()) return victims_of(number, since);
  // The numbers its spoofed calls and texts reached, by any of its cli_spoof rules.
  std::vector<std::string> called;
  uint64_t last_ns = 0;
  for (const Caught* c : spoofed) {
    for (const std::string& n : c->members)
      if (std::find(called.begin(), called.end(), n) == called.end()) called.push_back(n);
    last_ns = std::max(last_ns, c->last_ts_ns);
  }
  return called_victims(number, called, last_ns, since);
}

void Detector::write_victims(std::ostream& os) const {
  const auto flagged = flagged_numbers(caught_);
  const uint64_t lookback = compiled_->rules->settings.victims_lookback_ns;
  for (const auto& [num, f] : flagged) {
    nlohmann::json j;
    j["subject"] = num;
    j["rules"] = f.rules;
    j["first_alert_ts"] = double(f.first_ns) / 1e9;
    j["victims"] = victims_json(number_victims(num, f.first_ns, f.contacts, f.spoofed));
    os << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
  // Flagged groups, one line per (rule, group), in subject then rule order.
  std::vector<const Caught*> groups;
  caught_.for_each([&](uint64_t, const Caught& c) {
    if (!c.members.empty() && !c.spoofed_cli) groups.push_back(&c);
  });
  std::sort(groups.begin(), groups.end(), [](const Caught* a, const Caught* b) {
    return a->subject != b->subject ? a->subject < b->subject : a->rule < b->rule;
  });
  for (const Caught* c : groups) {
    nlohmann::json j;
    j["subject"] = c->subject;
    j["subject_type"] = subject_name(c->subject_type);
    j["rules"] = {c->rule};
    j["first_alert_ts"] = double(c->first_ts_ns) / 1e9;
    j["numbers"] = c->members;
    if (c->members_dropped) j["numbers_dropped"] = c->members_dropped;
    j["victims"] = victims_json(victims_of(c->members, c->first_ts_ns > lookback ? c->first_ts_ns - lookback : 0));
    os << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
}

}  // namespace sigprobe::detect
