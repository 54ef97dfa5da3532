// The kernels' top functions as the host's csim backend and the test
// benches call them (the fpga backend reaches the same arguments via XRT).
// sp_pattern keeps its DFAs in static storage between calls (on-chip memory
// on the card) and reloads them when the image id changes: CPU callers must
// not call it from two threads at once.
#pragma once
#include "hls_kernels/include/pattern_record.hpp"
#include "hls_kernels/include/rate_record.hpp"

extern "C" void sp_pattern(const sigprobe::hlsk::PatternChunk* chunks, unsigned n_chunks, const uint32_t* image,
                           sigprobe::hlsk::PatternHit* hits, unsigned hit_cap, unsigned* n_hits);
extern "C" void sp_rate(const sigprobe::hlsk::RateSampleRecord* samples, unsigned n_samples,
                        const sigprobe::hlsk::RateSpecRecord* specs, unsigned n_specs,
                        sigprobe::hlsk::RateEntry* table, unsigned sets_log2,
                        sigprobe::hlsk::RateResultRecord* results);
