// Progress of a long replay on stderr: packets, percent of the current file
// (PacketSource::progress), packets/s and alerts so far, redrawn in place at
// most twice a second. Silent when stderr is not a terminal.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "host/pipeline.hpp"

namespace sigprobe {

class ProgressSink final : public Sink {
 public:
  // out: where to draw; force: draw even when out is not a terminal (tests).
  explicit ProgressSink(FILE* out = stderr, bool force = false);

  void on_source_start(const PacketSource& src, uint16_t index) override;
  void on_burst(std::span<const PacketRef> pkts, std::span<const SignalEvent> events) override;
  void on_alert(const Alert& a) override;
  void finish() override;

  bool enabled() const { return enabled_; }
  // The line as it would be drawn now (without the leading '\r').
  std::string line() const;

 private:
  void draw();

  FILE* out_;
  bool enabled_;
  const PacketSource* src_ = nullptr;
  std::string name_;
  uint64_t packets_ = 0, alerts_ = 0;
  std::chrono::steady_clock::time_point start_{}, last_draw_{};
  bool drawn_ = false;
};

}  // namespace sigprobe
