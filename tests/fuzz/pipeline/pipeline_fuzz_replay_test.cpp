// Replays the L2-L4 fuzz seeds (captures of pcaps/, tests/fuzz/l2l4) and any
// inputs the pipeline fuzzer once crashed on (regressions/) through the
// pipeline's fuzz entry point with g++: each whole, cut, and with bytes
// flipped, so a plain build runs what the fuzzer checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/fuzz/pipeline/pipeline_fuzz_entry.hpp"
#include "tests/support/fuzz_inputs.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> read_file(const fs::path& p) {
  std::string s = sigprobe::testing::file_bytes(p);
  return {s.begin(), s.end()};
}

TEST(PipelineFuzzReplay, SeedsRunCleanlyWholeCutAndFlipped) {
  auto seeds = sigprobe::testing::fuzz_inputs("l2l4", "seeds");
  ASSERT_GE(seeds.size(), 10u);
  for (const auto& p : seeds) {
    std::vector<uint8_t> d = read_file(p);
    sigprobe::pipeline::fuzz::run_one(d.data(), d.size());
    sigprobe::pipeline::fuzz::run_one(d.data(), d.size() / 2);
    for (size_t i = 0; i < d.size(); i += 97) {
      std::vector<uint8_t> f = d;
      f[i] ^= 0xff;
      sigprobe::pipeline::fuzz::run_one(f.data(), f.size());
    }
  }
}

TEST(PipelineFuzzReplay, RegressionInputsRunCleanly) {
  for (const auto& p : sigprobe::testing::fuzz_inputs("pipeline", "regressions")) {
    std::vector<uint8_t> d = read_file(p);
    sigprobe::pipeline::fuzz::run_one(d.data(), d.size());
  }
}

}  // namespace
