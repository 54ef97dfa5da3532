// The offload interface: the two detection stages that can run on an Alveo
// card. Three backends implement it (chosen once at start-up):
//   fpga  XRT native API, the kernels in hls_kernels/ on the card
//   csim  the kernels' own C++ compiled for the CPU (bit-exact twin)
//   cpu   the fastest CPU implementation (Hyperscan, open-addressing tables)
// Every backend gives the same results for the same input.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sigprobe::offload {

// ---- pattern stage ----------------------------------------------------------
// Which event field an item of text comes from. Patterns name the fields they
// apply to with a mask of these bits.
enum class FieldTag : uint8_t {
  Calling = 0,    // calling / From / PAI / SMS originator number
  Called = 1,     // called / To / R-URI / SMS destination number
  Gt = 2,         // SCCP calling GT, VLR/MSC numbers
  Imsi = 3,
  Imei = 4,
  UserAgent = 5,
  FromDisplay = 6,
  Text = 7,       // SMS text, SIP MESSAGE body
  Url = 8,        // URL host found in text
  ForwardedTo = 9,  // MAP call forwarding target (registerSS, insertSubscriberData)
  Count_
};
constexpr uint32_t field_bit(FieldTag f) { return 1u << static_cast<uint32_t>(f); }

enum class PatternKind : uint8_t {
  Literal,        // substring, bytes as given (UTF-8)
  LiteralNocase,  // substring, ASCII letters case-insensitive
  Prefix,         // the field starts with the pattern (number prefixes)
  Exact,          // the field equals the pattern (numbers, domains)
};

struct PatternSpec {
  uint32_t id = 0;           // caller's id, returned in matches
  PatternKind kind = PatternKind::Literal;
  uint32_t field_mask = 0;   // field_bit()s the pattern applies to
  std::string text;
};

struct ScanItem {
  uint32_t item = 0;         // caller's index (event number in the batch)
  FieldTag field = FieldTag::Text;
  std::string_view bytes;
};

struct PatternMatch {
  uint32_t item = 0;
  uint32_t pattern_id = 0;
  FieldTag field = FieldTag::Text;
  bool operator==(const PatternMatch&) const = default;
};

class PatternEngine {
 public:
  virtual ~PatternEngine() = default;
  virtual std::string_view backend() const = 0;
  // Append each distinct (item, field, pattern) match once. Output is sorted
  // by (item, field, pattern_id) so every backend's output compares equal.
  virtual void scan(std::span<const ScanItem> items, std::vector<PatternMatch>& out) = 0;
  // fpga: batches handed to the cpu after a card failure; cpu: fields whose
  // hs_scan failed, searched literal by literal instead. And the last reason.
  virtual uint64_t fallbacks() const { return 0; }
  virtual std::string_view fallback_reason() const { return {}; }
};

// Matching rules (every backend): Literal/LiteralNocase match anywhere in the
// field (nocase folds ASCII A-Z only); Prefix reports every listed prefix of
// the field, Exact the field equal to the text. Prefix/Exact texts are at most
// 64 bytes (hlsk::kListMaxLen); an empty text or a longer list text makes the
// factory fail with "pattern id N: ...".

// ---- rate stage -------------------------------------------------------------
// A counter family: per key, the number of samples and of distinct values in
// a sliding window of capture time, with thresholds. Exact semantics, shared
// bit for bit by cpu, csim and fpga (hls_kernels/include/rate_record.hpp):
//  - the window is 16 slots of window_ns / 16 (at least 1 ns); a sample is in
//    slot ts_ns / slot_ns; count = the key's samples in its current slot and
//    the 15 before it, this sample included (a slot saturates at 65535);
//  - distinct = linear-counting estimate over a 64-bit bitmap per slot (value
//    0 = none); mean error under 10% up to 64 values, saturates at 255;
//  - a sample older than the key's newest counts in the key's newest slot;
//  - count_fired = count_threshold != 0 && count >= count_threshold, the
//    same for distinct; an unknown spec_id gives count 0, nothing fired;
//  - keys live in a set-associative table (8 ways, 2^16 sets by default); a
//    full set forgets the key whose last sample is oldest.
struct RateSpec {
  uint32_t id = 0;
  uint64_t window_ns = 60'000'000'000ull;
  uint32_t count_threshold = 0;     // 0 = not used
  uint32_t distinct_threshold = 0;  // 0 = not used
};

struct RateSample {
  uint32_t item = 0;        // caller's index
  uint32_t spec_id = 0;
  uint64_t key = 0;         // hash of the subject (number, IP, GT, UA...)
  uint64_t value = 0;       // hash of the value counted distinct (0 = none)
  uint64_t ts_ns = 0;       // capture time; samples arrive in time order
};

struct RateResult {
  uint32_t item = 0;
  uint32_t spec_id = 0;
  uint32_t count = 0;       // samples for the key in the window, this one included
  uint32_t distinct = 0;    // distinct values in the window
  bool count_fired = false;
  bool distinct_fired = false;
  bool operator==(const RateResult&) const = default;
};

class RateEngine {
 public:
  virtual ~RateEngine() = default;
  virtual std::string_view backend() const = 0;
  // One result per sample, in sample order. State persists across calls.
  virtual void update(std::span<const RateSample> samples, std::vector<RateResult>& out) = 0;
  // fpga only: batches handed to the cpu after a card failure, and why. The
  // card's windows are lost then: the cpu's start from empty.
  virtual uint64_t fallbacks() const { return 0; }
  virtual std::string_view fallback_reason() const { return {}; }
};

// ---- choosing a backend -----------------------------------------------------
enum class Backend : uint8_t { Auto, Fpga, Csim, Cpu };

struct OffloadOptions {
  Backend backend = Backend::Auto;
  std::string xclbin;       // path; empty = look in the default places
  unsigned device_index = 0;
};

struct Engines {
  std::unique_ptr<PatternEngine> pattern;
  std::unique_ptr<RateEngine> rate;
  std::string backend;      // "fpga", "csim" or "cpu"
  std::string why;          // e.g. "auto: no Alveo device found, using cpu"
};

// Picks and builds the backend (host/offload/make_engines.cpp). err is set
// when a backend that was asked for by name cannot run ("--offload fpga: no
// Alveo device found"); auto falls back to cpu and says why in Engines::why.
Engines make_engines(const OffloadOptions& opts, std::span<const PatternSpec> patterns,
                     std::span<const RateSpec> rates, std::string& err);

// The backends, each in its own file.
std::unique_ptr<PatternEngine> make_cpu_pattern_engine(std::span<const PatternSpec> patterns, std::string& err);
std::unique_ptr<RateEngine> make_cpu_rate_engine(std::span<const RateSpec> rates, std::string& err);
std::unique_ptr<PatternEngine> make_csim_pattern_engine(std::span<const PatternSpec> patterns, std::string& err);
std::unique_ptr<RateEngine> make_csim_rate_engine(std::span<const RateSpec> rates, std::string& err);

}  // namespace sigprobe::offload
