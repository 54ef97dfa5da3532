// The rules file loader: YAML -> RuleSet. Start-up (and reload) path, not the
// data path: yaml-cpp's exceptions are caught here and become one line that
// names the file, the line and the field.
#include <yaml-cpp/yaml.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "dataplane/core/country_code.hpp"
#include "host/rules/ascii_form.hpp"
#include "host/rules/catalogue.hpp"
#include "host/rules/rule_set.hpp"

namespace sigprobe::rules {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTopKeys[] = {"version", "settings", "lists", "rules"};
constexpr std::string_view kSettingsKeys[] = {
    "home_imsi_prefixes", "home_gt_prefixes", "interconnect_gt_prefixes", "whitelists",
    "victims_lookback",   "deep_victim_call", "setup_timeout",            "call_timeout",
    "max_calls",          "max_transactions", "max_subscribers",          "sip_reject",
    "utc_offset_hours",   "track_camel",      "national_forms",           "country_code"};
constexpr std::string_view kListKeys[] = {"file", "entries", "match", "min_digits"};
constexpr std::string_view kCommonKeys[] = {"name", "type", "severity", "action", "window", "description",
                                            "enabled",  "hours"};

// Keys each rule type takes besides the common ones and its min_/max_ metrics.
std::vector<std::string_view> type_keys(RuleType t) {
  switch (t) {
    case RuleType::NumberList: return {"lists", "fields"};
    case RuleType::Content: return {"keywords", "min_families", "url_domains", "callback_numbers"};
    case RuleType::BulkText: return {"min_text_len"};
    case RuleType::Signature: return {"user_agents", "display_names", "imei_tacs"};
    case RuleType::CallerBehaviour: return {"short_call"};
    case RuleType::Wangiri: return {"max_ring"};
    case RuleType::SimBox: return {"group_by", "across", "only_callers_in"};
    case RuleType::SipAttack: return {"methods"};
    case RuleType::Ss7Security: return {"category", "operations", "min_travel", "neighbours"};
    case RuleType::Roaming: return {"mode", "high_risk"};
    case RuleType::SmsFlood: return {"group_by", "foreign_only"};
    case RuleType::CliSpoof: return {"cli", "international_sources", "international_opcs", "roaming_exempt", "sms"};
    case RuleType::VictimOnLine: return {"min_talk"};
    default: return {};
  }
}

// s with its full-width forms and no-break spaces as ASCII (ascii_form.hpp).
std::string ascii_forms(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const AsciiForm f = ascii_form_at(s, i);
    out += f.c;
    i += f.len;
  }
  return out;
}

// What no entry may hold, and how to say it: the marks of a spreadsheet's
// CSV export or of a text copied from a document. Empty when none.
std::string stray_mark(std::string_view e) {
  for (size_t i = 0; i < e.size(); ++i) {
    const uint8_t c = uint8_t(e[i]);
    if (c == ',' || c == ';') return std::string("a '") + char(c) + "' (one entry a line: a CSV export? keep its number column only)";
    if (c == '"' || c == '\'') return "quotes (write the entry bare)";
    if ((c < 0x20 && c != '\t') || c == 0x7F) return "a control character";
    const std::string_view rest = e.substr(i);
    if (rest.starts_with("\xE2\x80\x8B")) return "a zero-width space";
    if (rest.starts_with("\xEF\xBB\xBF")) return "a byte order mark";
    if (rest.starts_with("\xE3\x80\x81")) return "a '\xE3\x80\x81' (one entry a line)";
  }
  return {};
}

// A number written in groups with blanks, as lists typed by hand or exported
// from a document write them: "138 0013 8000", "+86 138 0013 8000",
// "(0871) 6543 0003". Every group before the last has at most 4 digits and
// the whole at least 7, so two numbers or two prefixes on one line
// ("13800138000 13900139000", "855 95") stay two entries: refused.
bool blank_grouped_number(std::string_view e) {
  if (e.find_first_not_of("0123456789+-() *") != std::string_view::npos) return false;
  if (const size_t star = e.find('*'); star != std::string_view::npos && star + 1 != e.size()) return false;
  size_t digits = 0, group = 0;
  bool last_blank = false;
  for (char c : e) {
    if (c == ' ') {
      if (!last_blank && group > 4) return false;
      last_blank = true;
      group = 0;
      continue;
    }
    last_blank = false;
    if (c >= '0' && c <= '9') ++digits, ++group;
  }
  return digits >= 7;
}

// One list entry as written, a line of a list file or an item of 'entries':
// full-width forms read as ASCII; a trailing '*' makes it a prefix; a number
// may be written with '-', '(' and ')' (138-0013-8000, (0871)6543210: they go),
// in groups with blanks (blank_grouped_number) and with a leading '+' (it goes:
// numbers are compared as their digits); an IP address or block must parse as
// one. Any other blank inside, a ',' or ';', quotes and invisible characters
// are refused: such an entry would never match.
// Returns why the entry is refused, or nothing.
std::string normalize_list_entry(std::string& entry, bool& prefix) {
  const std::string as_written = entry;
  entry = ascii_forms(entry);
  if (size_t b = entry.find_first_not_of(' '); b != std::string::npos) {
    entry = entry.substr(b, entry.find_last_not_of(' ') - b + 1);
  }
  if (std::string why = stray_mark(entry); !why.empty()) return "'" + as_written + "' holds " + why;
  if (entry.find(' ') != std::string::npos && blank_grouped_number(entry)) std::erase(entry, ' ');
  if (entry.find_first_of(" \t") != std::string::npos)
    return "one number, prefix or address per entry, got '" + as_written + "'";
  if (looks_like_ip_entry(entry) && !parse_ip_block(entry))
    return "'" + as_written + "' is neither a number nor an IP address or CIDR block (192.0.2.0/24, 2001:db8::/32)";
  if (!entry.empty() && entry.back() == '*') {
    entry.pop_back();
    prefix = true;
  }
  if (!entry.empty() && entry.find_first_not_of("0123456789+-()") == std::string::npos) {  // a number
    if (entry.find_first_of("0123456789") == std::string::npos)
      return "'" + as_written + "' has no digit (an empty spreadsheet cell?)";
    std::erase_if(entry, [](char c) { return c == '-' || c == '(' || c == ')'; });
    if (entry.find('+', 1) != std::string::npos) return "'" + as_written + "' has a '+' inside the number";
  }
  if (!entry.empty() && entry.front() == '+') entry.erase(0, 1);
  if (entry.empty()) return "empty entry";
  if (entry.size() > kMaxListEntry)
    return "'" + as_written + "' is longer than the " + std::to_string(kMaxListEntry) +
           " bytes the pattern stage matches";
  return {};
}

