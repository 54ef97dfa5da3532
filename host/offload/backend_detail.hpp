// Shared by the offload backends (not part of the engines.hpp interface):
// spec validation that every backend applies identically, so that a pattern
// set one backend rejects is rejected by all, and sizing knobs for tests.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "host/offload/engines.hpp"

namespace sigprobe::offload {

// Rate table: (1 << sets_log2) sets of hlsk::kRateWays ways.
constexpr unsigned kDefaultRateSetsLog2 = 16;  // 524288 keys

// Empty texts, Prefix/Exact texts longer than hlsk::kListMaxLen and field
// masks naming no known field are errors: "pattern id 7: empty text".
bool validate_patterns(std::span<const PatternSpec> patterns, std::string& err);
// Duplicate ids, more than hlsk::kRateMaxSpecs specs.
bool validate_rates(std::span<const RateSpec> rates, std::string& err);

// Maps a caller's spec id to its index in the spec table (-1 when unknown).
class SpecIndex {
 public:
  explicit SpecIndex(std::span<const RateSpec> rates);
  int32_t find(uint32_t id) const;

 private:
  std::vector<std::pair<uint32_t, int32_t>> sorted_;
};

// A literal as the cpu backend hands it to hs_compile_multi: every byte
// spelled \xHH (cpu_backend.cpp says why not hs_compile_lit_multi).
std::string hyperscan_literal(std::string_view text);

// Sorts the matches appended since `from` by (item, field, pattern) and drops repeats.
void finish_matches(std::vector<PatternMatch>& out, size_t from);

// Test seam: the cpu pattern engine with failures injected. Before its nth
// hs_scan call (0-based, counted over the engine's life) fault(n) is asked; a
// non-zero result (an hs_error_t) is taken as that call's failure, at once,
// with no match reported.
using ScanFault = std::function<int(uint64_t n)>;
std::unique_ptr<PatternEngine> make_cpu_pattern_engine_faulty(std::span<const PatternSpec> patterns,
                                                              ScanFault fault, std::string& err);

std::unique_ptr<RateEngine> make_cpu_rate_engine_sized(std::span<const RateSpec> rates,
                                                       unsigned sets_log2, std::string& err);
std::unique_ptr<RateEngine> make_csim_rate_engine_sized(std::span<const RateSpec> rates,
                                                        unsigned sets_log2, std::string& err);

}  // namespace sigprobe::offload
