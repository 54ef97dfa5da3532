// Subcommands that later work fills in; each says plainly that it is not built.
#include "host/cli/commands.hpp"

namespace sigprobe::cli {

void add_rules(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("rules", "Rules file tools");
  auto* check = sub->add_subcommand("check", "Validate a rules file");
  auto file = std::make_shared<std::string>();
  check->add_option("file", *file)->required();
  cmds.push_back({sub, []() { return fail("rules check is not built yet"); }});
}

void add_live(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("live", "Capture from an interface with libpcap");
  cmds.push_back({sub, []() { return fail("live is not built yet"); }});
}

void add_dpdk(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("dpdk", "DPDK poll-mode dataplane");
  sub->allow_extras();
  cmds.push_back({sub, []() { return fail("dpdk is not built yet"); }});
}

void add_report(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("report", "HTML report from alert lines");
  sub->allow_extras();
  cmds.push_back({sub, []() { return fail("report is not built yet"); }});
}

}  // namespace sigprobe::cli
