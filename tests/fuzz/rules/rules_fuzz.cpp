// libFuzzer target for the rules file: loading, compiling, both pattern engines.
// Build: cmake -DSIGPROBE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 ...; ninja fuzz_rules
// Run:   fuzz_rules -max_total_time=60 tests/fuzz/rules/seeds
#include "tests/fuzz/rules/rules_fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sigprobe::rules::fuzz::run_one(data, size);
}
