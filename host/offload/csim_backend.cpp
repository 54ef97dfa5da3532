// The csim backend: the HLS kernels' C++ called on host buffers.
#include "host/offload/backend_detail.hpp"

namespace sigprobe::offload {

std::unique_ptr<PatternEngine> make_csim_pattern_engine(std::span<const PatternSpec>, std::string& err) {
  err = "csim pattern engine not built yet";
  return nullptr;
}

std::unique_ptr<RateEngine> make_csim_rate_engine(std::span<const RateSpec>, std::string& err) {
  err = "csim rate engine not built yet";
  return nullptr;
}

}  // namespace sigprobe::offload

namespace sigprobe::offload {
std::unique_ptr<RateEngine> make_csim_rate_engine_sized(std::span<const RateSpec>, unsigned, std::string& err) {
  err = "csim rate engine not built yet";
  return nullptr;
}
}  // namespace sigprobe::offload
