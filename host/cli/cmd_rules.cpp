// sigprobe rules check FILE: validates a rules file and its lists the way the
// analyzer loads them; prints a summary (exit 0) or one line naming the file,
// the line and the field (exit 2).
#include <algorithm>
#include <iostream>
#include <map>

#include "host/cli/commands.hpp"
#include "host/detect/compiled_rules.hpp"
#include "host/rules/rule_set.hpp"

namespace sigprobe::cli {
namespace {

int run_check(const std::string& file) {
  std::string err;
  auto rs = rules::load_rules(file, err);
  if (!rs) return fail(err);
  detect::SpecRegistry reg;
  auto compiled = detect::compile_rules(rs, reg, err);
  if (!compiled) return fail(err);
  std::map<std::string_view, int> by_type;
  for (const auto& r : rs->rules) ++by_type[rules::rule_type_name(r.type)];
  std::cout << file << ": ok, " << rs->rules.size() << " rule(s), " << rs->lists.size() << " list(s) with "
            << rs->list_entries() << " entries, " << compiled->patterns.size() << " pattern(s), "
            << compiled->rates.size() << " window(s)\n";
  for (const auto& [t, n] : by_type) std::cout << "  " << t << ": " << n << "\n";
  if (!rs->settings.country_code.empty())
    std::cout << "  country code " << rs->settings.country_code
              << ": SS7 numbers marked national are read as " << rs->settings.country_code << " + their digits\n";
  if (!rs->settings.national_forms.empty()) {
    // e.g. "national forms 00 -> (none), 1 -> 861, 0 -> 86: ..." (longest national prefix first)
    std::cout << "  national forms";
    const char* sep = " ";
    for (const auto& f : rs->settings.national_forms) {
      std::cout << sep << f.national << " -> " << (f.international.empty() ? "(none)" : f.international);
      sep = ", ";
    }
    std::cout << ": list entries match in both forms; a flagged number's national forms are its own\n";
  }
  for (const auto& r : rs->rules)
    if (r.callback_numbers)
      std::cout << "  callback numbers: " << r.name << " also raises the phone numbers of the texts it flags\n";
  for (const auto& l : rs->lists) {
    // IP addresses and blocks (whitelists of IP subjects) are counted apart from numbers.
    auto ips = [](const std::vector<std::string>& v) {
      return size_t(std::count_if(v.begin(), v.end(), [](const std::string& e) { return rules::looks_like_ip_entry(e); }));
    };
    const size_t ip_exact = ips(l.exact), ip_prefix = ips(l.prefixes), ip = ip_exact + ip_prefix;
    std::cout << "  list " << l.name << ": ";
    if (ip != l.size()) std::cout << l.exact.size() - ip_exact << " exact, " << l.prefixes.size() - ip_prefix << " prefix";
    if (ip) std::cout << (ip != l.size() ? ", " : "") << ip << " IP block(s)";
    if (l.national_forms) std::cout << ", " << l.national_forms << " of them international forms (national_forms)";
    if (l.min_digits) std::cout << ", matching numbers of " << unsigned(l.min_digits) << "+ digits";
    std::cout << " (" << l.source << ")\n";
  }
  return 0;
}

}  // namespace

void add_rules(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("rules", "Rules file tools");
  sub->require_subcommand(1);
  auto* check = sub->add_subcommand("check", "Validate a rules file and the lists it names");
  auto file = std::make_shared<std::string>();
  check->add_option("file", *file, "YAML rules file")->required();
  cmds.push_back({sub, [file]() { return run_check(*file); }});
}

}  // namespace sigprobe::cli
