// The act step's outputs, built from the command line. Owner: host/out.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/core/counters.hpp"
#include "host/pipeline.hpp"

namespace sigprobe {

// What the outputs may read from the run besides packets, events and alerts:
// filled in by the caller once the pipeline and the analyzer exist, read on
// the pipeline thread only (between bursts).
struct RunInfo {
  const DecodeCounters* decode = nullptr;  // the pipeline's counters
  std::string offload;                     // offload backend description
  // Extra gauges and counters (table occupancy, evictions, offload fallbacks):
  // called on the pipeline thread; append name (Prometheus metric name,
  // labels included) and value.
  std::function<void(std::vector<std::pair<std::string, double>>&)> extra;
};

struct OutputOptions {
  std::string alerts_path;   // "-" = stdout; empty = none
  std::string events_path;   // event JSON lines; empty = none
  bool syslog = false;       // alerts to syslog too (LOG_USER, LOG_WARNING and up by severity)

  std::string mirror_dir;    // pcap per alert
  double mirror_after_s = 30;             // follow a flagged flow this long after its alert
  size_t mirror_lookback_packets = 65536; // look-back ring
  uint64_t mirror_max_bytes = 1ull << 30; // all files in mirror_dir together
  size_t mirror_max_files = 1000;

  std::string hep;           // [udp:|tcp:]HOST:PORT of a HEPv3 collector
  uint32_t hep_capture_id = 0;
  std::string hep_auth_key;
  std::string hep_node_name = "sigprobe";

  std::string metrics;       // ADDR:PORT for Prometheus
  bool progress = true;      // progress line on stderr (drawn only when stderr is a terminal)
  RunInfo* run = nullptr;    // optional; owned by the caller, outlives the sinks
};

// nullptr entries are never returned; on a bad option err is set and the
// vector is empty.
std::vector<std::unique_ptr<Sink>> make_output_sinks(const OutputOptions& opts, std::string& err);

}  // namespace sigprobe
