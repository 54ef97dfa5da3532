// Builds track + detect from the rules and lists. Owner: host/detect.
#pragma once
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "host/offload/engines.hpp"
#include "host/pipeline.hpp"

namespace sigprobe {

struct AnalyzerOptions {
  std::string rules_path;                 // YAML rules file; empty = the default rules
  std::vector<std::string> blacklists;    // extra list files, one number/prefix a line
  std::vector<std::string> whitelists;
  offload::OffloadOptions offload;
  std::string victims_path;               // victims file (JSON lines); empty = none
};

class DetectAnalyzer : public Analyzer {
 public:
  // Human summary of what was caught: alerts per rule, top subjects, victims.
  virtual void print_caught(std::ostream& os) const = 0;
  // Which offload backend runs and why ("auto: no Alveo device found, using cpu").
  virtual std::string offload_description() const = 0;
  // Ask for a reload of the rules file at the next burst boundary (SIGHUP).
  virtual void request_reload() = 0;
  // Gauges and counters for --metrics (Prometheus name with labels, value):
  // table occupancy, capacity and evictions, offload fallbacks, reloads.
  virtual void append_metrics(std::vector<std::pair<std::string, double>>& out) const { (void)out; }
  // settings.country_code of the rules the run started with: what decoding
  // puts in front of a national number (DecoderConfig::country_code).
  virtual std::string country_code() const { return {}; }
};

// nullptr and err set ("rules.yaml:12: unknown key 'treshold'") on bad config.
std::unique_ptr<DetectAnalyzer> make_analyzer(const AnalyzerOptions& opts, std::string& err);

}  // namespace sigprobe
