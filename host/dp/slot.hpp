// A burst in flight between the lcore that received it and the detect lcore.
// The slot owns the mbufs (so SignalEvent views into packet bytes stay valid)
// and the EventBatch (whose arena holds the strings decode normalized and
// any multi-segment packet gathered): handing a slot over a ring hands the
// events over without copying a byte. Slots are allocated at start-up, one
// pool per RX queue, and recycled; none is allocated per packet.
#pragma once
#include <array>
#include <cstdint>

#include "dataplane/core/packet.hpp"
#include "dataplane/core/signal_event.hpp"

struct rte_mbuf;

namespace sigprobe::dp {

inline constexpr uint16_t kNoPort = 0xffff;

enum Verdict : uint8_t {
  kVerdictPass = 0,
  kVerdictDrop = 1 << 0,    // --enforce: the packet's call or transaction is blocked
  kVerdictMirror = 1 << 1,  // the packet belongs to a flagged flow
};

struct BurstSlot {
  explicit BurstSlot(size_t arena_bytes) : batch(4 * kBurstMax, arena_bytes) {}

  uint16_t n = 0;                // packets
  uint16_t stream = 0;           // RX queue index in the engine's stream table
  uint64_t enq_tsc = 0;          // when the worker handed it to the detect lcore
  std::array<rte_mbuf*, kBurstMax> mbufs{};
  std::array<PacketRef, kBurstMax> pkts{};
  // Events of packet i are batch.events()[ev_begin[i], ev_begin[i + 1]).
  std::array<uint16_t, kBurstMax + 1> ev_begin{};
  std::array<uint8_t, kBurstMax> verdict{};
  // A copy of packet i as it came in, made before it was held back in place
  // while a mirror port is on: the mirror gets the message as sent (its
  // analyzer decodes it), port B the held one. Freed or sent by act().
  std::array<rte_mbuf*, kBurstMax> as_received{};
  // The final response to packet i, a blocked INVITE over UDP, written by the
  // detect lcore (settings.sip_reject, inline --enforce), for the worker to
  // send back out of the port the INVITE came in on; answers_failed: the
  // blocked INVITEs it could not answer (no mbuf, not a datagram it can answer).
  std::array<rte_mbuf*, kBurstMax> answer{};
  uint16_t answers_failed = 0;
  // Frames the detect lcore wrote for the worker to send after the burst
  // (the BYEs that cut a call): mbufs, the port each goes out on, and
  // whether the mirror port gets it too (its call's flow is flagged).
  static constexpr size_t kMaxInject = 8;
  uint8_t n_inject = 0;
  std::array<rte_mbuf*, kMaxInject> inject{};
  std::array<uint16_t, kMaxInject> inject_port{};
  std::array<bool, kMaxInject> inject_mirror{};
  EventBatch batch;
};

// Decode sets SignalEvent::frame to the packet's frame, which the worker sets
// to the burst position + 1. Index the events by packet; false when decode
// emitted them out of packet order (then all are charged to the last packet).
inline bool index_events(BurstSlot& s) {
  auto ev = s.batch.events();
  size_t e = 0;
  bool ordered = true;
  uint64_t prev = 0;
  for (const SignalEvent& x : ev) {
    if (x.frame < prev || x.frame == 0 || x.frame > s.n) ordered = false;
    prev = x.frame;
  }
  if (!ordered) {
    for (uint16_t i = 0; i < s.n; ++i) s.ev_begin[i] = 0;
    s.ev_begin[s.n] = uint16_t(ev.size());
    if (s.n) for (SignalEvent& x : ev) x.frame = s.n;
    return false;
  }
  for (uint16_t i = 0; i < s.n; ++i) {
    s.ev_begin[i] = uint16_t(e);
    while (e < ev.size() && ev[e].frame == uint64_t(i) + 1) ++e;
  }
  s.ev_begin[s.n] = uint16_t(ev.size());
  return true;
}

}  // namespace sigprobe::dp
