// sigprobe live: placeholder until its issue lands; says plainly that it is not built.
#include "host/cli/commands.hpp"

namespace sigprobe::cli {

void add_live(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("live", "Capture from an interface with libpcap");
  cmds.push_back({sub, []() { return fail("live is not built yet"); }});
}

}  // namespace sigprobe::cli
