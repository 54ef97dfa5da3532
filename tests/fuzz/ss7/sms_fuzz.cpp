// libFuzzer target: the SS7 sms entry point (see ss7_fuzz_entry.hpp).
#include "tests/fuzz/ss7/ss7_fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sigprobe::ss7::fuzz::sms(data, size);
  return 0;
}
