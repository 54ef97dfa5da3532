// sigprobe replay CAPTURE... : the main job. Replays captures through
// source -> decode -> track/detect -> act on capture time, prints what it
// decoded and what it caught.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "dataplane/io/packet_source.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/detect_options.hpp"
#include "host/detect/analyzer.hpp"
#include "host/out/sinks.hpp"
#include "host/pipeline.hpp"

namespace sigprobe::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};
extern "C" void on_stop(int) { g_stop = true; }
extern "C" void on_hup(int) { g_reload = true; }

struct ReplayOptions {
  std::vector<std::string> captures;
  std::string speed = "max";
  DetectCliOptions detect;
};

bool parse_speed(const std::string& s, Pace& p) {
  if (s == "max") { p.mode = SpeedMode::Max; return true; }
  if (s == "realtime") { p.mode = SpeedMode::Realtime; return true; }
  try {
    size_t used = 0;
    double f = std::stod(s, &used);
    if (used != s.size() || !(f > 0)) return false;
    p.mode = SpeedMode::Factor;
    p.factor = f;
    return true;
  } catch (...) {
    return false;
  }
}

int run_replay(const ReplayOptions& o) {
  auto wall0 = std::chrono::steady_clock::now();
  Pace pace;
  if (!parse_speed(o.speed, pace)) return fail("--speed: expected max, realtime or a factor > 0, got '" + o.speed + "'");

  std::string err;
  std::unique_ptr<DetectAnalyzer> analyzer;
  if (!make_detection(o.detect, analyzer, err)) return fail(err);

  RunInfo run_info;  // what --metrics reads from the run
  OutputOptions out = o.detect.out;
  out.run = &run_info;
  auto outputs = make_output_sinks(out, err);
  if (!err.empty()) return fail(err);
  ReloadWatch reload(analyzer.get(), g_reload);
  std::vector<Sink*> sinks{&reload};
  for (auto& s : outputs) sinks.push_back(s.get());

  std::signal(SIGINT, on_stop);
  std::signal(SIGTERM, on_stop);
  std::signal(SIGHUP, on_hup);

  Pipeline pipe(decoder_config(analyzer.get()), analyzer.get(), sinks, pace);
  run_info.decode = &pipe.counters();
  if (analyzer) {
    run_info.offload = analyzer->offload_description();
    run_info.extra = [a = analyzer.get()](std::vector<std::pair<std::string, double>>& v) { a->append_metrics(v); };
  }
  int rc = 0;
  for (size_t i = 0; i < o.captures.size() && !g_stop; ++i) {
    auto src = open_pcap_file(o.captures[i], uint16_t(i), err);
    if (!src) { rc = fail(err); continue; }
    if (!pipe.run(*src, uint16_t(i), err, &g_stop)) rc = fail(err);
  }
  pipe.finish();

  print_run_report(report_stream(out), "replay: " + std::to_string(o.captures.size()) + " capture(s)", pipe,
                   analyzer.get(), wall0);
  return rc;
}

}  // namespace

void add_replay(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("replay", "Replay captures through the whole pipeline and report what was caught");
  auto o = std::make_shared<ReplayOptions>();
  sub->add_option("captures", o->captures, "pcap or pcapng files, in order")->required();
  add_detect_options(*sub, o->detect);
  sub->add_option("--speed", o->speed, "max|realtime|N (N times capture speed)");
  cmds.push_back({sub, [o]() { return run_replay(*o); }});
}

}  // namespace sigprobe::cli
