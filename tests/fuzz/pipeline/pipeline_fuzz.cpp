// libFuzzer target for decode -> track -> detect with the default rules.
// Build: cmake -DSIGPROBE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 ...; ninja fuzz_pipeline
// Run:   fuzz_pipeline -max_total_time=60 -max_len=8192 CORPUS tests/fuzz/l2l4/seeds
#include "tests/fuzz/pipeline/pipeline_fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sigprobe::pipeline::fuzz::run_one(data, size);
}
