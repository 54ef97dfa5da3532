// Top function of the pattern kernel: interface pragmas, the on-chip DFA
// tables and dataflow only; the algorithm is in pattern_core.hpp.
#include "hls_kernels/pattern/pattern_core.hpp"

namespace {

using sigprobe::hlsk::DfaTables;

void pattern_stream(const sigprobe::hlsk::PatternChunk* chunks, unsigned n_chunks, const uint32_t* image,
                    const DfaTables& cs, const DfaTables& nc, sigprobe::hlsk::PatternHit* hits, unsigned hit_cap,
                    unsigned* n_hits) {
#pragma HLS DATAFLOW
  hls::stream<sigprobe::hlsk::PatternChunk> chunk_s("chunks");
  hls::stream<sigprobe::hlsk::HitToken> hit_s("hits");
#pragma HLS STREAM variable = chunk_s depth = 64
#pragma HLS STREAM variable = hit_s depth = 256
  sigprobe::hlsk::pattern_load(chunks, n_chunks, chunk_s);
  sigprobe::hlsk::pattern_match(image, cs, nc, n_chunks, chunk_s, hit_s);
  sigprobe::hlsk::pattern_store(hit_s, hits, hit_cap, n_hits);
}

}  // namespace

extern "C" void sp_pattern(const sigprobe::hlsk::PatternChunk* chunks, unsigned n_chunks, const uint32_t* image,
                           sigprobe::hlsk::PatternHit* hits, unsigned hit_cap, unsigned* n_hits) {
#pragma HLS INTERFACE m_axi port = chunks offset = slave bundle = gmem0 max_read_burst_length = 64
#pragma HLS INTERFACE m_axi port = image offset = slave bundle = gmem1
#pragma HLS INTERFACE m_axi port = hits offset = slave bundle = gmem2 max_write_burst_length = 64
#pragma HLS INTERFACE m_axi port = n_hits offset = slave bundle = gmem2
#pragma HLS INTERFACE s_axilite port = chunks
#pragma HLS INTERFACE s_axilite port = n_chunks
#pragma HLS INTERFACE s_axilite port = image
#pragma HLS INTERFACE s_axilite port = hits
#pragma HLS INTERFACE s_axilite port = hit_cap
#pragma HLS INTERFACE s_axilite port = n_hits
#pragma HLS INTERFACE s_axilite port = return
  // The DFAs live on chip between runs; a new image id reloads them.
  static DfaTables cs_tables;
  static DfaTables nc_tables;
  static uint32_t loaded_id = 0;
#pragma HLS BIND_STORAGE variable = cs_tables type = ram_2p impl = uram
#pragma HLS BIND_STORAGE variable = nc_tables type = ram_2p impl = uram
  if (image[sigprobe::hlsk::kImgId] != loaded_id) {
    sigprobe::hlsk::dfa_load(image, sigprobe::hlsk::kImgCsClassOff, cs_tables);
    sigprobe::hlsk::dfa_load(image, sigprobe::hlsk::kImgNcClassOff, nc_tables);
    loaded_id = image[sigprobe::hlsk::kImgId];
  }
  pattern_stream(chunks, n_chunks, image, cs_tables, nc_tables, hits, hit_cap, n_hits);
}
