#include "host/out/sinks.hpp"

#include <cstdio>

#include "host/out/alert_json.hpp"
#include "host/out/event_json.hpp"

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
  if (!opts.mirror_dir.empty() || !opts.hep.empty() || !opts.metrics.empty()) {
    err = "--mirror-dir, --hep and --metrics are not built yet";
    return {};
  }
  return sinks;
}

}  // namespace sigprobe
