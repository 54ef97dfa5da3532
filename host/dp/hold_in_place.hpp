// Holding back a blocked message inline without breaking its transport
// (dpdk --inline --enforce): SS7 over SCTP and SIP over TCP. A datagram (SIP
// over UDP) is simply dropped: its retransmissions are blocked again.
//
// SCTP.
// An SCTP DATA chunk cannot be dropped on the way: the sender retransmits it
// until the receiver acknowledges its TSN (RFC 9260 6.3.3), so the drop only
// delays the message by one retransmission timeout (the probe's own decoder
// takes the retransmission for a duplicate and lets it pass), and a probe
// that dropped every copy would make the association fail after
// Association.Max.Retrans and take every subscriber's traffic on the link
// with it. The chunk is delivered instead, with its M3UA message turned into
// one the receiving M3UA discards: the Message Class becomes kHeldClass, a
// class reserved by the IETF (RFC 4666 3.1.2), which the peer answers with an
// ERR "Unsupported Message Class" (RFC 4666 3.8.1) and does not pass up to
// MTP3 users; the SCTP checksum (CRC32c, RFC 9260 appendix A) is recomputed.
// The TSN is acknowledged, the TCAP dialogue or ISUP call of the message times
// out at its sender (a MAP operation's timer, ISUP T7 for an IAM). Other
// chunks of the packet are untouched.
//
// TCP. A dropped segment is retransmitted too, and the probe's stream
// reassembly takes the copy for a retransmission and lets it pass; dropping
// every copy would stall the connection and every dialog on it. A blocked
// SIP request is delivered instead with its Max-Forwards value set to zeros
// (same length: no sequence number moves): the next proxy must not forward it
// and answers 483 Too Many Hops (RFC 3261 16.3 item 3), which ends the
// caller's transaction. The TCP checksum is updated for the changed words
// (RFC 1624). A UAS that is the request's next hop does not check
// Max-Forwards (RFC 3261 8.2): there the request is not held back.
//
// Retransmissions. The held copy may still be lost after the probe (a full
// TX queue, the next link) and the sender retransmit the original. The
// decoder reports such a copy (an SCTP TSN seen before carrying one M3UA
// message or one SIP request whole; a TCP segment that starts with bytes it
// delivered before, new bytes after them or not) as a Repeat; the detect
// stage remembers what it held (sctp_chunk_key, with the Max-Forwards value's
// place in the chunk for SIP; over TCP the value's connection and sequence
// number, tcp_segment_of) and holds a repeat of it again, over TCP wherever
// the retransmission was cut: a cut through the value zeroes the part of it
// in each piece.
#pragma once
#include <cstdint>
#include <span>

#include "dataplane/core/signal_event.hpp"

namespace sigprobe::dp {

inline constexpr uint8_t kHeldClass = 0x7F;

enum class HoldResult : uint8_t {
  Held,          // rewritten, checksum recomputed
  AlreadyHeld,   // the message was rewritten before (another event of it)
  NotInPlace,    // nothing to rewrite at the spot: an SCTP user message in fragments, M2PA, a
                 // SIP message over several TCP segments, a response, out of bounds
};

// CRC32c of an SCTP packet (common header on) with its checksum field taken
// as zero, in the byte order the checksum field holds it.
uint32_t sctp_checksum(std::span<const uint8_t> sctp);

// Rewrites the M3UA DATA message at `spot` of `frame` as described above.
HoldResult hold_m3ua(std::span<uint8_t> frame, const WireSpot& spot);

// The DATA chunk whose user data starts at spot.msg_off, named by its
// direction (ports and verification tag of the common header) and its TSN:
// the same for every copy of the chunk. 0 when the spot is out of the frame.
uint64_t sctp_chunk_key(std::span<const uint8_t> frame, const WireSpot& spot);
// Where the user data starts of the DATA chunk that holds byte `at` of the
// SCTP packet at (spot.l4_off, spot.l4_len); 0 when no DATA chunk holds it.
uint16_t sctp_data_start(std::span<const uint8_t> frame, const WireSpot& spot, size_t at);
// The TCP segment at (spot.l4_off, spot.l4_len): its ports (as the header
// holds them), sequence number, and where its payload lies in the frame.
struct TcpSegment {
  bool valid = false;
  uint32_t ports = 0, seq = 0;
  uint16_t data_off = 0, data_len = 0;
};
TcpSegment tcp_segment_of(std::span<const uint8_t> frame, const WireSpot& spot);

// Sets the Max-Forwards value at `spot` (msg_off, msg_len) of the TCP segment
// at (l4_off, l4_len) to zeros and updates the segment's checksum.
HoldResult hold_sip_tcp(std::span<uint8_t> frame, const WireSpot& spot);
// The same for SIP over SCTP (a whole DATA chunk): the CRC32c is recomputed.
HoldResult hold_sip_sctp(std::span<uint8_t> frame, const WireSpot& spot);

}  // namespace sigprobe::dp
