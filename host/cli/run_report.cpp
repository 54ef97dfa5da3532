#include <ostream>

#include "host/cli/commands.hpp"
#include "host/detect/analyzer.hpp"
#include "host/out/summary.hpp"
#include "host/pipeline.hpp"

namespace sigprobe::cli {

void print_run_report(std::ostream& os, const std::string& title, const Pipeline& pipe,
                      const DetectAnalyzer* analyzer, std::chrono::steady_clock::time_point wall_start) {
  RunTiming t;
  t.busy_s = pipe.busy_seconds();
  t.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  os << "== sigprobe " << title << "\n";
  print_summary(os, pipe.counters(), t);
  if (analyzer) {
    os << "== caught: " << pipe.alerts() << " alert(s)\n";
    analyzer->print_caught(os);
  }
  os.flush();
}

}  // namespace sigprobe::cli
