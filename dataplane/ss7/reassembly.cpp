#include "dataplane/ss7/reassembly.hpp"

#include <algorithm>
#include <cstring>

namespace sigprobe::ss7 {

uint64_t hash_bytes(Bytes b, uint64_t h) {
  for (uint8_t x : b) h = (h ^ x) * 1099511628211ull;
  return h;
}

SccpReassembler::SccpReassembler(uint64_t timeout_ns)
    : slots_(kSlots), buf_(kSlots * kMaxBytes), timeout_ns_(timeout_ns) {}

Bytes SccpReassembler::add(uint64_t key, bool first, uint8_t remaining, Bytes data, uint64_t now_ns,
                           DecodeCounters& c) {
  ++c.reasm.sccp_segments;
  Slot* s = nullptr;
  for (Slot& x : slots_) {
    if (x.used && now_ns > x.ts_ns + timeout_ns_) x.used = false;  // expired
    if (x.used && x.key == key) s = &x;
  }
  if (first) {
    if (!s) {
      auto it = std::find_if(slots_.begin(), slots_.end(), [](const Slot& x) { return !x.used; });
      if (it == slots_.end()) {
        c.anomaly(Anomaly::SccpReassemblyOverflow);
        it = std::min_element(slots_.begin(), slots_.end(),
                              [](const Slot& a, const Slot& b) { return a.ts_ns < b.ts_ns; });
      }
      s = &*it;
    }
    *s = Slot{key, now_ns, remaining, true, 0};
  } else if (!s || s->remaining != remaining + 1) {
    c.anomaly(Anomaly::SccpSegmentUnexpected);
    if (s) s->used = false;
    return {};
  }
  uint8_t* base = buf_.data() + size_t(s - slots_.data()) * kMaxBytes;
  if (s->len + data.size() > kMaxBytes) {
    c.anomaly(Anomaly::SccpReassemblyOverflow);
    s->used = false;
    return {};
  }
  if (!data.empty()) std::memcpy(base + s->len, data.data(), data.size());
  s->len += data.size();
  s->remaining = remaining;
  if (remaining != 0) return {};
  s->used = false;
  ++c.reasm.sccp_reassembled;
  return {base, s->len};
}

SmsConcatenator::SmsConcatenator(uint64_t timeout_ns)
    : slots_(kSlots), text_(kSlots * kMaxParts * kPartCap), timeout_ns_(timeout_ns) {}

long SmsConcatenator::add(uint64_t key, uint8_t seq, uint8_t total, std::string_view part,
                          uint64_t now_ns, char* out, size_t cap, DecodeCounters& c) {
  ++c.reasm.sms_parts;
  if (seq == 0 || seq > total || total > kMaxParts) {
    c.anomaly(Anomaly::SmsConcatInvalid);
    return -1;
  }
  Slot* s = nullptr;
  Slot* free_slot = nullptr;
  for (Slot& x : slots_) {
    if (x.used && now_ns > x.ts_ns + timeout_ns_) {
      c.anomaly(Anomaly::SmsConcatTimeout);
      x.used = false;
    }
    if (x.used && x.key == key && x.total == total) s = &x;
    if (!x.used && !free_slot) free_slot = &x;
  }
  if (!s) {
    if (!free_slot) {
      c.anomaly(Anomaly::SmsConcatTableFull);
      free_slot = &*std::min_element(slots_.begin(), slots_.end(),
                                     [](const Slot& a, const Slot& b) { return a.ts_ns < b.ts_ns; });
    }
    s = free_slot;
    *s = Slot{};
    s->key = key;
    s->total = total;
    s->used = true;
    s->ts_ns = now_ns;
  }
  size_t idx = size_t(s - slots_.data());
  size_t n = std::min(part.size(), kPartCap);
  std::memcpy(&text_[(idx * kMaxParts + seq - 1) * kPartCap], part.data(), n);
  s->len[seq - 1] = uint16_t(n);
  s->have |= 1u << (seq - 1);
  if (s->have != (1u << total) - 1) return -1;
  size_t w = 0;
  for (size_t i = 0; i < total; ++i) {
    size_t k = std::min(size_t(s->len[i]), cap - w);
    std::memcpy(out + w, &text_[(idx * kMaxParts + i) * kPartCap], k);
    w += k;
  }
  s->used = false;
  ++c.reasm.sms_assembled;
  return long(w);
}

}  // namespace sigprobe::ss7
