// The rate kernel's algorithm (C++14 subset for Vitis HLS). Per sample: read
// the kRateWays ways of the key's set from card memory, pick the key's way or
// a victim, slide its 16 slots to the sample's epoch, add the sample, write
// the way back, emit count, distinct estimate and fired bits. Semantics in
// hls_kernels/include/rate_record.hpp.
#pragma once
#include <stdint.h>

#include "hls_kernels/compat/hls_compat.hpp"
#include "hls_kernels/include/rate_record.hpp"

namespace sigprobe {
namespace hlsk {

inline void rate_clear(RateEntry& e) {
  for (unsigned i = 0; i < kRateSlots; ++i) {
    SP_HLS_PRAGMA(HLS UNROLL)
    e.counts[i] = 0;
    e.bits[i] = 0;
  }
}

// Updates the table for one sample and returns its result.
inline RateResultRecord rate_one(const RateSampleRecord& s, const RateSpecRecord* specs, uint32_t n_specs,
                                 RateEntry* table, uint32_t sets_log2) {
  RateResultRecord r;
  r.item = s.item;
  r.count = 0;
  r.distinct = 0;
  r.fired = 0;
  r.pad0 = 0;
  r.pad1 = 0;
  if (s.spec_index >= n_specs) return r;
  const RateSpecRecord spec = specs[s.spec_index];
  const uint32_t set = rate_set_of(s.spec_index, s.key, sets_log2);
  RateEntry* ways = table + uint64_t(set) * kRateWays;
  const uint32_t tag = s.spec_index + 1;
  // Hit, first empty, oldest: one pass over the ways (unrolled in hardware).
  unsigned hit_way = kRateWays, empty_way = kRateWays, old_way = 0;
  for (unsigned w = 0; w < kRateWays; ++w) {
    SP_HLS_PRAGMA(HLS UNROLL)
    if (ways[w].spec_plus1 == tag && ways[w].key == s.key) hit_way = w;
    if (ways[w].spec_plus1 == 0 && empty_way == kRateWays) empty_way = w;
    if (ways[w].last_ts_ns < ways[old_way].last_ts_ns) old_way = w;
  }
  uint64_t epoch = s.ts_ns / spec.slot_ns;
  RateEntry e;
  if (hit_way < kRateWays) {
    e = ways[hit_way];
    if (epoch < e.last_epoch) epoch = e.last_epoch;
    const uint64_t gap = epoch - e.last_epoch;
    for (unsigned i = 0; i < kRateSlots; ++i) {
      SP_HLS_PRAGMA(HLS UNROLL)
      // Slot i holds epoch e.last_epoch - ((e.last_epoch - i) mod 16); it is
      // stale when it is one of the gap slots after last_epoch.
      const uint64_t ahead = (uint64_t(i) + kRateSlots - (e.last_epoch % kRateSlots)) % kRateSlots;
      if (gap >= kRateSlots || (ahead >= 1 && ahead <= gap)) {
        e.counts[i] = 0;
        e.bits[i] = 0;
      }
    }
    if (s.ts_ns > e.last_ts_ns) e.last_ts_ns = s.ts_ns;
  } else {
    e.key = s.key;
    e.spec_plus1 = tag;
    e.pad = 0;
    e.last_ts_ns = s.ts_ns;
    rate_clear(e);
  }
  e.last_epoch = epoch;
  const unsigned slot = unsigned(epoch % kRateSlots);
  if (e.counts[slot] < kSlotCountMax) e.counts[slot] = uint16_t(e.counts[slot] + 1);
  e.bits[slot] |= rate_value_bit(s.value);
  uint32_t count = 0;
  uint64_t bits = 0;
  for (unsigned i = 0; i < kRateSlots; ++i) {
    SP_HLS_PRAGMA(HLS UNROLL)
    count += e.counts[i];
    bits |= e.bits[i];
  }
  const unsigned way = hit_way < kRateWays ? hit_way : (empty_way < kRateWays ? empty_way : old_way);
  ways[way] = e;
  r.count = count;
  r.distinct = kDistinctEstimate[popcount64(bits)];
  r.fired = uint8_t((spec.count_threshold != 0 && count >= spec.count_threshold ? 1u : 0u) |
                    (spec.distinct_threshold != 0 && r.distinct >= spec.distinct_threshold ? 2u : 0u));
  return r;
}

inline void rate_load(const RateSampleRecord* in, uint32_t n, hls::stream<RateSampleRecord>& out) {
  for (uint32_t i = 0; i < n; ++i) {
    SP_HLS_PRAGMA(HLS PIPELINE II = 1)
    out.write(in[i]);
  }
}

inline void rate_update(uint32_t n, hls::stream<RateSampleRecord>& in, const RateSpecRecord* specs,
                        uint32_t n_specs, RateEntry* table, uint32_t sets_log2,
                        hls::stream<RateResultRecord>& out) {
  // Consecutive samples may hit the same set, so the table carries a true
  // dependence from one sample to the next: as written this loop runs at the
  // table's read-modify-write latency, not II=1 (see rate/README.md).
  for (uint32_t i = 0; i < n; ++i) {
    SP_HLS_PRAGMA(HLS PIPELINE)
    out.write(rate_one(in.read(), specs, n_specs, table, sets_log2));
  }
}

inline void rate_store(uint32_t n, hls::stream<RateResultRecord>& in, RateResultRecord* out) {
  for (uint32_t i = 0; i < n; ++i) {
    SP_HLS_PRAGMA(HLS PIPELINE II = 1)
    out[i] = in.read();
  }
}

}  // namespace hlsk
}  // namespace sigprobe
