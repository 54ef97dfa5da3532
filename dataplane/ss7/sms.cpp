#include "dataplane/ss7/sms.hpp"

#include "dataplane/ss7/text.hpp"

namespace sigprobe::ss7 {
namespace {

constexpr uint8_t kIeiConcat8 = 0x00, kIeiPorts8 = 0x04, kIeiPorts16 = 0x05, kIeiConcat16 = 0x08;
constexpr size_t kMaxAddressSemi = 20;
constexpr uint8_t kCr = 0x0D;

// Into a (default-constructed, left so when false): in place, as for the
// whole TPDU below.
bool read_address(ByteReader& r, SmsAddress& a, DecodeCounters& c) {
  auto len = r.u8();
  auto toa = r.u8();
  if (!len || !toa) {
    c.anomaly(Anomaly::SmsTpduTruncated);
    return false;
  }
  if (*len > kMaxAddressSemi) {
    c.anomaly(Anomaly::SmsAddressInvalid);
    return false;
  }
  auto v = r.bytes((*len + 1) / 2);
  if (!v) {
    c.anomaly(Anomaly::SmsTpduTruncated);
    return false;
  }
  a.value = *v;
  a.n_semi = *len;
  a.ton = (*toa >> 4) & 0x07;
  a.npi = *toa & 0x0F;
  a.present = true;
  return true;
}

void parse_udh(SmsTpdu& t, DecodeCounters& c) {
  if (t.ud.empty()) {
    c.anomaly(Anomaly::SmsUdhInvalid);
    t.udhi = false;
    return;
  }
  size_t udhl = t.ud[0];
  if (udhl + 1 > t.ud.size()) {
    c.anomaly(Anomaly::SmsUdhInvalid);
    t.udhi = false;
    return;
  }
  ByteReader r{t.ud.subspan(1, udhl)};
  while (!r.empty()) {
    auto iei = r.u8();
    auto iel = r.u8();
    std::optional<Bytes> v = iel ? r.bytes(*iel) : std::nullopt;
    if (!v) {
      c.anomaly(Anomaly::SmsUdhInvalid);
      break;
    }
    const Bytes& e = *v;
    if (*iei == kIeiConcat8 && e.size() == 3) {
      t.concat = true;
      t.concat_ref = e[0];
      t.concat_total = e[1];
      t.concat_seq = e[2];
    } else if (*iei == kIeiConcat16 && e.size() == 4) {
      t.concat = true;
      t.concat_ref = uint16_t(e[0] << 8 | e[1]);
      t.concat_total = e[2];
      t.concat_seq = e[3];
    } else if (*iei == kIeiPorts8 && e.size() == 2) {
      t.ports = true;
      t.dst_port = e[0];
      t.src_port = e[1];
    } else if (*iei == kIeiPorts16 && e.size() == 4) {
      t.ports = true;
      t.dst_port = uint16_t(e[0] << 8 | e[1]);
      t.src_port = uint16_t(e[2] << 8 | e[3]);
    }
  }
  if (t.concat && (t.concat_seq == 0 || t.concat_seq > t.concat_total)) {
    c.anomaly(Anomaly::SmsConcatInvalid);
    t.concat = false;
  }
}

// UD length in octets for a UDL in septets.
size_t septet_octets(size_t septets) { return (septets * 7 + 7) / 8; }

void locate_text(SmsTpdu& t, DecodeCounters& c) {
  size_t header_octets = t.udhi ? size_t(t.ud[0]) + 1 : 0;
  if (t.charset == SmsCharset::Gsm7) {
    // The header occupies whole septets: fill bits pad it to a septet boundary.
    size_t header_septets = (header_octets * 8 + 6) / 7;
    if (header_septets > t.udl) {
      c.anomaly(Anomaly::SmsUdhInvalid);
      return;
    }
    t.text_skip_bits = header_septets * 7;
    t.text_septets = t.udl - header_septets;
  } else {
    if (header_octets > t.udl) {
      c.anomaly(Anomaly::SmsUdhInvalid);
      return;
    }
    t.text_octets = t.ud.subspan(header_octets, t.udl - header_octets);
  }
  t.has_text = true;
}

}  // namespace

SmsCharset sms_charset(uint8_t dcs) {
  uint8_t group = dcs >> 4;
  if (group <= 0x7) {  // general data coding (00xx) and automatic deletion (01xx)
    if (dcs & 0x20) return SmsCharset::Compressed;
    switch ((dcs >> 2) & 0x03) {
      case 1: return SmsCharset::Data8;
      case 2: return SmsCharset::Ucs2;
      default: return SmsCharset::Gsm7;
    }
  }
  if (group == 0xE) return SmsCharset::Ucs2;           // message waiting, UCS-2 stored
  if (group == 0xF) return (dcs & 0x04) ? SmsCharset::Data8 : SmsCharset::Gsm7;
  return SmsCharset::Gsm7;                             // 1100, 1101 and reserved groups
}

SmsCharset ussd_charset(uint8_t dcs, bool& language_prefix) {
  language_prefix = false;
  uint8_t group = dcs >> 4;
  if (group == 0x0 || group == 0x2 || group == 0x3) return SmsCharset::Gsm7;
  if (group == 0x1) {
    language_prefix = true;
    return (dcs & 0x0F) == 0x1 ? SmsCharset::Ucs2 : SmsCharset::Gsm7;
  }
  if (group >= 0x4 && group <= 0x7) return sms_charset(dcs & 0x2F);
  if (group == 0x9) return sms_charset(dcs & 0x0C);
  if (group == 0xF) return (dcs & 0x04) ? SmsCharset::Data8 : SmsCharset::Gsm7;
  return SmsCharset::Gsm7;
}

std::optional<SmsTpdu> parse_sms_tpdu(Bytes tpdu, bool ms_to_sc, DecodeCounters& c) {
  SmsTpdu t;
  if (!parse_sms_tpdu(tpdu, ms_to_sc, t, c)) return std::nullopt;
  return t;
}

bool parse_sms_tpdu(Bytes tpdu, bool ms_to_sc, SmsTpdu& t, DecodeCounters& c) {
  ByteReader r{tpdu};
  auto first = r.u8();
  if (!first) {
    c.anomaly(Anomaly::SmsTpduTruncated);
    return false;
  }
  t = SmsTpdu{};
  t.mti = *first & 0x03;
  t.udhi = (*first & 0x40) != 0;
  static constexpr SmsKind kToMs[4] = {SmsKind::Deliver, SmsKind::SubmitReport,
                                       SmsKind::StatusReport, SmsKind::Deliver};
  static constexpr SmsKind kToSc[4] = {SmsKind::DeliverReport, SmsKind::Submit, SmsKind::Command,
                                       SmsKind::Submit};
  t.kind = ms_to_sc ? kToSc[t.mti] : kToMs[t.mti];
  if (t.kind != SmsKind::Deliver && t.kind != SmsKind::Submit) return true;
  if (t.kind == SmsKind::Submit) {
    auto mr = r.u8();
    if (!mr) {
      c.anomaly(Anomaly::SmsTpduTruncated);
      return false;
    }
    t.mr = *mr;
  }
  if (!read_address(r, t.addr, c)) return false;
  auto pid = r.u8();
  auto dcs = r.u8();
  if (!pid || !dcs) {
    c.anomaly(Anomaly::SmsTpduTruncated);
    return true;
  }
  t.pid = *pid;
  t.dcs = *dcs;
  t.charset = sms_charset(t.dcs);
  size_t skip = 7;  // SMS-DELIVER: TP-SCTS
  if (t.kind == SmsKind::Submit) {
    uint8_t vpf = (*first >> 3) & 0x03;
    skip = vpf == 0 ? 0 : vpf == 2 ? 1 : 7;
  }
  auto udl = r.skip(skip) ? r.u8() : std::nullopt;
  if (!udl) {
    c.anomaly(Anomaly::SmsTpduTruncated);
    return true;
  }
  t.udl = *udl;
  size_t ud_octets = t.charset == SmsCharset::Gsm7 ? septet_octets(t.udl) : t.udl;
  if (ud_octets > r.remaining()) {
    c.anomaly(Anomaly::SmsUdlInvalid);
    // Keep what is there: the text decoders stop at the end of the bytes.
    ud_octets = r.remaining();
    if (t.charset != SmsCharset::Gsm7) t.udl = uint8_t(ud_octets);
  }
  t.ud = *r.bytes(ud_octets);
  if (t.udhi) parse_udh(t, c);
  if (t.charset == SmsCharset::Compressed) {
    c.anomaly(Anomaly::SmsCompressed);
    return true;
  }
  locate_text(t, c);
  return true;
}

size_t sms_text_utf8(const SmsTpdu& t, char* out, size_t cap, DecodeCounters& c) {
  if (!t.has_text) return 0;
  switch (t.charset) {
    case SmsCharset::Gsm7:
      return gsm7_to_utf8(t.ud, t.text_skip_bits, t.text_septets, out, cap);
    case SmsCharset::Ucs2: {
      Ucs2Result u = ucs2_to_utf8(t.text_octets, out, cap);
      if (u.invalid) c.anomaly(Anomaly::SmsUcs2Invalid);
      return u.written;
    }
    case SmsCharset::Data8: {
      size_t n = 0;
      for (uint8_t b : t.text_octets) {
        size_t w = put_utf8(b, out + n, cap - n);
        if (!w) break;
        n += w;
      }
      return n;
    }
    default: return 0;
  }
}

size_t sms_text_utf8_bound(const SmsTpdu& t) {
  if (!t.has_text) return 0;
  switch (t.charset) {
    case SmsCharset::Gsm7: return t.text_septets * kUtf8PerSeptet;
    case SmsCharset::Ucs2: return t.text_octets.size() / 2 * kUtf8PerUcs2;  // a pair: 4 from 2 units
    case SmsCharset::Data8: return t.text_octets.size() * 2;                 // Latin-1 above 0x7F
    default: return 0;
  }
}

size_t sms_address_utf8(const SmsAddress& a, char* out, size_t cap) {
  if (!a.present) return 0;
  if (a.alphanumeric()) return gsm7_to_utf8(a.value, 0, size_t(a.n_semi) * 4 / 7, out, cap);
  return tbcd_digits(a.value.first(std::min(a.value.size(), size_t(a.n_semi + 1) / 2)), out,
                     std::min(cap, size_t(a.n_semi)));
}

size_t ussd_text_utf8(uint8_t dcs, Bytes s, char* out, size_t cap, DecodeCounters& c) {
  bool lang = false;
  SmsCharset cs = ussd_charset(dcs, lang);
  if (cs == SmsCharset::Ucs2) {
    Bytes body = lang && s.size() >= 2 ? s.subspan(2) : s;
    Ucs2Result u = ucs2_to_utf8(body, out, cap);
    if (u.invalid) c.anomaly(Anomaly::UssdInvalid);
    return u.written;
  }
  if (cs != SmsCharset::Gsm7) {
    c.anomaly(Anomaly::UssdInvalid);
    return 0;
  }
  size_t septets = s.size() * 8 / 7;
  // TS 23.038 6.1.2.3.1: 7 spare bits at the end are filled with CR.
  if (septets && (s.size() * 8) % 7 == 0 && (s.back() >> 1) == kCr) --septets;
  size_t skip = lang ? 3 * 7 : 0;
  if (lang && septets >= 3) septets -= 3;
  return gsm7_to_utf8(s, skip, septets, out, cap);
}

}  // namespace sigprobe::ss7
