// Cutting an answered call (inline, --enforce, a victim_on_line rule with
// `action: block`): the probe sends each party the BYE the other party would
// send (RFC 3261 15.1.1 and 12.2.1.1): Call-ID and tags of the dialog, the
// party's remote target (its Contact) as Request-URI, the route set as the
// hops beyond the link still need it, a CSeq above the sender's last one,
// and Reason: Q.850 cause 21 (RFC 3326).
//
// What the link shows of a dialog is kept per call (SipDialogs): from the
// initial INVITE the caller's From (with its tag), Contact and CSeq and the
// Record-Route entries that proxies on the caller's side added before the
// link; from the first 2xx the callee's To (with its tag) and Contact and
// the whole Record-Route. Route sets (loose routing, RFC 3261 16.12): the
// caller's is the 2xx's Record-Route reversed, of which the hops on its side
// of the link have taken theirs off by the time its BYE crosses it; the
// callee's is the Record-Route in order, of which the hops on its side are
// gone. So the BYE to the callee carries the entries the proxies beyond the
// link added, reversed, and the BYE to the caller the INVITE's entries.
//
// Each BYE goes out in the envelope of the last message of the dialog that
// went that way: to the callee in the INVITE's (MACs, VLAN tags, addresses,
// ports as it crossed the link), to the caller in the 2xx's, on the port that
// message went out on. Its Via names the address it comes from, with a
// branch of its own: the parties' 200 answers come back across the link (the
// tracker ends the call on them) to a hop that has no such transaction and
// drops them. A BYE is sent once, not retransmitted (no transaction state).
//
// UDP only: a BYE cannot be put into a TCP stream or an SCTP association
// without their sequence state. Calls over TCP or SCTP are counted, not cut.
// Each message is read again from its own frame: an INVITE or 2xx that came
// in IP fragments is not kept (its call is counted, not cut). A re-INVITE's
// new Contact (a target refresh) is not followed.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/core/signal_event.hpp"
#include "host/dp/udp_frame.hpp"

namespace sigprobe::dp {

struct SipDialog {
  static constexpr size_t kTextBytes = 1024;
  static constexpr size_t kMaxRoutes = 8;
  struct Span {
    uint16_t off = 0, len = 0;
  };

  uint64_t key = 0;  // track::call_id_hash of the Call-ID; 0: a free slot
  bool answered = false;
  uint8_t invite_routes = 0;  // Record-Route entries of the INVITE as it crossed the link
  uint8_t n_routes = 0;       // ... of the 2xx (routes[0, n_routes), top first)
  uint32_t caller_cseq = 0;   // highest CSeq number of the caller's requests
  uint32_t callee_cseq = 0;   // ... of the callee's (0: none seen)
  uint16_t callee_port = 0;   // the port the INVITE went out on
  uint16_t caller_port = 0;   // the port the 2xx went out on
  UdpEnvelope toward_callee, toward_caller;
  Span call_id, from, to, caller_tag, callee_tag, caller_target, callee_target;
  std::array<Span, kMaxRoutes> routes{};
  uint16_t used = 0;
  std::array<char, kTextBytes> text{};

  std::string_view str(Span s) const { return {text.data() + s.off, s.len}; }
  // Copies s into text; false when it does not fit.
  bool keep(std::string_view s, Span& out);
};

struct DialogCounters {
  uint64_t learned = 0;   // initial INVITEs kept
  uint64_t answered = 0;  // ... whose 2xx was seen
  uint64_t replaced = 0;  // answered dialogs whose slot a newer call took
  uint64_t too_long = 0;  // not kept: texts beyond kTextBytes, more than kMaxRoutes routes, no Contact
  uint64_t not_one_frame = 0;  // not kept: an INVITE or 2xx not in one UDP datagram of its frame (IP fragments)
};

class SipDialogs {
 public:
  // `slots`, a power of two, direct-mapped by Call-ID (~1.3 KB each: 41 MB
  // for the default). Mapped by reserve(), or at the first learn().
  explicit SipDialogs(size_t slots = size_t{1} << 15) : mask_(slots - 1) {}
  ~SipDialogs();
  SipDialogs(const SipDialogs&) = delete;
  SipDialogs& operator=(const SipDialogs&) = delete;
  // Maps the table (dataplane/core/table_memory.hpp: faulted in under
  // set_table_prefault, as a live probe maps its tables before the first
  // packet); false when it cannot.
  bool reserve();

  // One SIP message that came over UDP in `frame` (its event's SipInfo),
  // received on a port whose peer, where it goes on, is out_port.
  void learn(std::span<const uint8_t> frame, const SipInfo& sip, uint16_t out_port);
  // The dialog of a call (track::call_id_hash), answered and not yet ended
  // by a BYE the link showed; nullptr otherwise.
  const SipDialog* find(uint64_t key) const;
  const DialogCounters& counters() const { return counters_; }

 private:
  size_t mask_;
  SipDialog* slots_ = nullptr;
  DialogCounters counters_;
};

enum class CutSide : uint8_t { Callee, Caller };

// The frame of the BYE to one party of an answered dialog; its size, 0 when
// out is too small.
size_t build_sip_bye(const SipDialog& d, CutSide to, std::span<uint8_t> out);

}  // namespace sigprobe::dp