// Table bounds above this are refused: the tables round their bound up to a
// power of two, and no link needs more than a billion calls or subscribers.
constexpr uint64_t kMaxTableBound = uint64_t(1) << 30;
// Durations (windows, timeouts, look-backs) of more than a leap year are a
// typo; they would also overflow nanoseconds in a uint64_t past 584 years.
constexpr uint64_t kMaxDurationNs = 366ull * 86400 * 1'000'000'000;

// The line a message names: YAML's marks count from 0, and a node that is not
// in the text (an empty file, a missing key) has none: its file's first line.
int line_of(const YAML::Mark& m) { return m.line >= 0 ? m.line + 1 : 1; }

class Loader {
 public:
  Loader(std::string path, RuleSet& rs) : path_(std::move(path)), rs_(rs) {
    file_ = fs::path(path_).filename().string();
    dir_ = fs::path(path_).parent_path().string();
    if (file_.empty()) file_ = path_;
  }

  bool load(const YAML::Node& root) {
    if (!root.IsMap()) return fail(root, "the rules file must be a mapping with 'rules:'");
    if (!check_keys(root, kTopKeys, std::size(kTopKeys), "top level")) return false;
    if (auto v = root["version"]) {
      int ver = 0;
      if (!as_int(v, "version", ver)) return false;
      if (ver != 1) return fail(v, "version " + std::to_string(ver) + " is not supported (expected 1)");
    }
    if (auto l = root["lists"]) {
      if (!l.IsMap()) return fail(l, "'lists' must be a mapping of name: {file|entries, match}");
      for (auto it = l.begin(); it != l.end(); ++it)
        if (!load_list(it->first, it->second)) return false;
    }
    if (auto s = root["settings"]) {
      if (!load_settings(s)) return false;
    }
    auto rules = root["rules"];
    if (!rules) return fail(root, "missing 'rules'");
    if (!rules.IsSequence()) return fail(rules, "'rules' must be a list");
    std::set<std::string> names;
    for (const auto& r : rules) {
      Rule rule;
      bool enabled = true;
      if (!load_rule(r, rule, enabled)) return false;
      if (!names.insert(rule.name).second) return fail(r["name"], "duplicate rule name '" + rule.name + "'");
      if (enabled) rs_.rules.push_back(std::move(rule));
    }
    // National forms: not for lists of IMEI TACs or URL domains (a TAC is no
    // number with a country code; a domain has no digits-only entries anyway).
    std::vector<bool> skip(rs_.lists.size(), false);
    for (const Rule& r : rs_.rules)
      if (r.type == RuleType::Signature || r.type == RuleType::Content)
        for (uint32_t i : r.lists) skip[i] = true;
    for (size_t i = 0; i < rs_.lists.size(); ++i)
      if (!skip[i]) add_national_forms(rs_.settings, rs_.lists[i]);
    return true;
  }

  std::string err;

 private:
  bool fail(const YAML::Node& n, const std::string& msg) {
    err = file_ + ":" + std::to_string(line_of(n.Mark())) + ": " + msg;
    return false;
  }
  bool fail_at(const YAML::Mark& m, const std::string& msg) {
    err = file_ + ":" + std::to_string(line_of(m)) + ": " + msg;
    return false;
  }

