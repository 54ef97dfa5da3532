// The calls the fpga backend makes on a card, as a small interface: XrtCard
// (fpga_backend.cpp) implements it with XRT; tests implement it with the
// kernels' C++ and injected failures. Every call reports failure with a
// reason instead of throwing.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "hls_kernels/include/pattern_record.hpp"
#include "hls_kernels/include/rate_record.hpp"
#include "host/offload/engines.hpp"

namespace sigprobe::offload {

// Two of each batch buffer: the host packs one while the card runs the other.
constexpr int kCardSlots = 2;

struct CardSizes {
  size_t chunks = 8192;          // 512 KiB of chunks per pattern batch
  size_t hits = 16384;           // hit records per pattern batch
  size_t samples = 16384;        // 512 KiB of samples per rate batch
  unsigned rate_sets_log2 = 16;  // table on the card: 8 ways each
  std::chrono::milliseconds timeout{2000};
};

class Card {
 public:
  virtual ~Card() = default;
  virtual const CardSizes& sizes() const = 0;
  // Tables written once, before the first run.
  virtual bool load_pattern_image(std::span<const uint32_t> image, std::string& why) = 0;
  virtual bool load_rate_specs(std::span<const hlsk::RateSpecRecord> specs, std::string& why) = 0;
  // Host views of a slot's buffers (mapped once).
  virtual std::span<hlsk::PatternChunk> chunks(int slot) = 0;
  virtual std::span<const hlsk::PatternHit> hits(int slot) = 0;
  virtual std::span<hlsk::RateSampleRecord> samples(int slot) = 0;
  virtual std::span<const hlsk::RateResultRecord> results(int slot) = 0;
  // Copy the slot's input to the card and start; wait (bounded by
  // sizes().timeout) and copy the output back.
  virtual bool start_pattern(int slot, uint32_t n_chunks, std::string& why) = 0;
  virtual bool wait_pattern(int slot, uint32_t& n_hits, std::string& why) = 0;
  virtual bool start_rate(int slot, uint32_t n_samples, std::string& why) = 0;
  virtual bool wait_rate(int slot, std::string& why) = 0;
};

// Engines that drive a card, each with a cpu engine to fall back to.
Engines make_card_engines(std::shared_ptr<Card> card, std::span<const PatternSpec> patterns,
                          std::span<const RateSpec> rates, std::string& err);

}  // namespace sigprobe::offload
