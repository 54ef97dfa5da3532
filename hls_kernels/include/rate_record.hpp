// Records and constants of the rate stage, shared by the rate kernel, its
// C-simulation and the host backends (cpu, csim, fpga). C++14 subset: it is
// included by kernel sources that Vitis HLS compiles.
//
// Semantics (every backend implements exactly this; see also
// host/offload/engines.hpp):
//  - A spec's window W is split into kRateSlots slots of slot_ns = W / kRateSlots
//    (at least 1 ns). A sample falls in slot epoch = ts_ns / slot_ns.
//  - Per (spec, key) the table keeps the last kRateSlots epochs: a count
//    (saturating at 65535) and a 64-bit bitmap of values per slot.
//  - count = samples of the key in the current slot and the kRateSlots-1
//    slots before it, this sample included.
//  - distinct = linear-counting estimate from the OR of the slot bitmaps:
//    value 0 sets no bit; other values set bit (mix64(value) >> 58);
//    distinct = kDistinctEstimate[popcount] (an estimate, see the table).
//  - A sample older than the key's newest sample is counted in the key's
//    newest slot (time never goes back for a key).
//  - Keys live in a set-associative table (kRateWays ways per set). A new key
//    takes the first empty way, else replaces the way with the oldest last
//    sample (lowest way on ties); the evicted key starts again from zero.
#pragma once
#include <stdint.h>

namespace sigprobe {
namespace hlsk {

static const unsigned kRateSlots = 16;       // slots per window
static const unsigned kRateWays = 8;         // ways per set
static const unsigned kRateMaxSpecs = 256;   // spec table size on the card
static const uint32_t kSlotCountMax = 65535; // a slot count saturates here

// 64-bit finaliser (the one from SplitMix64): spreads key and value hashes.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

// Slot width of a window: W / kRateSlots, at least 1 ns.
inline uint64_t rate_slot_ns(uint64_t window_ns) {
  uint64_t s = window_ns / kRateSlots;
  return s == 0 ? 1ull : s;
}

// The set a (spec, key) lives in; sets_log2 <= 32.
inline uint32_t rate_set_of(uint32_t spec_index, uint64_t key, unsigned sets_log2) {
  uint64_t h = mix64(key ^ (uint64_t(spec_index + 1) * 0x9e3779b97f4a7c15ull));
  return sets_log2 == 0 ? 0u : uint32_t(h >> (64 - sets_log2));
}

// Bit of the 64-bit slot bitmap that a (non-zero) value sets.
inline uint64_t rate_value_bit(uint64_t value) {
  return value == 0 ? 0ull : (1ull << (mix64(value) >> 58));
}

// Linear counting with m = 64, inverted for discrete hashing:
// round(ln(1 - p/64) / ln(63/64)) for p set bits, saturating at 255. Measured
// error against exact counts (host/offload/README.md): mean 2% at 4 values,
// 5-9% from 8 to 64; 99% of estimates within 28%; checked by
// tests/host/offload/rate_engine_test.cpp.
static const uint16_t kDistinctEstimate[65] = {
    0,   1,   2,   3,   4,   5,   6,   7,   8,   10,  11,  12,  13,  14,  16,  17,  18,
    20,  21,  22,  24,  25,  27,  28,  30,  31,  33,  35,  37,  38,  40,  42,  44,  46,
    48,  50,  52,  55,  57,  60,  62,  65,  68,  71,  74,  77,  81,  84,  88,  92,  97,
    101, 106, 112, 118, 125, 132, 141, 150, 162, 176, 194, 220, 255, 255};

inline unsigned popcount64(uint64_t x) {
  unsigned n = 0;
  for (unsigned i = 0; i < 64; ++i) n += unsigned((x >> i) & 1u);
  return n;
}

// One spec as the card sees it.
struct RateSpecRecord {
  uint64_t slot_ns;
  uint32_t count_threshold;     // 0 = not used
  uint32_t distinct_threshold;  // 0 = not used
};
static_assert(sizeof(RateSpecRecord) == 16, "RateSpecRecord is 16 bytes");

// One sample (32 bytes, two per 512-bit bus word).
struct RateSampleRecord {
  uint64_t key;
  uint64_t value;
  uint64_t ts_ns;
  uint32_t spec_index;  // index into the spec table (not the caller's id)
  uint32_t item;
};
static_assert(sizeof(RateSampleRecord) == 32, "RateSampleRecord is 32 bytes");

// One result (16 bytes, four per bus word).
struct RateResultRecord {
  uint32_t item;
  uint32_t count;
  uint16_t distinct;
  uint8_t fired;        // bit0 count, bit1 distinct
  uint8_t pad0;
  uint32_t pad1;
};
static_assert(sizeof(RateResultRecord) == 16, "RateResultRecord is 16 bytes");

// One way of the table, in card memory (HBM/DDR).
struct RateEntry {
  uint64_t key;
  uint32_t spec_plus1;  // 0 = empty way
  uint32_t pad;
  uint64_t last_ts_ns;
  uint64_t last_epoch;
  uint16_t counts[kRateSlots];
  uint64_t bits[kRateSlots];
};
static_assert(sizeof(RateEntry) == 192, "RateEntry is 192 bytes (3 bus words)");

}  // namespace hlsk
}  // namespace sigprobe