  bool check_keys(const YAML::Node& map, const std::string_view* allowed, size_t n, const std::string& where,
                  const std::vector<std::string_view>& extra = {}, RuleType* metrics_of = nullptr) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string k = it->first.as<std::string>();
      bool ok = std::find(allowed, allowed + n, k) != allowed + n ||
                std::find(extra.begin(), extra.end(), k) != extra.end();
      if (!ok && metrics_of && (k.rfind("min_", 0) == 0 || k.rfind("max_", 0) == 0)) {
        auto m = metric_from(std::string_view(k).substr(4));
        if (m && metric_allowed(*metrics_of, *m)) ok = true;
      }
      if (ok) continue;
      std::vector<std::string_view> all(allowed, allowed + n);
      all.insert(all.end(), extra.begin(), extra.end());
      std::vector<std::string> metric_keys;
      if (metrics_of) {
        for (size_t m = 0; m < size_t(Metric::Count_); ++m) {
          if (!metric_allowed(*metrics_of, Metric(m))) continue;
          metric_keys.push_back("min_" + std::string(metric_name(Metric(m))));
          metric_keys.push_back("max_" + std::string(metric_name(Metric(m))));
        }
        for (auto& s : metric_keys) all.push_back(s);
      }
      std::string_view near = closest(k, all.data(), all.size());
      std::string msg = "unknown key '" + k + "' in " + where;
      if (!near.empty()) msg += " (expected '" + std::string(near) + "')";
      return fail_at(it->first.Mark(), msg);
    }
    return true;
  }

  bool as_string(const YAML::Node& n, const std::string& field, std::string& out) {
    if (!n.IsScalar()) return fail(n, "'" + field + "' must be a string");
    out = n.Scalar();
    return true;
  }
  // "true" or "false" (what the rules README documents; no YAML yes/on).
  bool as_bool(const YAML::Node& n, const std::string& field, bool& out) {
    std::string v;
    if (!as_string(n, field, v)) return false;
    if (v != "true" && v != "false") return fail(n, "'" + field + "' must be true or false");
    out = v == "true";
    return true;
  }
  bool as_int(const YAML::Node& n, const std::string& field, int& out) {
    long long v = 0;
    if (!as_u64ish(n, field, v)) return false;
    if (v > std::numeric_limits<int>::max()) return fail(n, "'" + field + "' is too large, got " + std::to_string(v));
    out = int(v);
    return true;
  }
  bool as_u64ish(const YAML::Node& n, const std::string& field, long long& out) {
    if (!n.IsScalar()) return fail(n, "'" + field + "' must be a number");
    const std::string& s = n.Scalar();
    char* end = nullptr;
    errno = 0;
    out = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0') return fail(n, "'" + field + "' must be an integer, got '" + s + "'");
    if (errno == ERANGE) return fail(n, "'" + field + "' is out of range, got '" + s + "'");
    if (out < 0) return fail(n, "'" + field + "' must not be negative");
    return true;
  }
  // A table bound (max_calls, ...): the tables grow to it as they fill.
  bool as_table_bound(const YAML::Node& n, const std::string& field, uint64_t& out) {
    long long v = 0;
    if (!as_u64ish(n, field, v)) return false;
    if (v < 1 || uint64_t(v) > kMaxTableBound)
      return fail(n, "'" + field + "' must be between 1 and " + std::to_string(kMaxTableBound) + ", got " +
                         std::to_string(v));
    out = uint64_t(v);
    return true;
  }
  bool as_double(const YAML::Node& n, const std::string& field, double& out, bool signed_ok = false) {
    if (!n.IsScalar()) return fail(n, "'" + field + "' must be a number");
    const std::string& s = n.Scalar();
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(out))
      return fail(n, "'" + field + "' must be a number, got '" + s + "'");
    if (out < 0 && !signed_ok) return fail(n, "'" + field + "' must not be negative");
    return true;
  }
  // 90, "90s", "500ms", "10m", "2h", "1d" -> ns.
  bool as_duration(const YAML::Node& n, const std::string& field, uint64_t& out) {
    if (!n.IsScalar()) return fail(n, "'" + field + "' must be a duration like 30s, 10m, 2h");
    const std::string& s = n.Scalar();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    std::string unit = end ? std::string(end) : "";
    double mult = 0;
    if (unit.empty() || unit == "s") mult = 1e9;
    else if (unit == "ms") mult = 1e6;
    else if (unit == "m" || unit == "min") mult = 60e9;
    else if (unit == "h") mult = 3600e9;
    else if (unit == "d") mult = 86400e9;
    if (s.empty() || end == s.c_str() || mult == 0 || !(v >= 0) || !std::isfinite(v))
      return fail(n, "'" + field + "' must be a duration like 30s, 10m, 2h, got '" + s + "'");
    if (v * mult > double(kMaxDurationNs))
      return fail(n, "'" + field + "' must be at most 366d, got '" + s + "'");
    out = uint64_t(v * mult);
    return true;
  }
  bool as_strings(const YAML::Node& n, const std::string& field, std::vector<std::string>& out) {
    if (n.IsScalar()) { out.push_back(n.Scalar()); return true; }
    if (!n.IsSequence()) return fail(n, "'" + field + "' must be a list");
    for (const auto& e : n) {
      if (!e.IsScalar()) return fail(e, "'" + field + "' entries must be strings");
      if (e.Scalar().empty()) return fail(e, "'" + field + "' has an empty entry");
      out.push_back(e.Scalar());
    }
    return true;
  }
  bool list_refs(const YAML::Node& n, const std::string& field, std::vector<uint32_t>& out) {
    std::vector<std::string> names;
    if (!as_strings(n, field, names)) return false;
    for (const auto& name : names) {
      int i = rs_.list_index(name);
      if (i < 0) return fail(n, "'" + field + "' names list '" + name + "', which is not defined under 'lists'");
      out.push_back(uint32_t(i));
    }
    return true;
  }

  bool load_list(const YAML::Node& key, const YAML::Node& v) {
    std::string name = key.as<std::string>();
    if (rs_.list_index(name) >= 0) return fail(key, "duplicate list '" + name + "'");
    if (!v.IsMap()) return fail(v, "list '" + name + "' must be a mapping with 'file' or 'entries'");
    if (!check_keys(v, kListKeys, std::size(kListKeys), "list '" + name + "'")) return false;
    bool prefix = false;
    if (auto m = v["match"]) {
      std::string s;
      if (!as_string(m, "match", s)) return false;
      if (s == "prefix") prefix = true;
      else if (s != "exact") return fail(m, "'match' must be exact or prefix, got '" + s + "'");
    }
    NumberList list;
    list.name = name;
    if (auto n = v["min_digits"]) {
      long long d = 0;
      if (!as_u64ish(n, "min_digits", d)) return false;
      if (d < 1 || d > 32) return fail(n, "'min_digits' of list '" + name + "' must be 1 to 32, got " + std::to_string(d));
      list.min_digits = uint8_t(d);
    }
    auto file = v["file"];
    auto entries = v["entries"];
    if (!file && !entries) return fail(v, "list '" + name + "' needs 'file' or 'entries'");
    if (file) {
      std::string f;
      if (!as_string(file, "file", f)) return false;
      fs::path p = fs::path(f).is_absolute() ? fs::path(f) : fs::path(dir_) / f;
      std::string lerr;
      if (!load_list_file(p.string(), prefix, list, lerr))
        return fail(file, "list '" + name + "': " + lerr);
    }
    if (entries) {
      std::vector<std::string> e;
      if (!as_strings(entries, "entries", e)) return false;
      for (auto& s : e) {
        bool p = prefix;
        if (std::string why = normalize_list_entry(s, p); !why.empty())
          return fail(entries, "'entries' of list '" + name + "': " + why);
        (p ? list.prefixes : list.exact).push_back(s);
      }
    }
    if (list.source.empty()) list.source = file_ + ":" + std::to_string(line_of(key.Mark()));
    rs_.lists.push_back(std::move(list));
    return true;
  }

  bool load_settings(const YAML::Node& s) {
    if (!s.IsMap()) return fail(s, "'settings' must be a mapping");
    if (!check_keys(s, kSettingsKeys, std::size(kSettingsKeys), "settings")) return false;
    Settings& st = rs_.settings;
    if (auto n = s["home_imsi_prefixes"]; n && !as_strings(n, "home_imsi_prefixes", st.home_imsi_prefixes)) return false;
    if (auto n = s["home_gt_prefixes"]; n && !as_strings(n, "home_gt_prefixes", st.home_gt_prefixes)) return false;
    if (auto n = s["interconnect_gt_prefixes"];
        n && !as_strings(n, "interconnect_gt_prefixes", st.interconnect_gt_prefixes))
      return false;
    if (auto n = s["whitelists"]; n && !list_refs(n, "whitelists", st.whitelists)) return false;
    if (auto n = s["victims_lookback"]; n && !as_duration(n, "victims_lookback", st.victims_lookback_ns)) return false;
    if (auto n = s["deep_victim_call"]; n && !as_duration(n, "deep_victim_call", st.deep_victim_call_ns)) return false;
    if (auto n = s["setup_timeout"]; n && !as_duration(n, "setup_timeout", st.setup_timeout_ns)) return false;
    if (auto n = s["call_timeout"]; n && !as_duration(n, "call_timeout", st.call_timeout_ns)) return false;
    if (auto n = s["max_calls"]; n && !as_table_bound(n, "max_calls", st.max_calls)) return false;
    if (auto n = s["max_transactions"]; n && !as_table_bound(n, "max_transactions", st.max_transactions)) return false;
    if (auto n = s["max_subscribers"]; n && !as_table_bound(n, "max_subscribers", st.max_subscribers)) return false;
    long long v = 0;
    if (auto n = s["utc_offset_hours"]) {
      double h = 0;
      if (!as_double(n, "utc_offset_hours", h, true)) return false;
      // UTC-12 .. UTC+14, in quarter hours (UTC+5:45 is the finest offset in use)
      if (h < -12 || h > 14 || std::fabs(h * 4 - std::round(h * 4)) > 1e-9)
        return fail(n, "'utc_offset_hours' must be between -12 and 14 in quarter hours, e.g. 8 or 5.5");
      st.utc_offset_s = int64_t(std::llround(h * 3600));
    }
    if (auto n = s["track_camel"]; n && !as_bool(n, "track_camel", st.track_camel)) return false;
    if (auto n = s["national_forms"]) {
      if (!n.IsMap()) return fail(n, "'national_forms' must be a mapping of national prefix: international prefix, e.g. {\"1\": \"861\", \"0\": \"86\"}");
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (!it->first.IsScalar() || !it->second.IsScalar())
          return fail(it->first, "'national_forms' entries must be digits: digits");
        const std::string nat = it->first.Scalar(), intl = it->second.Scalar();
        auto digits = [](const std::string& t) { return t.find_first_not_of("0123456789") == std::string::npos; };
        if (nat.empty() || !digits(nat) || !digits(intl))
          return fail(it->first, "'national_forms': '" + nat + "': '" + intl +
                                     "' must map a national prefix of digits to an international one of digits (or '')");
        st.national_forms.push_back({nat, intl});
      }
      std::sort(st.national_forms.begin(), st.national_forms.end(),
                [](const auto& a, const auto& b) { return a.national.size() > b.national.size(); });
    }
    if (auto n = s["country_code"]) {
      if (!as_string(n, "country_code", st.country_code)) return false;
      if (!is_country_code(st.country_code))
        return fail(n, "'country_code' must be the link's E.164 country code, 1 to 3 digits (China: \"86\"), got '" +
                           st.country_code + "'");
    }
    if (auto n = s["sip_reject"]) {
      if (!as_u64ish(n, "sip_reject", v)) return false;
      // A final response that ends the INVITE transaction (RFC 3261 21.4-21.6).
      if (v != 0 && (v < 400 || v > 699)) return fail(n, "'sip_reject' must be 0 or a SIP final status 400-699, got " + std::to_string(v));
      st.sip_reject = uint16_t(v);
    }
    return true;
  }

  bool load_rule(const YAML::Node& r, Rule& rule, bool& enabled) {
    if (!r.IsMap()) return fail(r, "each rule must be a mapping with 'name' and 'type'");
    rule.line = r.Mark().line + 1;
    auto name = r["name"];
    if (!name) return fail(r, "rule without 'name'");
    if (!as_string(name, "name", rule.name)) return false;
    if (rule.name.empty()) return fail(name, "'name' must not be empty");
    auto type = r["type"];
    if (!type) return fail(r, "rule '" + rule.name + "' has no 'type'");
    std::string ts;
    if (!as_string(type, "type", ts)) return false;
    auto t = rule_type_from(ts);
    if (!t) {
      std::vector<std::string_view> names;
      for (size_t i = 0; i < size_t(RuleType::Count_); ++i) names.push_back(rule_type_name(RuleType(i)));
      std::string_view near = closest(ts, names.data(), names.size());
      std::string msg = "rule '" + rule.name + "': unknown type '" + ts + "'";
      msg += near.empty() ? " (expected one of number_list, content, bulk_text, signature, caller_behaviour, "
                            "wangiri, simbox, sip_attack, ss7_security, roaming, sms_flood)"
                          : " (expected '" + std::string(near) + "')";
      return fail(type, msg);
    }
    rule.type = *t;
    if (!check_keys(r, kCommonKeys, std::size(kCommonKeys), "rule '" + rule.name + "'", type_keys(rule.type),
                    &rule.type))
      return false;
    if (auto n = r["enabled"]; n && !as_bool(n, "enabled", enabled)) return false;
    if (auto n = r["severity"]) {
      std::string s;
      if (!as_string(n, "severity", s)) return false;
      static constexpr std::string_view kSev[] = {"info", "low", "medium", "high", "critical"};
      auto it = std::find(std::begin(kSev), std::end(kSev), s);
      if (it == std::end(kSev)) return fail(n, "'severity' must be info, low, medium, high or critical, got '" + s + "'");
      rule.severity = Severity(it - std::begin(kSev));
    }
    if (auto n = r["action"]) {
      std::string s;
      if (!as_string(n, "action", s)) return false;
      if (s == "alert") rule.action = Action::Alert;
      else if (s == "mirror") rule.action = Action::Mirror;
      else if (s == "block") rule.action = Action::Block;
      else return fail(n, "'action' must be alert, mirror or block, got '" + s + "'");
    }
    if (auto n = r["window"]; n && !as_duration(n, "window", rule.window_ns)) return false;
    if (rule.window_ns == 0) return fail(r["window"], "'window' must be > 0");
    if (auto n = r["hours"]) {
      // [from, to]: local hours from `from` up to (not including) `to`; from > to wraps midnight.
      std::vector<std::string> v;
      if (!as_strings(n, "hours", v)) return false;
      int from = -1, to = -1;
      auto hour = [](const std::string& s, int& out) {
        if (s.empty() || s.size() > 2 || !std::all_of(s.begin(), s.end(), ::isdigit)) return false;
        out = std::stoi(s);
        return out <= 24;
      };
      if (v.size() != 2 || !hour(v[0], from) || !hour(v[1], to) || from == to)
        return fail(n, "'hours' must be [from, to], two different hours 0-24 (local time; from > to wraps midnight)");
      int h = from % 24;
      do {  // [0, 24]: every hour
        rule.hours_mask |= 1u << h;
        h = (h + 1) % 24;
      } while (h != to % 24);
    }
    for (auto it = r.begin(); it != r.end(); ++it) {
      std::string k = it->first.as<std::string>();
      if (k.rfind("min_", 0) != 0 && k.rfind("max_", 0) != 0) continue;
      auto m = metric_from(std::string_view(k).substr(4));
      if (!m || !metric_allowed(rule.type, *m)) continue;  // min_families, min_text_len...
      Condition c;
      c.metric = *m;
      c.is_min = k[1] == 'i';
      if (!as_double(it->second, k, c.threshold)) return false;
      bool ratio = *m == Metric::AnswerRatio || *m == Metric::ShortRatio || *m == Metric::CancelRatio ||
                   *m == Metric::IncomingRatio || *m == Metric::FailRatio || *m == Metric::ImeisPerNumber;
      if (ratio && c.threshold > 1) return fail(it->second, "'" + k + "' is a ratio between 0 and 1");
      rule.conditions.push_back(c);
    }
    return load_type_fields(r, rule);
  }

  bool need_conditions(const YAML::Node& r, const Rule& rule) {
    if (!rule.conditions.empty()) return true;
    return fail(r, "rule '" + rule.name + "' (" + std::string(rule_type_name(rule.type)) +
                       ") needs at least one min_/max_ threshold");
  }

  bool load_type_fields(const YAML::Node& r, Rule& rule) {
    switch (rule.type) {
      case RuleType::NumberList: {
        auto l = r["lists"];
        if (!l) return fail(r, "rule '" + rule.name + "' (number_list) needs 'lists'");
        if (!list_refs(l, "lists", rule.lists)) return false;
        if (auto f = r["fields"]) {
          std::vector<std::string> fields;
          if (!as_strings(f, "fields", fields)) return false;
          rule.fields = 0;
          for (auto& s : fields) {
            if (s == "calling") rule.fields |= kFieldCalling;
            else if (s == "called") rule.fields |= kFieldCalled;
            else if (s == "pai") rule.fields |= kFieldPai;
            else if (s == "gt") rule.fields |= kFieldGt;
            else if (s == "imsi") rule.fields |= kFieldImsi;
            else if (s == "forwarded_to") rule.fields |= kFieldForwardedTo;
            else
              return fail(f, "'fields' entry '" + s + "' is not one of calling, called, pai, gt, imsi, forwarded_to");
          }
        }
        return true;
      }
      case RuleType::Content: {
        if (auto k = r["keywords"]) {
          if (!k.IsMap()) return fail(k, "'keywords' must be a mapping of family: [words]");
          for (auto it = k.begin(); it != k.end(); ++it) {
            KeywordFamily f;
            f.name = it->first.as<std::string>();
            if (!as_strings(it->second, "keywords." + f.name, f.words)) return false;
            if (f.words.empty()) return fail(it->second, "keyword family '" + f.name + "' is empty");
            rule.families.push_back(std::move(f));
          }
        }
        if (auto n = r["min_families"]) {
          int v = 0;
          if (!as_int(n, "min_families", v)) return false;
          if (v < 1) return fail(n, "'min_families' must be >= 1");
          rule.min_families = uint32_t(v);
        }
        if (auto u = r["url_domains"]; u && !list_refs(u, "url_domains", rule.lists)) return false;
        if (auto c = r["callback_numbers"]; c && !as_bool(c, "callback_numbers", rule.callback_numbers)) return false;
        if (rule.families.empty() && rule.lists.empty())
          return fail(r, "rule '" + rule.name + "' (content) needs 'keywords' or 'url_domains'");
        if (rule.min_families > rule.families.size() && !rule.families.empty())
          return fail(r["min_families"], "'min_families' is larger than the number of keyword families");
        return true;
      }
      case RuleType::BulkText:
        if (auto n = r["min_text_len"]) {
          int v = 0;
          if (!as_int(n, "min_text_len", v)) return false;
          rule.min_text_len = uint32_t(v);
        }
        return need_conditions(r, rule);
      case RuleType::Signature:
        if (auto n = r["user_agents"]; n && !as_strings(n, "user_agents", rule.user_agents)) return false;
        if (auto n = r["display_names"]; n && !as_strings(n, "display_names", rule.display_names)) return false;
        if (auto n = r["imei_tacs"]; n && !list_refs(n, "imei_tacs", rule.lists)) return false;
        if (rule.user_agents.empty() && rule.display_names.empty() && rule.lists.empty())
          return fail(r, "rule '" + rule.name + "' (signature) needs user_agents, display_names or imei_tacs");
        return true;
      case RuleType::CallerBehaviour:
        if (auto n = r["short_call"]; n && !as_duration(n, "short_call", rule.short_call_ns)) return false;
        return need_conditions(r, rule);
      case RuleType::Wangiri:
        if (auto n = r["max_ring"]; n && !as_duration(n, "max_ring", rule.max_ring_ns)) return false;
        return need_conditions(r, rule);
      case RuleType::SimBox:
      case RuleType::SmsFlood: {
        auto g = r["group_by"];
        if (!g) return fail(r, "rule '" + rule.name + "' needs 'group_by'");
        std::string s;
        if (!as_string(g, "group_by", s)) return false;
        if (rule.type == RuleType::SimBox) {
          if (s == "ip") rule.group_by = GroupBy::Ip;
          else if (s == "user_agent") rule.group_by = GroupBy::UserAgent;
          else if (s == "imei_family") rule.group_by = GroupBy::ImeiFamily;
          else if (s == "vlr") rule.group_by = GroupBy::Vlr;
          else if (s == "cell") rule.group_by = GroupBy::Cell;
          else return fail(g, "'group_by' must be ip, user_agent, imei_family, cell or vlr, got '" + s + "'");
          if (auto n = r["across"]; n && !as_duration(n, "across", rule.across_ns)) return false;
          for (auto& c : rule.conditions)
            if ((c.metric == Metric::DistinctNumbersAcross || c.metric == Metric::WindowsSeen) && !rule.across_ns)
              return fail(r, "rule '" + rule.name + "': min_" + std::string(metric_name(c.metric)) +
                                 " needs 'across' (the long window)");
          for (auto& c : rule.conditions) {
            const std::string k = std::string(c.is_min ? "min_" : "max_") + std::string(metric_name(c.metric));
            if (c.metric == Metric::ImeisPerNumber && rule.group_by != GroupBy::ImeiFamily)
              return fail(r[k], "'" + k + "' needs 'group_by: imei_family'");
            if (c.metric == Metric::AnswerRatio && rule.group_by == GroupBy::Vlr)
              return fail(r[k], "'" + k + "' reads calls; group_by vlr counts location updates");
          }
          if (auto n = r["only_callers_in"]) {
            if (rule.group_by == GroupBy::Vlr)
              return fail(n, "'only_callers_in' counts calls; group_by vlr counts location updates");
            if (!list_refs(n, "only_callers_in", rule.caller_lists)) return false;
          }
          if (rule.across_ns && rule.across_ns < rule.window_ns)
            return fail(r["across"], "'across' must be longer than 'window'");
        } else {
          if (s == "sender") rule.group_by = GroupBy::Sender;
          else if (s == "service_centre") rule.group_by = GroupBy::ServiceCentre;
          else return fail(g, "'group_by' must be sender or service_centre, got '" + s + "'");
          if (auto n = r["foreign_only"]) {
            if (!as_bool(n, "foreign_only", rule.foreign_only)) return false;
            if (rule.foreign_only && rule.group_by != GroupBy::ServiceCentre)
              return fail(n, "'foreign_only' applies to group_by service_centre");
          }
        }
        return need_conditions(r, rule);
      }
      case RuleType::SipAttack: {
        if (auto m = r["methods"]) {
          std::vector<std::string> ms;
          if (!as_strings(m, "methods", ms)) return false;
          for (auto& s : ms) {
            auto bit = sip_method_bit(s);
            if (!bit) return fail(m, "'methods' entry '" + s + "' is not a SIP method");
            rule.methods |= *bit;
          }
        } else {
          rule.methods = *sip_method_bit("register") | *sip_method_bit("options") | *sip_method_bit("invite");
        }
        return need_conditions(r, rule);
      }
      case RuleType::Ss7Security: {
        auto c = r["category"];
        if (!c) return fail(r, "rule '" + rule.name + "' (ss7_security) needs 'category' (1, 2, 3 or location_burst)");
        std::string s;
        if (!as_string(c, "category", s)) return false;
        if (s == "1") rule.category = Ss7Category::Cat1;
        else if (s == "2") rule.category = Ss7Category::Cat2;
        else if (s == "3") rule.category = Ss7Category::Cat3;
        else if (s == "location_burst") rule.category = Ss7Category::LocationBurst;
        else return fail(c, "'category' must be 1, 2, 3 or location_burst, got '" + s + "'");
        if (auto o = r["operations"]) {
          std::vector<std::string> ops;
          if (!as_strings(o, "operations", ops)) return false;
          for (auto& op : ops) {
            auto code = map_operation_from(op);
            if (!code) return fail(o, "'operations' entry '" + op + "' is not a MAP operation name or code");
            rule.operations.push_back(*code);
          }
        }
        if (auto n = r["min_travel"]; n && !as_duration(n, "min_travel", rule.min_travel_ns)) return false;
        if (auto n = r["neighbours"]) {
          if (rule.category != Ss7Category::Cat3) return fail(n, "'neighbours' applies to category 3");
          if (!n.IsSequence()) return fail(n, "'neighbours' must be a list of lists of country codes, e.g. [[86, 852, 853]]");
          for (const auto& g : n) {
            std::vector<std::string> codes;
            if (!g.IsSequence() || !as_strings(g, "neighbours", codes) || codes.size() < 2)
              return fail(g, "'neighbours' entry must list two or more country codes, e.g. [86, 852]");
            for (const auto& cc : codes)
              if (cc.empty() || cc.size() > 3 || cc.find_first_not_of("0123456789") != std::string::npos)
                return fail(g, "'neighbours' entry '" + cc + "' is not an E.164 country code (1-3 digits)");
            rule.neighbours.push_back(std::move(codes));
          }
        }
        if (rule.category == Ss7Category::Cat3) {
          if (rule.operations.empty()) rule.operations = {2, 23};  // updateLocation, updateGprsLocation
        } else if (rule.operations.empty()) {
          return fail(r, "rule '" + rule.name + "' (ss7_security) needs 'operations'");
        }
        if (rule.category == Ss7Category::LocationBurst) return need_conditions(r, rule);
        if (!rule.conditions.empty())
          return fail(r, "rule '" + rule.name + "': thresholds apply only to category location_burst");
        if (rule.category == Ss7Category::Cat2 && rs_.settings.home_imsi_prefixes.empty())
          return fail(r, "rule '" + rule.name + "' (category 2) needs settings.home_imsi_prefixes");
        return true;
      }
      case RuleType::Roaming: {
        auto m = r["mode"];
        if (!m) return fail(r, "rule '" + rule.name + "' (roaming) needs 'mode'");
        std::string s;
        if (!as_string(m, "mode", s)) return false;
        if (s == "high_risk_vlr") rule.mode = RoamingMode::HighRiskVlr;
        else if (s == "first_seen_roaming") rule.mode = RoamingMode::FirstSeenRoaming;
        else if (s == "cluster") rule.mode = RoamingMode::Cluster;
        else return fail(m, "'mode' must be high_risk_vlr, first_seen_roaming or cluster, got '" + s + "'");
        if (auto h = r["high_risk"]; h && !list_refs(h, "high_risk", rule.lists)) return false;
        if (rule.mode != RoamingMode::FirstSeenRoaming && rule.lists.empty())
          return fail(r, "rule '" + rule.name + "' (roaming " + s + ") needs 'high_risk' lists");
        if (rule.mode == RoamingMode::FirstSeenRoaming && rs_.settings.home_gt_prefixes.empty())
          return fail(r, "rule '" + rule.name + "' (first_seen_roaming) needs settings.home_gt_prefixes");
        if (rule.mode == RoamingMode::Cluster) return need_conditions(r, rule);
        return true;
      }
      case RuleType::CliSpoof: {
        auto c = r["cli"];
        if (!c)
          return fail(r, "rule '" + rule.name +
                             "' (cli_spoof) needs 'cli': the lists of the numbers no call from abroad may present");
        if (!list_refs(c, "cli", rule.lists)) return false;
        if (auto n = r["international_sources"]) {
          if (!list_refs(n, "international_sources", rule.source_lists)) return false;
          for (uint32_t li : rule.source_lists) {
            const NumberList& l = rs_.lists[li];
            for (const auto* v : {&l.exact, &l.prefixes})
              for (const std::string& e : *v)
                if (!looks_like_ip_entry(e))
                  return fail(n, "'international_sources' list '" + l.name + "' holds '" + e +
                                     "', which is not an IP address or CIDR block (" + l.source + ")");
          }
        }
        if (auto n = r["international_opcs"]) {
          if (!n.IsSequence())
            return fail(n, "'international_opcs' must be a list of point codes, e.g. [2100, 2101]");
          for (const auto& e : n) {
            long long v = 0;
            if (!as_u64ish(e, "international_opcs", v)) return false;
            if (v > 0xFFFFFF)
              return fail(e, "'international_opcs' entry " + std::to_string(v) + " is above 16777215 (24 bits)");
            rule.opcs.push_back(uint32_t(v));
          }
        }
        if (rule.source_lists.empty() && rule.opcs.empty())
          return fail(r, "rule '" + rule.name +
                             "' (cli_spoof) needs 'international_sources' or 'international_opcs': where calls "
                             "from abroad come in");
        if (auto n = r["roaming_exempt"]; n && !as_bool(n, "roaming_exempt", rule.roaming_exempt)) return false;
        if (auto n = r["sms"]; n && !as_bool(n, "sms", rule.sms)) return false;
        if (rule.roaming_exempt && rs_.settings.home_gt_prefixes.empty())
          return fail(r, "rule '" + rule.name +
                             "' (cli_spoof) needs settings.home_gt_prefixes to tell a VLR abroad, or "
                             "'roaming_exempt: false'");
        return true;
      }
      case RuleType::VictimOnLine: {
        rule.min_talk_ns = rs_.settings.deep_victim_call_ns;
        if (auto n = r["min_talk"]; n && !as_duration(n, "min_talk", rule.min_talk_ns)) return false;
        if (rule.min_talk_ns == 0) return fail(r["min_talk"] ? r["min_talk"] : r, "'min_talk' must be above 0");
        return true;
      }
      default:
        return true;
    }
  }

  std::string path_, file_, dir_;
  RuleSet& rs_;
};

}  // namespace

