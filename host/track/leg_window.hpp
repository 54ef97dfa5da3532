// LegWindow: one call or one SMS can cross a link as several legs, each a
// message of its own protocol: an MSC's CAMEL InitialDP and its ISUP IAM
// onwards, the originating and the terminating InitialDP of an on-net call,
// an MGCF's SIP INVITE and ISUP IAM; a prepaid subscriber's InitialDPSMS and
// the mo-forwardSM that follows it, the SMSC's mt-forwardSM of the same text.
// A start from A to B (compared by their last 10 digits: the legs may write
// them with or without the country code or trunk prefix) within the window of
// one of another kind is a later leg of it. Two starts of the same kind (a
// redial) are two. Direct-mapped, allocated at the first start; a collision
// forgets the older start.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "host/track/fixed_str.hpp"

namespace sigprobe::track {

class LegWindow {
 public:
  explicit LegWindow(uint64_t window_ns) : window_ns_(window_ns) {}

  // Whether the start of kind `leg` (one bit) from a to b at ts_ns is a later
  // leg of one seen already; records it either way.
  bool later_leg(std::string_view a, std::string_view b, uint64_t ts_ns, uint8_t leg) {
    if (window_ns_ == 0 || a.empty() || b.empty()) return false;
    constexpr size_t kTail = 10;
    a = a.substr(a.size() > kTail ? a.size() - kTail : 0);
    b = b.substr(b.size() > kTail ? b.size() - kTail : 0);
    const uint64_t key = hash_key(a, hash_key(b, 21)) | 1;
    if (slots_.empty()) slots_.resize(kSlots);
    Start& s = slots_[key % kSlots];
    const uint64_t dt = ts_ns > s.ts_ns ? ts_ns - s.ts_ns : s.ts_ns - ts_ns;
    if (s.key == key && dt <= window_ns_ && !(s.legs & leg)) {
      s.legs |= leg;
      return true;
    }
    s = {key, ts_ns, leg};
    return false;
  }

 private:
  struct Start {
    uint64_t key = 0, ts_ns = 0;
    uint8_t legs = 0;  // kinds of leg seen within the window
  };
  static constexpr size_t kSlots = 1 << 16;
  uint64_t window_ns_;
  std::vector<Start> slots_;
};

}  // namespace sigprobe::track
