// Top function of the rate kernel: interface pragmas and dataflow only; the
// algorithm is in rate_core.hpp. The table stays in card memory between runs.
#include "hls_kernels/rate/rate_core.hpp"

extern "C" void sp_rate(const sigprobe::hlsk::RateSampleRecord* samples, unsigned n_samples,
                        const sigprobe::hlsk::RateSpecRecord* specs, unsigned n_specs,
                        sigprobe::hlsk::RateEntry* table, unsigned sets_log2,
                        sigprobe::hlsk::RateResultRecord* results) {
#pragma HLS INTERFACE m_axi port = samples offset = slave bundle = gmem0 max_read_burst_length = 64
#pragma HLS INTERFACE m_axi port = specs offset = slave bundle = gmem0
#pragma HLS INTERFACE m_axi port = table offset = slave bundle = gmem1
#pragma HLS INTERFACE m_axi port = results offset = slave bundle = gmem2 max_write_burst_length = 64
#pragma HLS INTERFACE s_axilite port = samples
#pragma HLS INTERFACE s_axilite port = n_samples
#pragma HLS INTERFACE s_axilite port = specs
#pragma HLS INTERFACE s_axilite port = n_specs
#pragma HLS INTERFACE s_axilite port = table
#pragma HLS INTERFACE s_axilite port = sets_log2
#pragma HLS INTERFACE s_axilite port = results
#pragma HLS INTERFACE s_axilite port = return
#pragma HLS DATAFLOW
  hls::stream<sigprobe::hlsk::RateSampleRecord> in_s("samples");
  hls::stream<sigprobe::hlsk::RateResultRecord> out_s("results");
#pragma HLS STREAM variable = in_s depth = 64
#pragma HLS STREAM variable = out_s depth = 64
  sigprobe::hlsk::rate_load(samples, n_samples, in_s);
  sigprobe::hlsk::rate_update(n_samples, in_s, specs, n_specs, table, sets_log2, out_s);
  sigprobe::hlsk::rate_store(n_samples, out_s, results);
}
