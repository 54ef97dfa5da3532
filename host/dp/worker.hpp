// A worker lcore: polls its RX queues in bursts and runs each burst to
// completion on this lcore as far as it can alone: mbufs -> PacketRefs ->
// decode. Then either
//  - direct (one worker): detect on this lcore too, or
//  - handed over: the burst (mbufs, events, arena: a BurstSlot) goes to the
//    detect lcore over an SPSC rte_ring and comes back with its verdicts;
// and finally act: forward to the peer port (inline), drop (--enforce),
// send to the mirror port without copying (refcount), or free (tap).
// No locks, no allocation: slots, rings and the decoder exist before the
// first packet.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/core/counters.hpp"
#include "dataplane/decode.hpp"
#include "dataplane/io/dpdk/mbuf_packet.hpp"
#include "host/dp/detect_stage.hpp"
#include "host/dp/dp_stats.hpp"
#include "host/dp/slot.hpp"

struct rte_ring;

namespace sigprobe::dp {

// One RX queue. The worker writes empty_poll_tsc; the detect lcore reads it.
struct alignas(64) Stream {
  uint16_t index = 0;       // in the engine's table
  uint16_t port = 0, queue = 0;
  uint16_t out_port = kNoPort;  // inline: the peer port
  uint64_t ts_unit_ns = 1;
  LinkType link = LinkType::Ethernet;
  rte_ring* to_detect = nullptr;
  QueueStats stats;
  alignas(64) std::atomic<uint64_t> empty_poll_tsc{0};
};

struct WorkerConfig {
  uint16_t index = 0;               // also the TX queue it owns on every output port
  uint16_t mirror_port = kNoPort;
  uint32_t slots_per_queue = 8;
  size_t arena_bytes = 256 * 1024;
  bool keep_repeats = false;        // --enforce: retransmitted M3UA chunks to hold again
  DecoderConfig decoder;
};

class Worker {
 public:
  Worker(const WorkerConfig& cfg, std::vector<Stream*> streams, const dpdk::RxClock& clock, LcoreStats& stats,
         std::string& err);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Run detection on this lcore instead of handing bursts over.
  void set_direct(DetectStage* stage) { direct_ = stage; }
  // Poll until `stop`, then hand over nothing more, say so (done()), and wait
  // for every slot to come back. `tick` (may be null) runs every few
  // thousand polls when the worker runs on the main lcore.
  void run(const std::atomic<bool>& stop, void (*tick)(void*) = nullptr, void* tick_arg = nullptr);
  // One poll of every queue; true when a packet came in.
  bool poll_once();
  void drain_returns();

  const std::atomic<bool>& done() const { return done_; }
  rte_ring* give_back() const { return give_back_; }
  const DecodeCounters& decode_counters() const { return counters_; }

 private:
  void act(BurstSlot& s);
  // Sends the detect lcore's answer to a blocked INVITE out of the port the
  // INVITE came in on. With `mirror` (the INVITE's flow is flagged) it is
  // returned with a reference for the mirror port, to go there after the
  // INVITE; else nullptr.
  rte_mbuf* send_answer(const Stream& st, rte_mbuf* r, bool mirror);
  void recycle(BurstSlot* s);

  WorkerConfig cfg_;
  std::vector<Stream*> streams_;
  const dpdk::RxClock& clock_;
  LcoreStats& stats_;
  Decoder decoder_;
  DecodeCounters counters_;
  uint64_t anomalies_seen_ = 0;
  DetectStage* direct_ = nullptr;
  std::vector<std::unique_ptr<BurstSlot>> slots_;
  std::vector<std::vector<BurstSlot*>> free_;   // per own stream
  std::vector<uint16_t> own_index_;              // engine stream index -> own index
  size_t out_ = 0;                               // slots not home
  rte_ring* give_back_ = nullptr;
  std::atomic<bool> done_{false};
  std::array<rte_mbuf*, kBurstMax> fwd_{}, drop_{};
  std::array<rte_mbuf*, 2 * kBurstMax> mir_{};  // a mirrored INVITE may bring its answer
};

}  // namespace sigprobe::dp
