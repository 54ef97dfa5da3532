#include <cstdio>

#include "host/cli/commands.hpp"

namespace sigprobe::cli {
int fail(const std::string& msg) {
  std::fprintf(stderr, "sigprobe: %s\n", msg.c_str());
  return 2;
}
}  // namespace sigprobe::cli

int main(int argc, char** argv) {
  using namespace sigprobe::cli;
  CLI::App app{"sigprobe: signaling packet inspector for telecom fraud (SIP, SIGTRAN/SS7)"};
  app.require_subcommand(1);
  Commands cmds;
  add_decode(app, cmds);
  add_replay(app, cmds);
  add_rules(app, cmds);
  add_live(app, cmds);
  add_dpdk(app, cmds);
  add_report(app, cmds);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& c : cmds)
    if (c.app->parsed()) return c.run();
  return fail("no subcommand");
}
