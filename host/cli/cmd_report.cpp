// sigprobe report: placeholder until its issue lands; says plainly that it is not built.
#include "host/cli/commands.hpp"

namespace sigprobe::cli {

void add_report(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("report", "HTML report from alert lines");
  sub->allow_extras();
  cmds.push_back({sub, []() { return fail("report is not built yet"); }});
}

}  // namespace sigprobe::cli
