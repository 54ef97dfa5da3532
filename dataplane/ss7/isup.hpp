// ISUP (ITU Q.763): CIC, message type and the parameters call tracking and
// fraud detection need (called/calling numbers with their nature of address,
// calling party's category, cause). Pure function of bytes.
#pragma once
#include <cstdint>
#include <optional>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"

namespace sigprobe::ss7 {

// Q.763 table 4 codes used by the decoder.
enum IsupType : uint8_t {
  kIsupIam = 0x01, kIsupSam = 0x02, kIsupAcm = 0x06, kIsupCon = 0x07, kIsupAnm = 0x09,
  kIsupRel = 0x0C, kIsupSus = 0x0D, kIsupRes = 0x0E, kIsupRlc = 0x10, kIsupCfn = 0x2F,
  kIsupCpg = 0x2C,
};

// Q.763 3.9 nature of address indicator: national (significant) number.
inline constexpr uint8_t kNaiNationalNumber = 3;

struct IsupNumber {
  Bytes digits;           // BCD, low nibble first
  uint8_t n_digits = 0;   // from the odd/even indicator
  uint8_t nai = 0;
  bool present = false;
};

struct IsupMsg {
  uint16_t cic = 0;
  uint8_t type = 0;
  IsupNumber called, calling;
  // A diverted call (Q.763 3.44, 3.39): the number it was last redirected
  // from, and the number first called. Read for SIP-I (diversion_user).
  IsupNumber redirecting, original_called;
  uint8_t calling_category = 0;
  bool has_category = false;
  uint8_t cause = 0;
  bool has_cause = false;
};

std::optional<IsupMsg> parse_isup(Bytes msg, DecodeCounters& c);
// The same message as a SIP-I/SIP-T body carries it (RFC 3204 3, ITU-T
// Q.1912.5): from the message type, without the CIC (cic 0).
std::optional<IsupMsg> parse_isup_body(Bytes msg, DecodeCounters& c);

// A Called/Calling Party Number parameter's contents (Q.763 3.9, 3.10): the
// odd/even indicator and nature of address, then BCD signals. CAMEL's
// InitialDP carries the same octets.
IsupNumber isup_number(Bytes v);
// The cause value of Cause indicators (Q.763 3.12, Q.850 2.2), nullopt when
// too short.
std::optional<uint8_t> q850_cause(Bytes v);

// Known Q.763 message type (names in ss7_names.cpp).
bool isup_type_known(uint8_t type);

}  // namespace sigprobe::ss7
