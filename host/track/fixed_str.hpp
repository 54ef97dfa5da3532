// FixedStr<N>: a string copied into a fixed array (truncated at N bytes), so
// records in the tracking tables hold their numbers without allocating.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sigprobe::track {

template <size_t N>
struct FixedStr {
  char data[N] = {};
  uint8_t len = 0;
  static_assert(N < 256);

  FixedStr() = default;
  FixedStr(std::string_view s) { assign(s); }  // NOLINT: implicit by design
  void assign(std::string_view s) {
    len = uint8_t(s.size() < N ? s.size() : N);
    std::memcpy(data, s.data(), len);
  }
  std::string_view view() const { return {data, len}; }
  bool empty() const { return len == 0; }
  bool operator==(const FixedStr& o) const { return view() == o.view(); }
};

// Digits written by hand into out (room for 10 / 8 chars), returning the
// count: "%u" and "%x". snprintf was a measurable share of the cost of a call
// and of a TCAP Begin in bench/detect (BM_TrackDetect).
inline size_t write_dec(char* out, uint32_t v) {
  char tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = char('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}
inline size_t write_hex(char* out, uint32_t v) {
  char tmp[8];
  size_t n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v & 0xf];
    v >>= 4;
  } while (v);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

// FNV-1a, 64 bit: keys of the tracking tables and of the rate stage.
constexpr uint64_t kFnvOffset = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
inline uint64_t hash_bytes(std::string_view s, uint64_t h = kFnvOffset) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}
inline uint64_t hash_u64(uint64_t v, uint64_t h = kFnvOffset) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= kFnvPrime;
  }
  return h;
}

}  // namespace sigprobe::track
