// LegWindow: one call or one SMS can cross a link as several legs, each a
// message of its own protocol: an MSC's CAMEL InitialDP and its ISUP IAM
// onwards, the originating and the terminating InitialDP of an on-net call,
// an MGCF's SIP INVITE and ISUP IAM; a prepaid subscriber's InitialDPSMS and
// the mo-forwardSM that follows it, the SMSC's mt-forwardSM of the same text.
// Starts are matched on a key: from A to B (compared by their last 10 digits:
// the legs may write them with or without the country code or trunk prefix),
// or, for texts, from A with the same text, none included (an mt-forwardSM
// names its recipient by IMSI, the mo-forwardSM by number). Per key, the
// window counts the starts of each kind; a start of a kind seen fewer times
// than another kind is a later leg of one of those (a caller's bulk text sent
// as N MO legs makes its first N MT legs later legs, not only the first). Two
// starts of the same kind (a redial) are two. Each start keeps the key's
// window open for another window_ns. Direct-mapped, allocated at the first
// start; a collision forgets the older key.
//
// SIP legs of one call on one protocol: a B2BUA (an SBC, an IMS AS) ends the
// caller's dialog and opens its own towards the callee, with a Call-ID of its
// own, so the call crosses the link twice, each time between other addresses.
// hop_kind() makes the hop (source and destination address) part of a SIP
// leg's kind: the B2BUA's second dialog is a later leg of its first; a redial
// crosses the same hop and stays a call. A hop's kind is 32 bits of its
// addresses' hash: two hops share one with odds of one in four billion. (Until
// the seventeenth session there were 13 SIP kinds: one deployment in 13 had its
// B2BUA's two hops share a kind, and every call through them counted twice, as
// two calls, doubling its callers' attempts.) A key holds kWays kinds at once.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dataplane/core/signal_event.hpp"
#include "host/track/fixed_str.hpp"

namespace sigprobe::track {

class LegWindow {
 public:
  static constexpr unsigned kWays = 8;  // kinds one key counts at once

  explicit LegWindow(uint64_t window_ns) : window_ns_(window_ns) {}

  // The kind of a leg that crossed from src to dst, at least `first` (the
  // kinds below are the protocols'), chosen by the two addresses (not the
  // ports: a redial may leave from another port).
  static uint32_t hop_kind(uint32_t first, const Endpoint& src, const Endpoint& dst) {
    auto bytes = [](const Endpoint& e) {
      return std::string_view(reinterpret_cast<const char*>(e.addr.data()), e.family == 6 ? 16 : 4);
    };
    const uint32_t h = uint32_t(hash_key(bytes(src), hash_key(bytes(dst), 53)) >> 32);
    return std::clamp<uint32_t>(h, first, UINT32_MAX - 1);
  }

  // Whether the start of kind `leg` from a to b at ts_ns is a later leg of one
  // seen already; records it either way.
  bool later_leg(std::string_view a, std::string_view b, uint64_t ts_ns, uint32_t leg) {
    if (window_ns_ == 0 || a.empty() || b.empty()) return false;
    return later_leg_of(hash_key(tail(a), hash_key(tail(b), 21)) | 1, ts_ns, leg);
  }

  // The same for a text from a: legs that carry the same text (every byte).
  // No text at all (a silent type-0 text, a SIM command in binary) is a text
  // like any other: the legs of a's silent texts pair on a alone.
  bool later_text_leg(std::string_view a, std::string_view text, uint64_t ts_ns, uint32_t leg) {
    if (window_ns_ == 0 || a.empty()) return false;
    return later_leg_of(hash_key(tail(a), hash_key(text, 37)) | 1, ts_ns, leg);
  }

 private:
  struct Start {
    uint64_t key = 0, ts_ns = 0;
    uint32_t kind[kWays] = {};   // kind + 1 (0: a free way)
    uint8_t count[kWays] = {};   // its starts while the window is open
  };
  static constexpr size_t kSlots = 1 << 16;

  static std::string_view tail(std::string_view s) {
    constexpr size_t kTail = 10;
    return s.substr(s.size() > kTail ? s.size() - kTail : 0);
  }

  bool later_leg_of(uint64_t key, uint64_t ts_ns, uint32_t k) {
    if (slots_.empty()) slots_.resize(kSlots);
    Start& s = slots_[key % kSlots];
    const uint64_t dt = ts_ns > s.ts_ns ? ts_ns - s.ts_ns : s.ts_ns - ts_ns;
    if (s.key != key || dt > window_ns_) s = {key, ts_ns, {}};
    s.ts_ns = std::max(s.ts_ns, ts_ns);
    const uint32_t id = k + 1;
    unsigned at = kWays;
    for (unsigned j = 0; j < kWays && at == kWays; ++j)
      if (s.kind[j] == id) at = j;
    if (at == kWays) {
      // A kind new to the key: a free way, else the one with the fewest starts.
      at = unsigned(std::min_element(s.count, s.count + kWays) - s.count);
      s.kind[at] = id;
      s.count[at] = 0;
    }
    uint8_t others = 0;
    for (unsigned j = 0; j < kWays; ++j)
      if (j != at) others = std::max(others, s.count[j]);
    const bool later = s.count[at] < others;
    if (s.count[at] < 255) ++s.count[at];
    return later;
  }

  uint64_t window_ns_;
  std::vector<Start> slots_;
};

}  // namespace sigprobe::track
