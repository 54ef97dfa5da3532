// Subcommands of the one sigprobe binary. Each lives in its own cmd_*.cpp and
// registers its options here; main() runs the one that was parsed.
#pragma once
#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
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

namespace sigprobe {
class Pipeline;
class DetectAnalyzer;
}  // namespace sigprobe

namespace sigprobe::cli {

// The end-of-run report of replay and live on `os`: the decode summary under
// a "== sigprobe TITLE" heading, then what was caught.
void print_run_report(std::ostream& os, const std::string& title, const Pipeline& pipe,
                      const DetectAnalyzer* analyzer, std::chrono::steady_clock::time_point wall_start);

}  // namespace sigprobe::cli
