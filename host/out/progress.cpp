#include "host/out/progress.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "dataplane/io/packet_source.hpp"

namespace sigprobe {

ProgressSink::ProgressSink(FILE* out, bool force)
    : out_(out), enabled_(force || (out && isatty(fileno(out)))), start_(std::chrono::steady_clock::now()) {}

void ProgressSink::on_source_start(const PacketSource& src, uint16_t) {
  src_ = &src;
  name_ = src.describe();
}

void ProgressSink::on_burst(std::span<const PacketRef> pkts, std::span<const SignalEvent>) {
  packets_ += pkts.size();
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(500)) return;
  last_draw_ = now;
  draw();
}

void ProgressSink::on_alert(const Alert&) { ++alerts_; }

std::string ProgressSink::line() const {
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double pps = s > 0 ? double(packets_) / s : 0;
  double frac = src_ ? src_->progress() : -1;
  std::string pct = frac >= 0 ? fmt::format("{:5.1f}%", frac * 100) : "   --";
  return fmt::format("{} {}  {} packets  {:.0f} packets/s  {} alerts", name_, pct, packets_, pps, alerts_);
}

void ProgressSink::draw() {
  std::string l = line();
  std::fprintf(out_, "\r%s\x1b[K", l.c_str());  // erase the rest of the previous line
  std::fflush(out_);
  drawn_ = true;
}

void ProgressSink::finish() {
  if (!enabled_ || !drawn_) return;
  src_ = nullptr;  // the source may be gone by now
  draw();
  std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace sigprobe
