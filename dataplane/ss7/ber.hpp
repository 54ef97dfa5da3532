// BER (X.690) tag-length-value reading for TCAP and MAP: definite and
// indefinite lengths, multi-octet tags, a nesting cap. Zero-copy: values are
// views into the message.
#pragma once
#include <cstdint>
#include <optional>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"

namespace sigprobe::ss7 {

inline constexpr int kBerMaxDepth = 24;

struct Tlv {
  uint8_t id = 0;        // the first identifier octet (class, constructed, low tag)
  uint32_t number = 0;   // tag number (multi-octet tags decoded)
  bool constructed = false;
  bool indefinite = false;
  Bytes value;           // contents, end-of-contents octets excluded
  uint8_t cls() const { return id >> 6; }
};

// Every form ber_read accepts: multi-octet tags, long and indefinite
// lengths; names truncation and invalid forms.
std::optional<Tlv> ber_read_any(ByteReader& r, DecodeCounters& c, int depth);

// Reads one element at r's position and moves r past it (and past the
// end-of-contents of an indefinite length). depth counts the enclosing
// levels; nested indefinite lengths are walked down to kBerMaxDepth.
// Inline for the common shape (one identifier octet, definite length in 1-3
// octets, contents present): TCAP+MAP read ~20 elements per message and the
// call and the optional-returning reader steps were a third of TCAP's time.
inline std::optional<Tlv> ber_read(ByteReader& r, DecodeCounters& c, int depth = 0) {
  Bytes b = r.rest();
  if (depth > kBerMaxDepth || b.size() < 2 || (b[0] & 0x1F) == 0x1F) return ber_read_any(r, c, depth);
  size_t header = 2, len = b[1];
  if (len == 0x81 && b.size() >= 3) {
    header = 3;
    len = b[2];
  } else if (len == 0x82 && b.size() >= 4) {
    header = 4;
    len = size_t(b[2]) << 8 | b[3];
  } else if (len & 0x80) {
    return ber_read_any(r, c, depth);
  }
  if (len > b.size() - header) return ber_read_any(r, c, depth);
  Tlv t;
  t.id = b[0];
  t.number = b[0] & 0x1F;
  t.constructed = (b[0] & 0x20) != 0;
  t.value = b.subspan(header, len);
  r.skip(header + len);
  return t;
}

// The first element of b whose first identifier octet is `id`, scanning the
// top level only. Inline so that the element stays in registers: returned
// through memory, GCC 12 rebuilt it on the stack with narrow stores and read
// it back wide (store-forwarding stalls: half of TCAP's time, measured).
inline std::optional<Tlv> ber_find(Bytes b, uint8_t id, DecodeCounters& c) {
  ByteReader r{b};
  while (!r.empty()) {
    auto t = ber_read(r, c);
    if (!t) return std::nullopt;
    if (t->id == id) return t;
  }
  return std::nullopt;
}

// Calls f(tlv) for each element of a constructed value's contents, in order;
// stops at the first element that cannot be read (counted by ber_read).
template <class F>
void ber_for_each(Bytes v, DecodeCounters& c, F&& f, int depth = 5) {
  ByteReader r{v};
  while (!r.empty()) {
    auto t = ber_read(r, c, depth);
    if (!t) return;
    f(*t);
  }
}

// INTEGER contents as a signed value (1..4 octets).
inline std::optional<int32_t> ber_int(Bytes v) {
  if (v.empty() || v.size() > 4) return std::nullopt;
  int32_t x = (v[0] & 0x80) ? -1 : 0;
  for (uint8_t b : v) x = int32_t(uint32_t(x) << 8 | b);
  return x;
}

// OBJECT IDENTIFIER contents as dotted text into out; bytes written, 0 when
// malformed or out of room.
size_t ber_oid_text(Bytes v, char* out, size_t cap);

}  // namespace sigprobe::ss7
