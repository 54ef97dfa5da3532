// SCCP connectionless messages (ITU Q.713): UDT, XUDT, LUDT and their
// service messages, the party addresses and the XUDT/LUDT segmentation
// parameter. Connection-oriented types are recognised and counted only.
// Pure function of bytes; digits stay as BCD bytes for the caller to render.
#pragma once
#include <cstdint>
#include <optional>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/ss7/sigtran.hpp"

namespace sigprobe::ss7 {

// Q.713 section 4.2 message type codes.
enum SccpType : uint8_t {
  kSccpCr = 0x01, kSccpCc = 0x02, kSccpCref = 0x03, kSccpRlsd = 0x04, kSccpRlc = 0x05,
  kSccpDt1 = 0x06, kSccpDt2 = 0x07, kSccpAk = 0x08, kSccpUdt = 0x09, kSccpUdts = 0x0A,
  kSccpEd = 0x0B, kSccpEa = 0x0C, kSccpRsr = 0x0D, kSccpRsc = 0x0E, kSccpErr = 0x0F,
  kSccpIt = 0x10, kSccpXudt = 0x11, kSccpXudts = 0x12, kSccpLudt = 0x13, kSccpLudts = 0x14,
};

// Subsystem numbers (3GPP TS 23.003 8.2) the decoder acts on.
inline constexpr uint8_t kSsnCap = 146;  // CAP: gsmSSF, gsmSCF, gprsSSF

struct SccpAddress {
  uint8_t ri = 0;        // 1 = route on SSN, 0 = route on GT
  uint8_t gti = 0;
  bool has_pc = false, has_ssn = false;
  uint16_t pc = 0;
  uint8_t ssn = 0;
  uint8_t tt = 0, np = 0, es = 0, nai = 0;
  Bytes digits;          // BCD, low nibble first
  uint8_t n_digits = 0;  // from the odd/even indicator (GTI 1, 4) or ES (GTI 3)
};

struct SccpSegmentation {
  bool present = false;
  bool first = false;
  uint8_t remaining = 0;
  uint32_t local_ref = 0;
};

struct SccpMsg {
  uint8_t type = 0;
  uint8_t protocol_class = 0;
  uint8_t return_cause = 0;  // service messages
  bool connectionless = false;
  SccpAddress called, calling;
  Bytes data;                // user data (TCAP, SCMG...)
  SccpSegmentation seg;
};

std::optional<SccpMsg> parse_sccp(Bytes msg, PcFormat pcf, DecodeCounters& c);
// The same into a message the caller owns (the decoder's path: no copy of
// the message out of an optional); false where the optional form is empty.
bool parse_sccp(Bytes msg, PcFormat pcf, SccpMsg& m, DecodeCounters& c);

// One party address (the bytes after its length octet).
std::optional<SccpAddress> parse_sccp_address(Bytes a, PcFormat pcf, DecodeCounters& c);

}  // namespace sigprobe::ss7
