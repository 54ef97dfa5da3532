// Packing events into the kernels' fixed records and unpacking their
// results: the work the fpga and csim backends add around the kernels.
// Hot path: fills buffers the caller owns, no allocation.
#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "hls_kernels/include/pattern_record.hpp"
#include "hls_kernels/include/rate_record.hpp"
#include "host/offload/backend_detail.hpp"

namespace sigprobe::offload {

// Chunks a field of n bytes needs.
constexpr size_t chunks_for(size_t n) { return (n + hlsk::kChunkBytes - 1) / hlsk::kChunkBytes; }

// Packs whole fields from items[first..] into out; returns how many items it
// consumed (empty fields and unknown field tags are consumed without chunks).
// Returns 0 only when the next field alone needs more than out.size() chunks;
// chunks_used says how many chunks were written.
size_t pack_fields(std::span<const ScanItem> items, size_t first, std::span<hlsk::PatternChunk> out,
                   size_t& chunks_used);

// Appends the hits as matches (pattern index -> caller's id); not yet sorted.
void unpack_hits(std::span<const hlsk::PatternHit> hits, std::span<const uint32_t> ids,
                 std::vector<PatternMatch>& out);

// One record per sample; an unknown spec id becomes an index past the table
// (the kernel answers it with an empty result).
void pack_samples(std::span<const RateSample> in, const SpecIndex& index, std::span<hlsk::RateSampleRecord> out);

void unpack_results(std::span<const RateSample> in, std::span<const hlsk::RateResultRecord> res,
                    std::vector<RateResult>& out);

// The pattern kernel's table image for these patterns (index i = patterns[i];
// ids receives their ids). Empty image and err set when it does not fit.
std::vector<uint32_t> build_image(std::span<const PatternSpec> patterns, std::vector<uint32_t>& ids,
                                  std::string& err);

// The spec table as the kernel reads it.
std::vector<hlsk::RateSpecRecord> spec_records(std::span<const RateSpec> rates);

}  // namespace sigprobe::offload
