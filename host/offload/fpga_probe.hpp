// What make_engines needs from the fpga backend. fpga_backend.cpp implements
// it with XRT when libxrt-dev is found; fpga_none.cpp otherwise.
#pragma once
#include <span>
#include <string>

#include "host/offload/engines.hpp"

namespace sigprobe::offload {

struct CardProbe {
  bool usable = false;       // a device and a readable xclbin
  unsigned device_index = 0;
  std::string xclbin;        // the path that will be loaded
  std::string description;   // "xilinx_u250_gen3x16_xdma_shell_4_1 #0, sigprobe.xclbin"
};

// Looks for a card and an xclbin; when none, why says what is missing
// ("no Alveo device found", "no xclbin at /path").
CardProbe probe_card(const OffloadOptions& opts, std::string& why);

// Opens the card and loads the xclbin; err says why not.
Engines make_fpga_engines(const CardProbe& probe, std::span<const PatternSpec> patterns,
                          std::span<const RateSpec> rates, std::string& err);

}  // namespace sigprobe::offload
