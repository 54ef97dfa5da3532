#include "host/pipeline.hpp"

#include <thread>

namespace sigprobe {

Pipeline::Pipeline(const DecoderConfig& cfg, Analyzer* analyzer, std::vector<Sink*> sinks, Pace pace)
    : decoder_(cfg), analyzer_(analyzer), sinks_(std::move(sinks)), pace_(pace) {
  pending_.reserve(64);
}

bool Pipeline::run(PacketSource& src, uint16_t index, std::string& err, const std::atomic<bool>* stop) {
  decoder_.begin_capture();
  for (Sink* s : sinks_) s->on_source_start(src, index);
  if (analyzer_) analyzer_->maybe_reload();
  std::array<PacketRef, kBurstMax> burst;
  while (!(stop && stop->load(std::memory_order_relaxed))) {
    uint16_t n = src.rx_burst(burst);
    if (n == 0) {
      if (src.at_end()) break;
      if (analyzer_) analyzer_->maybe_reload();
      continue;
    }
    for (uint16_t i = 0; i < n; ++i) burst[i].port = index;
    if (pace_.mode != SpeedMode::Max) pace(burst[0].ts_ns);
    process({burst.data(), n});
  }
  if (!src.error().empty()) {
    err = src.error();
    return false;
  }
  return true;
}

void Pipeline::process(std::span<const PacketRef> pkts) {
  auto t0 = std::chrono::steady_clock::now();
  batch_.clear();
  decoder_.decode_burst(pkts, batch_, counters_);
  last_ts_ns_ = pkts.back().ts_ns;
  for (Sink* s : sinks_) s->on_burst(pkts, batch_.events());
  if (analyzer_) {
    pending_.clear();
    analyzer_->on_events(batch_.events(), pending_);
    for (const Alert& a : pending_) {
      ++alerts_;
      for (Sink* s : sinks_) s->on_alert(a);
    }
  }
  busy_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Pipeline::pace(uint64_t ts_ns) {
  auto now = std::chrono::steady_clock::now();
  if (first_ts_ns_ == 0) {
    first_ts_ns_ = ts_ns;
    wall_start_ = now;
    return;
  }
  if (ts_ns <= first_ts_ns_) return;
  double capture_s = double(ts_ns - first_ts_ns_) / 1e9;
  double factor = pace_.mode == SpeedMode::Realtime ? 1.0 : pace_.factor;
  auto due = wall_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                               std::chrono::duration<double>(capture_s / factor));
  if (due > now) std::this_thread::sleep_until(due);
}

void Pipeline::finish() {
  if (analyzer_) {
    pending_.clear();
    analyzer_->finish(last_ts_ns_, pending_);
    for (const Alert& a : pending_) {
      ++alerts_;
      for (Sink* s : sinks_) s->on_alert(a);
    }
  }
  for (Sink* s : sinks_) s->finish();
}

}  // namespace sigprobe
