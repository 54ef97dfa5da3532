// Per-direction TCP stream reassembly, good enough for SIP (RFC 3261 18.3).
//
// A direction is followed from its SYN (the handler decides on the first
// payload bytes) or from the first segment the handler wants (a capture that
// starts mid-stream). In-order bytes go to the handler straight from the
// packet when nothing is buffered (zero copy); what it does not consume is
// kept. Segments ahead of the expected sequence number wait in an
// out-of-order area; a hole is skipped (tcp.gap) when the area runs over its
// limits, when the oldest waiting segment is older than the gap timeout, at
// FIN, or at once when nothing is pending and the segment after the hole
// starts a message (L4Handler::starts_message). A segment that fills such a
// hole later is dropped as old. Retransmissions are dropped (counted). Streams are bounded in
// number (LRU eviction) and bytes, and expire when idle.
#pragma once
#include <cstdint>
#include <vector>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/l2l4/flow_table.hpp"
#include "dataplane/l2l4/walk.hpp"

namespace sigprobe::l2l4 {

struct TcpSegment {
  FlowKey key;             // this direction
  uint32_t seq = 0;
  bool syn = false, fin = false, rst = false;
  Bytes payload;
  bool in_packet = true;   // payload lies in the packet (not a reassembled IP datagram)
};

class TcpStreams {
 public:
  static constexpr uint32_t kMaxOooSegments = 64;

  explicit TcpStreams(const L2L4Config& cfg);

  void on_segment(const TcpSegment& seg, const MsgContext& ctx, uint64_t now_ns, L4Handler& h,
                  DecodeCounters& c);

  // Bytes a direction buffers, or -1 when it is not followed.
  long buffered(const FlowKey& k) const;

 private:
  enum class State : uint8_t { Undecided, Active, Ignored };
  struct Waiting {
    uint32_t seq, off, len;
  };
  struct Stream {
    State state = State::Undecided;
    uint32_t next = 0;                 // next expected sequence number
    std::vector<uint8_t> buf;          // in-order bytes not consumed yet
    std::vector<uint8_t> ooo_bytes;    // out-of-order payloads, appended
    std::vector<Waiting> ooo;          // their sequence numbers
    uint64_t ooo_since_ns = 0;
  };

  Stream* open(const FlowKey& k, uint64_t now_ns, DecodeCounters& c);
  // Offers in-order bytes at s->next to the handler and advances.
  void deliver(Stream& s, Bytes b, bool in_packet, const MsgContext& ctx, L4Handler& h,
               DecodeCounters& c);
  void drain_waiting(Stream& s, const MsgContext& ctx, L4Handler& h, DecodeCounters& c);
  void skip_gap(Stream& s, const MsgContext& ctx, L4Handler& h, DecodeCounters& c);
  size_t ooo_size(const Stream& s) const { return s.ooo_bytes.size(); }

  L2L4Config cfg_;
  mutable FlowTable<Stream> table_;
};

}  // namespace sigprobe::l2l4
