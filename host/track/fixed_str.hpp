// FixedStr<N>: a string copied into a fixed array (truncated at N bytes), so
// records in the tracking tables hold their numbers without allocating.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
    if (len) std::memcpy(data, s.data(), len);  // an empty view may have no data (memcpy's null is UB)
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
// Keys of the tracking tables that never reach the output (Call-IDs, numbers,
// IMSIs): 8 bytes per step where FNV-1a takes one (a multiply per byte was
// the cost of a Call-ID or number key in bench/detect). Each word is mixed by
// a multiply and a shift. The last 1..8 bytes are read as the end of an
// 8-byte word (overlapping the word before, whose bytes are shifted out), so
// nothing past the end is read; keys shorter than 8 bytes go byte by byte.
inline uint64_t hash_key(std::string_view s, uint64_t seed) {
  constexpr uint64_t kMul = 0xbf58476d1ce4e5b9ull;
  uint64_t h = seed ^ (uint64_t(s.size()) * 0x9e3779b97f4a7c15ull);
  const char* p = s.data();
  size_t n = s.size();
  auto mix = [&](uint64_t w) {
    h = (h ^ w) * kMul;
    h ^= h >> 31;
  };
  if (n >= 8) {
    for (; n > 8; p += 8, n -= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      mix(w);
    }
    uint64_t w;  // the last 1..8 bytes, as the tail of the last 8
    std::memcpy(&w, p + n - 8, 8);
    mix(w >> (8 * (8 - n)));
  } else if (n > 0) {
    uint64_t w = 0;
    for (size_t i = 0; i < n; ++i) w |= uint64_t(uint8_t(p[i])) << (8 * i);
    mix(w);
  }
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 29);
}

inline uint64_t hash_u64(uint64_t v, uint64_t h = kFnvOffset) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= kFnvPrime;
  }
  return h;
}

// The first i >= from with h[i] == key, else n: for the lists that keep a
// hash per number beside the numbers (contact lists, a flagged line's callers,
// a flagged group's numbers), so that a lookup reads 8 bytes a number. Eight
// hashes a step (SSE2 has no 64-bit compare: two 32-bit halves, both equal),
// then the step's matches one by one. A bulk caller's or sender's contact list
// is at its bound (512) and each new callee is looked for in all of it: perf on
// a scam text campaign put 8 % of the run on the scalar loop (bench/detect
// BM_TextsOfScamSender).
inline size_t find_hash(const uint64_t* h, size_t n, uint64_t key, size_t from = 0) {
  size_t i = from;
#if defined(__SSE2__)
  const __m128i k = _mm_set1_epi64x(int64_t(key));
  auto equal = [&](size_t j) {
    const __m128i e = _mm_cmpeq_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + j)), k);
    return _mm_and_si128(e, _mm_shuffle_epi32(e, _MM_SHUFFLE(2, 3, 0, 1)));
  };
  for (; i + 8 <= n; i += 8) {
    const __m128i any = _mm_or_si128(_mm_or_si128(equal(i), equal(i + 2)), _mm_or_si128(equal(i + 4), equal(i + 6)));
    if (_mm_movemask_epi8(any) == 0) continue;
    for (size_t j = i; j < i + 8; ++j)
      if (h[j] == key) return j;
  }
#endif
  for (; i < n; ++i)
    if (h[i] == key) return i;
  return n;
}

}  // namespace sigprobe::track
