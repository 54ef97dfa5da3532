// Replays the SIP fuzz seeds (seeds/, payloads of the captures in pcaps/ made
// by make_seeds.py) and the inputs the fuzzer once crashed on (regressions/)
// through the fuzz entry point, with g++: each file whole and cut at every
// length, so a plain build catches what the fuzzer found.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/fuzz/sip/sip_fuzz_entry.hpp"
#include "tests/support/fuzz_inputs.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_in(const char* sub) { return sigprobe::testing::fuzz_inputs("sip", sub); }

std::string read_file(const fs::path& p) { return sigprobe::testing::file_bytes(p); }

void replay_every_prefix(const fs::path& p) {
  std::string data = read_file(p);
  for (size_t n = 0; n <= data.size(); ++n) {
    std::vector<uint8_t> cut(data.begin(), data.begin() + std::ptrdiff_t(n));
    sigprobe::sip::fuzz::run_one(cut.data(), cut.size());
  }
}

TEST(SipFuzzReplay, SeedsFromTheProjectCapturesRunCleanly) {
  auto seeds = inputs_in("seeds");
  ASSERT_GE(seeds.size(), 10u) << "run tests/fuzz/sip/make_seeds.py";
  for (const auto& p : seeds) replay_every_prefix(p);
}

TEST(SipFuzzReplay, RegressionInputsRunCleanly) {
  for (const auto& p : inputs_in("regressions")) replay_every_prefix(p);
}

TEST(SipFuzzReplay, SeedsIncludeRequestsAndResponsesThatParse) {
  size_t requests = 0, responses = 0;
  for (const auto& p : inputs_in("seeds")) {
    std::string data = read_file(p);
    sigprobe::sip::AnomalySet a;
    auto m = sigprobe::sip::parse_sip(data, a);
    if (!m) continue;
    (m->is_request ? requests : responses)++;
  }
  EXPECT_GT(requests, 0u);
  EXPECT_GT(responses, 0u);
}

}  // namespace
