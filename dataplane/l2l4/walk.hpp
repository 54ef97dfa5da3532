// The L2-L4 walk: link header -> VLAN/QinQ -> IPv4/IPv6 (+extension headers,
// +fragment reassembly, +IP-in-IP/GRE/ERSPAN/VXLAN/GTP-U tunnels) -> UDP, TCP
// (+per-direction stream reassembly) and SCTP (+DATA chunk reassembly and
// duplicate TSN suppression). What it finds at L4 goes to an L4Handler; the
// decode glue (dataplane/decode.cpp) is the real one, tests use a fake.
//
// The walk owns its reassembly tables, all bounded by L2L4Config and
// allocated once per slot (then recycled): no allocation per packet in the
// steady state. Time is the packet's capture time. Not thread-safe: one
// Walker per worker.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/core/packet.hpp"
#include "dataplane/core/signal_event.hpp"

namespace sigprobe::l2l4 {

struct L2L4Config {
  uint32_t ip_frag_max_datagrams = 4096;
  uint64_t ip_frag_timeout_ns = 30'000'000'000ull;
  uint32_t tcp_max_streams = 65536;
  uint32_t tcp_max_buffer = 256 * 1024;          // per direction, in order + out of order
  uint64_t tcp_idle_timeout_ns = 300'000'000'000ull;
  uint64_t tcp_gap_timeout_ns = 2'000'000'000ull;  // a hole older than this is skipped
  uint32_t sctp_max_partial = 4096;              // fragmented user messages in flight
  uint32_t sctp_max_message = 256 * 1024;        // bytes of one reassembled user message
  uint32_t sctp_max_assocs = 16384;              // directions tracked for duplicate TSNs
  uint64_t sctp_partial_timeout_ns = 30'000'000'000ull;
};

// Receives what the walk finds at L4. `in_packet` says whether the bytes lie
// in the packet (valid for the burst) or in a reassembly buffer that the
// walk reuses as soon as the call returns: a consumer that keeps views into
// such bytes copies them first.
class L4Handler {
 public:
  virtual ~L4Handler() = default;

  // A UDP payload (whole datagram after IP reassembly). ctx.transport = Udp.
  virtual void on_udp(const MsgContext& ctx, Bytes payload, bool in_packet) = 0;

  // Whether to follow a TCP direction whose first payload bytes are `first`.
  // Streams the handler declines are not buffered.
  virtual bool want_tcp_stream(const MsgContext& ctx, Bytes first) = 0;

  // Whether `b` (a TCP segment that arrived ahead of a hole) starts a new
  // message. When nothing is buffered, the walk then skips the hole at once
  // instead of waiting for it: captures filtered down to signaling frames
  // have such holes everywhere, and the message is decoded at its own frame.
  virtual bool starts_message(Bytes) { return false; }

  // In-order bytes of a followed TCP direction. The first `carried` bytes of
  // `data` arrived in earlier segments. Returns how many bytes were consumed;
  // the walk keeps the rest and offers it again, with more, on the next call.
  virtual size_t on_tcp_data(const MsgContext& ctx, Bytes data, bool in_packet, size_t carried) = 0;

  // A complete SCTP user message (a DATA chunk, or fragments reassembled),
  // with ctx.sctp_ppid and ctx.sctp_stream. Duplicates are already removed.
  virtual void on_sctp_message(const MsgContext& ctx, Bytes msg, bool in_packet) = 0;

  // A DATA chunk whose TSN was seen already (a retransmission), carrying one
  // user message whole at ctx.wire.msg_off, with ctx.sctp_ppid. Only where
  // ctx.wire locates the packet's SCTP header (outside tunnels).
  virtual void on_sctp_repeat(const MsgContext& ctx, Bytes msg) { (void)ctx, (void)msg; }

  // A segment of a followed TCP direction whose payload was all delivered
  // before (a retransmission), where ctx.wire locates it.
  virtual void on_tcp_repeat(const MsgContext& ctx) { (void)ctx; }
};

class Walker {
 public:
  explicit Walker(const L2L4Config& cfg = {});
  ~Walker();
  Walker(const Walker&) = delete;
  Walker& operator=(const Walker&) = delete;

  // Walks one packet of a link type the walk knows (Ethernet, SLL, SLL2,
  // raw IP, NULL, LOOP); counts link.unsupported for any other.
  void walk(const PacketRef& pkt, L4Handler& h, DecodeCounters& c);

  // Forget every flow in flight (fragments, TCP streams, SCTP associations):
  // a new capture file is a new observation, and its TSNs or sequence
  // numbers are not retransmissions of the last file's.
  void reset();

  // Bytes a direction currently buffers (in order + out of order), or -1
  // when the direction is not followed. For tests and diagnostics.
  long tcp_buffered(const Endpoint& src, const Endpoint& dst) const;
  uint32_t ip_frag_in_flight() const;
  uint32_t sctp_partial_in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigprobe::l2l4
