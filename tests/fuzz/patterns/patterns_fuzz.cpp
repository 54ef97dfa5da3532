// libFuzzer target for the pattern stage: cpu and csim engines against the
// longhand matching rules. Build: cmake -DSIGPROBE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 ...;
// ninja fuzz_patterns. Run: fuzz_patterns -max_total_time=60 tests/fuzz/patterns/seeds
#include "tests/fuzz/patterns/patterns_fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sigprobe::offload::fuzz::run_one(data, size);
}
