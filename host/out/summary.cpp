#include "host/out/summary.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace sigprobe {

void print_summary(std::ostream& os, const DecodeCounters& c, const RunTiming& t) {
  fmt::print(os, "packets           {}\n", c.packets);
  fmt::print(os, "bytes             {}\n", c.bytes);
  fmt::print(os, "malformed packets {}\n", c.malformed_packets);
  if (c.events_dropped) fmt::print(os, "events dropped    {} (batch full)\n", c.events_dropped);
  if (c.repeats_dropped)
    fmt::print(os, "repeats dropped   {} (retransmissions past the burst's list)\n", c.repeats_dropped);
  fmt::print(os, "messages\n");
  for (size_t i = 0; i < c.messages.size(); ++i)
    if (c.messages[i]) fmt::print(os, "  {:<16}{}\n", proto_name(Proto(i)), c.messages[i]);
  if (c.national_numbers)
    fmt::print(os, "national numbers  {} (read with the country code in front)\n", c.national_numbers);
  bool any = false;
  for (size_t i = 0; i < c.anomalies.size(); ++i) {
    if (!c.anomalies[i]) continue;
    if (!any) fmt::print(os, "anomalies\n");
    any = true;
    fmt::print(os, "  {:<32}{}\n", kAnomalyCatalogue[i].id, c.anomalies[i]);
  }
  const ReassemblyCounters& r = c.reasm;
  fmt::print(os, "reassembly\n");
  fmt::print(os, "  ip fragments {} -> datagrams {} (timeouts {}, evictions {})\n", r.ip_frag_fragments,
             r.ip_frag_datagrams, r.ip_frag_timeouts, r.ip_frag_evictions);
  fmt::print(os, "  tcp streams {}, out-of-order {}, retransmissions {}, gaps {}, multi-segment messages {}\n",
             r.tcp_streams, r.tcp_segments_ooo, r.tcp_retransmissions, r.tcp_gaps, r.tcp_multi_segment_msgs);
  fmt::print(os, "  sctp fragments {} -> messages {}, duplicate tsns {}\n", r.sctp_fragments,
             r.sctp_reassembled, r.sctp_duplicate_tsns);
  fmt::print(os, "  sccp segments {} -> messages {}; sms parts {} -> texts {}\n", r.sccp_segments,
             r.sccp_reassembled, r.sms_parts, r.sms_assembled);
  double pps = t.busy_s > 0 ? double(c.packets) / t.busy_s : 0;
  fmt::print(os, "elapsed           {:.3f} s (pipeline {:.3f} s, {:.0f} packets/s)\n", t.wall_s, t.busy_s, pps);
}

}  // namespace sigprobe
