// Test bench of the rate kernel: random samples over a few keys and specs in
// several runs (state stays on the "card" between runs), compared with a
// naive model that keeps every sample. main() returns the number of errors.
#include <cstdio>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "hls_kernels/include/kernels.hpp"

using namespace sigprobe::hlsk;

namespace {

struct Seen {
  uint64_t epoch;
  uint64_t value;
};

// Every sample of each (spec, key), with its (clamped) epoch.
struct Model {
  std::map<std::pair<uint32_t, uint64_t>, std::vector<Seen>> seen;

  RateResultRecord add(const RateSampleRecord& s, const RateSpecRecord& spec) {
    std::vector<Seen>& v = seen[{s.spec_index, s.key}];
    uint64_t epoch = s.ts_ns / spec.slot_ns;
    if (!v.empty() && epoch < v.back().epoch) epoch = v.back().epoch;
    v.push_back({epoch, s.value});
    uint32_t count = 0;
    uint64_t bits = 0;
    for (const Seen& x : v)
      if (x.epoch + kRateSlots > epoch) {
        ++count;
        bits |= rate_value_bit(x.value);
      }
    RateResultRecord r{};
    r.item = s.item;
    r.count = count;
    r.distinct = kDistinctEstimate[__builtin_popcountll(bits)];
    r.fired = static_cast<uint8_t>((spec.count_threshold && count >= spec.count_threshold ? 1 : 0) |
                                   (spec.distinct_threshold && r.distinct >= spec.distinct_threshold ? 2 : 0));
    return r;
  }
};

}  // namespace

int main() {
  const unsigned sets_log2 = 12;  // 32768 ways: no evictions for 6 keys x 3 specs
  std::vector<RateEntry> table(size_t{kRateWays} << sets_log2);
  for (RateEntry& e : table) e = RateEntry{};
  const RateSpecRecord specs[3] = {{rate_slot_ns(16'000), 5, 3}, {rate_slot_ns(1'000'000), 40, 0}, {1, 0, 8}};
  Model model;
  std::mt19937_64 rng(7);
  uint64_t ts = 0;
  int errors = 0;
  uint32_t item = 0;
  unsigned multi = 0, fired = 0;  // coverage
  for (int run = 0; run < 50; ++run) {
    std::vector<RateSampleRecord> in(200);
    for (RateSampleRecord& s : in) {
      ts += rng() % 3000;
      s.key = rng() % 6;
      s.value = rng() % 12;
      s.spec_index = static_cast<uint32_t>(rng() % 3);
      // Now and then a late sample, behind the key's newest.
      s.ts_ns = (rng() % 20 == 0 && ts > 50'000) ? ts - 50'000 : ts;
      s.item = item++;
    }
    std::vector<RateResultRecord> out(in.size());
    sp_rate(in.data(), static_cast<unsigned>(in.size()), specs, 3, table.data(), sets_log2, out.data());
    for (size_t i = 0; i < in.size(); ++i) {
      const RateResultRecord want = model.add(in[i], specs[in[i].spec_index]);
      multi += want.count > 1 && want.count < 30;
      fired += want.fired != 0;
      if (out[i].item != want.item || out[i].count != want.count || out[i].distinct != want.distinct ||
          out[i].fired != want.fired) {
        if (errors < 10)
          std::printf("run %d sample %zu: count %u/%u distinct %u/%u fired %u/%u\n", run, i, out[i].count,
                      want.count, out[i].distinct, want.distinct, out[i].fired, want.fired);
        ++errors;
      }
    }
  }
    // A spec index past the table gives an empty result.
  RateSampleRecord bad{1, 1, ts, 9, 77};
  RateResultRecord r{};
  sp_rate(&bad, 1, specs, 3, table.data(), sets_log2, &r);
  if (r.item != 77 || r.count != 0 || r.fired != 0) ++errors;
  if (multi < 500 || fired < 100) {
    std::printf("coverage too low: %u windows with 2..29 samples, %u fired\n", multi, fired);
    ++errors;
  }
  std::printf("rate_tb: %u partial windows, %u fired, %d errors\n", multi, fired, errors);
  return errors;
}
