// Holding back a blocked SS7 message inline without breaking its SCTP
// association (dpdk --inline --enforce).
//
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
#pragma once
#include <cstdint>
#include <span>

#include "dataplane/core/signal_event.hpp"

namespace sigprobe::dp {

inline constexpr uint8_t kHeldClass = 0x7F;

enum class HoldResult : uint8_t {
  Held,          // rewritten, checksum recomputed
  AlreadyHeld,   // the message was rewritten before (another event of it)
  NotInPlace,    // no whole M3UA DATA message at the spot (fragmented, M2PA, out of bounds)
};

// CRC32c of an SCTP packet (common header on) with its checksum field taken
// as zero, in the byte order the checksum field holds it.
uint32_t sctp_checksum(std::span<const uint8_t> sctp);

// Rewrites the M3UA DATA message at `spot` of `frame` as described above.
HoldResult hold_m3ua(std::span<uint8_t> frame, const WireSpot& spot);

}  // namespace sigprobe::dp
