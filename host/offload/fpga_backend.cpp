// The fpga backend: the Card interface on XRT's native API (Debian's
// libxrt-dev, XRT 2.13 / 2022.1: run.wait(timeout) returns
// ERT_CMD_STATE_TIMEOUT; there is no wait2 in this release). XRT reports
// errors by throwing: every call is caught here and becomes a reason.
// Cannot run on a machine without an Alveo card; compiled and linked always
// when the headers are found.
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "experimental/xrt_system.h"
#include "host/offload/card.hpp"
#include "host/offload/fpga_probe.hpp"
#include "xrt/xrt_bo.h"
#include "xrt/xrt_device.h"
#include "xrt/xrt_kernel.h"

namespace sigprobe::offload {
namespace {

constexpr const char* kDefaultXclbin = "/usr/local/share/sigprobe/sigprobe.xclbin";

// Kernel argument positions (hls_kernels/include/kernels.hpp).
enum PatternArg { kPaChunks, kPaNChunks, kPaImage, kPaHits, kPaHitCap, kPaNHits };
enum RateArg { kRaSamples, kRaNSamples, kRaSpecs, kRaNSpecs, kRaTable, kRaSetsLog2, kRaResults };

class XrtCard final : public Card {
 public:
  bool open(unsigned index, const std::string& xclbin, std::string& why) {
    try {
      device_ = xrt::device(index);
      const xrt::uuid uuid = device_.load_xclbin(xclbin);
      pattern_ = xrt::kernel(device_, uuid, "sp_pattern");
      rate_ = xrt::kernel(device_, uuid, "sp_rate");
      for (int s = 0; s < kCardSlots; ++s) {  // every buffer allocated once
        chunks_bo_[s] = xrt::bo(device_, sizes_.chunks * sizeof(hlsk::PatternChunk), pattern_.group_id(kPaChunks));
        hits_bo_[s] = xrt::bo(device_, sizes_.hits * sizeof(hlsk::PatternHit), pattern_.group_id(kPaHits));
        nhits_bo_[s] = xrt::bo(device_, 64, pattern_.group_id(kPaNHits));
        samples_bo_[s] = xrt::bo(device_, sizes_.samples * sizeof(hlsk::RateSampleRecord), rate_.group_id(kRaSamples));
        results_bo_[s] = xrt::bo(device_, sizes_.samples * sizeof(hlsk::RateResultRecord), rate_.group_id(kRaResults));
        pattern_run_[s] = xrt::run(pattern_);
        rate_run_[s] = xrt::run(rate_);
      }
      table_bo_ = xrt::bo(device_, (size_t{hlsk::kRateWays} << sizes_.rate_sets_log2) * sizeof(hlsk::RateEntry),
                          rate_.group_id(kRaTable));
      // The table starts empty: zero it on the card once.
      std::memset(table_bo_.map<void*>(), 0, table_bo_.size());
      table_bo_.sync(XCL_BO_SYNC_BO_TO_DEVICE);
      return true;
    } catch (const std::exception& e) {
      why = std::string("xrt: ") + e.what();
      return false;
    }
  }

  const CardSizes& sizes() const override { return sizes_; }

  bool load_pattern_image(std::span<const uint32_t> image, std::string& why) override {
    return guarded(why, [&] {
      image_bo_ = xrt::bo(device_, image.size_bytes(), pattern_.group_id(kPaImage));
      image_bo_.write(image.data());
      image_bo_.sync(XCL_BO_SYNC_BO_TO_DEVICE);
      for (int s = 0; s < kCardSlots; ++s) {
        pattern_run_[s].set_arg(kPaChunks, chunks_bo_[s]);
        pattern_run_[s].set_arg(kPaImage, image_bo_);
        pattern_run_[s].set_arg(kPaHits, hits_bo_[s]);
        pattern_run_[s].set_arg(kPaHitCap, static_cast<unsigned>(sizes_.hits));
        pattern_run_[s].set_arg(kPaNHits, nhits_bo_[s]);
      }
    });
  }

  bool load_rate_specs(std::span<const hlsk::RateSpecRecord> specs, std::string& why) override {
    return guarded(why, [&] {
      specs_bo_ = xrt::bo(device_, std::max<size_t>(64, specs.size_bytes()), rate_.group_id(kRaSpecs));
      if (!specs.empty()) specs_bo_.write(specs.data(), specs.size_bytes(), 0);
      specs_bo_.sync(XCL_BO_SYNC_BO_TO_DEVICE);
      for (int s = 0; s < kCardSlots; ++s) {
        rate_run_[s].set_arg(kRaSamples, samples_bo_[s]);
        rate_run_[s].set_arg(kRaSpecs, specs_bo_);
        rate_run_[s].set_arg(kRaNSpecs, static_cast<unsigned>(specs.size()));
        rate_run_[s].set_arg(kRaTable, table_bo_);
        rate_run_[s].set_arg(kRaSetsLog2, sizes_.rate_sets_log2);
        rate_run_[s].set_arg(kRaResults, results_bo_[s]);
      }
    });
  }

