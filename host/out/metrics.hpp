// --metrics ADDR:PORT: Prometheus text exposition (format 0.0.4) served by a
// small HTTP thread. The pipeline thread counts and, at most every 50 ms (and
// on every alert and at the end), publishes a snapshot under a mutex; the
// HTTP thread renders from the snapshot. Nothing on the data path blocks on
// the network.
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dataplane/core/counters.hpp"
#include "host/out/flow_mirror.hpp"
#include "host/out/hep_sender.hpp"
#include "host/out/pcap_mirror.hpp"
#include "host/out/sinks.hpp"

namespace sigprobe {

// Upper bounds (seconds) of the batch time histogram.
inline constexpr std::array<double, 11> kBatchBuckets{1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1.0};

// Everything the page shows, copied from the pipeline thread.
struct MetricsSnapshot {
  uint64_t packets = 0, bytes = 0, bursts = 0, events = 0;
  std::array<uint64_t, size_t(Proto::Count_)> messages{};
  bool have_decode = false;
  DecodeCounters decode;
  std::map<std::pair<std::string, std::string>, uint64_t> alerts;  // (rule, severity) -> count
  std::string offload;
  std::vector<std::pair<std::string, double>> extra;
  std::array<uint64_t, kBatchBuckets.size() + 1> batch_buckets{};  // last = +Inf
  double batch_sum_s = 0;
  uint64_t batch_count = 0;
  bool have_mirror = false, have_pcap = false, have_hep = false;
  MirrorStats mirror;
  PcapMirrorStats pcap;
  uint64_t pcap_bytes = 0;
  HepStats hep;
};

// The Prometheus text of a snapshot.
std::string render_metrics(const MetricsSnapshot& s);

class MetricsSink final : public Sink {
 public:
  MetricsSink() = default;
  ~MetricsSink() override;
  MetricsSink(const MetricsSink&) = delete;
  MetricsSink& operator=(const MetricsSink&) = delete;

  // Binds ADDR:PORT (port 0 picks a free one, see port()) and starts serving.
  bool start(const std::string& addr_port, const RunInfo* run, std::string& err);
  uint16_t port() const { return port_; }
  // Mirror statistics to publish too (owned elsewhere, read on the pipeline thread).
  void watch(const FlowMirror* m, const PcapMirror* p, const HepSender* h) { mirror_ = m; pcap_ = p; hep_ = h; }

  void on_burst(std::span<const PacketRef> pkts, std::span<const SignalEvent> events) override;
  void on_alert(const Alert& a) override;
  void finish() override;

  std::string text() const;  // what a scrape returns now

 private:
  void publish();
  void serve();

  const RunInfo* run_ = nullptr;
  const FlowMirror* mirror_ = nullptr;
  const PcapMirror* pcap_ = nullptr;
  const HepSender* hep_ = nullptr;
  MetricsSnapshot live_;  // pipeline thread only
  mutable std::mutex mu_;
  MetricsSnapshot shared_;  // under mu_
  std::chrono::steady_clock::time_point last_burst_{}, last_publish_{}, last_extra_{};
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sigprobe
