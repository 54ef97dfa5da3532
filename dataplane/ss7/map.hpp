// MAP (3GPP TS 29.002) arguments and results of the operations fraud and
// security detection needs, versions 1 to 3, by the shape of the parameter
// (the tags differ between versions, so the tags decide). Pure function of
// bytes: fields are views of the TBCD/address octets for the caller to render.
#pragma once
#include <cstdint>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/core/signal_event.hpp"

namespace sigprobe::ss7 {

// MAP operation codes used by the decoders (TS 29.002 section 17.5).
enum MapOp : int16_t {
  kOpUpdateLocation = 2, kOpCancelLocation = 3, kOpProvideRoamingNumber = 4,
  kOpInsertSubscriberData = 7, kOpDeleteSubscriberData = 8, kOpRegisterSs = 10,
  kOpProcessUnstructuredSsData = 19, kOpSendRoutingInfo = 22, kOpUpdateGprsLocation = 23,
  kOpSendRoutingInfoForGprs = 24, kOpCheckImei = 43, kOpMtForwardSm = 44,
  kOpSendRoutingInfoForSm = 45, kOpMoForwardSm = 46, kOpReportSmDeliveryStatus = 47,
  kOpSendIdentification = 55, kOpSendAuthenticationInfo = 56, kOpSendImsi = 58,
  kOpProcessUnstructuredSsRequest = 59, kOpUnstructuredSsRequest = 60,
  kOpUnstructuredSsNotify = 61, kOpPurgeMs = 67, kOpProvideSubscriberInfo = 70,
  kOpAnyTimeInterrogation = 71,
};

// An address or identity as found: TBCD octets, with or without the leading
// nature-of-address/numbering-plan octet (AddressString, TS 29.002 17.7.8).
struct MapNumber {
  Bytes tbcd;                 // digits only (the TON/NPI octet already stripped)
  uint8_t ton_npi = 0;
  bool present() const { return tbcd.data() != nullptr; }
};

// TBCD-STRING identities (IMSI, IMEI: at most 10 octets) and AddressStrings
// (the TON/NPI octet, then TBCD digits; at most 20 octets), as MAP and the
// protocols that import its types (CAP) carry them. Empty contents count the
// `empty` anomaly, too many octets map.digits_too_long; both give no number.
// Inline: MAP reads several per argument.
inline constexpr size_t kMapMaxTbcdOctets = 10;     // 20 digits: ISDN-AddressString is 1+9, IMSI 3..8
inline constexpr size_t kMapMaxAddressOctets = 20;  // AddressString upper bound (maxAddressLength)
inline MapNumber map_identity(Bytes v, DecodeCounters& c, Anomaly empty) {
  if (v.empty() || v.size() > kMapMaxTbcdOctets) {
    c.anomaly(v.empty() ? empty : Anomaly::MapDigitsTooLong);
    return {};
  }
  return MapNumber{v, 0};
}
inline MapNumber map_address(Bytes v, DecodeCounters& c, Anomaly empty) {
  if (v.empty() || v.size() > kMapMaxAddressOctets) {
    c.anomaly(v.empty() ? empty : Anomaly::MapDigitsTooLong);
    return {};
  }
  return MapNumber{v.subspan(1), v[0]};
}

struct MapFields {
  MapNumber imsi, msisdn, vlr, msc, sgsn, hlr, imei, service_centre, roaming_number;
  MapNumber gsm_scf, forwarded_to;
  uint8_t ss_code = 0;        // registerSS's SS-Code, or forwarded_to's (e.g. 0x21 CFU); 0 absent
  Bytes sm_rp_ui;             // the SMS TPDU (forwardSM family)
  bool sms_mt = false;        // TPDU travels SC -> MS (SM-RP-DA is an IMSI/LMSI)
  bool has_sms = false;
  Bytes ussd;                 // USSD string octets, coded per ussd_dcs
  uint8_t ussd_dcs = 0;
  bool has_ussd = false;
  bool ussd_ia5 = false;      // MAP v1 processUnstructuredSS-Data: IA5 text
};

// MAP-OpenInfo (TS 29.002 section 7.3.1), carried in the TCAP dialogue
// user information: destination and origination references. A reference
// with numbering plan 6 (E.212) is an IMSI (e.g. USSD and SS dialogues).
struct MapOpenInfo {
  MapNumber destination, origination;
};
inline constexpr uint8_t kNpE212 = 6;
MapOpenInfo decode_map_open(Bytes user_info, DecodeCounters& c);

// Decodes `param` (the whole parameter element) of an invoke (is_result
// false) or a returnResult (true) of operation `opcode`.
MapFields decode_map(int opcode, bool is_result, Bytes param, DecodeCounters& c);

}  // namespace sigprobe::ss7
