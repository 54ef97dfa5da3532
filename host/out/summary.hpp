// The replay summary: packets, bytes, messages per protocol, anomalies by
// name, reassembly statistics, elapsed time and packets/s.
#pragma once
#include <ostream>

#include "dataplane/core/counters.hpp"

namespace sigprobe {

struct RunTiming {
  double wall_s = 0;   // whole run
  double busy_s = 0;   // time inside the pipeline (decode + detect + act)
};

void print_summary(std::ostream& os, const DecodeCounters& c, const RunTiming& t);

}  // namespace sigprobe
