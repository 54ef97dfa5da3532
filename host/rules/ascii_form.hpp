// Full-width forms a text typed on a Chinese system holds (U+FF08 "（" to
// U+FF19 "９": parentheses, "＊", "＋", "，", "－", "．", "／", digits; U+3000,
// the ideographic space) and the no-break space a copied spreadsheet cell
// brings, read as their ASCII characters: police lists (rules_loader.cpp) and
// the numbers of scam texts (host/detect/callback_numbers.hpp) write them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sigprobe::rules {

struct AsciiForm {
  char c;      // the ASCII character, or the byte itself when it is none of those forms
  size_t len;  // bytes of s it takes (1 for any other byte)
};

// The character at s[i] (i < s.size()).
inline AsciiForm ascii_form_at(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return uint8_t(s[k]); };
  if (i + 2 < s.size() && b(i) == 0xEF && b(i + 1) == 0xBC && b(i + 2) >= 0x88 && b(i + 2) <= 0x99)
    return {char(b(i + 2) - 0x88 + '('), 3};
  if (i + 2 < s.size() && b(i) == 0xE3 && b(i + 1) == 0x80 && b(i + 2) == 0x80) return {' ', 3};
  if (i + 1 < s.size() && b(i) == 0xC2 && b(i + 1) == 0xA0) return {' ', 2};
  return {s[i], 1};
}

}  // namespace sigprobe::rules
