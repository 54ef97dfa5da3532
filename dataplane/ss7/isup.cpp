#include "dataplane/ss7/isup.hpp"

#include "dataplane/ss7/ss7_names.hpp"

namespace sigprobe::ss7 {
namespace {

// Q.763 table 5 parameter names.
constexpr uint8_t kParamCalledNumber = 0x04, kParamCallingNumber = 0x0A, kParamRedirectingNumber = 0x0B,
                  kParamCause = 0x12, kParamOriginalCalledNumber = 0x28, kParamEnd = 0x00;
constexpr uint8_t kMaxDigits = 32;

struct Layout {
  uint8_t fixed = 0;     // octets of mandatory fixed part
  uint8_t variable = 0;  // mandatory variable parameters (one pointer each)
  bool optional = true;  // pointer to the optional part
};

// Q.763 section 3 / table 4 message formats for the types decoded here; the
// rest are recognised by type only.
std::optional<Layout> layout(uint8_t type) {
  switch (type) {
    case kIsupIam: return Layout{5, 1, true};  // NCI, FCI(2), CPC, TMR; called number
    case kIsupSam: return Layout{0, 1, true};  // subsequent number
    case kIsupAcm: return Layout{2, 0, true};  // backward call indicators
    case kIsupCon: return Layout{2, 0, true};
    case kIsupAnm: return Layout{0, 0, true};
    case kIsupCpg: return Layout{1, 0, true};  // event information
    case kIsupRel: return Layout{0, 1, true};  // cause indicators
    case kIsupRlc: return Layout{0, 0, true};
    case kIsupSus: case kIsupRes: return Layout{1, 0, true};
    case kIsupCfn: return Layout{0, 1, true};  // cause indicators
    default: return std::nullopt;
  }
}

void apply(uint8_t name, Bytes v, IsupMsg& m) {
  if (name == kParamCalledNumber) m.called = isup_number(v);
  else if (name == kParamCallingNumber) m.calling = isup_number(v);
  else if (name == kParamRedirectingNumber) m.redirecting = isup_number(v);
  else if (name == kParamOriginalCalledNumber) m.original_called = isup_number(v);
  else if (name == kParamCause) {
    if (auto cause = q850_cause(v)) {
      m.cause = *cause;
      m.has_cause = true;
    }
  }
}

}  // namespace

IsupNumber isup_number(Bytes v) {
  IsupNumber n;
  // octet 1: odd/even + NAI; octet 2: INN/NI, NPI, (calling) presentation, screening
  if (v.size() < 2) return n;
  bool odd = (v[0] & 0x80) != 0;
  n.nai = v[0] & 0x7F;
  n.digits = v.subspan(2);
  size_t d = n.digits.size() * 2;
  if (odd && d) --d;
  n.n_digits = uint8_t(d > kMaxDigits ? kMaxDigits : d);
  n.present = true;
  return n;
}

std::optional<uint8_t> q850_cause(Bytes v) {
  // octet 1: ext, coding standard, location; (octet 1a when ext = 0); then cause value
  if (v.size() < 2) return std::nullopt;
  size_t i = (v[0] & 0x80) ? 1 : 2;
  if (i >= v.size()) return std::nullopt;
  return uint8_t(v[i] & 0x7F);
}

bool isup_type_known(uint8_t type) { return *isup_msg_name(type) != '\0'; }

namespace {

// From the message type on; m.cic already set.
std::optional<IsupMsg> parse_from_type(ByteReader& r, IsupMsg& m, DecodeCounters& c) {
  auto type = r.u8();
  if (!type) {
    c.anomaly(Anomaly::IsupTruncated);
    return std::nullopt;
  }
  m.type = *type;
  if (!isup_type_known(m.type)) c.anomaly(Anomaly::IsupTypeUnknown);
  auto lay = layout(m.type);
  if (!lay) return m;
  auto fixed = r.bytes(lay->fixed);
  if (!fixed) {
    c.anomaly(Anomaly::IsupTruncated);
    return m;
  }
  if (m.type == kIsupIam) {
    m.calling_category = (*fixed)[3];
    m.has_category = true;
  }
  Bytes rest = r.rest();  // pointers count from their own position
  size_t n_ptrs = lay->variable + (lay->optional ? 1 : 0);
  for (size_t i = 0; i < n_ptrs; ++i) {
    if (i >= rest.size()) {
      c.anomaly(Anomaly::IsupTruncated);
      return m;
    }
    size_t p = rest[i];
    bool is_optional = i == lay->variable;
    if (p == 0) {
      if (!is_optional) c.anomaly(Anomaly::IsupPointerInvalid);
      continue;  // no optional part
    }
    ByteReader v{rest};
    if (!v.skip(i + p)) {
      c.anomaly(Anomaly::IsupPointerInvalid);
      return m;
    }
    if (!is_optional) {
      auto len = v.u8();
      std::optional<Bytes> body = len ? v.bytes(*len) : std::nullopt;
      if (!body) {
        c.anomaly(Anomaly::IsupPointerInvalid);
        return m;
      }
      // IAM: called party number; REL/CFN: cause indicators; SAM: subsequent number (skipped).
      if (m.type == kIsupIam) apply(kParamCalledNumber, *body, m);
      else if (m.type != kIsupSam) apply(kParamCause, *body, m);
      continue;
    }
    bool ended = false;
    while (!v.empty()) {
      auto name = v.u8();
      if (*name == kParamEnd) {
        ended = true;
        break;
      }
      auto len = v.u8();
      std::optional<Bytes> body = len ? v.bytes(*len) : std::nullopt;
      if (!body) {
        c.anomaly(Anomaly::IsupPointerInvalid);
        return m;
      }
      apply(*name, *body, m);
    }
    if (!ended) c.anomaly(Anomaly::IsupTruncated);  // no end-of-optional-parameters octet
  }
  return m;
}

}  // namespace

std::optional<IsupMsg> parse_isup(Bytes msg, DecodeCounters& c) {
  ByteReader r{msg};
  auto cic = r.u16le();
  if (!cic || r.empty()) {
    c.anomaly(Anomaly::IsupTruncated);
    return std::nullopt;
  }
  IsupMsg m;
  m.cic = *cic & 0x0FFF;
  return parse_from_type(r, m, c);
}

std::optional<IsupMsg> parse_isup_body(Bytes msg, DecodeCounters& c) {
  ByteReader r{msg};
  IsupMsg m;
  return parse_from_type(r, m, c);
}

}  // namespace sigprobe::ss7
