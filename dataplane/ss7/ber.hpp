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

// Reads one element at r's position and moves r past it (and past the
// end-of-contents of an indefinite length). depth counts the enclosing
// levels; nested indefinite lengths are walked down to kBerMaxDepth.
std::optional<Tlv> ber_read(ByteReader& r, DecodeCounters& c, int depth = 0);

// The first element of b whose first identifier octet is `id`, scanning the
// top level only.
std::optional<Tlv> ber_find(Bytes b, uint8_t id, DecodeCounters& c);

// INTEGER contents as a signed value (1..4 octets).
std::optional<int32_t> ber_int(Bytes v);

// OBJECT IDENTIFIER contents as dotted text into out; bytes written, 0 when
// malformed or out of room.
size_t ber_oid_text(Bytes v, char* out, size_t cap);

}  // namespace sigprobe::ss7