int RuleSet::list_index(std::string_view name) const {
  for (size_t i = 0; i < lists.size(); ++i)
    if (lists[i].name == name) return int(i);
  return -1;
}

size_t RuleSet::list_entries() const {
  size_t n = 0;
  for (const auto& l : lists) n += l.size();
  return n;
}

std::optional<IpBlock> parse_ip_block(std::string_view text) {
  IpBlock b;
  std::string_view addr = text;
  int len = -1;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    std::string_view bits = text.substr(slash + 1);
    auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), len);
    if (ec != std::errc{} || p != bits.data() + bits.size() || bits.empty() || len < 0) return std::nullopt;
    addr = text.substr(0, slash);
  }
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  if (addr.empty() || addr.size() >= 64) return std::nullopt;
  char buf[64];
  std::memcpy(buf, addr.data(), addr.size());
  buf[addr.size()] = '\0';
  if (addr.find(':') != std::string_view::npos) {
    if (inet_pton(AF_INET6, buf, b.addr.data()) != 1) return std::nullopt;
    b.family = 6;
  } else {
    if (inet_pton(AF_INET, buf, b.addr.data()) != 1) return std::nullopt;
    b.family = 4;
  }
  const int max_len = b.family == 4 ? 32 : 128;
  if (len > max_len) return std::nullopt;
  b.prefix_len = uint8_t(len < 0 ? max_len : len);
  for (int bit = b.prefix_len; bit < max_len; ++bit) b.addr[size_t(bit / 8)] &= uint8_t(~(0x80u >> (bit % 8)));
  return b;
}

