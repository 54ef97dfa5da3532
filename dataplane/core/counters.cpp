#include "dataplane/core/counters.hpp"

namespace sigprobe {

DecodeCounters& DecodeCounters::operator+=(const DecodeCounters& o) {
  packets += o.packets;
  bytes += o.bytes;
  malformed_packets += o.malformed_packets;
  events_dropped += o.events_dropped;
  repeats_dropped += o.repeats_dropped;
  national_numbers += o.national_numbers;
  for (size_t i = 0; i < messages.size(); ++i) messages[i] += o.messages[i];
  for (size_t i = 0; i < anomalies.size(); ++i) anomalies[i] += o.anomalies[i];
  anomalies_total += o.anomalies_total;
  const uint64_t* a = reinterpret_cast<const uint64_t*>(&o.reasm);
  uint64_t* b = reinterpret_cast<uint64_t*>(&reasm);
  static_assert(sizeof(ReassemblyCounters) % sizeof(uint64_t) == 0);
  for (size_t i = 0; i < sizeof(ReassemblyCounters) / sizeof(uint64_t); ++i) b[i] += a[i];
  return *this;
}

}  // namespace sigprobe
