// Placeholder until detection lands: no analyzer.
#include "host/detect/analyzer.hpp"

namespace sigprobe {
std::unique_ptr<DetectAnalyzer> make_analyzer(const AnalyzerOptions&, std::string& err) {
  err = "detection is not built yet";
  return nullptr;
}
}  // namespace sigprobe
