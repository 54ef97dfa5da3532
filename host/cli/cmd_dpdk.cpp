// sigprobe dpdk: placeholder until its issue lands; says plainly that it is not built.
#include "host/cli/commands.hpp"

namespace sigprobe::cli {

void add_dpdk(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("dpdk", "DPDK poll-mode dataplane");
  sub->allow_extras();
  cmds.push_back({sub, []() { return fail("dpdk is not built yet"); }});
}

}  // namespace sigprobe::cli
