// Detection and output options shared by `sigprobe replay`, `live` and `dpdk`
// (one name, one meaning everywhere), building the analyzer from them, and
// where the end-of-run report goes.
#pragma once
#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "host/detect/analyzer.hpp"
#include "host/out/sinks.hpp"

namespace sigprobe::cli {

struct DetectCliOptions {
  std::string rules, offload = "auto", xclbin, victims;
  std::vector<std::string> blacklists, whitelists;
  OutputOptions out;
  bool no_detect = false;
};

inline void add_detect_options(CLI::App& app, DetectCliOptions& o) {
  app.add_option("--rules", o.rules, "YAML rules file (default: the bundled rules)");
  app.add_option("--offload", o.offload, "auto|fpga|csim|cpu");
  app.add_option("--xclbin", o.xclbin, "xclbin for --offload fpga");
  app.add_option("--alerts", o.out.alerts_path, "alert JSON lines to FILE, or - for stdout");
  app.add_option("--events", o.out.events_path, "event JSON lines to FILE, or - for stdout");
  app.add_option("--victims", o.victims, "victims JSON lines to FILE");
  app.add_option("--mirror-dir", o.out.mirror_dir, "one pcap per alert in DIR");
  app.add_option("--hep", o.out.hep, "HEPv3 collector [udp:|tcp:]HOST:PORT");
  app.add_option("--metrics", o.out.metrics, "serve Prometheus metrics on ADDR:PORT");
  app.add_option("--blacklist", o.blacklists, "extra blacklist file (one number or prefix a line)");
  app.add_option("--whitelist", o.whitelists, "extra whitelist file");
  app.add_flag("--no-detect", o.no_detect, "decode only");
  app.add_flag("--syslog", o.out.syslog, "alerts to syslog too");
  app.add_option("--mirror-after", o.out.mirror_after_s,
                 "follow a flagged flow this many seconds after its alert (capture time)");
  app.add_option("--mirror-lookback", o.out.mirror_lookback_packets, "packets kept for look-back");
  app.add_option("--mirror-max-bytes", o.out.mirror_max_bytes, "limit on all mirror files together; oldest removed");
  app.add_option("--mirror-max-files", o.out.mirror_max_files, "limit on mirror files; oldest removed");
  app.add_option("--hep-id", o.out.hep_capture_id, "HEP capture agent id");
  app.add_option("--hep-auth", o.out.hep_auth_key, "HEP auth key");
  app.add_option("--hep-node", o.out.hep_node_name, "HEP node name");
  app.add_flag("!--no-progress", o.out.progress, "no progress line on stderr");
}

// The end-of-run report goes to stdout, unless alert or event lines do
// (`--alerts -`): then to stderr, so that stdout stays JSON lines only.
inline std::ostream& report_stream(const OutputOptions& out) {
  return out.alerts_path == "-" || out.events_path == "-" ? std::cerr : std::cout;
}

// Decoding as the rules of the run ask (settings.country_code).
inline DecoderConfig decoder_config(const DetectAnalyzer* analyzer) {
  DecoderConfig d;
  if (analyzer) d.country_code = analyzer->country_code();
  return d;
}

// The analyzer, or nullptr for decode-only (--no-detect, or detection not
// built and no --rules asked for). false and err set on bad options.
inline bool make_detection(const DetectCliOptions& o, std::unique_ptr<DetectAnalyzer>& analyzer, std::string& err) {
  if (o.no_detect) return true;
  AnalyzerOptions ao;
  ao.rules_path = o.rules;
  ao.blacklists = o.blacklists;
  ao.whitelists = o.whitelists;
  ao.victims_path = o.victims;
  ao.offload.xclbin = o.xclbin;
  static const std::pair<const char*, offload::Backend> kBackends[] = {
      {"auto", offload::Backend::Auto}, {"fpga", offload::Backend::Fpga},
      {"csim", offload::Backend::Csim}, {"cpu", offload::Backend::Cpu}};
  bool known = false;
  for (const auto& [name, b] : kBackends)
    if (o.offload == name) { ao.offload.backend = b; known = true; }
  if (!known) { err = "--offload: expected auto, fpga, csim or cpu, got '" + o.offload + "'"; return false; }
  analyzer = make_analyzer(ao, err);
  if (!analyzer) {
    if (!o.rules.empty() || err != "detection is not built yet") return false;
    std::fprintf(stderr, "sigprobe: %s; decoding only\n", err.c_str());
    err.clear();
    return true;
  }
  std::fprintf(stderr, "sigprobe: offload %s\n", analyzer->offload_description().c_str());
  return true;
}

// Forwards a SIGHUP flag to the analyzer between bursts.
class ReloadWatch final : public Sink {
 public:
  ReloadWatch(DetectAnalyzer* a, std::atomic<bool>& flag) : a_(a), flag_(flag) {}
  void on_burst(std::span<const PacketRef>, std::span<const SignalEvent>) override {
    if (flag_.load(std::memory_order_relaxed) && flag_.exchange(false) && a_) a_->request_reload();
  }

 private:
  DetectAnalyzer* a_;
  std::atomic<bool>& flag_;
};

}  // namespace sigprobe::cli
