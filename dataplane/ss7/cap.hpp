// CAMEL Application Part (CAP, 3GPP TS 29.078 for v2-v4) arguments that call
// tracking and detection read: InitialDP (the call's parties, IMSI, MSC, VLR
// and cell), eventReportBCSM (answer, end, busy, abandon) and releaseCall.
// Pure function of bytes, like map.hpp: fields are views for the caller to
// render.
#pragma once
#include <cstddef>
#include <cstdint>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/ss7/isup.hpp"
#include "dataplane/ss7/map.hpp"

namespace sigprobe::ss7 {

struct CapFields {
  uint32_t service_key = 0;
  bool has_service_key = false;
  uint8_t event_type = 0;     // EventTypeBCSM; 0 absent
  uint8_t cause = 0;          // Q.850 cause value
  bool has_cause = false;
  IsupNumber calling;         // callingPartyNumber (Q.763 format)
  MapNumber calling_sms;      // InitialDPSMS callingPartyNumber (SMS-AddressString)
  IsupNumber called;          // calledPartyNumber (Q.763 format)
  MapNumber called_bcd;       // calledPartyBCDNumber (TS 24.008 10.5.4.7): MO calls
  MapNumber imsi, msc, vlr;
  MapNumber service_centre, imei;  // InitialDPSMS
  Bytes cell;                 // cellGlobalIdOrServiceAreaIdFixedLength: 7 octets
};

// Decodes `param` (the whole parameter element) of an invoke of `opcode`.
// Operations other than InitialDP, eventReportBCSM, releaseCall, InitialDPSMS
// and eventReportSMS (cap_op in signal_event.hpp) give empty fields.
CapFields decode_cap(int opcode, Bytes param, DecodeCounters& c);

// A CGI or SAI (TS 24.008 10.5.1.3 MCC/MNC, then LAC and CI/SAC) as text:
// "MCCMNC" then 4 + 4 upper-case hex digits, e.g. "460001A2B3C4D". out holds
// kCellTextMax bytes. 0 when the octets are not a valid CGI.
inline constexpr size_t kCellTextMax = 14;
size_t cgi_text(Bytes cgi, char* out);

}  // namespace sigprobe::ss7
