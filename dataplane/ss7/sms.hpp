// SMS TPDU (3GPP TS 23.040): SMS-SUBMIT and SMS-DELIVER decoded; the other
// types recognised by TP-MTI and direction. User data header (concatenation
// with 8- and 16-bit references, application ports) and the text in GSM 7-bit
// (with fill bits after a header), 8-bit or UCS-2, rendered to UTF-8.
#pragma once
#include <cstdint>
#include <optional>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"

namespace sigprobe::ss7 {

enum class SmsCharset : uint8_t { Gsm7, Data8, Ucs2, Compressed };

enum class SmsKind : uint8_t { Deliver, DeliverReport, Submit, SubmitReport, StatusReport, Command };

struct SmsAddress {
  Bytes value;            // semi-octets (or packed septets for alphanumeric)
  uint8_t n_semi = 0;     // TP address length: useful semi-octets
  uint8_t ton = 0, npi = 0;
  bool present = false;
  bool alphanumeric() const { return ton == 5; }
};

struct SmsTpdu {
  SmsKind kind = SmsKind::Deliver;
  uint8_t mti = 0;
  bool udhi = false;
  SmsAddress addr;        // TP-OA (DELIVER) or TP-DA (SUBMIT)
  uint8_t pid = 0, dcs = 0, mr = 0;
  SmsCharset charset = SmsCharset::Gsm7;
  uint8_t udl = 0;
  Bytes ud;               // user data, header included
  // header
  bool concat = false;
  uint16_t concat_ref = 0;
  uint8_t concat_total = 0, concat_seq = 0;
  bool ports = false;
  uint16_t dst_port = 0, src_port = 0;
  // where the text is: 7-bit: bit offset and septets; 8-bit/UCS-2: byte range
  size_t text_skip_bits = 0, text_septets = 0;
  Bytes text_octets;
  bool has_text = false;  // SUBMIT / DELIVER only
};

// ms_to_sc: the direction decides what TP-MTI means (TS 23.040 9.2.3.1).
std::optional<SmsTpdu> parse_sms_tpdu(Bytes tpdu, bool ms_to_sc, DecodeCounters& c);
// The same into a TPDU the caller owns (the decoder's path: no copy out of an
// optional); false where the optional form is empty.
bool parse_sms_tpdu(Bytes tpdu, bool ms_to_sc, SmsTpdu& t, DecodeCounters& c);

// The text as UTF-8 into out (8-bit data is written as ISO 8859-1 code points).
size_t sms_text_utf8(const SmsTpdu& t, char* out, size_t cap, DecodeCounters& c);
// At least as many bytes as sms_text_utf8 writes for t with unlimited room.
size_t sms_text_utf8_bound(const SmsTpdu& t);
// The address as digits, or the alphanumeric sender as UTF-8.
size_t sms_address_utf8(const SmsAddress& a, char* out, size_t cap);

// TS 23.038 section 4 (SMS data coding scheme) and section 5 (CBS/USSD).
SmsCharset sms_charset(uint8_t dcs);
SmsCharset ussd_charset(uint8_t dcs, bool& language_prefix);

// A USSD string (TS 23.038 / 24.080) as UTF-8: packed 7-bit with the
// trailing CR padding removed, or UCS-2.
size_t ussd_text_utf8(uint8_t dcs, Bytes s, char* out, size_t cap, DecodeCounters& c);

}  // namespace sigprobe::ss7
