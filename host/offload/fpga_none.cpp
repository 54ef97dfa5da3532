// The fpga backend when sigprobe is built without XRT headers.
#include "host/offload/fpga_probe.hpp"

namespace sigprobe::offload {

CardProbe probe_card(const OffloadOptions&, std::string& why) {
  why = "no Alveo support in this build (XRT headers not found)";
  return {};
}

Engines make_fpga_engines(const CardProbe&, std::span<const PatternSpec>, std::span<const RateSpec>,
                          std::string& err) {
  err = "no Alveo support in this build (XRT headers not found)";
  return {};
}

}  // namespace sigprobe::offload
