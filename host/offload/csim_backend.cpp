// The csim backend: the HLS kernels' own C++ (sp_pattern, sp_rate) called on
// host buffers, with the same packing the fpga backend uses.
#include <cstdlib>
#include <mutex>

#include "hls_kernels/include/kernels.hpp"
#include "host/offload/backend_detail.hpp"
#include "host/offload/batch_pack.hpp"

namespace sigprobe::offload {
namespace {

// sp_pattern keeps its DFAs in static storage, as the card keeps them on
// chip: csim engines in one process take turns (a new image id reloads them).
std::mutex& pattern_kernel_mutex() {
  static std::mutex m;
  return m;
}

class CsimPatternEngine final : public PatternEngine {
 public:
  bool build(std::span<const PatternSpec> patterns, std::string& err) {
    if (!validate_patterns(patterns, err)) return false;
    image_ = build_image(patterns, ids_, err);
    if (image_.empty()) err = "csim: " + err;
    chunks_.resize(kBatchChunks);
    hits_.resize(kBatchChunks);
    return !image_.empty();
  }

  std::string_view backend() const override { return "csim"; }

  void scan(std::span<const ScanItem> items, std::vector<PatternMatch>& out) override {
    const size_t from = out.size();
    for (size_t next = 0; next < items.size();) {
      size_t used = 0;
      const size_t took = pack_fields(items, next, chunks_, used);
      if (took == 0) {  // one field longer than the batch: give it room
        chunks_.resize(chunks_for(items[next].bytes.size()));
        continue;
      }
      next += took;
      unsigned n_hits = 0;
      std::lock_guard<std::mutex> lock(pattern_kernel_mutex());
      for (;;) {
        sp_pattern(chunks_.data(), static_cast<unsigned>(used), image_.data(), hits_.data(),
                   static_cast<unsigned>(hits_.size()), &n_hits);
        if (n_hits <= hits_.size()) break;
        hits_.resize(n_hits);  // the kernel counted past the buffer: run again with room
      }
      unpack_hits(std::span(hits_).first(n_hits), ids_, out);
    }
    finish_matches(out, from);
  }

 private:
  static constexpr size_t kBatchChunks = 4096;
  std::vector<uint32_t> image_;
  std::vector<uint32_t> ids_;
  std::vector<hlsk::PatternChunk> chunks_;
  std::vector<hlsk::PatternHit> hits_;
};

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

class CsimRateEngine final : public RateEngine {
 public:
  CsimRateEngine(std::span<const RateSpec> rates, unsigned sets_log2)
      : index_(rates), specs_(spec_records(rates)), sets_log2_(sets_log2),
        // calloc: the "card memory" pages appear when first touched.
        table_(static_cast<hlsk::RateEntry*>(std::calloc(size_t{hlsk::kRateWays} << sets_log2, sizeof(hlsk::RateEntry)))) {}
  bool ok() const { return table_ != nullptr; }

  std::string_view backend() const override { return "csim"; }

  void update(std::span<const RateSample> samples, std::vector<RateResult>& out) override {
    in_.resize(samples.size());
    res_.resize(samples.size());
    pack_samples(samples, index_, in_);
    sp_rate(in_.data(), static_cast<unsigned>(in_.size()), specs_.data(), static_cast<unsigned>(specs_.size()),
            table_.get(), sets_log2_, res_.data());
    unpack_results(samples, res_, out);
  }

 private:
  SpecIndex index_;
  std::vector<hlsk::RateSpecRecord> specs_;
  unsigned sets_log2_;
  std::unique_ptr<hlsk::RateEntry[], FreeDeleter> table_;
  std::vector<hlsk::RateSampleRecord> in_;
  std::vector<hlsk::RateResultRecord> res_;
};

}  // namespace

std::unique_ptr<PatternEngine> make_csim_pattern_engine(std::span<const PatternSpec> patterns, std::string& err) {
  auto e = std::make_unique<CsimPatternEngine>();
  if (!e->build(patterns, err)) return nullptr;
  return e;
}

std::unique_ptr<RateEngine> make_csim_rate_engine_sized(std::span<const RateSpec> rates, unsigned sets_log2,
                                                        std::string& err) {
  if (!validate_rates(rates, err)) return nullptr;
  auto e = std::make_unique<CsimRateEngine>(rates, sets_log2);
  if (!e->ok()) {
    err = "csim rate engine: cannot allocate the counter table";
    return nullptr;
  }
  return e;
}

std::unique_ptr<RateEngine> make_csim_rate_engine(std::span<const RateSpec> rates, std::string& err) {
  return make_csim_rate_engine_sized(rates, kDefaultRateSetsLog2, err);
}

}  // namespace sigprobe::offload
