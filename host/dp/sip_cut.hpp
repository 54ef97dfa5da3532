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
// drops them. Over UDP a BYE may be lost, so each is sent again until its
// party answers (ByeResends, below).
//
// UDP only: a BYE cannot be put into a TCP stream or an SCTP association
// without their sequence state. Calls over TCP or SCTP are counted, not cut.
// Each message is read again from its own frame, or, when it came in IP
// fragments, from the datagram decode reassembled (EventBatch::copied_message)
// with the envelope of the fragment that completed it (its L2 and IP header,
// the datagram's addresses and ports: the BYE goes out whole, unfragmented).
// A target refresh (a re-INVITE or UPDATE and its 2xx) that changes a
// party's Contact changes the target its BYE goes to.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dataplane/core/signal_event.hpp"
#include "host/dp/udp_frame.hpp"

namespace sigprobe::dp {

// Which party of a dialog sent a message (None: another dialog, a fork).
enum class DialogSide : uint8_t { None, Caller, Callee };

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
  // A target refresh request with a new Contact, until its 2xx: the new
  // target, the request's CSeq and its sender (None: no refresh pending).
  Span refresh_target;
  uint32_t refresh_cseq = 0;
  DialogSide refresh_side = DialogSide::None;
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
  uint64_t not_one_frame = 0;  // not kept: an INVITE or 2xx neither one UDP datagram of its frame nor
                               // a datagram reassembled from IP fragments (a tunnel, say)
  uint64_t reassembled = 0;    // INVITEs and 2xx read from a reassembled datagram (in learned/answered too)
  uint64_t refreshed = 0;      // targets changed by a target refresh
  uint64_t refresh_not_kept = 0;  // ... not: no room left in the dialog's text
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
  // `reassembled`: the message's datagram when it came in IP fragments
  // (decode's copy of it), with its addresses and ports; empty otherwise.
  struct Reassembled {
    std::string_view text;
    Endpoint src, dst;
  };
  void learn(std::span<const uint8_t> frame, const SipInfo& sip, uint16_t out_port,
             const Reassembled& reassembled = {});
  // The dialog of a call (track::call_id_hash), answered and not yet ended
  // by a BYE the link showed; nullptr otherwise.
  const SipDialog* find(uint64_t key) const;
  const DialogCounters& counters() const { return counters_; }
  using Side = DialogSide;

 private:
  // Who sent a message of dialog d, by its tags (None: another dialog, a fork).
  static Side side_of(const SipDialog& d, std::string_view from_tag, std::string_view to_tag);
  // The Contact of a target refresh (commit false: its request, kept aside) or of
  // its 2xx (the answerer's target changed at once); whether it is new and kept.
  bool refresh_from(std::span<const uint8_t> frame, const Reassembled& reassembled, SipDialog& d, Side side,
                    bool commit);
  size_t mask_;
  SipDialog* slots_ = nullptr;
  DialogCounters counters_;
};

enum class CutSide : uint8_t { Callee, Caller };

// The frame of the BYE to one party of an answered dialog; its size, 0 when
// out is too small.
size_t build_sip_bye(const SipDialog& d, CutSide to, std::span<uint8_t> out);

struct ResendCounters {
  uint64_t resent = 0;      // BYEs sent again
  uint64_t answered = 0;    // parties that answered a BYE (or ended the call themselves)
  uint64_t unanswered = 0;  // parties still silent at Timer F: given up
  uint64_t not_kept = 0;    // cuts beyond kMaxCalls at once, or a frame beyond kFrameBytes: sent once
};

// The BYEs of the calls cut, sent again as a UAC retransmits a non-INVITE
// request over UDP (RFC 3261 17.1.2.2): Timer E from T1 (500 ms), doubling up
// to T2 (4 s), until the party answers, given up at Timer F (64*T1 = 32 s
// after the first). A party has answered when the link shows a final response
// from it to a BYE of the dialog (ours, or its peer's own), or a BYE of the
// call from either party (the parties are ending the call themselves). A
// retransmission is the same frame, byte for byte (same branch and CSeq: the
// party matches it to the transaction it answered).
// Time is capture time, as everywhere in the probe: a BYE due goes out with
// the first packet at or past its time (a core link never idles for long).
class ByeResends {
 public:
  static constexpr uint64_t kT1Ns = 500'000'000, kT2Ns = 4'000'000'000, kTimerFNs = 64 * kT1Ns;
  static constexpr size_t kMaxCalls = 64;       // cuts being retransmitted at once
  static constexpr size_t kFrameBytes = 1536;   // a BYE frame kept (build_sip_bye's are ~0.5-1.2 KB)

  // The two BYEs of dialog d, sent at now_ns: to the callee (out callee_port)
  // and to the caller. False (counted) when they cannot be kept.
  bool add(const SipDialog& d, std::span<const uint8_t> to_callee, uint16_t callee_port,
           std::span<const uint8_t> to_caller, uint16_t caller_port, uint64_t now_ns);
  // Allocates the table (~200 KB): an enforcing probe does it before its
  // first packet, add() otherwise.
  void reserve() {
    if (calls_.empty()) calls_.resize(kMaxCalls);
  }
  // A SIP message over UDP on the link (its event's SipInfo).
  void on_sip(const SipInfo& sip);
  // Whether a BYE may be due at now_ns (one compare: call it per packet).
  bool due(uint64_t now_ns) const { return now_ns >= next_due_ns_; }
  // Passes each BYE due at now_ns to send(frame, port), at most `room` of
  // them (the rest stay due); how many were passed.
  template <class Send>
  size_t resend(uint64_t now_ns, size_t room, Send&& send);
  size_t pending() const { return active_; }
  const ResendCounters& counters() const { return counters_; }

 private:
  struct Call {
    uint64_t key = 0;  // track::call_id_hash; 0: free
    uint64_t caller_tag = 0, callee_tag = 0;  // hashes of the dialog's tags
    uint64_t first_ns = 0, due_ns = 0, interval_ns = 0;
    std::array<uint16_t, 2> port{}, len{};  // [0]: to the callee, [1]: to the caller
    std::array<bool, 2> answered{};
    std::array<std::array<uint8_t, kFrameBytes>, 2> frame{};
  };
  void answer(Call& c, int side);
  void release(Call& c);
  void update_next_due();

  std::vector<Call> calls_;  // kMaxCalls, allocated by reserve()
  size_t active_ = 0;
  uint64_t next_due_ns_ = UINT64_MAX;
  ResendCounters counters_;
};

template <class Send>
size_t ByeResends::resend(uint64_t now_ns, size_t room, Send&& send) {
  size_t sent = 0;
  for (Call& c : calls_) {
    if (c.key == 0 || c.due_ns > now_ns) continue;
    if (now_ns - c.first_ns >= kTimerFNs) {  // Timer F: the party never answered
      counters_.unanswered += size_t(!c.answered[0]) + size_t(!c.answered[1]);
      release(c);
      continue;
    }
    const size_t want = size_t(!c.answered[0]) + size_t(!c.answered[1]);
    if (want > room - sent) break;  // the rest go with a later packet
    for (int k = 0; k < 2; ++k)
      if (!c.answered[size_t(k)]) {
        send(std::span<const uint8_t>(c.frame[size_t(k)].data(), c.len[size_t(k)]), c.port[size_t(k)]);
        ++counters_.resent;
        ++sent;
      }
    c.interval_ns = std::min(2 * c.interval_ns, kT2Ns);
    // Timer E runs from this send (a late packet does not bunch the next ones).
    c.due_ns = now_ns + c.interval_ns;
  }
  update_next_due();
  return sent;
}

}  // namespace sigprobe::dp
