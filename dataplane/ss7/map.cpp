#include "dataplane/ss7/map.hpp"

#include "dataplane/ss7/ber.hpp"

namespace sigprobe::ss7 {
namespace {

constexpr uint8_t kOctetString = 0x04, kSequence = 0x30, kIa5String = 0x16;

// Context tag n, primitive / constructed.
constexpr uint8_t ctx(uint8_t n) { return uint8_t(0x80 | n); }
constexpr uint8_t ctxc(uint8_t n) { return uint8_t(0xA0 | n); }

MapNumber identity(Bytes v, DecodeCounters& c) { return map_identity(v, c, Anomaly::MapParamMalformed); }
MapNumber address(Bytes v, DecodeCounters& c) { return map_address(v, c, Anomaly::MapParamMalformed); }


// Nth (0-based) element with identifier id at the top level of v.
std::optional<Tlv> nth(Bytes v, uint8_t id, int n, DecodeCounters& c) {
  std::optional<Tlv> found;
  int seen = 0;
  ber_for_each(v, c, [&](const Tlv& t) {
    if (!found && t.id == id && seen++ == n) found = t;
  });
  return found;
}

// provisionedSS [7] SEQUENCE OF Ext-SS-Info: the first forwardingInfo [0]
// { ss-Code, forwardingFeatureList SEQUENCE OF { ..., forwardedToNumber [5] } }
// with a forwarded-to number, into f.forwarded_to and f.ss_code.
void first_forwarded_to(Bytes ss_list, MapFields& f, DecodeCounters& c) {
  ber_for_each(ss_list, c, [&](const Tlv& info) {
    if (f.forwarded_to.present() || info.id != ctxc(0)) return;
    auto features = nth(info.value, kSequence, 0, c);
    if (!features) return;
    ber_for_each(features->value, c, [&](const Tlv& feature) {
      if (f.forwarded_to.present() || feature.id != kSequence) return;
      if (auto t = nth(feature.value, ctx(5), 0, c)) f.forwarded_to = address(t->value, c);
    });
    if (!f.forwarded_to.present()) return;
    if (auto code = nth(info.value, kOctetString, 0, c); code && code->value.size() == 1) f.ss_code = code->value[0];
  });
}

void decode_sm_rp(const Tlv& p, MapFields& f, DecodeCounters& c) {
  // SEQUENCE { sm-RP-DA, sm-RP-OA, sm-RP-UI OCTET STRING, ... }
  int pos = 0;
  ber_for_each(p.value, c, [&](const Tlv& t) {
    if (pos == 0) {  // SM-RP-DA
      if (t.id == ctx(0)) { f.imsi = identity(t.value, c); f.sms_mt = true; }
      else if (t.id == ctx(1)) f.sms_mt = true;  // LMSI
      else if (t.id == ctx(4)) f.service_centre = address(t.value, c);
    } else if (pos == 1) {  // SM-RP-OA
      if (t.id == ctx(2)) f.msisdn = address(t.value, c);
      else if (t.id == ctx(4)) f.service_centre = address(t.value, c);
    } else if (pos == 2 && t.id == kOctetString) {
      f.sm_rp_ui = t.value;
      f.has_sms = true;
    } else if (pos > 2 && t.id == kOctetString && !f.imsi.present()) {
      f.imsi = identity(t.value, c);  // MO-ForwardSM-Arg v3: imsi after the extension
    }
    ++pos;
  });
  if (!f.has_sms) c.anomaly(Anomaly::MapParamMalformed);
}

void decode_ussd(const Tlv& p, MapFields& f, DecodeCounters& c) {
  // USSD-Arg / USSD-Res: SEQUENCE { ussd-DataCodingScheme, ussd-String, ..., msisdn [0] }
  auto dcs = nth(p.value, kOctetString, 0, c);
  auto str = nth(p.value, kOctetString, 1, c);
  if (!dcs || !str || dcs->value.size() != 1) {
    c.anomaly(Anomaly::MapParamMalformed);
    return;
  }
  f.ussd_dcs = dcs->value[0];
  f.ussd = str->value;
  f.has_ussd = true;
  if (auto m = nth(p.value, ctx(0), 0, c)) f.msisdn = address(m->value, c);
}

void decode_invoke(int op, const Tlv& p, MapFields& f, DecodeCounters& c) {
  bool seq = p.id == kSequence;
  switch (op) {
    case kOpUpdateLocation:
      // SEQUENCE { imsi, msc-Number [1], vlr-Number, ... }
      if (!seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c)) f.imsi = identity(t->value, c);
      if (auto t = nth(p.value, ctx(1), 0, c)) f.msc = address(t->value, c);
      if (auto t = nth(p.value, kOctetString, 1, c)) f.vlr = address(t->value, c);
      return;
    case kOpUpdateGprsLocation:
      // SEQUENCE { imsi, sgsn-Number, sgsn-Address, ... }
      if (!seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c)) f.imsi = identity(t->value, c);
      if (auto t = nth(p.value, kOctetString, 1, c)) f.sgsn = address(t->value, c);
      return;
    case kOpCancelLocation: {
      // v3: [3] SEQUENCE { identity, ... }; v1/v2: CHOICE { imsi, imsi-WithLMSI SEQUENCE }
      Bytes v = p.value;
      if (p.id == kOctetString) { f.imsi = identity(v, c); return; }
      if (p.id != ctxc(3) && p.id != kSequence) break;
      if (auto t = nth(v, kOctetString, 0, c)) { f.imsi = identity(t->value, c); return; }
      if (auto s = nth(v, kSequence, 0, c))
        if (auto t = nth(s->value, kOctetString, 0, c)) { f.imsi = identity(t->value, c); return; }
      break;
    }
    case kOpInsertSubscriberData:
      // SEQUENCE { imsi [0] OPTIONAL, msisdn [1] OPTIONAL, ... }
      if (!seq) break;
      if (auto t = nth(p.value, ctx(0), 0, c)) f.imsi = identity(t->value, c);
      if (auto t = nth(p.value, ctx(1), 0, c)) f.msisdn = address(t->value, c);
      if (auto ss = nth(p.value, ctxc(7), 0, c)) first_forwarded_to(ss->value, f, c);
      return;
    case kOpRegisterSs:
      // SEQUENCE { ss-Code OCTET STRING, basicService [2]/[3] OPTIONAL,
      //            forwardedToNumber [4] AddressString OPTIONAL, ... }
      if (!seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c); t && t->value.size() == 1) f.ss_code = t->value[0];
      else break;
      if (auto t = nth(p.value, ctx(4), 0, c)) f.forwarded_to = address(t->value, c);
      return;
    case kOpSendRoutingInfo:
      // SEQUENCE { msisdn [0], ..., gmsc-OrGsmSCF-Address [6] }
      if (!seq) break;
      if (auto t = nth(p.value, ctx(0), 0, c)) f.msisdn = address(t->value, c);
      if (auto t = nth(p.value, ctx(6), 0, c)) f.msc = address(t->value, c);
      return;
    case kOpSendRoutingInfoForSm:
      // SEQUENCE { msisdn [0], sm-RP-PRI [1], serviceCentreAddress [2], ... }
      if (!seq) break;
      if (auto t = nth(p.value, ctx(0), 0, c)) f.msisdn = address(t->value, c);
      if (auto t = nth(p.value, ctx(2), 0, c)) f.service_centre = address(t->value, c);
      return;
    case kOpSendRoutingInfoForGprs:
    case kOpProvideSubscriberInfo:
    case kOpDeleteSubscriberData:
      // SEQUENCE { imsi [0], ... }
      if (!seq) break;
      if (auto t = nth(p.value, ctx(0), 0, c)) f.imsi = identity(t->value, c);
      return;
    case kOpAnyTimeInterrogation: {
      // SEQUENCE { subscriberIdentity [0] CHOICE { imsi [0], msisdn [1] }, requestedInfo [1],
      //            gsmSCF-Address [3] }
      if (!seq) break;
      if (auto id = nth(p.value, ctxc(0), 0, c)) {
        if (auto t = nth(id->value, ctx(0), 0, c)) f.imsi = identity(t->value, c);
        if (auto t = nth(id->value, ctx(1), 0, c)) f.msisdn = address(t->value, c);
      }
      if (auto t = nth(p.value, ctx(3), 0, c)) f.gsm_scf = address(t->value, c);
      return;
    }
    case kOpSendImsi:
      // ISDN-AddressString
      if (p.id != kOctetString) break;
      f.msisdn = address(p.value, c);
      return;
    case kOpSendAuthenticationInfo:
      // v2: IMSI; v3: SEQUENCE { imsi [0], ... }
      if (p.id == kOctetString) { f.imsi = identity(p.value, c); return; }
      if (!seq) break;
      if (auto t = nth(p.value, ctx(0), 0, c)) f.imsi = identity(t->value, c);
      return;
    case kOpPurgeMs:
      // v3: [3] SEQUENCE { imsi, vlr-Number [0], sgsn-Number [1] }; v2: SEQUENCE { imsi, vlr-Number }
      if (p.id != ctxc(3) && !seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c)) f.imsi = identity(t->value, c);
      if (auto t = nth(p.value, p.id == kSequence ? kOctetString : ctx(0), p.id == kSequence ? 1 : 0, c))
        f.vlr = address(t->value, c);
      if (auto t = nth(p.value, ctx(1), 0, c)) f.sgsn = address(t->value, c);
      return;
    case kOpCheckImei:
      // v1/v2: IMEI; v3: SEQUENCE { imei, requestedEquipmentInfo, ... }
      if (p.id == kOctetString) { f.imei = identity(p.value, c); return; }
      if (!seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c)) f.imei = identity(t->value, c);
      return;
    case kOpMoForwardSm:
    case kOpMtForwardSm:
      if (!seq) break;
      decode_sm_rp(p, f, c);
      return;
    case kOpReportSmDeliveryStatus:
      // SEQUENCE { msisdn, serviceCentreAddress, ... }
      if (!seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c)) f.msisdn = address(t->value, c);
      if (auto t = nth(p.value, kOctetString, 1, c)) f.service_centre = address(t->value, c);
      return;
    case kOpProcessUnstructuredSsRequest:
    case kOpUnstructuredSsRequest:
    case kOpUnstructuredSsNotify:
      if (!seq) break;
      decode_ussd(p, f, c);
      return;
    case kOpProcessUnstructuredSsData:
      // MAP v1: SS-UserData IA5String
      if (p.id != kIa5String) break;
      f.ussd = p.value;
      f.has_ussd = true;
      f.ussd_ia5 = true;
      return;
    default:
      return;  // operations we name but do not decode
  }
  c.anomaly(Anomaly::MapParamMalformed);
}

