// Detector: track + detect for one worker. Per burst: one pattern scan over
// the burst's fields, tracking in event order (calls, transactions,
// locations, SMS, contacts), one rate update over the burst's samples, then
// the rules applied in event order, so a verdict comes out on the message
// that crosses its threshold. State (tables, profiles, alert windows)
// belongs to the detector and survives rule reloads.
#pragma once
#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dataplane/core/signal_event.hpp"
#include "host/detect/alert.hpp"
#include "host/detect/compiled_rules.hpp"
#include "host/offload/engines.hpp"
#include "host/track/call_tracker.hpp"
#include "host/track/contact_log.hpp"
#include "host/track/ss7_tracker.hpp"

namespace sigprobe::detect {

namespace detail {
struct Consumer;
struct Profile;
}  // namespace detail

// Everything the detector caught for one (rule, subject), across windows.
struct Caught {
  std::string rule;
  SubjectType subject_type = SubjectType::Msisdn;
  std::string subject;
  uint64_t first_ts_ns = 0, last_ts_ns = 0;
  uint64_t alerts = 0;
  uint64_t hits = 0;          // alerts + hits counted into open alerts
};

struct DetectCounters {
  uint64_t events = 0, bursts = 0, samples = 0, matches = 0, alerts = 0, hits_merged = 0;
  uint64_t whitelisted_suppressed = 0, reloads = 0, profile_evictions = 0, alert_window_evictions = 0;
  uint64_t blocked_call_evictions = 0;
};

class Detector {
 public:
  // The engines must have been built from compiled->patterns / ->rates.
  Detector(std::unique_ptr<CompiledRules> compiled, std::unique_ptr<offload::PatternEngine> pattern,
           std::unique_ptr<offload::RateEngine> rate);
  ~Detector();

  void on_events(std::span<const SignalEvent> events, std::vector<Alert>& alerts);
  void finish(uint64_t now_ns, std::vector<Alert>& alerts);
  bool blocked(const SignalEvent& ev) const;

  // Swaps in new rules between bursts. rate may be null: the current rate
  // engine (and its windows) is kept, which is only valid when the spec list
  // is unchanged (same_rates()).
  void swap_rules(std::unique_ptr<CompiledRules> compiled, std::unique_ptr<offload::PatternEngine> pattern,
                  std::unique_ptr<offload::RateEngine> rate);
  bool same_rates(const CompiledRules& next) const;
  const CompiledRules& compiled() const { return *compiled_; }

  // Reports.
  const std::vector<Caught>& caught() const { return caught_; }
  const DetectCounters& counters() const { return counters_; }
  const track::CallTracker& calls() const { return calls_; }
  const track::TransactionTracker& transactions() const { return txns_; }
  // Batches the offload backend handed to its cpu fallback (fpga failures).
  uint64_t offload_fallbacks() const { return pattern_->fallbacks() + rate_->fallbacks(); }
  void print_caught(std::ostream& os) const;
  // One JSON line per flagged number: its victims (contacts since the
  // look-back before its first alert), deep ones marked.
  void write_victims(std::ostream& os) const;
  // Victims of a number as of now.
  std::vector<Victim> victims_of(std::string_view number, uint64_t since_ns) const;

 private:
  struct Impl;
  void apply_immediate(uint32_t rule, const SignalEvent& ev, size_t i, std::vector<Alert>& alerts);
  void evaluate(uint32_t rule, const detail::Consumer& c, const SignalEvent& ev, std::vector<Alert>& alerts);
  // The part of raise() before any evidence is needed: true when the hit is
  // done with (empty subject, whitelisted, or counted into its open alert).
  bool absorbed(uint32_t rule, SubjectType st, std::string_view subject, const SignalEvent& ev);
  void raise(uint32_t rule, SubjectType st, std::string_view subject, const SignalEvent& ev,
             nlohmann::json evidence, const detail::Profile* p, int32_t fact, std::vector<Alert>& alerts);

  std::unique_ptr<Impl> impl_;
  std::unique_ptr<CompiledRules> compiled_;
  std::unique_ptr<offload::PatternEngine> pattern_;
  std::unique_ptr<offload::RateEngine> rate_;
  track::CallTracker calls_;
  track::TransactionTracker txns_;
  track::LocationTable locations_;
  track::ContactLog contacts_;
  std::vector<Caught> caught_;
  DetectCounters counters_;
};

}  // namespace sigprobe::detect
