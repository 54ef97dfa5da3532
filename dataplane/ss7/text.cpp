#include "dataplane/ss7/text.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace sigprobe::ss7 {
namespace {

// TS 23.038 section 6.2.1: the GSM 7-bit default alphabet, as Unicode.
// 0x1B is the escape to the extension table (never printed itself).
constexpr std::array<uint16_t, 128> kGsm7Default{
    0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,  // @ £ $ ¥ è é ù ì
    0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,  // ò Ç LF Ø ø CR Å å
    0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,  // Δ _ Φ Γ Λ Ω Π Ψ
    0x03A3, 0x0398, 0x039E, 0x00A0, 0x00C6, 0x00E6, 0x00DF, 0x00C9,  // Σ Θ Ξ ESC Æ æ ß É
    0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,  //   ! " # ¤ % & '
    0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
    0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
    0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,  // ¡ A..
    0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
    0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
    0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,  // ..Z Ä Ö Ñ Ü §
    0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,  // ¿ a..
    0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
    0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
    0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,  // ..z ä ö ñ ü à
};
constexpr uint8_t kGsm7Escape = 0x1B;

// TS 23.038 section 6.2.1.1: the default extension table (code -> Unicode).
struct ExtChar {
  uint8_t code;
  uint16_t cp;
};
constexpr std::array<ExtChar, 10> kGsm7Extension{{
    {0x0A, 0x000C},  // form feed (page break)
    {0x14, 0x005E},  // ^
    {0x28, 0x007B},  // {
    {0x29, 0x007D},  // }
    {0x2F, 0x005C},  // backslash
    {0x3C, 0x005B},  // [
    {0x3D, 0x007E},  // ~
    {0x3E, 0x005D},  // ]
    {0x40, 0x007C},  // |
    {0x65, 0x20AC},  // euro sign
}};

uint16_t gsm7_extension(uint8_t code) {
  for (const ExtChar& e : kGsm7Extension)
    if (e.code == code) return e.cp;
  return kGsm7Default[code];
}

// The default alphabet as UTF-8, built once at compile time: the hot loop
// copies bytes instead of encoding code points.
struct Utf8Char {
  uint8_t len = 0;
  char b[3] = {};
};
constexpr std::array<Utf8Char, 128> make_gsm7_utf8() {
  std::array<Utf8Char, 128> t{};
  for (size_t i = 0; i < 128; ++i) {
    uint32_t cp = kGsm7Default[i];
    if (cp < 0x80) {
      t[i] = {1, {char(cp), 0, 0}};
    } else if (cp < 0x800) {
      t[i] = {2, {char(0xC0 | (cp >> 6)), char(0x80 | (cp & 0x3F)), 0}};
    } else {
      t[i] = {3, {char(0xE0 | (cp >> 12)), char(0x80 | ((cp >> 6) & 0x3F)), char(0x80 | (cp & 0x3F))}};
    }
  }
  return t;
}
constexpr std::array<Utf8Char, 128> kGsm7Utf8 = make_gsm7_utf8();

// The default alphabet where a character is one UTF-8 byte (ASCII), else 0
// (escape, and the characters that need 2 or 3 bytes): lets the fast path
// below tell at once whether a whole group of 8 septets is plain ASCII.
constexpr std::array<uint8_t, 128> make_gsm7_ascii() {
  std::array<uint8_t, 128> t{};
  for (size_t i = 0; i < 128; ++i)
    if (i != kGsm7Escape && kGsm7Utf8[i].len == 1) t[i] = uint8_t(kGsm7Utf8[i].b[0]);
  return t;
}
constexpr std::array<uint8_t, 128> kGsm7Ascii = make_gsm7_ascii();

// 8 bytes of b from byte `at` as a little-endian word (the caller checked
// that they are there). memcpy: GCC 12 does not fuse the byte-by-byte form
// into one load (measured: the group loop ran 40% slower).
uint64_t load_le64(Bytes b, size_t at) {
  uint64_t v;
  std::memcpy(&v, b.data() + at, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

void store_le64(uint64_t v, char* out) {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  std::memcpy(out, &v, sizeof v);
}

// The 56 bits of eight septets (first septet in the low bits) spread one
// septet per byte, first in the low byte: halves, quarters, then eighths.
uint64_t unpack_septets(uint64_t v) {
  v = (v & 0x0FFFFFFFull) | (v >> 28 & 0x0FFFFFFFull) << 32;
  v = (v & 0x00003FFF00003FFFull) | (v >> 14 & 0x00003FFF00003FFFull) << 16;
  return (v & 0x007F007F007F007Full) | (v >> 7 & 0x007F007F007F007Full) << 8;
}

// High bit of each byte set when the septet (each byte < 0x80) is its own
// ASCII code: the default alphabet agrees with ASCII on ' '..'?' except 0x24
// (currency sign), on 'A'..'Z' and on 'a'..'z' (TS 23.038 6.2.1). LF, CR
// and the characters that map to other ASCII codes take the table below.
// Per byte, (x | 0x80) - c keeps its high bit exactly when x >= c (c <= 0x80,
// so no borrow leaves the byte); the low bits are don't-care until the final
// mask. Letters are tested case-folded (x | 0x20).
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;
uint64_t bytes_ascii_identity(uint64_t w) {
  uint64_t high = w | kHighs, folded = high | kOnes * 0x20;
  uint64_t not_currency = ((w ^ kOnes * 0x24) | kHighs) - kOnes;
  uint64_t punct_digits = (high - kOnes * 0x20) & ~(high - kOnes * 0x40) & not_currency;
  uint64_t letters = (folded - kOnes * 0x61) & ~(folded - kOnes * 0x7B);
  return (punct_digits | letters) & kHighs;
}

// k (1..8) packed septets (the first in the low bits) as ASCII bytes in a
// word (first character in the low byte; bytes past k are don't-care), or 0
// when one of them is not plain ASCII (or is the escape). Word-wide test
// first; the table only for groups with '@', '_', LF...
uint64_t gsm7_ascii_word(uint64_t packed, size_t k) {
  uint64_t septets = unpack_septets(packed);
  uint64_t lanes = kHighs >> (8 * (8 - k));  // the high bits of the k low bytes
  if ((bytes_ascii_identity(septets) & lanes) == lanes) return septets;
  uint64_t word = 0;
  for (unsigned j = 0; j < k; ++j) {
    uint8_t a = kGsm7Ascii[(septets >> (8 * j)) & 0x7F];
    if (!a) return 0;
    word |= uint64_t(a) << (8 * j);
  }
  return word;
}

// Eight septets starting `bit` into b (bytes bit/8 .. bit/8 + 7 present: 57
// bits after the shift hold the 56 of the group).
uint64_t gsm7_ascii_group(Bytes b, size_t bit) { return gsm7_ascii_word(load_le64(b, bit / 8) >> (bit % 8), 8); }

// The last k (< 8) septets of a text, starting `bit` into b and inside it,
// where fewer than 8 bytes may be left: loaded byte by byte (once per text).
uint64_t gsm7_ascii_tail(Bytes b, size_t bit, size_t k) {
  uint64_t packed = 0;
  for (size_t at = bit / 8, j = 0; at < b.size() && j < 8; ++at, ++j) packed |= uint64_t(b[at]) << (8 * j);
  return gsm7_ascii_word(packed >> (bit % 8), k);
}

uint8_t septet_at(Bytes b, size_t bit) {
  size_t byte = bit / 8, shift = bit % 8;
  unsigned v = b[byte] >> shift;
  if (shift > 1 && byte + 1 < b.size()) v |= unsigned(b[byte + 1]) << (8 - shift);
  return uint8_t(v & 0x7F);
}

}  // namespace

size_t put_utf8(uint32_t cp, char* out, size_t cap) {
  if (cp < 0x80) {
    if (cap < 1) return 0;
    out[0] = char(cp);
    return 1;
  }
  if (cp < 0x800) {
    if (cap < 2) return 0;
    out[0] = char(0xC0 | (cp >> 6));
    out[1] = char(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    if (cap < 3) return 0;
    out[0] = char(0xE0 | (cp >> 12));
    out[1] = char(0x80 | ((cp >> 6) & 0x3F));
    out[2] = char(0x80 | (cp & 0x3F));
    return 3;
  }
  if (cap < 4) return 0;
  out[0] = char(0xF0 | (cp >> 18));
  out[1] = char(0x80 | ((cp >> 12) & 0x3F));
  out[2] = char(0x80 | ((cp >> 6) & 0x3F));
  out[3] = char(0x80 | (cp & 0x3F));
  return 4;
}

namespace {

// Both digits of an octet, low nibble first, as two characters: one lookup
// and one 2-byte copy per octet instead of two (measured: tbcd + bcd were
// ~600 of ~4000 instructions per benchmark message).
using DigitPair = std::array<char, 2>;
constexpr std::array<DigitPair, 256> make_digit_pairs(const char* alphabet) {
  std::array<DigitPair, 256> t{};
  for (size_t i = 0; i < 256; ++i) t[i] = {alphabet[i & 0xF], alphabet[i >> 4]};
  return t;
}
constexpr char kTbcdAlphabet[] = "0123456789*#abc?";  // 0xF (filler) never printed
constexpr char kHexAlphabet[] = "0123456789abcdef";
constexpr std::array<DigitPair, 256> kTbcdPairs = make_digit_pairs(kTbcdAlphabet);
constexpr std::array<DigitPair, 256> kBcdPairs = make_digit_pairs(kHexAlphabet);

}  // namespace

size_t tbcd_digits(Bytes b, char* out, size_t cap) {
  size_t n = 0;
  for (uint8_t byte : b) {
    unsigned lo = byte & 0xF, hi = byte >> 4;
    if (lo == 0xF || n == cap) return n;
    if (hi == 0xF || n + 1 == cap) {
      out[n++] = kTbcdAlphabet[lo];
      return n;
    }
    std::memcpy(out + n, kTbcdPairs[byte].data(), 2);
    n += 2;
  }
  return n;
}

size_t bcd_digits(Bytes b, size_t n_digits, char* out, size_t cap) {
  size_t n = std::min({n_digits, cap, b.size() * 2});
  // Two signals per octet, then the odd one (low nibble) at the end.
  for (size_t i = 0; i + 1 < n; i += 2) std::memcpy(out + i, kBcdPairs[b[i / 2]].data(), 2);
  if (n & 1) out[n - 1] = kHexAlphabet[b[n / 2] & 0xF];
  return n;
}

size_t gsm7_to_utf8(Bytes b, size_t skip_bits, size_t septets, char* out, size_t cap) {
  size_t n = 0;
  bool escaped = false;
  for (size_t i = 0; i < septets; ++i) {
    size_t bit = skip_bits + 7 * i;
    // Fast path: 8 plain ASCII characters at a time (most SMS text). Any
    // group with an escape or a non-ASCII character goes one by one below.
    while (!escaped && septets - i >= 8 && bit / 8 + 8 <= b.size() && cap - n >= 8) {
      uint64_t word = gsm7_ascii_group(b, bit);
      if (!word) break;
      store_le64(word, out + n);
      n += 8;
      i += 8;
      bit += 56;
    }
    if (i == septets) break;
    if (bit + 7 > b.size() * 8) break;
    // The text's last few characters in one go (measured: the 6 left of the
    // benchmark's 110 cost a fifth of the text's time one by one).
    if (size_t k = septets - i; !escaped && k < 8 && bit + 7 * k <= b.size() * 8 && cap - n >= k) {
      if (uint64_t word = gsm7_ascii_tail(b, bit, k)) {
        for (size_t j = 0; j < k; ++j) out[n + j] = char(word >> (8 * j));
        return n + k;
      }
    }
    uint8_t s = septet_at(b, bit);
    if (escaped) {
      escaped = false;
      size_t w = put_utf8(gsm7_extension(s), out + n, cap - n);
      if (!w) break;
      n += w;
      continue;
    }
    if (s == kGsm7Escape) {
      escaped = true;
      continue;
    }
    const Utf8Char& u = kGsm7Utf8[s];
    if (cap - n < u.len) break;
    for (uint8_t k = 0; k < u.len; ++k) out[n + k] = u.b[k];
    n += u.len;
  }
  return n;
}

Ucs2Result ucs2_to_utf8(Bytes b, char* out, size_t cap) {
  Ucs2Result r;
  if (b.size() % 2) r.invalid = true;
  size_t units = b.size() / 2;
  for (size_t i = 0; i < units; ++i) {
    uint32_t u = uint32_t(b[2 * i]) << 8 | b[2 * i + 1];
    uint32_t cp = u;
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
      uint32_t lo = uint32_t(b[2 * i + 2]) << 8 | b[2 * i + 3];
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        ++i;
      } else {
        cp = 0xFFFD;
        r.invalid = true;
      }
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      cp = 0xFFFD;
      r.invalid = true;
    }
    size_t w = put_utf8(cp, out + r.written, cap - r.written);
    if (!w) break;
    r.written += w;
  }
  return r;
}

}  // namespace sigprobe::ss7
