// The DPDK dataplane, wired: ports, RX queues, worker lcores, the detect
// lcore, statistics. `sigprobe dpdk` and the benchmark call run_dataplane()
// after eal_init().
//
// Lcores: the main lcore is the detect lcore (merge, track + detect, alerts,
// statistics); each worker lcore owns a share of the RX queues of every input
// port and one TX queue on every output port. With one worker the whole
// burst runs to completion on that worker and the main lcore only reports.
// With a single lcore in the EAL core list, that lcore does everything.
#pragma once
#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "dataplane/core/counters.hpp"
#include "dataplane/decode.hpp"
#include "host/pipeline.hpp"

namespace sigprobe::dp {

enum class Mode : uint8_t { Tap, Inline };

struct DpOptions {
  Mode mode = Mode::Tap;
  std::vector<std::string> ports;   // tap: one or more; inline: exactly A and B
  std::string mirror_port;          // empty: none
  bool enforce = false;             // inline: drop blocked calls and transactions
  uint16_t workers = 0;             // 0: one per worker lcore
  double stats_period_s = 0;        // 0: statistics at exit only
  double idle_exit_s = 0;           // > 0: stop once no packet came for that long
  uint32_t slots_per_queue = 8;     // bursts in flight per RX queue
  uint32_t mbufs = 16383;
  uint16_t rx_desc = 1024, tx_desc = 1024;
  DecoderConfig decoder;
};

struct DpResult {
  DecodeCounters decode;
  uint64_t rx_packets = 0, forwarded = 0, enforced = 0, mirrored = 0, tx_full = 0;
  uint64_t held = 0, not_held = 0;  // --enforce over SCTP and TCP (hold_in_place.hpp)
  uint64_t held_repeats = 0;        // ... of which retransmissions of a held chunk
  uint64_t rejected = 0, reject_failed = 0;  // blocked INVITEs answered / not
  uint64_t calls_cut = 0, cut_failed = 0;    // calls cut (a BYE to each party) / not (sip_cut.hpp)
  uint64_t byes_sent = 0;
  uint64_t alerts = 0;
  // TSC cycles by stage, summed over workers; detect_lcore_cycles is the
  // detect lcore's (several workers), cycles_detect the workers' (one worker).
  uint64_t cycles_decode = 0, cycles_detect = 0, cycles_act = 0, busy_cycles = 0, detect_lcore_cycles = 0;
  uint64_t tsc_hz = 0;
  double seconds = 0;
  uint16_t workers = 0;
};

// Runs until `stop` (SIGINT/SIGTERM) or the idle limit; prints statistics to
// `report` on the period and at the end. 0 on success; 2 and err set on a
// start-up error (one line).
int run_dataplane(const DpOptions& opts, Analyzer* analyzer, std::vector<Sink*> sinks,
                  const std::atomic<bool>& stop, std::ostream& report, DpResult& result, std::string& err);

}  // namespace sigprobe::dp
