#include "dataplane/ss7/sccp.hpp"

namespace sigprobe::ss7 {
namespace {

constexpr uint8_t kOptSegmentation = 0x10;
constexpr uint8_t kOptEnd = 0x00;
constexpr size_t kMaxGtDigits = 32;

// Reads a one- or two-octet pointer at ptr_pos and puts the variable part it
// points to (its length in `len_octets` octets) into `body`; false, with an
// anomaly counted, when it is missing. Q.713 section 2.3: a pointer counts
// from its own first octet. Not an optional return: GCC 12 stored the span
// and its flag narrow and the caller read them back wide, a store-forwarding
// stall per pointer (measured: a third of parse_sccp's samples).
bool follow_pointer(Bytes msg, size_t ptr_pos, size_t ptr_octets, size_t len_octets, Bytes& body,
                    DecodeCounters& c) {
  ByteReader r{msg};
  if (!r.skip(ptr_pos)) {
    c.anomaly(Anomaly::SccpTruncated);
    return false;
  }
  auto p = ptr_octets == 1 ? std::optional<uint16_t>(r.u8()) : r.u16le();
  if (!p || *p == 0) {
    c.anomaly(p ? Anomaly::SccpPointerInvalid : Anomaly::SccpTruncated);
    return false;
  }
  ByteReader v{msg};
  if (!v.skip(ptr_pos + *p)) {
    c.anomaly(Anomaly::SccpPointerInvalid);
    return false;
  }
  auto len = len_octets == 1 ? std::optional<uint16_t>(v.u8()) : v.u16le();
  std::optional<Bytes> got = len ? v.bytes(*len) : std::nullopt;
  if (!got) {
    c.anomaly(Anomaly::SccpPointerInvalid);
    return false;
  }
  body = *got;
  return true;
}

// The optional part: parameters name/length/value up to end-of-optional.
void parse_optional(Bytes opt, SccpMsg& m, DecodeCounters& c) {
  ByteReader r{opt};
  while (!r.empty()) {
    auto name = r.u8();
    if (*name == kOptEnd) return;
    auto len = r.u8();
    std::optional<Bytes> v = len ? r.bytes(*len) : std::nullopt;
    if (!v) {
      c.anomaly(Anomaly::SccpOptionalInvalid);
      return;
    }
    if (*name == kOptSegmentation && v->size() >= 4) {
      const Bytes& s = *v;
      m.seg.present = true;
      m.seg.first = (s[0] & 0x80) != 0;
      m.seg.remaining = s[0] & 0x0F;
      m.seg.local_ref = uint32_t(s[1]) << 16 | uint32_t(s[2]) << 8 | s[3];
    }
  }
}

// The address into `ad` (default-constructed by the caller), false when
// unusable (ad is then left default). In place: returned as an optional and
// copied, the address was rebuilt with narrow stores and read back wide
// (store-forwarding stalls, a third of SCCP's time in the chain profile).
bool read_address(Bytes a, PcFormat pcf, SccpAddress& ad, DecodeCounters& c) {
  ByteReader r{a};
  auto ai = r.u8();
  if (!ai) {
    c.anomaly(Anomaly::SccpAddressInvalid);
    return false;
  }
  ad.has_pc = *ai & 0x01;
  ad.has_ssn = (*ai & 0x02) != 0;
  ad.gti = (*ai >> 2) & 0x0F;
  ad.ri = (*ai >> 6) & 0x01;
  if (ad.has_pc) {
    auto pc = r.u16le();
    if (!pc) {
      c.anomaly(Anomaly::SccpAddressInvalid);
      ad = SccpAddress{};
      return false;
    }
    ad.pc = pcf == PcFormat::Japan ? *pc : (*pc & 0x3FFF);
  }
  if (ad.has_ssn) {
    auto ssn = r.u8();
    if (!ssn) {
      c.anomaly(Anomaly::SccpAddressInvalid);
      ad = SccpAddress{};
      return false;
    }
    ad.ssn = *ssn;
  }
  bool odd = false, cut = true;
  switch (ad.gti) {
    case 0: return true;
    case 1: {
      auto b = r.u8();
      if (!b) break;
      odd = (*b & 0x80) != 0;
      ad.nai = *b & 0x7F;
      cut = false;
      break;
    }
    case 2: {
      auto tt = r.u8();
      if (!tt) break;
      ad.tt = *tt;
      cut = false;
      break;
    }
    case 3: {
      auto tt = r.u8();
      auto npes = r.u8();
      if (!tt || !npes) break;
      ad.tt = *tt;
      ad.np = *npes >> 4;
      ad.es = *npes & 0x0F;
      odd = ad.es == 1;
      cut = false;
      break;
    }
    case 4: {
      auto tt = r.u8();
      auto npes = r.u8();
      auto nai = r.u8();
      if (!tt || !npes || !nai) break;
      ad.tt = *tt;
      ad.np = *npes >> 4;
      ad.es = *npes & 0x0F;
      ad.nai = *nai & 0x7F;
      odd = ad.es == 1;
      cut = false;
      break;
    }
    default:
      c.anomaly(Anomaly::SccpGtiUnknown);
      return true;
  }
  if (cut) {
    c.anomaly(Anomaly::SccpAddressInvalid);  // the GT header itself was cut
    ad.gti = 0;
    return true;
  }
  ad.digits = r.rest();
  size_t n = ad.digits.size() * 2;
  // GTI 2 carries no encoding scheme: BCD and even is the usual national case.
  if (odd && n) --n;
  if (n > kMaxGtDigits) n = kMaxGtDigits;
  ad.n_digits = uint8_t(n);
  return true;
}

}  // namespace

std::optional<SccpAddress> parse_sccp_address(Bytes a, PcFormat pcf, DecodeCounters& c) {
  SccpAddress ad;
  if (!read_address(a, pcf, ad, c)) return std::nullopt;
  return ad;
}

std::optional<SccpMsg> parse_sccp(Bytes msg, PcFormat pcf, DecodeCounters& c) {
  SccpMsg m;
  if (!parse_sccp(msg, pcf, m, c)) return std::nullopt;
  return m;
}

bool parse_sccp(Bytes msg, PcFormat pcf, SccpMsg& m, DecodeCounters& c) {
  ByteReader r{msg};
  auto type = r.u8();
  if (!type) {
    c.anomaly(Anomaly::SccpTruncated);
    return false;
  }
  m = SccpMsg{};
  m.type = *type;
  // Fixed part before the pointers, pointer width, number of mandatory
  // variable parts and whether an optional-part pointer follows them.
  size_t fixed = 0, ptr_octets = 1, len_octets = 1;
  bool has_optional_ptr = false;
  bool service = false;
  switch (m.type) {
    case kSccpUdt: fixed = 1; break;                                       // class
    case kSccpUdts: fixed = 1; service = true; break;                      // return cause
    case kSccpXudt: fixed = 2; has_optional_ptr = true; break;             // class, hop counter
    case kSccpXudts: fixed = 2; has_optional_ptr = true; service = true; break;
    case kSccpLudt: fixed = 2; has_optional_ptr = true; ptr_octets = 2; len_octets = 2; break;
    case kSccpLudts:
      fixed = 2; has_optional_ptr = true; ptr_octets = 2; len_octets = 2; service = true; break;
    case kSccpCr: case kSccpCc: case kSccpCref: case kSccpRlsd: case kSccpRlc: case kSccpDt1:
    case kSccpDt2: case kSccpAk: case kSccpEd: case kSccpEa: case kSccpRsr: case kSccpRsc:
    case kSccpErr: case kSccpIt:
      return true;  // connection-oriented: counted by type, not decoded further
    default:
      c.anomaly(Anomaly::SccpTypeUnknown);
      return false;
  }
  m.connectionless = true;
  auto first = r.u8();
  if (!first || !r.skip(fixed - 1)) {
    c.anomaly(Anomaly::SccpTruncated);
    return false;
  }
  if (service) m.return_cause = *first;
  else m.protocol_class = *first & 0x0F;
  size_t p0 = 1 + fixed;
  Bytes called, calling;
  bool have_called = follow_pointer(msg, p0, ptr_octets, 1, called, c);
  bool have_calling = follow_pointer(msg, p0 + ptr_octets, ptr_octets, 1, calling, c);
  if (!have_called || !have_calling) return false;
  read_address(called, pcf, m.called, c);
  read_address(calling, pcf, m.calling, c);
  if (!follow_pointer(msg, p0 + 2 * ptr_octets, ptr_octets, len_octets, m.data, c))
    return true;  // addresses are still worth reporting
  if (has_optional_ptr) {
    ByteReader pr{msg};
    pr.skip(p0 + 3 * ptr_octets);
    auto p = ptr_octets == 1 ? std::optional<uint16_t>(pr.u8()) : pr.u16le();
    if (p && *p) {
      size_t at = p0 + 3 * ptr_octets + *p;
      if (at >= msg.size()) c.anomaly(Anomaly::SccpOptionalInvalid);
      else parse_optional(msg.subspan(at), m, c);
    }
  }
  return true;
}

}  // namespace sigprobe::ss7
