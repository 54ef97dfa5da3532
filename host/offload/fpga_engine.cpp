// Engines that drive a Card: batches sized by the card's buffers, double
// buffered (the host packs batch N+1 while the card runs batch N), every
// failure turned into a counted fallback to the cpu engine with its reason.
#include "host/offload/batch_pack.hpp"
#include "host/offload/card.hpp"

namespace sigprobe::offload {
namespace {

class CardPatternEngine final : public PatternEngine {
 public:
  CardPatternEngine(std::shared_ptr<Card> card, std::unique_ptr<PatternEngine> cpu, std::vector<uint32_t> ids)
      : card_(std::move(card)), cpu_(std::move(cpu)), ids_(std::move(ids)) {}

  std::string_view backend() const override { return "fpga"; }
  uint64_t fallbacks() const override { return fallbacks_; }
  std::string_view fallback_reason() const override { return reason_; }

  void scan(std::span<const ScanItem> items, std::vector<PatternMatch>& out) override {
    const size_t from = out.size();
    if (!failed_) {
      std::string why;
      if (run(items, out, why)) {
        finish_matches(out, from);
        return;
      }
      failed_ = true;
      reason_ = why;
      out.resize(from);
    }
    ++fallbacks_;
    cpu_->scan(items, out);
  }

 private:
  struct Batch {
    size_t begin = 0, end = 0;
    uint32_t chunks = 0;
  };

  // Packs whole fields into the slot; a field longer than the buffer goes to
  // the cpu engine on its own. False when nothing is left to send.
  bool pack(std::span<const ScanItem> items, size_t& next, int slot, Batch& b, std::vector<PatternMatch>& out) {
    while (next < items.size()) {
      size_t used = 0;
      const size_t took = pack_fields(items, next, card_->chunks(slot), used);
      if (took == 0) {
        cpu_->scan(items.subspan(next, 1), out);
        ++next;
        continue;
      }
      b = {next, next + took, static_cast<uint32_t>(used)};
      next += took;
      if (used > 0) return true;
    }
    return false;
  }

  bool collect(std::span<const ScanItem> items, int slot, const Batch& b, std::vector<PatternMatch>& out,
               std::string& why) {
    uint32_t n = 0;
    if (!card_->wait_pattern(slot, n, why)) return false;
    std::span<const hlsk::PatternHit> hits = card_->hits(slot);
    if (n > hits.size()) {  // more hits than the buffer: this batch on the cpu
      ++fallbacks_;
      reason_ = "hit buffer overflow (" + std::to_string(n) + " hits)";
      cpu_->scan(items.subspan(b.begin, b.end - b.begin), out);
      return true;
    }
    unpack_hits(hits.first(n), ids_, out);
    return true;
  }

  bool run(std::span<const ScanItem> items, std::vector<PatternMatch>& out, std::string& why) {
    size_t next = 0;
    Batch batch[kCardSlots];
    int cur = 0;
    if (!pack(items, next, cur, batch[cur], out)) return true;
    if (!card_->start_pattern(cur, batch[cur].chunks, why)) return false;
    for (;;) {
      const int nxt = cur ^ 1;
      const bool more = pack(items, next, nxt, batch[nxt], out);  // while the card runs `cur`
      if (!collect(items, cur, batch[cur], out, why)) return false;
      if (!more) return true;
      if (!card_->start_pattern(nxt, batch[nxt].chunks, why)) return false;
      cur = nxt;
    }
  }

  std::shared_ptr<Card> card_;
  std::unique_ptr<PatternEngine> cpu_;
  std::vector<uint32_t> ids_;
  bool failed_ = false;
  uint64_t fallbacks_ = 0;
  std::string reason_;
};

class CardRateEngine final : public RateEngine {
 public:
  CardRateEngine(std::shared_ptr<Card> card, std::unique_ptr<RateEngine> cpu, std::span<const RateSpec> rates)
      : card_(std::move(card)), cpu_(std::move(cpu)), index_(rates) {}

  std::string_view backend() const override { return "fpga"; }
  uint64_t fallbacks() const override { return fallbacks_; }
  std::string_view fallback_reason() const override { return reason_; }

  void update(std::span<const RateSample> samples, std::vector<RateResult>& out) override {
    const size_t from = out.size();
    if (!failed_) {
      std::string why;
      if (run(samples, out, why)) return;
      failed_ = true;  // the card's windows are gone; the cpu's start empty
      reason_ = why;
      out.resize(from);
    }
    ++fallbacks_;
    cpu_->update(samples, out);
  }

 private:
  bool run(std::span<const RateSample> samples, std::vector<RateResult>& out, std::string& why) {
    const size_t cap = card_->sizes().samples;
    size_t begin[kCardSlots] = {}, count[kCardSlots] = {};
    size_t next = 0;
    auto pack = [&](int slot) {
      begin[slot] = next;
      count[slot] = std::min(cap, samples.size() - next);
      pack_samples(samples.subspan(next, count[slot]), index_, card_->samples(slot).first(count[slot]));
      next += count[slot];
    };
    int cur = 0;
    if (samples.empty()) return true;
    pack(cur);
    if (!card_->start_rate(cur, static_cast<uint32_t>(count[cur]), why)) return false;
    for (;;) {
      const int nxt = cur ^ 1;
      const bool more = next < samples.size();
      if (more) pack(nxt);  // while the card runs `cur`
      if (!card_->wait_rate(cur, why)) return false;
      unpack_results(samples.subspan(begin[cur], count[cur]), card_->results(cur).first(count[cur]), out);
      if (!more) return true;
      if (!card_->start_rate(nxt, static_cast<uint32_t>(count[nxt]), why)) return false;
      cur = nxt;
    }
  }

  std::shared_ptr<Card> card_;
  std::unique_ptr<RateEngine> cpu_;
  SpecIndex index_;
  bool failed_ = false;
  uint64_t fallbacks_ = 0;
  std::string reason_;
};

}  // namespace

Engines make_card_engines(std::shared_ptr<Card> card, std::span<const PatternSpec> patterns,
                          std::span<const RateSpec> rates, std::string& err) {
  if (!validate_patterns(patterns, err) || !validate_rates(rates, err)) return {};
  std::vector<uint32_t> ids;
  std::vector<uint32_t> image = build_image(patterns, ids, err);
  if (image.empty()) return {};
  if (!card->load_pattern_image(image, err) || !card->load_rate_specs(spec_records(rates), err)) return {};
  auto cpu_pattern = make_cpu_pattern_engine(patterns, err);
  auto cpu_rate = make_cpu_rate_engine_sized(rates, card->sizes().rate_sets_log2, err);
  if (!cpu_pattern || !cpu_rate) return {};
  Engines e;
  e.backend = "fpga";
  e.pattern = std::make_unique<CardPatternEngine>(card, std::move(cpu_pattern), std::move(ids));
  e.rate = std::make_unique<CardRateEngine>(card, std::move(cpu_rate), rates);
  return e;
}

}  // namespace sigprobe::offload
