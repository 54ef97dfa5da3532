// Behaviour of every RateEngine backend (cpu, csim): sliding windows of 16
// slots, distinct estimates, thresholds, table eviction.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "hls_kernels/include/rate_record.hpp"
#include "tests/host/offload/backends.hpp"

namespace sigprobe::offload {
namespace {

constexpr uint64_t kSec = 1'000'000'000ull;

class RateEngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void make(std::vector<RateSpec> specs, unsigned sets_log2 = 10) {
    std::string err;
    engine_ = testing::make_rate(GetParam(), specs, sets_log2, err);
    ASSERT_TRUE(engine_) << err;
  }
  RateResult one(uint32_t spec, uint64_t key, uint64_t value, uint64_t ts) {
    std::vector<RateSample> s = {{item_++, spec, key, value, ts}};
    std::vector<RateResult> out;
    engine_->update(s, out);
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? RateResult{} : out[0];
  }
  std::unique_ptr<RateEngine> engine_;
  uint32_t item_ = 0;
};

TEST_P(RateEngineTest, CountsSamplesOfAKeyInTheWindow) {
  make({{1, 16 * kSec, 0, 0}});  // 16 slots of 1 s
  for (uint32_t i = 1; i <= 10; ++i) EXPECT_EQ(one(1, 77, 0, i * kSec / 2).count, i);
  EXPECT_EQ(one(1, 78, 0, 5 * kSec).count, 1u);  // another key has its own count
}

TEST_P(RateEngineTest, CountFallsWhenTheWindowPasses) {
  make({{1, 16 * kSec, 0, 0}});
  one(1, 5, 0, 0);                                     // slot 0
  one(1, 5, 0, 3 * kSec);                              // slot 3
  EXPECT_EQ(one(1, 5, 0, 15 * kSec).count, 3u);        // slots 0..15 all live
  EXPECT_EQ(one(1, 5, 0, 16 * kSec).count, 3u);        // slot 0 dropped, 16 added
  EXPECT_EQ(one(1, 5, 0, 19 * kSec).count, 3u);        // slot 3 dropped
  EXPECT_EQ(one(1, 5, 0, 100 * kSec).count, 1u);       // everything before is gone
}

TEST_P(RateEngineTest, LateSampleCountsInTheKeysNewestSlot) {
  make({{1, 16 * kSec, 0, 0}});
  one(1, 5, 0, 40 * kSec);
  EXPECT_EQ(one(1, 5, 0, 10 * kSec).count, 2u);
  EXPECT_EQ(one(1, 5, 0, 56 * kSec).count, 1u);  // both were in slot 40
}

TEST_P(RateEngineTest, DistinctIsExactForFewValuesAndIgnoresZero) {
  make({{1, 60 * kSec, 0, 0}});
  EXPECT_EQ(one(1, 9, 0, 0).distinct, 0u);
  EXPECT_EQ(one(1, 9, 1111, 1).distinct, 1u);
  EXPECT_EQ(one(1, 9, 1111, 2).distinct, 1u);
  EXPECT_EQ(one(1, 9, 2222, 3).distinct, 2u);
}

TEST_P(RateEngineTest, DistinctFollowsTheSlidingWindow) {
  make({{1, 16 * kSec, 0, 0}});
  one(1, 9, 101, 0);
  one(1, 9, 102, 1 * kSec);
  EXPECT_EQ(one(1, 9, 102, 16 * kSec).distinct, 1u);  // 101 left with slot 0
}

TEST_P(RateEngineTest, DistinctEstimateStaysWithinTheStatedBound) {
  // Stated bound (rate_record.hpp): mean relative error below 10% for 1..64
  // values; no single estimate off by more than max(2, 60%).
  make({{1, 60 * kSec, 0, 0}});
  std::mt19937_64 rng(5);
  double total_rel = 0;
  int n = 0;
  for (uint64_t key = 1; key <= 400; ++key) {
    const unsigned want = 1 + key % 64;
    std::set<uint64_t> vals;
    RateResult r;
    while (vals.size() < want) {
      uint64_t v = rng() | 1;
      vals.insert(v);
      r = one(1, key, v, key);
    }
    const double err = std::abs(double(r.distinct) - want);
    EXPECT_LE(err, std::max(2.0, 0.6 * want)) << "key " << key << " exact " << want;
    total_rel += err / want;
    ++n;
  }
  EXPECT_LT(total_rel / n, 0.10);
}

TEST_P(RateEngineTest, ThresholdsFireAtOrAboveTheirValue) {
  make({{1, 60 * kSec, 3, 2}, {2, 60 * kSec, 0, 0}});
  RateResult r = one(1, 4, 10, 1);
  EXPECT_FALSE(r.count_fired);
  r = one(1, 4, 10, 2);
  EXPECT_FALSE(r.count_fired);
  EXPECT_FALSE(r.distinct_fired);
  r = one(1, 4, 20, 3);
  EXPECT_TRUE(r.count_fired);
  EXPECT_TRUE(r.distinct_fired);
  r = one(2, 4, 30, 4);  // thresholds 0 never fire
  EXPECT_FALSE(r.count_fired);
  EXPECT_FALSE(r.distinct_fired);
}

TEST_P(RateEngineTest, SpecsKeepSeparateCountsForTheSameKey) {
  make({{10, 60 * kSec, 0, 0}, {20, 60 * kSec, 0, 0}});
  one(10, 1, 0, 1);
  one(10, 1, 0, 2);
  EXPECT_EQ(one(20, 1, 0, 3).count, 1u);
  EXPECT_EQ(one(10, 1, 0, 4).count, 3u);
}

TEST_P(RateEngineTest, UnknownSpecGivesAnEmptyResult) {
  make({{1, 60 * kSec, 1, 1}});
  RateResult r = one(99, 1, 5, 1);
  EXPECT_EQ(r.spec_id, 99u);
  EXPECT_EQ(r.count, 0u);
  EXPECT_FALSE(r.count_fired);
}

TEST_P(RateEngineTest, FullSetEvictsTheKeyWithTheOldestSample) {
  make({{1, 1000 * kSec, 0, 0}}, 0);  // one set of 8 ways
  for (uint64_t k = 1; k <= hlsk::kRateWays; ++k) one(1, k, 0, k);
  one(1, 1, 0, 20);                            // key 1 is now the newest
  EXPECT_EQ(one(1, 100, 0, 21).count, 1u);     // evicts key 2 (oldest)
  EXPECT_EQ(one(1, 1, 0, 22).count, 3u);       // key 1 kept its counts
  EXPECT_EQ(one(1, 2, 0, 23).count, 1u);       // key 2 starts again
}

TEST_P(RateEngineTest, ResultsComeInSampleOrderWithTheirItems) {
  make({{1, 60 * kSec, 0, 0}});
  std::vector<RateSample> s = {{7, 1, 1, 0, 1}, {3, 1, 2, 0, 2}, {9, 1, 1, 0, 3}};
  std::vector<RateResult> out;
  engine_->update(s, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].item, 7u);
  EXPECT_EQ(out[1].item, 3u);
  EXPECT_EQ(out[2].item, 9u);
  EXPECT_EQ(out[2].count, 2u);
}

TEST_P(RateEngineTest, RejectsDuplicateSpecIds) {
  std::vector<RateSpec> specs = {{1, kSec, 0, 0}, {1, kSec, 0, 0}};
  std::string err;
  EXPECT_FALSE(testing::make_rate(GetParam(), specs, 4, err));
  EXPECT_NE(err.find("rate spec id 1"), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(Backends, RateEngineTest, ::testing::ValuesIn(testing::backend_names()));

}  // namespace
}  // namespace sigprobe::offload
