// The fpga backend's engines on a fake card that runs the kernels' C++ and
// fails on demand: batching, double buffering and the counted fallback.
#include <gtest/gtest.h>

#include <random>

#include "hls_kernels/include/kernels.hpp"
#include "host/offload/card.hpp"
#include "tests/host/offload/backends.hpp"

namespace sigprobe::offload {
namespace {

// A card in host memory: sp_pattern / sp_rate run at wait time, as if the
// card had worked while the host packed the next batch.
class FakeCard final : public Card {
 public:
  explicit FakeCard(CardSizes sizes) : sizes_(sizes) {
    for (int s = 0; s < kCardSlots; ++s) {
      chunks_[s].resize(sizes.chunks);
      hits_[s].resize(sizes.hits);
      samples_[s].resize(sizes.samples);
      results_[s].resize(sizes.samples);
    }
    table_.resize(size_t{hlsk::kRateWays} << sizes.rate_sets_log2);
  }
  // Failure injection: the Nth start fails, or the Nth wait times out (1-based; 0 = never).
  int fail_start_at = 0;
  int timeout_at = 0;
  int starts = 0, waits = 0, max_in_flight = 0;

  const CardSizes& sizes() const override { return sizes_; }
  bool load_pattern_image(std::span<const uint32_t> image, std::string&) override {
    image_.assign(image.begin(), image.end());
    return true;
  }
  bool load_rate_specs(std::span<const hlsk::RateSpecRecord> specs, std::string&) override {
    specs_.assign(specs.begin(), specs.end());
    return true;
  }
  std::span<hlsk::PatternChunk> chunks(int s) override { return chunks_[s]; }
  std::span<const hlsk::PatternHit> hits(int s) override { return hits_[s]; }
  std::span<hlsk::RateSampleRecord> samples(int s) override { return samples_[s]; }
  std::span<const hlsk::RateResultRecord> results(int s) override { return results_[s]; }

  bool start_pattern(int s, uint32_t n, std::string& why) override { return start(s, n, why); }
  bool start_rate(int s, uint32_t n, std::string& why) override { return start(s, n, why); }
  bool wait_pattern(int s, uint32_t& n_hits, std::string& why) override {
    if (!wait(s, why)) return false;
    sp_pattern(chunks_[s].data(), n_[s], image_.data(), hits_[s].data(), static_cast<unsigned>(hits_[s].size()),
               &n_hits);
    return true;
  }
  bool wait_rate(int s, std::string& why) override {
    if (!wait(s, why)) return false;
    sp_rate(samples_[s].data(), n_[s], specs_.data(), static_cast<unsigned>(specs_.size()), table_.data(),
            sizes_.rate_sets_log2, results_[s].data());
    return true;
  }

 private:
  bool start(int s, uint32_t n, std::string& why) {
    if (++starts == fail_start_at) {
      why = "xrt: injected start failure";
      return false;
    }
    n_[s] = n;
    running_[s] = true;
    max_in_flight = std::max(max_in_flight, int(running_[0]) + int(running_[1]));
    return true;
  }
  bool wait(int s, std::string& why) {
    running_[s] = false;
    if (++waits == timeout_at) {
      why = "kernel run timed out after 2000 ms";
      return false;
    }
    return true;
  }

