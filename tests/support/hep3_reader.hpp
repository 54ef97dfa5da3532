// An independent reading of a HEP3 packet for the tests (not the encoder's
// code): chunk type -> value, empty when the packet is not well formed.
// Header-only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace sigprobe::testing {

inline std::map<uint16_t, std::string> parse_hep3(std::string_view b) {
  std::map<uint16_t, std::string> chunks;
  if (b.size() < 6 || b.substr(0, 4) != "HEP3") return chunks;
  size_t total = size_t(uint8_t(b[4])) << 8 | uint8_t(b[5]);
  if (total != b.size()) return chunks;
  for (size_t at = 6; at + 6 <= b.size();) {
    uint16_t vendor = uint16_t(uint8_t(b[at]) << 8 | uint8_t(b[at + 1]));
    uint16_t type = uint16_t(uint8_t(b[at + 2]) << 8 | uint8_t(b[at + 3]));
    size_t len = size_t(uint8_t(b[at + 4])) << 8 | uint8_t(b[at + 5]);
    if (len < 6 || at + len > b.size() || vendor != 0) return {};
    chunks[type] = std::string(b.substr(at + 6, len - 6));
    at += len;
  }
  return chunks;
}

}  // namespace sigprobe::testing
