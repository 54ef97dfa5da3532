// Statistics of the DPDK dataplane: per RX queue, per lcore, per port. Each
// counter has one writer (the lcore that owns it); the main lcore reads them
// for the periodic and the final report. Relaxed loads and stores, no locked
// read-modify-write on the data path.
#pragma once
#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace sigprobe::dp {

class Counter {
 public:
  void add(uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }
 private:
  std::atomic<uint64_t> v_{0};
};

struct alignas(64) QueueStats {
  Counter rx_packets, rx_bytes;
  Counter empty_polls;       // bursts that came back empty: the queue was looked at and had nothing
};

struct alignas(64) LcoreStats {
  Counter rx_packets;
  Counter tx_packets;        // forwarded (inline)
  Counter tx_full;           // forward refused by the TX queue: freed
  Counter enforced;          // dropped by --enforce
  Counter rejected;          // blocked INVITEs answered (settings.sip_reject)
  Counter reject_failed;     // not answered: not UDP, no mbuf, TX queue full
  Counter byes_sent;         // BYEs that cut a call (built by the detect lcore), sent
  Counter byes_failed;       // ... refused by the TX queue: freed
  Counter mirrored;          // sent to the mirror port
  Counter mirror_full;       // mirror refused by the TX queue: freed
  Counter anomalies;         // decode anomalies
  Counter events;            // SignalEvents decoded
  Counter multi_segment;     // packets gathered from several segments
  Counter busy_cycles;       // TSC cycles in bursts that carried packets
  Counter cycles_decode, cycles_detect, cycles_act;
};

struct alignas(64) DetectStats {
  Counter events, alerts, packets, merge_waits, unordered_bursts;
  Counter flagged_flows;
  Counter held;              // --enforce: blocked messages over SCTP or TCP held back in place
  Counter not_held;          // ... that could not be (fragmented, a response, ...): forwarded
  Counter held_repeats;      // ... retransmissions of a held SCTP chunk, held again (in held too)
  Counter cuts;              // calls cut: a BYE built for each party (sip_cut.hpp)
  Counter cut_failed;        // calls the rules asked to cut that could not be: dialog not seen
                             // (not UDP, not answered on the link, its slot taken), no mbuf, no room
  Counter dialogs, dialogs_answered;  // SIP dialogs over UDP kept for cutting (SipDialogs::counters)
  Counter dialogs_not_kept;           // ... INVITEs and 2xx that could not be (too long, in a tunnel)
  Counter byes_resent;       // BYEs of cut calls sent again (ByeResends: until the party answers)
  Counter byes_answered;     // ... parties that answered (or ended the call themselves)
  Counter byes_unanswered;   // ... parties silent at Timer F (32 s): given up
  Counter resends_not_kept;  // cuts whose BYEs could not be kept for sending again (sent once)
  Counter resend_failed;     // ... a BYE due again with no mbuf (counted, not sent)
  Counter offload_fallbacks; // the analyzer's (Analyzer::offload_fallbacks), as of the last run
  Counter cycles;            // TSC cycles in track + detect + outputs (merged mode)
};

}  // namespace sigprobe::dp
