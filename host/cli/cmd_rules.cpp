// sigprobe rules: placeholder until its issue lands; says plainly that it is not built.
#include "host/cli/commands.hpp"

namespace sigprobe::cli {

void add_rules(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("rules", "Rules file tools");
  auto* check = sub->add_subcommand("check", "Validate a rules file");
  auto file = std::make_shared<std::string>();
  check->add_option("file", *file)->required();
  cmds.push_back({sub, []() { return fail("rules check is not built yet"); }});
}

}  // namespace sigprobe::cli
