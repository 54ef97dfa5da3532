// The phone numbers a scam text asks its reader to call or text back ("请致电
// 400-888-9999", "加微信或拨打13912345678"). A content rule with
// `callback_numbers: true` raises each of them beside the text's sender: the
// scam's own line, whose callers are its victims and, with action block,
// are not put through.
//
// What counts as a number (China's numbering plan, as the operator's texts
// write it; anything else in a text is a code, an amount, a date or an order
// number and is left alone):
//  - a mobile number, 11 digits 1[3-9]..., or 13 with its 86;
//  - a service number, 10 digits 400... or 800...;
//  - a fixed line with its trunk 0: 0, an area code, the number (10-12 digits);
//  - an international number, '+' then 8-15 digits, or 00 then 8-15 digits.
// Digits may be full width (０-９, as scam texts write them to slip past
// keyword filters) and grouped by '-', '－' or a blank (138 0013 8000). A run
// of digits that touches a letter, another digit or a decimal point is none.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/rules/rule_set.hpp"

namespace sigprobe::detect {

struct CallbackNumber {
  std::string number;    // as numbers are compared: digits, international where national_forms gives it
  std::string national;  // the digits as written when `number` is their international form, else empty
  std::string written;   // the text's own bytes
};

inline constexpr size_t kMaxCallbackNumbers = 4;

// At most kMaxCallbackNumbers, in text order, each number once.
std::vector<CallbackNumber> callback_numbers(std::string_view text,
                                             std::span<const rules::Settings::NationalForm> forms);

}  // namespace sigprobe::detect