bool looks_like_ip_entry(std::string_view text) {
  if (text.find_first_of(":/") != std::string_view::npos) return true;
  return text.find('.') != std::string_view::npos &&
         text.find_first_not_of("0123456789.") == std::string_view::npos;
}

bool ip_block_contains(const IpBlock& block, const IpBlock& a) {
  if (block.family != a.family) return false;
  const size_t full = block.prefix_len / 8;
  if (std::memcmp(block.addr.data(), a.addr.data(), full) != 0) return false;
  const unsigned rest = block.prefix_len % 8;
  if (rest == 0) return true;
  const uint8_t mask = uint8_t(0xFFu << (8 - rest));
  return (block.addr[full] & mask) == (a.addr[full] & mask);
}

std::optional<std::string> international_form(std::span<const Settings::NationalForm> forms,
                                              std::string_view number) {
  for (const Settings::NationalForm& f : forms)
    if (number.starts_with(f.national)) return f.international + std::string(number.substr(f.national.size()));
  return std::nullopt;
}

std::vector<std::string> national_forms_of(std::span<const Settings::NationalForm> forms,
                                           std::string_view number) {
  std::vector<std::string> out;
  for (const Settings::NationalForm& f : forms)
    if (number.size() > f.international.size() && number.starts_with(f.international))
      out.push_back(f.national + std::string(number.substr(f.international.size())));
  return out;
}

