#include "host/out/sinks.hpp"

#include <syslog.h>

#include <cstdio>

#include "host/out/alert_json.hpp"
#include "host/out/event_json.hpp"
#include "host/out/flow_mirror.hpp"
#include "host/out/hep_sender.hpp"
#include "host/out/metrics.hpp"
#include "host/out/pcap_mirror.hpp"
#include "host/out/progress.hpp"

namespace sigprobe {
namespace {

// A JSON-lines file (or stdout), flushed after each alert so `tail -f` sees it.
class LineFile {
 public:
  bool open(const std::string& path, std::string& err) {
    if (path == "-") { f_ = stdout; return true; }
    f_ = std::fopen(path.c_str(), "w");
    if (!f_) { err = path + ": cannot open for writing"; return false; }
    own_ = true;
    return true;
  }
  ~LineFile() { if (own_ && f_) std::fclose(f_); else if (f_) std::fflush(f_); }
  void write(const std::string& s) { std::fwrite(s.data(), 1, s.size(), f_); }
  void flush() { std::fflush(f_); }

 private:
  FILE* f_ = nullptr;
  bool own_ = false;
};

class AlertWriter final : public Sink {
 public:
  bool open(const std::string& path, std::string& err) { return file_.open(path, err); }
  void on_alert(const Alert& a) override {
    buf_.clear();
    append_alert_json(buf_, a);
    file_.write(buf_);
    file_.flush();
  }
  void finish() override { file_.flush(); }

 private:
  LineFile file_;
  std::string buf_;
};

// --syslog: one message per alert (the alert line), priority by severity.
class SyslogWriter final : public Sink {
 public:
  SyslogWriter() { openlog("sigprobe", LOG_PID | LOG_NDELAY, LOG_USER); }
  ~SyslogWriter() override { closelog(); }
  void on_alert(const Alert& a) override {
    static constexpr int kPriority[] = {LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR, LOG_CRIT};
    buf_.clear();
    append_alert_json(buf_, a);
    if (!buf_.empty() && buf_.back() == '\n') buf_.pop_back();
    syslog(kPriority[size_t(a.severity)], "%s", buf_.c_str());
  }

 private:
  std::string buf_;
};

class EventWriter final : public Sink {
 public:
  bool open(const std::string& path, std::string& err) { return file_.open(path, err); }
  void on_burst(std::span<const PacketRef>, std::span<const SignalEvent> events) override {
    buf_.clear();
    for (const SignalEvent& e : events) append_event_json(buf_, e);
    file_.write(buf_);
  }
  void finish() override { file_.flush(); }

 private:
  LineFile file_;
  std::string buf_;
};

}  // namespace

std::vector<std::unique_ptr<Sink>> make_output_sinks(const OutputOptions& opts, std::string& err) {
  std::vector<std::unique_ptr<Sink>> sinks;
  if (!opts.alerts_path.empty()) {
    auto w = std::make_unique<AlertWriter>();
    if (!w->open(opts.alerts_path, err)) return {};
    sinks.push_back(std::move(w));
  }
  if (!opts.events_path.empty()) {
    auto w = std::make_unique<EventWriter>();
    if (!w->open(opts.events_path, err)) return {};
    sinks.push_back(std::move(w));
  }
  if (opts.syslog) sinks.push_back(std::make_unique<SyslogWriter>());
  std::vector<std::unique_ptr<FlowOutput>> mirrors;
  const PcapMirror* pcap = nullptr;
  const HepSender* hep = nullptr;
  const FlowMirror* mirror = nullptr;
  if (!opts.mirror_dir.empty()) {
    auto pm = std::make_unique<PcapMirror>();
    if (!pm->init({opts.mirror_dir, opts.mirror_max_bytes, opts.mirror_max_files}, err)) return {};
    pcap = pm.get();
    mirrors.push_back(std::move(pm));
  }
  if (!opts.hep.empty()) {
    auto hs = std::make_unique<HepSender>();
    HepOptions ho;
    ho.target = opts.hep;
    ho.id.capture_id = opts.hep_capture_id;
    ho.id.auth_key = opts.hep_auth_key;
    ho.id.node_name = opts.hep_node_name;
    if (!hs->init(ho, err)) return {};
    hep = hs.get();
    mirrors.push_back(std::move(hs));
  }
  if (!mirrors.empty()) {
    if (!(opts.mirror_after_s >= 0)) {
      err = "--mirror-after: expected seconds >= 0";
      return {};
    }
    MirrorOptions mo;
    mo.after_ns = uint64_t(opts.mirror_after_s * 1e9);
    mo.lookback_packets = opts.mirror_lookback_packets;
    auto fm = std::make_unique<FlowMirror>(mo, std::move(mirrors));
    mirror = fm.get();
    sinks.push_back(std::move(fm));
  }
  if (opts.progress) {
    auto p = std::make_unique<ProgressSink>();
    if (p->enabled()) sinks.push_back(std::move(p));
  }
  if (!opts.metrics.empty()) {  // last, so that it counts what the others did in the same burst
    auto m = std::make_unique<MetricsSink>();
    m->watch(mirror, pcap, hep);
    if (!m->start(opts.metrics, opts.run, err)) return {};
    sinks.push_back(std::move(m));
  }
  return sinks;
}

}  // namespace sigprobe
