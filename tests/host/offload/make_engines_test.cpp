// Choosing a backend at start-up.
#include <gtest/gtest.h>

#include "host/offload/engines.hpp"

namespace sigprobe::offload {
namespace {

const std::vector<PatternSpec> kPatterns = {{1, PatternKind::Literal, field_bit(FieldTag::Text), "win"}};
const std::vector<RateSpec> kRates = {{1, 60'000'000'000ull, 10, 0}};

TEST(MakeEngines, CpuWhenAskedFor) {
  std::string err;
  Engines e = make_engines({Backend::Cpu, "", 0}, kPatterns, kRates, err);
  ASSERT_TRUE(e.pattern && e.rate) << err;
  EXPECT_EQ(e.backend, "cpu");
  EXPECT_EQ(e.pattern->backend(), "cpu");
  EXPECT_EQ(e.rate->backend(), "cpu");
}

TEST(MakeEngines, AutoWithoutACardFallsBackToCpuAndSaysWhy) {
  std::string err;
  Engines e = make_engines({Backend::Auto, "/nonexistent/sigprobe.xclbin", 0}, kPatterns, kRates, err);
  ASSERT_TRUE(e.pattern && e.rate) << err;
  EXPECT_TRUE(err.empty());
  EXPECT_EQ(e.backend, "cpu");
  EXPECT_EQ(e.why.rfind("auto: ", 0), 0u) << e.why;
  EXPECT_NE(e.why.find("using cpu"), std::string::npos) << e.why;
}

TEST(MakeEngines, FpgaWithoutACardIsAnErrorNotAFallback) {
  std::string err;
  Engines e = make_engines({Backend::Fpga, "/nonexistent/sigprobe.xclbin", 0}, kPatterns, kRates, err);
  EXPECT_FALSE(e.pattern);
  EXPECT_FALSE(e.rate);
  EXPECT_EQ(err.rfind("--offload fpga: ", 0), 0u) << err;
}

TEST(MakeEngines, BadPatternIsAnErrorForEveryBackend) {
  const std::vector<PatternSpec> bad = {{3, PatternKind::Literal, field_bit(FieldTag::Text), ""}};
  for (Backend b : {Backend::Cpu, Backend::Auto}) {
    std::string err;
    Engines e = make_engines({b, "", 0}, bad, kRates, err);
    EXPECT_FALSE(e.pattern);
    EXPECT_NE(err.find("pattern id 3"), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace sigprobe::offload