void add_national_forms(const Settings& st, NumberList& list) {
  if (st.national_forms.empty()) return;
  auto add = [&](std::vector<std::string>& entries) {
    const size_t n = entries.size();
    for (size_t k = 0; k < n; ++k) {
      if (entries[k].find_first_not_of("0123456789") != std::string::npos) continue;
      std::optional<std::string> intl = international_form(st.national_forms, entries[k]);
      if (intl && !intl->empty() && intl->size() <= kMaxListEntry) {
        entries.push_back(std::move(*intl));
        ++list.national_forms;
      }
    }
  };
  add(list.exact);
  add(list.prefixes);
}

bool parse_list_text(std::string_view text, const std::string& file, bool default_prefix, NumberList& out,
                     std::string& err) {
  // A file saved as "UTF-8 with BOM" (Windows Notepad, a spreadsheet's
  // export) starts with one: not part of the first entry.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  int lineno = 0;
  while (!text.empty()) {
    ++lineno;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (auto h = line.find('#'); h != std::string_view::npos) line = line.substr(0, h);
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) continue;
    const size_t e = line.find_last_not_of(" \t\r");
    std::string entry(line.substr(b, e - b + 1));
    bool prefix = default_prefix;
    if (std::string why = normalize_list_entry(entry, prefix); !why.empty()) {
      err = file + ":" + std::to_string(lineno) + ": " + why;
      return false;
    }
    (prefix ? out.prefixes : out.exact).push_back(std::move(entry));
  }
  return true;
}

