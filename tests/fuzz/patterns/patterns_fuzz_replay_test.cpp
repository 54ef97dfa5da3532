// Replays the pattern fuzz seeds (seeds/, written by make_seeds.py) and the
// inputs the fuzzer once stopped on (regressions/) through the fuzz entry
// point with g++: each whole and cut at every length.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/fuzz/patterns/patterns_fuzz_entry.hpp"
#include "tests/support/fuzz_inputs.hpp"

namespace {

void replay_every_prefix(const std::filesystem::path& p) {
  const std::string data = sigprobe::testing::file_bytes(p);
  for (size_t n = 0; n <= data.size(); ++n)
    sigprobe::offload::fuzz::run_one(reinterpret_cast<const uint8_t*>(data.data()), n);
}

TEST(PatternsFuzzReplay, SeedsRunCleanlyWholeAndCut) {
  auto seeds = sigprobe::testing::fuzz_inputs("patterns", "seeds");
  ASSERT_GE(seeds.size(), 3u) << "run tests/fuzz/patterns/make_seeds.py";
  for (const auto& p : seeds) replay_every_prefix(p);
}

// Seeds worth mutating: sets both engines take, with matches to compare, and
// one set both refuse.
TEST(PatternsFuzzReplay, SeedsMatchAndOneIsRefused) {
  long matches = 0;
  int refused = 0;
  for (const auto& p : sigprobe::testing::fuzz_inputs("patterns", "seeds")) {
    const std::string data = sigprobe::testing::file_bytes(p);
    long n = sigprobe::offload::fuzz::check_one(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    if (n < 0) ++refused;
    else matches += n;
  }
  EXPECT_GE(matches, 20);
  EXPECT_EQ(refused, 1);
}

TEST(PatternsFuzzReplay, RegressionInputsRunCleanly) {
  for (const auto& p : sigprobe::testing::fuzz_inputs("patterns", "regressions")) replay_every_prefix(p);
}

}  // namespace
