#include "dataplane/ss7/ber.hpp"


namespace sigprobe::ss7 {
namespace {

constexpr size_t kMaxLengthOctets = 4;
constexpr size_t kMaxTagOctets = 4;

// Length of the contents of an indefinite-length element starting at r's
// position: walks the nested elements until the end-of-contents octets.
std::optional<size_t> indefinite_extent(ByteReader r, DecodeCounters& c, int depth) {
  size_t start = r.pos();
  while (true) {
    auto a = r.peek_u8(0), b = r.peek_u8(1);
    if (!a || !b) {
      c.anomaly(Anomaly::BerTruncated);
      return std::nullopt;
    }
    if (*a == 0 && *b == 0) return r.pos() - start;
    if (!ber_read(r, c, depth + 1)) return std::nullopt;
  }
}

}  // namespace

std::optional<Tlv> ber_read_any(ByteReader& r, DecodeCounters& c, int depth) {
  if (depth > kBerMaxDepth) {
    c.anomaly(Anomaly::BerTooDeep);
    return std::nullopt;
  }
  ByteReader t = r;
  auto id = t.u8();
  if (!id) {
    c.anomaly(Anomaly::BerTruncated);
    return std::nullopt;
  }
  Tlv tlv;
  tlv.id = *id;
  tlv.constructed = (*id & 0x20) != 0;
  tlv.number = *id & 0x1F;
  if (tlv.number == 0x1F) {
    tlv.number = 0;
    for (size_t i = 0;; ++i) {
      auto b = t.u8();
      if (!b) {
        c.anomaly(Anomaly::BerTruncated);
        return std::nullopt;
      }
      if (i == kMaxTagOctets) {
        c.anomaly(Anomaly::BerTagTooLong);
        return std::nullopt;
      }
      tlv.number = tlv.number << 7 | (*b & 0x7F);
      if (!(*b & 0x80)) break;
    }
  }
  auto l0 = t.u8();
  if (!l0) {
    c.anomaly(Anomaly::BerTruncated);
    return std::nullopt;
  }
  size_t len = 0;
  if (*l0 == 0x80) {
    if (!tlv.constructed) {
      c.anomaly(Anomaly::BerLengthInvalid);
      return std::nullopt;
    }
    auto ext = indefinite_extent(t, c, depth);
    if (!ext) return std::nullopt;
    tlv.indefinite = true;
    tlv.value = *t.bytes(*ext);
    t.skip(2);
    r = t;
    return tlv;
  }
  if (*l0 & 0x80) {
    size_t n = *l0 & 0x7F;
    if (n > kMaxLengthOctets) {
      c.anomaly(Anomaly::BerLengthInvalid);
      return std::nullopt;
    }
    for (size_t i = 0; i < n; ++i) {
      auto b = t.u8();
      if (!b) {
        c.anomaly(Anomaly::BerTruncated);
        return std::nullopt;
      }
      len = len << 8 | *b;
    }
  } else {
    len = *l0;
  }
  auto v = t.bytes(len);
  if (!v) {
    c.anomaly(Anomaly::BerTruncated);
    return std::nullopt;
  }
  tlv.value = *v;
  r = t;
  return tlv;
}

namespace {
// Decimal digits of x at out (no terminator); 0 when it does not fit.
size_t put_decimal(uint64_t x, char* out, size_t cap) {
  if (x < 10 && cap) {  // most arcs of application contexts (0.4.0.0.1.0.x.v)
    out[0] = char('0' + x);
    return 1;
  }
  char tmp[20];
  size_t n = 0;
  do {
    tmp[n++] = char('0' + x % 10);
    x /= 10;
  } while (x);
  if (n > cap) return 0;
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}
}  // namespace

size_t ber_oid_text(Bytes v, char* out, size_t cap) {
  size_t n = 0;
  uint64_t arc = 0;
  bool first = true;
  size_t arc_octets = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    arc = arc << 7 | (v[i] & 0x7F);
    if (++arc_octets > 9) return 0;
    if (v[i] & 0x80) continue;
    if (first) {
      // The first subidentifier joins the first two arcs (X.690 8.19.4).
      uint64_t x = arc < 80 ? arc / 40 : 2;
      size_t w = put_decimal(x, out + n, cap - n);
      if (!w || n + w + 1 > cap) return 0;
      n += w;
      out[n++] = '.';
      w = put_decimal(arc - 40 * x, out + n, cap - n);
      if (!w) return 0;
      n += w;
      first = false;
    } else {
      if (n + 1 > cap) return 0;
      out[n++] = '.';
      size_t w = put_decimal(arc, out + n, cap - n);
      if (!w) return 0;
      n += w;
    }
    arc = 0;
    arc_octets = 0;
  }
  if (arc_octets) return 0;  // last arc unterminated
  return n;
}

}  // namespace sigprobe::ss7
