// sigprobe live --iface NAME [--bpf EXPR] [detection and output options]:
// capture from an interface with libpcap (a commodity server whose NIC is not
// bound to DPDK) through the same Pipeline as replay. Time comes from the
// kernel's capture timestamps. SIGINT/SIGTERM (or --duration) stop it with
// the summary printed and every alert flushed.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

#include "dataplane/core/table_memory.hpp"
#include "dataplane/io/packet_source.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/detect_options.hpp"
#include "host/pipeline.hpp"

namespace sigprobe::cli {
namespace {

std::atomic<bool> g_live_stop{false};
std::atomic<bool> g_live_reload{false};
extern "C" void on_live_stop(int) { g_live_stop = true; }
extern "C" void on_live_hup(int) { g_live_reload = true; }

struct LiveOptions {
  std::string iface, bpf;
  double duration_s = 0;
  DetectCliOptions detect;
};

int run_live(const LiveOptions& o) {
  auto wall0 = std::chrono::steady_clock::now();
  std::string err;
  std::unique_ptr<DetectAnalyzer> analyzer;
  set_table_prefault(true);  // no page faults of the tables while capturing
  if (!make_detection(o.detect, analyzer, err)) return fail(err);
  auto outputs = make_output_sinks(o.detect.out, err);
  if (!err.empty()) return fail(err);
  auto src = open_pcap_live(o.iface, o.bpf, err);
  if (!src) return fail(err);
  // Packets are captured from here on: what a script waits for before it sends.
  std::cerr << "sigprobe live: capturing on " << src->describe() << std::endl;
  ReloadWatch reload(analyzer.get(), g_live_reload);
  std::vector<Sink*> sinks{&reload};
  for (auto& s : outputs) sinks.push_back(s.get());

  std::signal(SIGINT, on_live_stop);
  std::signal(SIGTERM, on_live_stop);
  std::signal(SIGHUP, on_live_hup);
  // --duration: a timer that raises the same stop flag as SIGINT.
  std::mutex mu;
  std::condition_variable cv;
  bool ended = false;
  std::thread timer;
  if (o.duration_s > 0) {
    timer = std::thread([&] {
      std::unique_lock lk(mu);
      if (!cv.wait_for(lk, std::chrono::duration<double>(o.duration_s), [&] { return ended; }))
        g_live_stop = true;
    });
  }
  Pipeline pipe(decoder_config(analyzer.get()), analyzer.get(), sinks);
  int rc = 0;
  if (!pipe.run(*src, 0, err, &g_live_stop)) rc = fail(err);
  pipe.finish();
  if (timer.joinable()) {
    { std::lock_guard lk(mu); ended = true; }
    cv.notify_all();
    timer.join();
  }
  print_run_report(report_stream(o.detect.out), "live: " + src->describe(), pipe, analyzer.get(), wall0);
  return rc;
}

}  // namespace

void add_live(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("live", "Capture from an interface with libpcap through the whole pipeline");
  auto o = std::make_shared<LiveOptions>();
  sub->add_option("--iface", o->iface, "interface to capture from (needs capture privileges)")->required();
  sub->add_option("--bpf", o->bpf, "capture filter, e.g. 'udp port 5060 or sctp'");
  sub->add_option("--duration", o->duration_s, "stop after S seconds (default: until SIGINT/SIGTERM)");
  add_detect_options(*sub, o->detect);
  cmds.push_back({sub, [o]() { return run_live(*o); }});
}

}  // namespace sigprobe::cli
