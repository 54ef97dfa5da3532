// Behaviour of every PatternEngine backend (cpu, csim): literals, nocase,
// prefix and exact lists, field masks, output order, errors.
#include <gtest/gtest.h>

#include "tests/host/offload/backends.hpp"

namespace sigprobe::offload {
namespace {

constexpr uint32_t kText = field_bit(FieldTag::Text);
constexpr uint32_t kUa = field_bit(FieldTag::UserAgent);
constexpr uint32_t kNumbers = field_bit(FieldTag::Calling) | field_bit(FieldTag::Called);

class PatternEngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::vector<PatternMatch> scan(const std::vector<PatternSpec>& specs, const std::vector<ScanItem>& items) {
    std::string err;
    auto e = testing::make_pattern(GetParam(), specs, err);
    EXPECT_TRUE(e) << err;
    std::vector<PatternMatch> out;
    if (e) e->scan(items, out);
    return out;
  }
};

TEST_P(PatternEngineTest, LiteralMatchesSubstringOnlyInItsFields) {
  std::vector<PatternSpec> specs = {{1, PatternKind::Literal, kText, "bank"},
                                    {2, PatternKind::Literal, kUa, "GoIP"}};
  std::vector<ScanItem> items = {{0, FieldTag::Text, "your bank account"},
                                 {1, FieldTag::UserAgent, "bank GoIP-8"},
                                 {2, FieldTag::Called, "bank"}};
  std::vector<PatternMatch> want = {{0, 1, FieldTag::Text}, {1, 2, FieldTag::UserAgent}};
  EXPECT_EQ(scan(specs, items), want);
}

TEST_P(PatternEngineTest, ListLengthsOfOneFieldDoNotMatchOnAnother) {
  // The cpu table probes per field only the lengths listed for that field.
  std::vector<PatternSpec> specs = {{1, PatternKind::Prefix, field_bit(FieldTag::Calling), "123"},
                                    {2, PatternKind::Prefix, field_bit(FieldTag::Called), "12345"},
                                    {3, PatternKind::Exact, field_bit(FieldTag::Gt), "999"},
                                    {4, PatternKind::Exact, kNumbers, "1234567"}};
  std::vector<ScanItem> items = {{0, FieldTag::Calling, "1234567"}, {1, FieldTag::Called, "1234567"},
                                 {2, FieldTag::Gt, "999"},          {3, FieldTag::Calling, "999"},
                                 {4, FieldTag::Gt, "1234567"},      {5, FieldTag::Called, "12399"}};
  std::vector<PatternMatch> want = {{0, 1, FieldTag::Calling}, {0, 4, FieldTag::Calling},
                                    {1, 2, FieldTag::Called},  {1, 4, FieldTag::Called},
                                    {2, 3, FieldTag::Gt}};
  EXPECT_EQ(scan(specs, items), want);
}

// Hyperscan 5.4's literal mode (Debian 12) never reported "a" beside a literal
// ending in 34 or more "a"s, nor "ab" beside one ending in as many "b"s, and
// stopped scans of such text (fuzz_patterns, tests/fuzz/patterns/regressions).
// Every literal is found, in a field of its own and inside text.
TEST_P(PatternEngineTest, ALiteralEndingInALongRunHidesNoOther) {
  const std::string run_a = "abc" + std::string(40, 'a'), run_b = "xyz" + std::string(40, 'b'), both = run_a + run_b;
  std::vector<PatternSpec> specs = {{1, PatternKind::Literal, kText, "a"},
                                    {2, PatternKind::Literal, kText, run_a},
                                    {3, PatternKind::LiteralNocase, kText, "ab"},
                                    {4, PatternKind::Literal, kText, run_b}};
  std::vector<ScanItem> items = {{0, FieldTag::Text, "a"}, {1, FieldTag::Text, "qq AB qq"},
                                 {2, FieldTag::Text, "aaaaaaaa"}, {3, FieldTag::Text, both}};
  // "qq AB qq": "ab" nocase, no "a" (case sensitive); the last: all four.
  std::vector<PatternMatch> want = {{0, 1, FieldTag::Text}, {1, 3, FieldTag::Text}, {2, 1, FieldTag::Text},
                                    {3, 1, FieldTag::Text}, {3, 2, FieldTag::Text}, {3, 3, FieldTag::Text},
                                    {3, 4, FieldTag::Text}};
  EXPECT_EQ(scan(specs, items), want);
}

TEST_P(PatternEngineTest, LiteralIsCaseSensitiveAndNocaseIsNot) {
  std::vector<PatternSpec> specs = {{1, PatternKind::Literal, kUa, "GoIP"},
                                    {2, PatternKind::LiteralNocase, kUa, "gOiP"}};
  std::vector<ScanItem> items = {{0, FieldTag::UserAgent, "goip/1.0"}, {1, FieldTag::UserAgent, "x-GoIP"}};
  std::vector<PatternMatch> want = {{0, 2, FieldTag::UserAgent}, {1, 1, FieldTag::UserAgent},
                                    {1, 2, FieldTag::UserAgent}};
  EXPECT_EQ(scan(specs, items), want);
}

TEST_P(PatternEngineTest, NocaseFoldsOnlyAsciiLetters) {
  // "É" (U+00C9) and "é" (U+00E9) differ in UTF-8 and must not fold.
  std::vector<PatternSpec> specs = {{1, PatternKind::LiteralNocase, kText, "\xc3\xa9t\xc3\xa9"}};
  std::vector<ScanItem> items = {{0, FieldTag::Text, "\xc3\xa9T\xc3\xa9"}, {1, FieldTag::Text, "\xc3\x89t\xc3\xa9"}};
  std::vector<PatternMatch> want = {{0, 1, FieldTag::Text}};
  EXPECT_EQ(scan(specs, items), want);
}

TEST_P(PatternEngineTest, Utf8KeywordInSmsText) {
  // The playbook's example SMS: "您的医保卡已停用" (your medical insurance card is suspended).
  std::vector<PatternSpec> specs = {{7, PatternKind::Literal, kText, "医保卡"}};
  std::vector<ScanItem> items = {{3, FieldTag::Text, "您的医保卡已停用"}, {4, FieldTag::Text, "医保"}};
  std::vector<PatternMatch> want = {{3, 7, FieldTag::Text}};
  EXPECT_EQ(scan(specs, items), want);
}

TEST_P(PatternEngineTest, ReportsEachMatchOnceSortedByItemFieldPattern) {
  std::vector<PatternSpec> specs = {{9, PatternKind::Literal, kText | kUa, "ab"},
                                    {3, PatternKind::Literal, kText, "b"}};
  std::vector<ScanItem> items = {{5, FieldTag::Text, "abab"}, {2, FieldTag::UserAgent, "xxab"},
                                 {5, FieldTag::Text, "ab"}, {2, FieldTag::Text, "b"}};
  std::vector<PatternMatch> want = {{2, 9, FieldTag::UserAgent}, {2, 3, FieldTag::Text},
                                    {5, 3, FieldTag::Text}, {5, 9, FieldTag::Text}};
  EXPECT_EQ(scan(specs, items), want);
}

TEST_P(PatternEngineTest, PrefixReportsEveryListedPrefixOfTheNumber) {
  std::vector<PatternSpec> specs = {{1, PatternKind::Prefix, kNumbers, "86"},
                                    {2, PatternKind::Prefix, kNumbers, "86138"},
                                    {3, PatternKind::Prefix, kNumbers, "8613800138000999"},
                                    {4, PatternKind::Prefix, kNumbers, "138"}};
  std::vector<ScanItem> items = {{0, FieldTag::Calling, "8613800138000"}, {1, FieldTag::Called, "13800"},
                                 {2, FieldTag::Gt, "8613800138000"}};
  std::vector<PatternMatch> want = {{0, 1, FieldTag::Calling}, {0, 2, FieldTag::Calling}, {1, 4, FieldTag::Called}};
  EXPECT_EQ(scan(specs, items), want);
}

TEST_P(PatternEngineTest, ExactMatchesOnlyTheWholeField) {
  std::vector<PatternSpec> specs = {{1, PatternKind::Exact, kNumbers, "10086"},
                                    {2, PatternKind::Exact, field_bit(FieldTag::Url), "evil.example"},
                                    {3, PatternKind::Exact, kNumbers, "10086"}};
  std::vector<ScanItem> items = {{0, FieldTag::Called, "10086"}, {1, FieldTag::Called, "100861"},
                                 {2, FieldTag::Url, "evil.example"}, {3, FieldTag::Url, "x.evil.example"}};
  std::vector<PatternMatch> want = {{0, 1, FieldTag::Called}, {0, 3, FieldTag::Called}, {2, 2, FieldTag::Url}};
  EXPECT_EQ(scan(specs, items), want);
}

TEST_P(PatternEngineTest, MillionEntryNumberListsFindTheirEntries) {
  // 1,000,000 exact numbers 4479xxxxxxx (step 7) and 200,000 prefixes 33yyyyy.
  std::vector<PatternSpec> specs;
  specs.reserve(1'200'000);
  for (uint32_t i = 0; i < 1'000'000; ++i)
    specs.push_back({i, PatternKind::Exact, kNumbers, std::to_string(44790000000ull + 7ull * i)});
  for (uint32_t i = 0; i < 200'000; ++i)
    specs.push_back({2'000'000 + i, PatternKind::Prefix, kNumbers, std::to_string(3300000 + i)});
  std::vector<ScanItem> items = {{0, FieldTag::Called, "44790000000"},   // entry 0
                                 {1, FieldTag::Called, "44796999993"},   // entry 999,999
                                 {2, FieldTag::Called, "44790000001"},   // between entries
                                 {3, FieldTag::Calling, "3301234567"},   // prefix 3301234
                                 {4, FieldTag::Calling, "3500000"},      // past the last prefix 3499999
                                 {5, FieldTag::Calling, "330123"}};      // shorter than any prefix
  std::vector<PatternMatch> want = {{0, 0, FieldTag::Called}, {1, 999'999, FieldTag::Called},
                                    {3, 2'001'234, FieldTag::Calling}};
  EXPECT_EQ(scan(specs, items), want);
}

TEST_P(PatternEngineTest, EmptyFieldsAndEmptyPatternSetMatchNothing) {
  std::vector<PatternSpec> specs = {{1, PatternKind::Literal, kText, "a"}};
  EXPECT_TRUE(scan(specs, {{0, FieldTag::Text, ""}}).empty());
  EXPECT_TRUE(scan({}, {{0, FieldTag::Text, "abc"}}).empty());
}

TEST_P(PatternEngineTest, RejectsEmptyTextNamingThePattern) {
  std::vector<PatternSpec> specs = {{1, PatternKind::Literal, kText, "a"}, {42, PatternKind::Prefix, kNumbers, ""}};
  std::string err;
  EXPECT_FALSE(testing::make_pattern(GetParam(), specs, err));
  EXPECT_NE(err.find("pattern id 42"), std::string::npos) << err;
}

TEST_P(PatternEngineTest, RejectsListTextLongerThanTheKernelHolds) {
  std::vector<PatternSpec> specs = {{5, PatternKind::Exact, kNumbers, std::string(65, '1')}};
  std::string err;
  EXPECT_FALSE(testing::make_pattern(GetParam(), specs, err));
  EXPECT_NE(err.find("pattern id 5"), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(Backends, PatternEngineTest, ::testing::ValuesIn(testing::backend_names()));

// hs_scan failing on a field (injected: none is known to fail now) loses none
// of its matches: the field's literals are searched one by one, and the engine
// counts it with the error's name, as the fpga engine counts a card failure.
TEST(CpuPatternEngine, AFailedHyperscanScanIsSearchedAgainAndCounted) {
  constexpr int kHsUnknownError = -13, kHsScratchInUse = -10;  // hs_common.h
  std::vector<PatternSpec> specs = {{1, PatternKind::Literal, kText, "refund"},
                                    {2, PatternKind::LiteralNocase, kText, "BANK"},
                                    {3, PatternKind::Literal, kUa, "GoIP"},
                                    {4, PatternKind::Prefix, kNumbers, "170"}};
  std::vector<ScanItem> items = {{0, FieldTag::Text, "bank refund today"},
                                 {1, FieldTag::UserAgent, "GoIP-16"},
                                 {2, FieldTag::Calling, "17012345678"},
                                 {3, FieldTag::Text, "your Bank card"}};
  std::string err;
  auto plain = make_cpu_pattern_engine(specs, err);
  ASSERT_TRUE(plain) << err;
  std::vector<PatternMatch> want;
  plain->scan(items, want);
  ASSERT_EQ(want.size(), 5u);
  EXPECT_EQ(plain->fallbacks(), 0u);

  // Scans 0, 1 and 2 are items 0, 1 and 3 (the calling number has no literal database).
  std::vector<uint64_t> asked;
  auto faulty = make_cpu_pattern_engine_faulty(
      specs,
      [&](uint64_t n) {
        asked.push_back(n);
        return n == 0 ? kHsUnknownError : n == 2 ? kHsScratchInUse : 0;
      },
      err);
  ASSERT_TRUE(faulty) << err;
  std::vector<PatternMatch> got;
  faulty->scan(items, got);
  EXPECT_EQ(got, want);
  EXPECT_EQ(asked, (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(faulty->fallbacks(), 2u);
  EXPECT_NE(faulty->fallback_reason().find("hs_scan returned -10 (HS_SCRATCH_IN_USE)"), std::string_view::npos)
      << faulty->fallback_reason();

  // The next batch, scanned without a failure, adds no fallback.
  got.clear();
  faulty->scan(items, got);
  EXPECT_EQ(got, want);
  EXPECT_EQ(faulty->fallbacks(), 2u);
}

}  // namespace
}  // namespace sigprobe::offload
