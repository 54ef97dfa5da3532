#include "host/detect/callback_numbers.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "host/rules/ascii_form.hpp"

namespace sigprobe::detect {
namespace {

using rules::ascii_form_at;
using rules::AsciiForm;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The number a run of digits is, by its shape; empty when none. national:
// the run is a national number (national_forms may give its international form).
std::string number_of(const std::string& d, bool plus, bool& national) {
  national = false;
  const size_t n = d.size();
  if (plus) return n >= 8 && n <= 15 ? d : std::string();
  if (n == 11 && d[0] == '1' && d[1] >= '3') {
    national = true;
    return d;
  }
  if (n == 13 && d.starts_with("861") && d[3] >= '3') return d;
  if (n == 10 && (d.starts_with("400") || d.starts_with("800"))) return d;
  if (d.starts_with("00")) return n >= 10 && n <= 17 ? d.substr(2) : std::string();
  if (d[0] == '0' && n >= 10 && n <= 12) {
    national = true;
    return d;
  }
  return {};
}

// Bytes that may start a number: an ASCII digit or '+', or 0xEF, the lead
// byte of a full-width one. No other byte, nor any byte inside a multi-byte
// character, can: the search skips to the next of these (most of a Chinese
// text is none; perf had the byte-by-byte walk at 8 % of a scam text
// campaign's time, bench/detect BM_TextsOfScamSender).
constexpr std::array<bool, 256> make_may_start() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[size_t(c)] = true;
  t[size_t('+')] = t[0xEF] = true;
  return t;
}
constexpr std::array<bool, 256> kMayStart = make_may_start();

// The ASCII form of the character that ends just before s[i] (0 at the
// start). The forms ascii_form_at() reads are 3 or 2 bytes whose lead byte is
// never a later byte of another, so reading back finds the same characters
// as reading forward.
char char_before(std::string_view s, size_t i) {
  if (i == 0) return 0;
  if (i >= 3)
    if (const AsciiForm f = ascii_form_at(s, i - 3); f.len == 3) return f.c;
  if (i >= 2)
    if (const AsciiForm f = ascii_form_at(s, i - 2); f.len == 2) return f.c;
  return s[i - 1];
}

}  // namespace

std::vector<CallbackNumber> callback_numbers(std::string_view text,
                                             std::span<const rules::Settings::NationalForm> forms) {
  std::vector<CallbackNumber> out;
  for (size_t i = 0; i < text.size() && out.size() < kMaxCallbackNumbers;) {
    if (!kMayStart[uint8_t(text[i])]) {
      ++i;
      continue;
    }
    AsciiForm c = ascii_form_at(text, i);
    const char before = char_before(text, i);
    const bool starts = (is_digit(c.c) || c.c == '+') && !is_alnum(before) && before != '.' && before != '+';
    if (!starts) {
      i += c.len;
      continue;
    }
    // The run: an optional '+', then digits, a single '-' or blank between two digits.
    const size_t begin = i;
    bool plus = false;
    if (c.c == '+') {
      plus = true;
      i += c.len;
      c = i < text.size() ? ascii_form_at(text, i) : AsciiForm{0, 0};
      if (!is_digit(c.c)) continue;
    }
    // A blank joins groups of at most 4 digits (138 0013 8000), not two
    // numbers written side by side.
    std::string digits;
    size_t end = i, group = 0;
    while (i < text.size()) {
      c = ascii_form_at(text, i);
      if (is_digit(c.c)) {
        digits += c.c;
        ++group;
        i += c.len;
        end = i;
        continue;
      }
      const bool joins = c.c == '-' || (c.c == ' ' && group <= 4);
      if (joins && i + c.len < text.size() && is_digit(ascii_form_at(text, i + c.len).c)) {
        group = 0;
        i += c.len;
        continue;
      }
      break;
    }
    const char after = end < text.size() ? ascii_form_at(text, end).c : 0;
    const bool decimal = after == '.' && end + 1 < text.size() && is_digit(ascii_form_at(text, end + 1).c);
    i = end;
    if (is_alnum(after) || decimal) continue;
    bool national = false;
    std::string number = number_of(digits, plus, national);
    if (number.empty()) continue;
    CallbackNumber cb;
    cb.written = std::string(text.substr(begin, end - begin));
    if (national) {
      if (std::optional<std::string> intl = rules::international_form(forms, number)) {
        cb.national = std::move(number);
        number = std::move(*intl);
      }
    }
    cb.number = std::move(number);
    if (std::none_of(out.begin(), out.end(), [&](const CallbackNumber& o) { return o.number == cb.number; }))
      out.push_back(std::move(cb));
  }
  return out;
}

}  // namespace sigprobe::detect
