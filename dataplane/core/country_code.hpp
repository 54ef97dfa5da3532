// The link's country code, as decoding (DecoderConfig), the rules
// (settings.country_code) and the command line (decode --country-code) take it.
#pragma once
#include <string_view>

namespace sigprobe {

// An E.164 country code (ITU-T E.164 6.2.1): 1 to 3 digits, the first not 0.
constexpr bool is_country_code(std::string_view cc) {
  if (cc.empty() || cc.size() > 3 || cc[0] == '0') return false;
  for (char ch : cc)
    if (ch < '0' || ch > '9') return false;
  return true;
}

}  // namespace sigprobe
