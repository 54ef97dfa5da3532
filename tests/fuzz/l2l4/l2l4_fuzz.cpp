// libFuzzer target for the L2-L4 walk and the decode glue (and, behind it,
// the SIP and SS7 decoders).
// Build: cmake -DSIGPROBE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 ...; ninja fuzz_l2l4
// Run:   fuzz_l2l4 -max_total_time=60 tests/fuzz/l2l4/seeds
#include "tests/fuzz/l2l4/l2l4_fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sigprobe::l2l4::fuzz::run_one(data, size);
}