  CardSizes sizes_;
  std::vector<hlsk::PatternChunk> chunks_[kCardSlots];
  std::vector<hlsk::PatternHit> hits_[kCardSlots];
  std::vector<hlsk::RateSampleRecord> samples_[kCardSlots];
  std::vector<hlsk::RateResultRecord> results_[kCardSlots];
  std::vector<uint32_t> image_;
  std::vector<hlsk::RateSpecRecord> specs_;
  std::vector<hlsk::RateEntry> table_;
  uint32_t n_[kCardSlots] = {};
  bool running_[kCardSlots] = {};
};

CardSizes tiny() {
  CardSizes s;
  s.chunks = 8;  // a few fields per batch: many batches
  s.hits = 4;  // short fields with 2-3 hits each overflow it now and then
  s.samples = 32;
  s.rate_sets_log2 = 8;
  return s;
}

const std::vector<PatternSpec> kPatterns = {
    {1, PatternKind::Literal, field_bit(FieldTag::Text), "loan"},
    {2, PatternKind::LiteralNocase, field_bit(FieldTag::Text) | field_bit(FieldTag::UserAgent), "goip"},
    {3, PatternKind::Prefix, field_bit(FieldTag::Calling), "4479"},
    {4, PatternKind::Exact, field_bit(FieldTag::Called), "10086"},
    {5, PatternKind::Literal, field_bit(FieldTag::Text), "o"}};
const std::vector<RateSpec> kRates = {{1, 1'000'000, 5, 3}, {2, 100'000'000, 0, 10}};

struct Input {
  std::vector<std::string> text;
  std::vector<ScanItem> items;
  std::vector<RateSample> samples;
};

Input random_input(unsigned seed) {
  std::mt19937 rng(seed);
  const char* words[] = {"loan", "GoIP", "free", "o", "win", "money ", "x"};
  Input in;
  for (uint32_t i = 0; i < 300; ++i) {
    std::string t;
    const unsigned n = rng() % (i % 50 == 0 ? 100 : 6);  // some fields span many chunks
    for (unsigned w = 0; w < n; ++w) t += words[rng() % 7];
    in.text.push_back(t);
  }
  for (uint32_t i = 0; i < 300; ++i) {
    const FieldTag f = static_cast<FieldTag>(rng() % 9);
    in.items.push_back({i, f, in.text[i]});
    if (f == FieldTag::Calling) in.items.back().bytes = "4479001";
    if (f == FieldTag::Called) in.items.back().bytes = "10086";
  }
  uint64_t ts = 0;
  for (uint32_t i = 0; i < 500; ++i) {
    ts += rng() % 50'000;
    in.samples.push_back({i, static_cast<uint32_t>(1 + rng() % 2), rng() % 7, rng() % 20, ts});
  }
  return in;
}

TEST(FpgaEngine, BatchedDoubleBufferedResultsEqualCpu) {
  auto card = std::make_shared<FakeCard>(tiny());
  std::string err;
  Engines e = make_card_engines(card, kPatterns, kRates, err);
  ASSERT_TRUE(e.pattern && e.rate) << err;
  auto cpu_p = make_cpu_pattern_engine(kPatterns, err);
  auto cpu_r = make_cpu_rate_engine_sized(kRates, 8, err);
  Input in = random_input(1);
  std::vector<PatternMatch> got, want;
  e.pattern->scan(in.items, got);
  cpu_p->scan(in.items, want);
  EXPECT_EQ(got, want);
  EXPECT_FALSE(want.empty());
  std::vector<RateResult> rgot, rwant;
  for (size_t at = 0; at < in.samples.size(); at += 100) {  // state persists across calls
    auto part = std::span(in.samples).subspan(at, 100);
    e.rate->update(part, rgot);
    cpu_r->update(part, rwant);
  }
  EXPECT_EQ(rgot, rwant);
  EXPECT_GT(card->starts, 20);
  EXPECT_EQ(card->max_in_flight, 1);  // packing overlaps the run, runs never overlap
  // Batches with more than 4 hits overflow the hit buffer: those batches
  // went to the cpu and were counted, with no card failure.
  EXPECT_GT(e.pattern->fallbacks(), 0u);
  EXPECT_NE(e.pattern->fallback_reason().find("overflow"), std::string_view::npos);
  EXPECT_EQ(e.rate->fallbacks(), 0u);
}

TEST(FpgaEngine, RunTimeoutFallsBackToCpuWithReasonAndCounter) {
  auto card = std::make_shared<FakeCard>(tiny());
  card->timeout_at = 3;
  std::string err;
  Engines e = make_card_engines(card, kPatterns, kRates, err);
  ASSERT_TRUE(e.pattern) << err;
  auto cpu_p = make_cpu_pattern_engine(kPatterns, err);
  Input in = random_input(2);
  std::vector<PatternMatch> got, want;
  e.pattern->scan(in.items, got);
  cpu_p->scan(in.items, want);
  EXPECT_EQ(got, want);  // the failed call is answered entirely by the cpu
  EXPECT_NE(e.pattern->fallback_reason().find("timed out"), std::string_view::npos) << e.pattern->fallback_reason();
  const uint64_t after_first = e.pattern->fallbacks();
  EXPECT_GE(after_first, 1u);
  const int starts = card->starts;
  got.clear();
  e.pattern->scan(in.items, got);  // the card is not used again
  EXPECT_EQ(got, want);
  EXPECT_EQ(card->starts, starts);
  EXPECT_EQ(e.pattern->fallbacks(), after_first + 1);
}

TEST(FpgaEngine, StartFailureOnRateFallsBackAndCpuWindowsStartEmpty) {
  auto card = std::make_shared<FakeCard>(tiny());
  card->fail_start_at = 1;
  std::string err;
  Engines e = make_card_engines(card, kPatterns, kRates, err);
  ASSERT_TRUE(e.rate) << err;
  std::vector<RateSample> s = {{0, 1, 42, 0, 10}, {1, 1, 42, 0, 20}};
  std::vector<RateResult> out;
  e.rate->update(s, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].count, 2u);
  EXPECT_EQ(e.rate->fallbacks(), 1u);
  EXPECT_NE(e.rate->fallback_reason().find("injected start failure"), std::string_view::npos);
}

TEST(FpgaEngine, NoDeviceOrBadXclbinIsAnErrorWhenAskedForAndCpuOnAuto) {
  std::string err;
  Engines named = make_engines({Backend::Fpga, "/nonexistent/bad.xclbin", 0}, kPatterns, kRates, err);
  EXPECT_FALSE(named.pattern);
  // This machine has no card: the reason names what is missing.
  EXPECT_TRUE(err.find("no Alveo") != std::string::npos || err.find("no xclbin") != std::string::npos) << err;
  Engines autoe = make_engines({Backend::Auto, "/nonexistent/bad.xclbin", 0}, kPatterns, kRates, err);
  ASSERT_TRUE(autoe.pattern);
  EXPECT_EQ(autoe.backend, "cpu");
  EXPECT_NE(autoe.why.find(", using cpu"), std::string::npos) << autoe.why;
}

}  // namespace
}  // namespace sigprobe::offload
