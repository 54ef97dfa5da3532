// sigprobe dpdk [EAL args] -- --tap PORT[,PORT...] | --inline A,B [options]
// The poll-mode dataplane: EAL arguments pass through unchanged; everything
// after "--" is ours. See dataplane/io/dpdk/README.md.
#include "host/cli/commands.hpp"

#ifdef SIGPROBE_HAVE_DPDK
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "dataplane/core/table_memory.hpp"
#include "dataplane/io/dpdk/eal.hpp"
#include "host/cli/detect_options.hpp"
#include "host/dp/engine.hpp"
#include "host/out/summary.hpp"

namespace sigprobe::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};
extern "C" void on_dpdk_stop(int) { g_stop = true; }
extern "C" void on_dpdk_hup(int) { g_reload = true; }

struct DpdkCli {
  std::string tap, inline_ports, mirror_port;
  bool enforce = false;
  uint16_t workers = 0;
  double stats_period = 0, idle_exit = 0;
  DetectCliOptions detect;
};

// The arguments after "dpdk", exactly as given: CLI11 would take EAL's
// options for its own, so they are read back from the kernel's copy.
std::vector<std::string> raw_args_after(const std::string& word) {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> all;
  for (std::string a; std::getline(f, a, '\0');) all.push_back(a);
  std::vector<std::string> out;
  for (size_t i = 1; i < all.size(); ++i)
    if (all[i] == word) { out.assign(all.begin() + long(i) + 1, all.end()); break; }
  return out;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string p; std::getline(ss, p, ',');)
    if (!p.empty()) out.push_back(p);
  return out;
}

int run_dpdk() {
  std::vector<std::string> args = raw_args_after("dpdk");
  std::vector<std::string> eal{"sigprobe"}, ours{"sigprobe dpdk"};
  bool after = false;
  for (auto& a : args) {
    if (!after && a == "--") { after = true; continue; }
    (after ? ours : eal).push_back(a);
  }
  DpdkCli o;
  CLI::App app{"sigprobe dpdk [EAL args] -- options", "sigprobe dpdk"};
  app.add_option("--tap", o.tap, "inspect and discard what PORT[,PORT...] receive");
  app.add_option("--inline", o.inline_ports, "bridge A,B: forward each way, unchanged and in order");
  app.add_flag("--enforce", o.enforce, "inline: drop the packets of blocked calls and transactions");
  app.add_option("--mirror-port", o.mirror_port, "send the packets of flagged flows to this port");
  app.add_option("--workers", o.workers, "worker lcores (default: every worker lcore of the EAL core list)");
  app.add_option("--stats-period", o.stats_period, "print statistics every S seconds (default: at exit)");
  app.add_option("--idle-exit", o.idle_exit, "stop once no packet came for S seconds and every queue was polled empty (captures via net_pcap)");
  add_detect_options(app, o.detect);
  std::vector<const char*> argv;
  for (auto& s : ours) argv.push_back(s.c_str());
  try {
    app.parse(int(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  dp::DpOptions dopts;
  if (!o.tap.empty() == !o.inline_ports.empty()) return fail("dpdk: give one of --tap PORT or --inline A,B after --");
  dopts.mode = o.tap.empty() ? dp::Mode::Inline : dp::Mode::Tap;
  dopts.ports = split_commas(o.tap.empty() ? o.inline_ports : o.tap);
  if (o.enforce && dopts.mode != dp::Mode::Inline) return fail("--enforce needs --inline");
  dopts.mirror_port = o.mirror_port;
  dopts.enforce = o.enforce;
  dopts.workers = o.workers;
  dopts.stats_period_s = o.stats_period;
  dopts.idle_exit_s = o.idle_exit;

  std::string err;
  std::unique_ptr<DetectAnalyzer> analyzer;
  set_table_prefault(true);  // no page faults of the tables inside a burst
  if (!make_detection(o.detect, analyzer, err)) return fail(err);
  dopts.decoder = decoder_config(analyzer.get());
  auto outputs = make_output_sinks(o.detect.out, err);
  if (!err.empty()) return fail(err);
  if (!dpdk::eal_init(eal, err)) return fail(err);
  ReloadWatch reload(analyzer.get(), g_reload);
  std::vector<Sink*> sinks{&reload};
  for (auto& s : outputs) sinks.push_back(s.get());

  std::signal(SIGINT, on_dpdk_stop);
  std::signal(SIGTERM, on_dpdk_stop);
  std::signal(SIGHUP, on_dpdk_hup);
  dp::DpResult res;
  std::ostream& report = report_stream(o.detect.out);
  int rc = dp::run_dataplane(dopts, analyzer.get(), sinks, g_stop, report, res, err);
  if (rc != 0) {
    dpdk::eal_cleanup();
    return fail(err);
  }
  RunTiming t;
  t.wall_s = res.seconds;
  t.busy_s = 0;
  print_summary(report, res.decode, t);
  if (analyzer) {
    report << "== caught: " << res.alerts << " alert(s)\n";
    analyzer->print_caught(report);
  }
  report.flush();
  outputs.clear();
  dpdk::eal_cleanup();
  return 0;
}

}  // namespace

void add_dpdk(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("dpdk", "DPDK poll-mode dataplane: sigprobe dpdk [EAL args] -- --tap P | --inline A,B");
  sub->allow_extras();
  sub->prefix_command();
  cmds.push_back({sub, []() { return run_dpdk(); }});
}

}  // namespace sigprobe::cli

#else

namespace sigprobe::cli {

void add_dpdk(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("dpdk", "DPDK poll-mode dataplane (this build has no DPDK)");
  sub->allow_extras();
  sub->prefix_command();
  cmds.push_back({sub, []() { return fail("dpdk: this sigprobe was built without DPDK (libdpdk-dev not found)"); }});
}

}  // namespace sigprobe::cli

#endif
