// Subcommands of the one sigprobe binary. Each lives in its own cmd_*.cpp and
// registers its options here; main() runs the one that was parsed.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace sigprobe::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
using Commands = std::vector<Command>;

void add_decode(CLI::App& app, Commands& cmds);
void add_replay(CLI::App& app, Commands& cmds);
void add_rules(CLI::App& app, Commands& cmds);
void add_live(CLI::App& app, Commands& cmds);
void add_dpdk(CLI::App& app, Commands& cmds);
void add_report(CLI::App& app, Commands& cmds);

// One line on stderr, exit status 2: bad input or config.
int fail(const std::string& msg);

}  // namespace sigprobe::cli
