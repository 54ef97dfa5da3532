// ITU TCAP (Q.773): message type, transaction ids, the dialogue portion's
// application context name, and the components (several per message).
// Pure function of bytes; parameters stay as views for the MAP decoder.
#pragma once
#include <array>
#include <cstdint>
#include <optional>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/core/signal_event.hpp"

namespace sigprobe::ss7 {

inline constexpr size_t kTcapMaxComponents = 16;

struct TcapComponent {
  MapComponent type = MapComponent::None;
  int16_t invoke_id = -1;
  int32_t opcode = -1;      // local operation code; -1 when absent or global
  int32_t error_code = -1;  // returnError local error code
  bool has_param = false;
  Bytes param;              // the parameter element, identifier and length included
};

// Everything but the components: what parse_tcap resets per message.
struct TcapHeader {
  TcapType type = TcapType::None;
  Bytes otid, dtid;         // 1..4 octets each when present
  Bytes acn;                // application context name, OID contents
  Bytes user_info;          // AARQ/AARE user-information [30] contents (MAP-OpenInfo)
  uint8_t p_abort_cause = 0xFF;
  uint8_t n_components = 0;
  bool has_components = false;
};

struct TcapMsg : TcapHeader {
  std::array<TcapComponent, kTcapMaxComponents> components{};  // the first n_components
};

// True when b starts like an ITU TCAP message (first identifier octet).
bool looks_like_itu_tcap(Bytes b);
bool looks_like_ansi_tcap(Bytes b);

std::optional<TcapMsg> parse_tcap(Bytes msg, DecodeCounters& c);
// The same into a message the caller keeps between calls (the decoder's hot
// path: no 600-byte clear and copy per message). Writes the header and the
// first n_components components; false where the optional form is empty.
bool parse_tcap(Bytes msg, TcapMsg& m, DecodeCounters& c);

// Version of a MAP application context (last arc of 0.4.0.0.1.0.x.v), 0 when
// the ACN is absent or not a MAP one.
uint8_t acn_version(Bytes acn);
// True for a CAMEL (CAP, TS 29.078) application context: not MAP.
bool acn_is_cap(Bytes acn);
// The ACN's context arc (x in 0.4.0.0.1.0.x.v): 1..99 MAP, >= 50 CAP; -1 none.
int acn_context(Bytes acn);

}  // namespace sigprobe::ss7