void decode_result(int op, const Tlv& p, MapFields& f, DecodeCounters& c) {
  bool seq = p.id == kSequence;
  switch (op) {
    case kOpUpdateLocation:
    case kOpUpdateGprsLocation:
      // SEQUENCE { hlr-Number, ... }
      if (!seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c)) f.hlr = address(t->value, c);
      return;
    case kOpSendRoutingInfo: {
      // v3: [3] SEQUENCE { imsi [9], extendedRoutingInfo (roamingNumber OCTET STRING | ...) }
      // v1/v2: SEQUENCE { imsi, routingInfo (roamingNumber | forwardingData) }
      if (p.id == ctxc(3)) {
        // ..., vmsc-Address [2], ..., msisdn [12]
        if (auto t = nth(p.value, ctx(9), 0, c)) f.imsi = identity(t->value, c);
        if (auto t = nth(p.value, kOctetString, 0, c)) f.roaming_number = address(t->value, c);
        if (auto t = nth(p.value, ctx(2), 0, c)) f.msc = address(t->value, c);
        if (auto t = nth(p.value, ctx(12), 0, c)) f.msisdn = address(t->value, c);
        return;
      }
      if (!seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c)) f.imsi = identity(t->value, c);
      if (auto t = nth(p.value, kOctetString, 1, c)) f.roaming_number = address(t->value, c);
      return;
    }
    case kOpSendRoutingInfoForSm: {
      // SEQUENCE { imsi, locationInfoWithLMSI [0] { networkNode-Number [1] (v1: msc-Number [1]), ... } }
      if (!seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c)) f.imsi = identity(t->value, c);
      if (auto li = nth(p.value, ctxc(0), 0, c)) {
        if (auto t = nth(li->value, ctx(1), 0, c)) f.msc = address(t->value, c);
        else if (auto rn = nth(li->value, ctx(0), 0, c)) f.roaming_number = address(rn->value, c);
      }
      return;
    }
    case kOpSendImsi:
      if (p.id != kOctetString) break;
      f.imsi = identity(p.value, c);
      return;
    case kOpSendIdentification:
      // v3: SEQUENCE { imsi OPTIONAL, ... }; v2: SEQUENCE { imsi, authenticationSetList }
      if (!seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c)) f.imsi = identity(t->value, c);
      return;
    case kOpProvideRoamingNumber:
      // v3: SEQUENCE { roamingNumber, ... }; v1/v2: RoamingNumber
      if (p.id == kOctetString) { f.roaming_number = address(p.value, c); return; }
      if (!seq) break;
      if (auto t = nth(p.value, kOctetString, 0, c)) f.roaming_number = address(t->value, c);
      return;
    case kOpProcessUnstructuredSsRequest:
    case kOpUnstructuredSsRequest:
      if (!seq) break;
      decode_ussd(p, f, c);
      return;
    case kOpProvideSubscriberInfo:
    case kOpAnyTimeInterrogation: {
      // SEQUENCE { subscriberInfo SEQUENCE { locationInformation [0] { ..., vlr-number [1] } } }
      if (!seq) break;
      auto info = nth(p.value, kSequence, 0, c);
      if (!info) break;
      if (auto loc = nth(info->value, ctxc(0), 0, c))
        if (auto t = nth(loc->value, ctx(1), 0, c)) f.vlr = address(t->value, c);
      return;
    }
    default:
      return;
  }
  c.anomaly(Anomaly::MapParamMalformed);
}

}  // namespace

MapOpenInfo decode_map_open(Bytes user_info, DecodeCounters& c) {
  // user-information [30] { EXTERNAL { direct-reference OID (map-DialogueAS),
  //   single-ASN1-type [0] { MAP-DialoguePDU: map-open [0] { destinationReference [0],
  //   originationReference [1] } } } }
  MapOpenInfo o;
  auto ext = ber_find(user_info, 0x28, c);
  if (!ext) return o;
  auto single = nth(ext->value, ctxc(0), 0, c);
  if (!single) return o;
  auto open = nth(single->value, ctxc(0), 0, c);
  if (!open) return o;
  if (auto d = nth(open->value, ctx(0), 0, c)) o.destination = address(d->value, c);
  if (auto g = nth(open->value, ctx(1), 0, c)) o.origination = address(g->value, c);
  return o;
}

MapFields decode_map(int opcode, bool is_result, Bytes param, DecodeCounters& c) {
  MapFields f;
  if (param.empty()) return f;
  ByteReader r{param};
  auto p = ber_read(r, c, 3);
  if (!p) return f;
  if (is_result) decode_result(opcode, *p, f, c);
  else decode_invoke(opcode, *p, f, c);
  return f;
}

}  // namespace sigprobe::ss7
