// Digit strings and SMS/USSD text: TBCD (TS 29.002), BCD address digits
// (Q.713 / Q.763), GSM 7-bit default alphabet + extension table (TS 23.038)
// and UCS-2, all written as UTF-8 into a buffer the caller owns.
// Pure functions of bytes; each returns the number of bytes written (never
// more than cap).
#pragma once
#include <cstddef>
#include <cstdint>

#include "dataplane/core/byte_reader.hpp"

namespace sigprobe::ss7 {

// Worst-case UTF-8 bytes per GSM septet (the euro sign) and per UCS-2 unit.
inline constexpr size_t kUtf8PerSeptet = 3;
inline constexpr size_t kUtf8PerUcs2 = 3;

// Nibble string, low nibble first; stops at the first 0xF filler. Nibbles
// 0xA..0xE become '*', '#', 'a', 'b', 'c' (TBCD). max_digits caps the output.
size_t tbcd_digits(Bytes b, char* out, size_t cap);

// BCD address signals, low nibble first, exactly n_digits of them (odd/even
// indicator already applied). Signals 0xA..0xF become 'a'..'f'.
size_t bcd_digits(Bytes b, size_t n_digits, char* out, size_t cap);

// Unpacks `septets` GSM 7-bit characters starting `skip_bits` into `b` and
// writes them as UTF-8. An escape followed by an extension code writes the
// extension character; an unknown extension writes the base character.
size_t gsm7_to_utf8(Bytes b, size_t skip_bits, size_t septets, char* out, size_t cap);

struct Ucs2Result {
  size_t written = 0;
  bool invalid = false;  // odd length or unpaired surrogate (U+FFFD written)
};
// Big-endian UTF-16 (UCS-2 with surrogate pairs) to UTF-8.
Ucs2Result ucs2_to_utf8(Bytes b, char* out, size_t cap);

// Writes one code point as UTF-8; returns bytes written (0 when no room).
size_t put_utf8(uint32_t cp, char* out, size_t cap);

}  // namespace sigprobe::ss7
