// The backends every offload test runs against (TEST_P over their names).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "host/offload/backend_detail.hpp"

namespace sigprobe::offload::testing {

inline std::vector<std::string> backend_names() { return {"cpu", "csim"}; }

inline std::unique_ptr<PatternEngine> make_pattern(const std::string& backend, std::span<const PatternSpec> p,
                                                   std::string& err) {
  return backend == "cpu" ? make_cpu_pattern_engine(p, err) : make_csim_pattern_engine(p, err);
}

inline std::unique_ptr<RateEngine> make_rate(const std::string& backend, std::span<const RateSpec> r,
                                             unsigned sets_log2, std::string& err) {
  return backend == "cpu" ? make_cpu_rate_engine_sized(r, sets_log2, err)
                          : make_csim_rate_engine_sized(r, sets_log2, err);
}

}  // namespace sigprobe::offload::testing
