// The flows that alerts named (their SIP Call-IDs and TCAP transactions):
// the mirror port gets their packets. Keys are host/out's flow keys (64-bit
// hashes of the Call-ID or of the "pc-tid" text), so "flagged" means the same
// here as in the pcap mirror and HEP outputs. Inserted on alerts (rare);
// looked up per event without allocating.
#pragma once
#include <cstdint>
#include <unordered_set>

#include "dataplane/core/signal_event.hpp"
#include "host/detect/alert.hpp"

namespace sigprobe::dp {

class FlaggedFlows {
 public:
  void add(const Alert& a);
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }
  // The event's Call-ID or TCAP transaction is flagged.
  bool matches(const SignalEvent& ev) const;

 private:
  std::unordered_set<uint64_t> keys_;
};

}  // namespace sigprobe::dp
