// libFuzzer target for the SIP parser, field extraction and TCP framing.
// Build: cmake -DSIGPROBE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 ...; ninja fuzz_sip
// Run:   fuzz_sip -max_total_time=60 tests/fuzz/sip/seeds
#include "tests/fuzz/sip/sip_fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sigprobe::sip::fuzz::run_one(data, size);
}
