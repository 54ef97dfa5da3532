// The detect lcore's work: take the bursts of every RX queue in capture-time
// order, number the packets as one capture, run the analyzer (track +
// detect) and the sinks, and mark each packet's verdict (drop for --enforce,
// mirror for flagged flows). One DetectStage owns all subscriber state, so a
// caller's calls, a GT's queries and an IP's requests always meet here,
// whichever queue RSS put them on (see dataplane/io/dpdk/README.md).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "host/dp/dp_stats.hpp"
#include "host/dp/flagged_flows.hpp"
#include "host/dp/hold_in_place.hpp"
#include "host/dp/sip_cut.hpp"
#include "host/dp/slot.hpp"
#include "host/pipeline.hpp"

struct rte_ring;

namespace sigprobe::dp {

class DetectStage {
 public:
  DetectStage(Analyzer* analyzer, std::vector<Sink*> sinks, bool enforce, bool mirror, DetectStats& stats);

  // Packets [first, last) of the slot, next in capture order: renumber them,
  // analyze their events, set their verdicts.
  void process_run(BurstSlot& s, uint16_t first, uint16_t last);
  void process_slot(BurstSlot& s) { process_run(s, 0, s.n); }
  // Between bursts: a pending reload.
  void idle() { if (analyzer_) analyzer_->maybe_reload(); }
  // Inline: the port each port's packets go out on (indexed by port id), for
  // the frames the stage writes itself.
  // With --enforce the dialog store for cut calls (and the table of their
  // BYEs sent again) is mapped here, before the first packet.
  void set_peers(std::vector<uint16_t> peer) {
    peer_ = std::move(peer);
    if (!enforce_) return;
    dialogs_.reserve();
    resends_.reserve();
  }
  void finish();
  uint64_t last_ts_ns() const { return last_ts_ns_; }
  uint64_t alerts() const { return alerts_; }

 private:
  Analyzer* analyzer_;
  std::vector<Sink*> sinks_;
  bool enforce_, mirror_;
  DetectStats& stats_;
  // The alerts in pending_ to the sinks (and the flagged flows).
  void dispatch_alerts();
  // A blocked message over SCTP or TCP (event x of packet i): held back in place.
  void hold(BurstSlot& s, uint16_t i, const SignalEvent& x);
  // What a hold rewrites.
  enum class HoldKind : uint8_t { M3ua, SipSctp, SipTcp };
  // Packet i's rewrite at spot, counted; an event's hold (x) is remembered for
  // its retransmissions and mirrored as received, a repeat's is neither.
  HoldResult hold_at(BurstSlot& s, uint16_t i, const SignalEvent* x, const WireSpot& spot, HoldKind kind);
  // The retransmissions among packets [first, last) of what was held before.
  void hold_repeats(BurstSlot& s, uint16_t first, uint16_t last);
  // Packet i's SIP messages over UDP into the dialogs (the calls a cut may take).
  void learn_dialogs(const BurstSlot& s, uint16_t i);
  // Cut the call (track::call_id_hash): a BYE to each party, into the slot
  // for the worker to send; mbufs from the pool of packet i's.
  void cut(BurstSlot& s, uint16_t i, uint64_t call);
  // The BYEs of earlier cuts due again at packet i's time, into the slot.
  void resend_byes(BurstSlot& s, uint16_t i);
  void count_resends();
  // A frame put into the slot for packet i (a BYE or its resend): to be
  // sent out of `port`, not to the mirror port unless tell_sent() says so.
  void injected(BurstSlot& s, uint16_t i, rte_mbuf* m, uint16_t port);
  // Packet i is a blocked INVITE over UDP: its caller's final response
  // (`status`) into the slot (or counted failed).
  void answer(BurstSlot& s, uint16_t i, uint16_t status);
  // A frame of ours to tell the sinks about at the end of the run; `mirror`
  // (may be null) is set when its call's flow is flagged.
  void sent(const rte_mbuf* m, uint16_t port, uint64_t ts_ns, bool* mirror);
  // The run's frames of ours to the sinks' on_sent, decoded as the link
  // shows them, in the order they were written.
  void tell_sent();

  std::vector<uint16_t> peer_;
  SipDialogs dialogs_;
  ByeResends resends_;
  // The probe's own frames of the run being processed, as the sinks see them.
  struct Sent {
    const rte_mbuf* m = nullptr;
    uint16_t port = 0;
    uint64_t ts_ns = 0;
    bool* mirror = nullptr;
  };
  static constexpr size_t kMaxSent = kBurstMax + BurstSlot::kMaxInject;
  std::array<Sent, kMaxSent> sent_list_{};
  size_t n_sent_ = 0;
  std::array<PacketRef, kMaxSent> sent_refs_{};
  EventBatch sent_events_{kMaxSent, 64 << 10};
  DecodeCounters sent_counters_;
  uint64_t sent_frames_ = 0;  // frames told so far (their frame numbers: kSentFrame + n)

  // What was held back, so that a retransmission of it is held again.
  // SCTP DATA chunks (sctp_chunk_key), direct-mapped, with where a SIP
  // request's Max-Forwards value lies in the chunk's user data (length 0: an
  // M3UA message, rewritten by its class).
  struct Held {
    uint64_t key = 0;
    uint16_t value_off = 0, value_len = 0;
  };
  static constexpr size_t kHeldChunks = 1 << 14;
  std::vector<Held> held_chunks_;
  // Over TCP, the Max-Forwards values held, by their connection (the ports)
  // and the sequence number of their first byte: a retransmission is held
  // wherever its sender cut it (Linux merges segments it resends). Sets of 4
  // ways chosen by the ports, the oldest way replaced.
  struct HeldValue {
    uint32_t ports = 0, seq = 0;
    uint16_t len = 0;
  };
  static constexpr size_t kHeldValueSets = 1 << 10, kHeldValueWays = 4;
  std::vector<HeldValue> held_values_;
  std::vector<uint8_t> held_values_next_;  // per set: the way to replace next

  FlaggedFlows flagged_;
  std::vector<Alert> pending_;
  uint64_t frame_ = 0;
  uint64_t last_ts_ns_ = 0;
  uint64_t alerts_ = 0;
};

// One RX queue as the merge sees it: the ring of bursts from its worker and
// the worker's word that the queue was polled empty (see Merger::step).
struct MergeInput {
  rte_ring* ring = nullptr;
  const std::atomic<uint64_t>* empty_poll_tsc = nullptr;  // TSC at the start of the last empty poll
  const std::atomic<bool>* worker_done = nullptr;         // no more bursts will come
  rte_ring* give_back = nullptr;                          // processed slots go back here
};

// Merges the queues' bursts by packet timestamp (ties: lower queue first).
// A packet is released only when every other queue either has a later packet
// waiting, has been polled empty since the packet was handed over, or is
// finished: the order is then the capture order for pcap inputs and the
// arrival order for NICs, whatever the number of workers.
class Merger {
 public:
  Merger(std::vector<MergeInput> inputs, DetectStage& stage, DetectStats& stats);
  // Process what can be processed now; false when nothing could be.
  bool step();
  // All queues finished and every slot given back.
  bool finished() const;

 private:
  bool fill(size_t i);
  std::vector<MergeInput> in_;
  std::vector<BurstSlot*> cur_;
  std::vector<uint16_t> pos_;
  std::vector<bool> done_;
  DetectStage& stage_;
  DetectStats& stats_;
};

}  // namespace sigprobe::dp
