// Counters decode keeps: plain integers owned by one worker, summed for output.
#pragma once
#include <array>
#include <cstdint>

#include "dataplane/core/anomaly.hpp"
#include "dataplane/core/signal_event.hpp"

namespace sigprobe {

struct ReassemblyCounters {
  uint64_t ip_frag_datagrams = 0;    // datagrams completed from fragments
  uint64_t ip_frag_fragments = 0;    // fragments seen
  uint64_t ip_frag_timeouts = 0;     // incomplete datagrams expired
  uint64_t ip_frag_evictions = 0;    // dropped because the table was full
  uint64_t tcp_streams = 0;          // directions opened
  uint64_t tcp_segments_ooo = 0;     // out-of-order segments buffered
  uint64_t tcp_retransmissions = 0;  // segments fully seen before
  uint64_t tcp_gaps = 0;             // holes skipped
  uint64_t tcp_multi_segment_msgs = 0;  // messages that spanned segments
  uint64_t tcp_evictions = 0;
  uint64_t sctp_fragments = 0;       // DATA chunks that were part of a fragmented message
  uint64_t sctp_reassembled = 0;     // user messages completed from fragments
  uint64_t sctp_duplicate_tsns = 0;  // retransmitted/duplicate DATA suppressed
  uint64_t sccp_segments = 0;        // XUDT/LUDT segments seen
  uint64_t sccp_reassembled = 0;
  uint64_t sms_parts = 0;            // concatenated SMS parts seen
  uint64_t sms_assembled = 0;        // concatenated SMS completed
};

struct DecodeCounters {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t malformed_packets = 0;    // packets with at least one anomaly
  uint64_t events_dropped = 0;       // batch full
  uint64_t repeats_dropped = 0;      // retransmissions past EventBatch's repeat list
  // Numbers the signalling marked national that decode gave in international
  // form (DecoderConfig::country_code in front).
  uint64_t national_numbers = 0;
  std::array<uint64_t, size_t(Proto::Count_)> messages{};
  std::array<uint64_t, kAnomalyCount> anomalies{};
  uint64_t anomalies_total = 0;      // sum of anomalies[]: read per packet, so kept, not summed
  ReassemblyCounters reasm;

  void anomaly(Anomaly a) {
    ++anomalies[size_t(a)];
    ++anomalies_total;
  }
  void message(Proto p) { ++messages[size_t(p)]; }

  DecodeCounters& operator+=(const DecodeCounters& o);
};

}  // namespace sigprobe