  std::span<hlsk::PatternChunk> chunks(int s) override {
    return {chunks_bo_[s].map<hlsk::PatternChunk*>(), sizes_.chunks};
  }
  std::span<const hlsk::PatternHit> hits(int s) override {
    return {hits_bo_[s].map<const hlsk::PatternHit*>(), sizes_.hits};
  }
  std::span<hlsk::RateSampleRecord> samples(int s) override {
    return {samples_bo_[s].map<hlsk::RateSampleRecord*>(), sizes_.samples};
  }
  std::span<const hlsk::RateResultRecord> results(int s) override {
    return {results_bo_[s].map<const hlsk::RateResultRecord*>(), sizes_.samples};
  }

  bool start_pattern(int s, uint32_t n, std::string& why) override {
    return guarded(why, [&] {
      chunks_bo_[s].sync(XCL_BO_SYNC_BO_TO_DEVICE, n * sizeof(hlsk::PatternChunk), 0);
      pattern_run_[s].set_arg(kPaNChunks, static_cast<unsigned>(n));
      pattern_run_[s].start();
    });
  }

  bool wait_pattern(int s, uint32_t& n_hits, std::string& why) override {
    if (!wait(pattern_run_[s], why)) return false;
    return guarded(why, [&] {
      nhits_bo_[s].sync(XCL_BO_SYNC_BO_FROM_DEVICE);
      n_hits = *nhits_bo_[s].map<const uint32_t*>();
      const size_t got = std::min<size_t>(n_hits, sizes_.hits);
      if (got > 0) hits_bo_[s].sync(XCL_BO_SYNC_BO_FROM_DEVICE, got * sizeof(hlsk::PatternHit), 0);
    });
  }

  bool start_rate(int s, uint32_t n, std::string& why) override {
    rate_n_[s] = n;
    return guarded(why, [&] {
      samples_bo_[s].sync(XCL_BO_SYNC_BO_TO_DEVICE, n * sizeof(hlsk::RateSampleRecord), 0);
      rate_run_[s].set_arg(kRaNSamples, static_cast<unsigned>(n));
      rate_run_[s].start();
    });
  }

  bool wait_rate(int s, std::string& why) override {
    if (!wait(rate_run_[s], why)) return false;
    return guarded(why, [&] {
      results_bo_[s].sync(XCL_BO_SYNC_BO_FROM_DEVICE, rate_n_[s] * sizeof(hlsk::RateResultRecord), 0);
    });
  }

 private:
  template <class F>
  static bool guarded(std::string& why, F&& f) {
    try {
      f();
      return true;
    } catch (const std::exception& e) {
      why = std::string("xrt: ") + e.what();
      return false;
    }
  }

  bool wait(xrt::run& run, std::string& why) {
    ert_cmd_state st = ERT_CMD_STATE_ERROR;
    if (!guarded(why, [&] { st = run.wait(sizes_.timeout); })) return false;
    if (st == ERT_CMD_STATE_COMPLETED) return true;
    why = st == ERT_CMD_STATE_TIMEOUT ? "kernel run timed out after " + std::to_string(sizes_.timeout.count()) + " ms"
                                      : "kernel run ended in state " + std::to_string(static_cast<int>(st));
    return false;
  }

  CardSizes sizes_;
  xrt::device device_;
  xrt::kernel pattern_, rate_;
  xrt::bo chunks_bo_[kCardSlots], hits_bo_[kCardSlots], nhits_bo_[kCardSlots];
  xrt::bo samples_bo_[kCardSlots], results_bo_[kCardSlots];
  xrt::bo image_bo_, specs_bo_, table_bo_;
  xrt::run pattern_run_[kCardSlots], rate_run_[kCardSlots];
  uint32_t rate_n_[kCardSlots] = {};
};

}  // namespace

CardProbe probe_card(const OffloadOptions& opts, std::string& why) {
  CardProbe p;
  size_t devices = 0;
  try {
    devices = xrt::system::enumerate_devices();
  } catch (const std::exception& e) {
    why = std::string("no Alveo device found (xrt: ") + e.what() + ")";
    return p;
  }
  if (devices == 0) {
    why = "no Alveo device found";
    return p;
  }
  if (opts.device_index >= devices) {
    why = "no Alveo device #" + std::to_string(opts.device_index) + " (" + std::to_string(devices) + " found)";
    return p;
  }
  std::string path = opts.xclbin;
  if (path.empty()) {
    const char* env = std::getenv("SIGPROBE_XCLBIN");
    path = env && *env ? env : kDefaultXclbin;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    why = "no xclbin at " + path;
    return p;
  }
  p.usable = true;
  p.device_index = opts.device_index;
  p.xclbin = path;
  p.description = "Alveo device #" + std::to_string(p.device_index) + ", " + path;
  return p;
}

Engines make_fpga_engines(const CardProbe& probe, std::span<const PatternSpec> patterns,
                          std::span<const RateSpec> rates, std::string& err) {
  auto card = std::make_shared<XrtCard>();
  if (!card->open(probe.device_index, probe.xclbin, err)) {
    err = "cannot open " + probe.description + ": " + err;
    return {};
  }
  return make_card_engines(card, patterns, rates, err);
}

}  // namespace sigprobe::offload