bool load_list_file(const std::string& path, bool default_prefix, NumberList& out, std::string& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = path + ": cannot open";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  out.source = path;
  return parse_list_text(ss.str(), fs::path(path).filename().string(), default_prefix, out, err);
}

std::shared_ptr<const RuleSet> parse_rules(std::string_view yaml, const std::string& path, std::string& err) {
  auto rs = std::make_shared<RuleSet>();
  rs->path = path;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    err = fs::path(path).filename().string() + ":" + std::to_string(line_of(e.mark)) + ": " + e.msg;
    return nullptr;
  }
  Loader l(path, *rs);
  bool ok = false;
  try {
    ok = l.load(root);
  } catch (const YAML::Exception& e) {
    l.err = fs::path(path).filename().string() + ":" + std::to_string(line_of(e.mark)) + ": " + e.msg;
  }
  if (!ok) {
    err = l.err;
    return nullptr;
  }
  return rs;
}

std::shared_ptr<const RuleSet> load_rules(const std::string& path, std::string& err) {
  std::ifstream in(path);
  if (!in) {
    err = path + ": cannot open the rules file";
    return nullptr;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_rules(ss.str(), path, err);
}

bool add_cli_lists(RuleSet& rs, const std::vector<std::string>& blacklists,
                   const std::vector<std::string>& whitelists, std::string& err) {
  for (size_t i = 0; i < whitelists.size(); ++i) {
    NumberList l;
    l.name = "cli_whitelist_" + std::to_string(i + 1);
    if (!load_list_file(whitelists[i], false, l, err)) return false;
    add_national_forms(rs.settings, l);
    rs.lists.push_back(std::move(l));
    rs.settings.whitelists.push_back(uint32_t(rs.lists.size() - 1));
  }
  if (blacklists.empty()) return true;
  Rule r;
  r.name = "cli_blacklist";
  r.type = RuleType::NumberList;
  r.severity = Severity::High;
  for (size_t i = 0; i < blacklists.size(); ++i) {
    NumberList l;
    l.name = "cli_blacklist_" + std::to_string(i + 1);
    if (!load_list_file(blacklists[i], false, l, err)) return false;
    add_national_forms(rs.settings, l);
    rs.lists.push_back(std::move(l));
    r.lists.push_back(uint32_t(rs.lists.size() - 1));
  }
  rs.rules.push_back(std::move(r));
  return true;
}

std::string default_rules_path() {
  if (const char* env = std::getenv("SIGPROBE_RULES"); env && *env) return env;
  // The source tree this binary was built from (cmake passes absolute paths).
  fs::path here = fs::path(__FILE__).parent_path() / "default_rules.yaml";
  if (here.is_absolute() && fs::exists(here)) return here.string();
  if (fs::exists("host/rules/default_rules.yaml")) return "host/rules/default_rules.yaml";
  return "/etc/sigprobe/rules.yaml";
}

}  // namespace sigprobe::rules
