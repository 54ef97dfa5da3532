// sigprobe replay CAPTURE... : the main job. Replays captures through
// source -> decode -> track/detect -> act on capture time, prints what it
// decoded and what it caught.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "dataplane/io/packet_source.hpp"
#include "host/cli/commands.hpp"
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
  std::string rules, offload = "auto", xclbin, speed = "max", victims;
  std::vector<std::string> blacklists, whitelists;
  OutputOptions out;
  bool no_detect = false;
};

bool parse_offload(const std::string& s, offload::Backend& b) {
  if (s == "auto") b = offload::Backend::Auto;
  else if (s == "fpga") b = offload::Backend::Fpga;
  else if (s == "csim") b = offload::Backend::Csim;
  else if (s == "cpu") b = offload::Backend::Cpu;
  else return false;
  return true;
}

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

// Forwards SIGHUP to the analyzer between bursts.
class ReloadWatch final : public Sink {
 public:
  explicit ReloadWatch(DetectAnalyzer* a) : a_(a) {}
  void on_burst(std::span<const PacketRef>, std::span<const SignalEvent>) override {
    if (g_reload.exchange(false) && a_) a_->request_reload();
  }
 private:
  DetectAnalyzer* a_;
};

int run_replay(const ReplayOptions& o) {
  auto wall0 = std::chrono::steady_clock::now();
  Pace pace;
  if (!parse_speed(o.speed, pace)) return fail("--speed: expected max, realtime or a factor > 0, got '" + o.speed + "'");

  std::unique_ptr<DetectAnalyzer> analyzer;
  if (!o.no_detect) {
    AnalyzerOptions ao;
    ao.rules_path = o.rules;
    ao.blacklists = o.blacklists;
    ao.whitelists = o.whitelists;
    ao.victims_path = o.victims;
    ao.offload.xclbin = o.xclbin;
    if (!parse_offload(o.offload, ao.offload.backend))
      return fail("--offload: expected auto, fpga, csim or cpu, got '" + o.offload + "'");
    std::string err;
    analyzer = make_analyzer(ao, err);
    if (!analyzer) {
      if (!o.rules.empty() || err != "detection is not built yet") return fail(err);
      std::fprintf(stderr, "sigprobe: %s; decoding only\n", err.c_str());
    } else {
      std::fprintf(stderr, "sigprobe: offload %s\n", analyzer->offload_description().c_str());
    }
  }

  std::string err;
  RunInfo run_info;  // what --metrics reads from the run
  OutputOptions out = o.out;
  out.run = &run_info;
  auto outputs = make_output_sinks(out, err);
  if (!err.empty()) return fail(err);
  ReloadWatch reload(analyzer.get());
  std::vector<Sink*> sinks{&reload};
  for (auto& s : outputs) sinks.push_back(s.get());

  std::signal(SIGINT, on_stop);
  std::signal(SIGTERM, on_stop);
  std::signal(SIGHUP, on_hup);

  Pipeline pipe(DecoderConfig{}, analyzer.get(), sinks, pace);
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

  print_run_report("replay: " + std::to_string(o.captures.size()) + " capture(s)", pipe, analyzer.get(), wall0);
  return rc;
}

}  // namespace

void add_replay(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("replay", "Replay captures through the whole pipeline and report what was caught");
  auto o = std::make_shared<ReplayOptions>();
  sub->add_option("captures", o->captures, "pcap or pcapng files, in order")->required();
  sub->add_option("--rules", o->rules, "YAML rules file (default: the bundled rules)");
  sub->add_option("--offload", o->offload, "auto|fpga|csim|cpu");
  sub->add_option("--xclbin", o->xclbin, "xclbin for --offload fpga");
  sub->add_option("--alerts", o->out.alerts_path, "alert JSON lines to FILE, or - for stdout");
  sub->add_option("--events", o->out.events_path, "event JSON lines to FILE");
  sub->add_option("--victims", o->victims, "victims JSON lines to FILE");
  sub->add_option("--mirror-dir", o->out.mirror_dir, "one pcap per alert in DIR");
  sub->add_option("--hep", o->out.hep, "HEPv3 collector [udp:|tcp:]HOST:PORT");
  sub->add_option("--metrics", o->out.metrics, "serve Prometheus metrics on ADDR:PORT");
  sub->add_option("--speed", o->speed, "max|realtime|N (N times capture speed)");
  sub->add_option("--blacklist", o->blacklists, "extra blacklist file (one number or prefix a line)");
  sub->add_option("--whitelist", o->whitelists, "extra whitelist file");
  sub->add_flag("--no-detect", o->no_detect, "decode only");
  sub->add_flag("--syslog", o->out.syslog, "alerts to syslog too");
  sub->add_option("--mirror-after", o->out.mirror_after_s, "follow a flagged flow this many seconds after its alert (capture time)");
  sub->add_option("--mirror-lookback", o->out.mirror_lookback_packets, "packets kept for look-back");
  sub->add_option("--mirror-max-bytes", o->out.mirror_max_bytes, "limit on all mirror files together; oldest removed");
  sub->add_option("--mirror-max-files", o->out.mirror_max_files, "limit on mirror files; oldest removed");
  sub->add_option("--hep-id", o->out.hep_capture_id, "HEP capture agent id");
  sub->add_option("--hep-auth", o->out.hep_auth_key, "HEP auth key");
  sub->add_option("--hep-node", o->out.hep_node_name, "HEP node name");
  sub->add_flag("!--no-progress", o->out.progress, "no progress line on stderr");
  cmds.push_back({sub, [o]() { return run_replay(*o); }});
}

}  // namespace sigprobe::cli
