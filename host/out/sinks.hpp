// The act step's outputs, built from the command line. Owner: host/out.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "host/pipeline.hpp"

namespace sigprobe {

struct OutputOptions {
  std::string alerts_path;   // "-" = stdout; empty = none
  std::string events_path;   // event JSON lines; empty = none
  std::string mirror_dir;    // pcap per alert
  std::string hep;           // HOST:PORT of a HEPv3 collector
  std::string metrics;       // ADDR:PORT for Prometheus
};

// nullptr entries are never returned; on a bad option err is set and the
// vector is empty.
std::vector<std::unique_ptr<Sink>> make_output_sinks(const OutputOptions& opts, std::string& err);

}  // namespace sigprobe
