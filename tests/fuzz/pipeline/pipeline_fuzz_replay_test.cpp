// Replays the L2-L4 fuzz seeds (captures of pcaps/, tests/fuzz/l2l4), the
// pipeline's own (seeds/, made by make_seeds.py) and any inputs the pipeline
// fuzzer once crashed on (regressions/) through the pipeline's fuzz entry
// point with g++: each whole, cut, and with bytes flipped, so a plain build
// runs what the fuzzer checks.
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

std::vector<fs::path> seeds() {
  auto all = sigprobe::testing::fuzz_inputs("l2l4", "seeds");
  auto own = sigprobe::testing::fuzz_inputs("pipeline", "seeds");
  all.insert(all.end(), own.begin(), own.end());
  return all;
}

TEST(PipelineFuzzReplay, SeedsRunCleanlyWholeCutAndFlipped) {
  auto seeds = ::seeds();
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

// The hair-trigger pass is there to reach what follows a flag: on the seeds
// (each whole, as they are) it must flag numbers with victims of every kind,
// hold messages back, raise victim_on_line, and raise every rule of its file.
TEST(PipelineFuzzReplay, TheTriggerRulesReachWhatFollowsAFlag) {
  using namespace sigprobe::pipeline::fuzz;
  reach() = {};
  for (const auto& p : seeds()) {
    std::vector<uint8_t> d = read_file(p);
    run_with(Rules::Trigger, d.data(), d.size());
  }
  const Reach& r = reach();
  std::printf("trigger rules on the seeds: %llu alerts, %llu victims (%llu called in, %llu called back, %llu deep), "
              "%llu victim_on_line, %llu messages held\n",
              (unsigned long long)r.alerts, (unsigned long long)r.victims, (unsigned long long)r.called_in,
              (unsigned long long)r.called_back, (unsigned long long)r.deep, (unsigned long long)r.on_line,
              (unsigned long long)r.blocked);
  EXPECT_GT(r.alerts, 0u);
  EXPECT_GT(r.victims, 0u);
  EXPECT_GT(r.called_in, 0u);
  EXPECT_GT(r.called_back, 0u);
  EXPECT_GT(r.deep, 0u);
  EXPECT_GT(r.on_line, 0u);
  EXPECT_GT(r.blocked, 0u);
  std::string silent;
  for (const auto& rule : small_rules(Rules::Trigger)->rules)
    if (!r.rules.count(rule.name)) silent += " " + rule.name;
  EXPECT_TRUE(silent.empty()) << "rules that raised no alert on the seeds:" << silent;
}

TEST(PipelineFuzzReplay, RegressionInputsRunCleanly) {
  for (const auto& p : sigprobe::testing::fuzz_inputs("pipeline", "regressions")) {
    std::vector<uint8_t> d = read_file(p);
    sigprobe::pipeline::fuzz::run_one(d.data(), d.size());
  }
}

}  // namespace
