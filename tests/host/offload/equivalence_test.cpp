// Property tests: random pattern sets and inputs through cpu (also with every
// Hyperscan scan failing), csim and a naive reference matcher; random sample streams through cpu, csim and exact
// counting.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "hls_kernels/include/rate_record.hpp"
#include "tests/host/offload/backends.hpp"
#include "tests/support/pattern_reference.hpp"

namespace sigprobe::offload {
namespace {

// Pieces with overlaps, case variants, digits and multi-byte UTF-8.
const char* const kPieces[] = {"a", "b", "A", "B", "ab", "ba", "1", "2", "12", "0", "中", "\xc3\xa9", "\xc3\x89", " ", "%"};

std::string random_text(std::mt19937& rng, size_t max_pieces) {
  std::string s;
  const size_t n = 1 + rng() % max_pieces;
  for (size_t i = 0; i < n; ++i) s += kPieces[rng() % std::size(kPieces)];
  return s;
}

TEST(OffloadEquivalence, RandomPatternSetsGiveTheReferenceMatchesOnEveryBackend) {
  std::mt19937 rng(99);
  size_t total = 0;
  for (int round = 0; round < 60; ++round) {
    std::vector<PatternSpec> pats;
    const int n = 1 + static_cast<int>(rng() % 80);
    for (int i = 0; i < n; ++i) {
      PatternSpec p;
      p.id = static_cast<uint32_t>(rng() % 1000);  // ids may repeat across kinds
      p.kind = static_cast<PatternKind>(rng() % 4);
      p.field_mask = static_cast<uint32_t>(rng() % 512);
      p.text = random_text(rng, 4);
      if (p.text.size() > 64) p.text.resize(64);
      pats.push_back(p);
    }
    std::vector<std::string> texts;
    for (int i = 0; i < 120; ++i) texts.push_back(random_text(rng, i % 10 == 0 ? 120 : 8));
    std::vector<ScanItem> items;
    for (uint32_t i = 0; i < texts.size(); ++i)
      items.push_back({static_cast<uint32_t>(rng() % 60), static_cast<FieldTag>(rng() % 9), texts[i]});
    const std::vector<PatternMatch> want = sigprobe::testing::reference_scan(pats, items);
    total += want.size();
    for (const std::string& b : testing::backend_names()) {
      std::string err;
      auto e = testing::make_pattern(b, pats, err);
      ASSERT_TRUE(e) << b << ": " << err;
      std::vector<PatternMatch> got;
      e->scan(items, got);
      ASSERT_EQ(got, want) << b << " round " << round;
    }
    // The cpu engine with every hs_scan failing: its fallback search alone.
    std::string err;
    auto failing = make_cpu_pattern_engine_faulty(pats, [](uint64_t) { return -13; }, err);  // HS_UNKNOWN_ERROR
    ASSERT_TRUE(failing) << err;
    std::vector<PatternMatch> got;
    failing->scan(items, got);
    ASSERT_EQ(got, want) << "cpu, hs_scan failing, round " << round;
  }
  EXPECT_GT(total, 5000u);  // the rounds compared real matches
}

// The rate semantics written out longhand: every sample kept, no table limit.
struct ExactRates {
  std::map<std::pair<uint32_t, uint64_t>, std::vector<std::pair<uint64_t, uint64_t>>> seen;  // (epoch, value)
  std::set<uint64_t> exact_distinct;

  RateResult add(const RateSpec& spec, const RateSample& s) {
    auto& v = seen[{s.spec_id, s.key}];
    uint64_t epoch = s.ts_ns / hlsk::rate_slot_ns(spec.window_ns);
    if (!v.empty()) epoch = std::max(epoch, v.back().first);
    v.push_back({epoch, s.value});
    RateResult r{s.item, s.spec_id, 0, 0, false, false};
    uint64_t bits = 0;
    exact_distinct.clear();
    for (const auto& [e, val] : v)
      if (e + hlsk::kRateSlots > epoch) {
        ++r.count;
        bits |= hlsk::rate_value_bit(val);
        if (val) exact_distinct.insert(val);
      }
    r.distinct = hlsk::kDistinctEstimate[__builtin_popcountll(bits)];
    r.count_fired = spec.count_threshold && r.count >= spec.count_threshold;
    r.distinct_fired = spec.distinct_threshold && r.distinct >= spec.distinct_threshold;
    return r;
  }
};

TEST(OffloadEquivalence, RandomStreamsMatchExactCountingOnEveryBackend) {
  const std::vector<RateSpec> specs = {{1, 16'000, 4, 3}, {2, 1'000'000, 30, 20}, {3, 5, 0, 1}};
  std::mt19937_64 rng(3);
  std::vector<RateSample> samples;
  uint64_t ts = 1'000'000;
  for (uint32_t i = 0; i < 20'000; ++i) {
    ts += rng() % 2'000;
    const uint64_t late = (rng() % 30 == 0) ? rng() % 40'000 : 0;
    samples.push_back({i, static_cast<uint32_t>(1 + rng() % 3), rng() % 25, rng() % 80, ts - late});
  }
  ExactRates exact;
  std::vector<RateResult> want;
  double rel_err = 0;
  size_t with_values = 0;
  for (const RateSample& s : samples) {
    want.push_back(exact.add(specs[s.spec_id - 1], s));
    if (exact.exact_distinct.size() >= 4) {
      rel_err += std::abs(double(want.back().distinct) - double(exact.exact_distinct.size())) /
                 double(exact.exact_distinct.size());
      ++with_values;
    }
  }
  ASSERT_GT(with_values, 1000u);
  EXPECT_LT(rel_err / double(with_values), 0.10);  // the stated mean error bound
  for (const std::string& b : testing::backend_names()) {
    std::string err;
    auto e = testing::make_rate(b, specs, 12, err);
    ASSERT_TRUE(e) << err;
    std::vector<RateResult> got;
    for (size_t at = 0; at < samples.size(); at += 777)
      e->update(std::span(samples).subspan(at, std::min<size_t>(777, samples.size() - at)), got);
    EXPECT_EQ(got, want) << b;
  }
}

TEST(OffloadEquivalence, CpuAndCsimEvictIdenticallyWhenTheTableOverflows) {
  const std::vector<RateSpec> specs = {{1, 1'000'000'000, 5, 5}, {2, 50'000, 0, 0}};
  std::mt19937_64 rng(11);
  std::vector<RateSample> samples;
  for (uint32_t i = 0; i < 30'000; ++i)
    samples.push_back({i, static_cast<uint32_t>(1 + rng() % 2), rng() % 3000, rng() % 50, uint64_t{i} * 1000});
  std::string err;
  auto cpu = testing::make_rate("cpu", specs, 4, err);  // 128 ways for 6000 (spec, key) pairs
  auto csim = testing::make_rate("csim", specs, 4, err);
  ASSERT_TRUE(cpu && csim) << err;
  std::vector<RateResult> a, b;
  cpu->update(samples, a);
  csim->update(samples, b);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace sigprobe::offload
