#include "dataplane/ss7/cap.hpp"

#include "dataplane/ss7/ber.hpp"

namespace sigprobe::ss7 {
namespace {

constexpr uint8_t kOctetString = 0x04, kSequence = 0x30;
constexpr size_t kCgiOctets = 7;

constexpr uint8_t ctx(uint8_t n) { return uint8_t(0x80 | n); }
constexpr uint8_t ctxc(uint8_t n) { return uint8_t(0xA0 | n); }

// InitialDPArg tags (TS 29.078 6.1.2 / the CAP-DataTypes module).
constexpr uint32_t kIdpServiceKey = 0, kIdpCalledPartyNumber = 2, kIdpCallingPartyNumber = 3,
                   kIdpEventTypeBcsm = 28, kIdpImsi = 50, kIdpLocationInformation = 52,
                   kIdpMscAddress = 55, kIdpCalledPartyBcdNumber = 56;
// InitialDPSMSArg tags (TS 29.078, CAP-SMS-ops-args).
constexpr uint32_t kSmsServiceKey = 0, kSmsDestination = 1, kSmsCalling = 2, kSmsEventType = 3, kSmsImsi = 4,
                   kSmsLocationMsc = 5, kSmsSmscAddress = 7, kSmsMscAddress = 15, kSmsImei = 19;
// LocationInformation (TS 29.002 17.7.1): vlr-number [1], cellGlobalIdOrServiceAreaIdOrLAI [3].
constexpr uint8_t kLocVlrNumber = ctx(1), kLocCell = ctxc(3);
// CellGlobalIdOrServiceAreaIdOrLAI: cellGlobalIdOrServiceAreaIdFixedLength [0].
constexpr uint8_t kCellFixedLength = ctx(0);


bool context_primitive(const Tlv& t) { return t.cls() == 2 && !t.constructed; }

MapNumber address(Bytes v, DecodeCounters& c) { return map_address(v, c, Anomaly::CapParamMalformed); }
MapNumber identity(Bytes v, DecodeCounters& c) { return map_identity(v, c, Anomaly::CapParamMalformed); }

IsupNumber party_number(Bytes v, DecodeCounters& c) {
  IsupNumber n = isup_number(v);
  if (!n.present) c.anomaly(Anomaly::CapParamMalformed);
  return n;
}

void cause(Bytes v, CapFields& f, DecodeCounters& c) {
  if (auto value = q850_cause(v)) {
    f.cause = *value;
    f.has_cause = true;
  } else {
    c.anomaly(Anomaly::CapParamMalformed);
  }
}

void location(Bytes v, CapFields& f, DecodeCounters& c) {
  ber_for_each(v, c, [&](const Tlv& t) {
    if (t.id == kLocVlrNumber) {
      f.vlr = address(t.value, c);
    } else if (t.id == kLocCell) {
      // An explicit CHOICE: the fixed-length CGI/SAI, or a LAI (no cell).
      ByteReader r{t.value};
      auto inner = ber_read(r, c, 6);
      if (inner && inner->id == kCellFixedLength) {
        if (inner->value.size() == kCgiOctets) f.cell = inner->value;
        else c.anomaly(Anomaly::CapParamMalformed);
      }
    }
  });
}

void service_key(const Tlv& t, CapFields& f) {
  if (auto k = ber_int(t.value); k && context_primitive(t)) {
    f.service_key = uint32_t(*k);
    f.has_service_key = true;
  }
}

// An ENUMERATED event type (EventTypeBCSM, EventTypeSMS).
void event_type(const Tlv& t, CapFields& f) {
  if (auto e = ber_int(t.value); e && *e >= 0 && *e < 256) f.event_type = uint8_t(*e);
}

// initial_dp, initial_dp_sms and event_report get their argument as a SEQUENCE
// (decode_cap checked it).
void initial_dp(const Tlv& p, CapFields& f, DecodeCounters& c) {
  ber_for_each(p.value, c, [&](const Tlv& t) {
    if (t.cls() != 2) return;
    switch (t.number) {
      case kIdpServiceKey:
        service_key(t, f);
        break;
      case kIdpCalledPartyNumber: f.called = party_number(t.value, c); break;
      case kIdpCallingPartyNumber: f.calling = party_number(t.value, c); break;
      case kIdpEventTypeBcsm:
        event_type(t, f);
        break;
      case kIdpImsi: f.imsi = identity(t.value, c); break;
      case kIdpLocationInformation:
        if (t.constructed) location(t.value, f, c);
        break;
      case kIdpMscAddress: f.msc = address(t.value, c); break;
      case kIdpCalledPartyBcdNumber: f.called_bcd = address(t.value, c); break;
      default: break;
    }
  });
}

void initial_dp_sms(const Tlv& p, CapFields& f, DecodeCounters& c) {
  ber_for_each(p.value, c, [&](const Tlv& t) {
    if (t.cls() != 2) return;
    switch (t.number) {
      case kSmsServiceKey:
        service_key(t, f);
        break;
      case kSmsDestination: f.called_bcd = address(t.value, c); break;
      case kSmsCalling: f.calling_sms = address(t.value, c); break;
      case kSmsEventType:
        event_type(t, f);
        break;
      case kSmsImsi: f.imsi = identity(t.value, c); break;
      case kSmsLocationMsc:
        if (t.constructed) location(t.value, f, c);
        break;
      case kSmsSmscAddress: f.service_centre = address(t.value, c); break;
      case kSmsMscAddress: f.msc = address(t.value, c); break;
      case kSmsImei: f.imei = identity(t.value, c); break;
      default: break;
    }
  });
}

// EventReportBCSMArg: eventTypeBCSM [0], eventSpecificInformationBCSM [2],
// legID [3], miscCallInfo [4]. The specific information is a CHOICE; the
// alternatives that carry a cause hold it in their first [0]:
// routeSelectFailure [2] (failureCause), oCalledPartyBusy [3] and tBusy [8]
// (busyCause), oDisconnect [7] and tDisconnect [12] (releaseCause).
bool carries_cause(uint32_t alternative) {
  return alternative == 2 || alternative == 3 || alternative == 7 || alternative == 8 ||
         alternative == 12;
}

void event_report(const Tlv& p, CapFields& f, DecodeCounters& c) {
  ber_for_each(p.value, c, [&](const Tlv& t) {
    if (t.id == ctx(0)) {
      event_type(t, f);
    } else if (t.id == ctxc(2)) {
      ByteReader r{t.value};
      auto info = ber_read(r, c, 6);
      if (!info || !info->constructed || info->cls() != 2 || !carries_cause(info->number)) return;
      ByteReader ri{info->value};
      auto first = ber_read(ri, c, 7);
      if (first && first->id == ctx(0)) cause(first->value, f, c);
    }
  });
}

// ReleaseCallArg: Cause (CAP v2/v3: an OCTET STRING), or in v4 the CHOICE
// allCallSegmentsWithExtension [2] { allCallSegments [0] Cause, ... }.
void release_call(const Tlv& p, CapFields& f, DecodeCounters& c) {
  if (p.id == kOctetString || p.id == ctx(0)) {
    cause(p.value, f, c);
  } else if (p.id == ctxc(2)) {
    ByteReader r{p.value};
    auto first = ber_read(r, c, 6);
    if (first && first->id == ctx(0)) cause(first->value, f, c);
  } else {
    c.anomaly(Anomaly::CapParamMalformed);
  }
}

}  // namespace

CapFields decode_cap(int opcode, Bytes param, DecodeCounters& c) {
  CapFields f;
  ByteReader r{param};
  auto p = ber_read(r, c, 4);
  if (!p) return f;
  // Every argument read here but releaseCall's is a SEQUENCE.
  const bool sequence_arg = opcode == cap_op::kInitialDp || opcode == cap_op::kEventReportBcsm ||
                            opcode == cap_op::kInitialDpSms || opcode == cap_op::kEventReportSms;
  if (sequence_arg && p->id != kSequence) {
    c.anomaly(Anomaly::CapParamMalformed);
    return f;
  }
  switch (opcode) {
    case cap_op::kInitialDp: initial_dp(*p, f, c); break;
    case cap_op::kEventReportBcsm: event_report(*p, f, c); break;
    case cap_op::kReleaseCall: release_call(*p, f, c); break;
    case cap_op::kInitialDpSms: initial_dp_sms(*p, f, c); break;
    case cap_op::kEventReportSms:  // EventReportSMSArg: eventTypeSMS [0], ...
      if (auto t = ber_find(p->value, ctx(0), c)) event_type(*t, f);
      break;
    default: break;
  }
  return f;
}

size_t cgi_text(Bytes cgi, char* out) {
  if (cgi.size() != kCgiOctets) return 0;
  // MCC digit 1 | 2, MCC 3 | MNC 3 (0xF: a 2-digit MNC), MNC 1 | 2; low nibble first.
  const uint8_t nib[6] = {uint8_t(cgi[0] & 0xF), uint8_t(cgi[0] >> 4), uint8_t(cgi[1] & 0xF),
                          uint8_t(cgi[2] & 0xF), uint8_t(cgi[2] >> 4), uint8_t(cgi[1] >> 4)};
  size_t n = 0;
  for (size_t i = 0; i < 6; ++i) {
    if (i == 5 && nib[i] == 0xF) break;
    if (nib[i] > 9) return 0;
    out[n++] = char('0' + nib[i]);
  }
  constexpr char kHex[] = "0123456789ABCDEF";
  for (size_t i = 3; i < kCgiOctets; ++i) {
    out[n++] = kHex[cgi[i] >> 4];
    out[n++] = kHex[cgi[i] & 0xF];
  }
  return n;
}

}  // namespace sigprobe::ss7
