// Answering a blocked caller (inline, --enforce, rules settings.sip_reject):
// from the frame that carried a SIP INVITE over UDP, build the frame of the
// final response a UAS would send (RFC 3261 8.2.6.2): every Via copied in
// order, From, Call-ID and CSeq copied, To copied with a tag added when it has
// none, no body; addressed back to the request's source IP and port, as
// RFC 3261 18.2.2 with RFC 3581 (received, rport) makes a UAS answer.
//
// The frame is Ethernet (its VLAN tags kept, MACs swapped) with IPv4 or IPv6
// and UDP; checksums filled in. Anything else (TCP or SCTP transport, which
// would need the stream's sequence state; tunnels; IP fragments) is declined
// and the INVITE is only dropped. A pure function of the bytes: the worker
// puts the result into an mbuf of the pool the request came from.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sigprobe::dp {

enum class RejectResult : uint8_t {
  Built,        // out[0, out_len) is the response frame
  NotInvite,    // not a SIP INVITE request: nothing to answer
  Unsupported,  // not Ethernet + IPv4/IPv6 + UDP in one unfragmented frame
  Malformed,    // an INVITE without Via, From, To, Call-ID or CSeq
  NoRoom,       // the response does not fit in out
};

// The reason phrase of a final status (RFC 3261 21.4-21.6, RFC 8197 for 607);
// "Rejected" for a code without a registered phrase.
std::string_view sip_reason_phrase(uint16_t status);

// Builds the response to the INVITE in `request` (an Ethernet frame) with
// `status` (400-699) into `out`.
RejectResult build_sip_reject(std::span<const uint8_t> request, uint16_t status, std::span<uint8_t> out,
                              size_t& out_len);

}  // namespace sigprobe::dp
