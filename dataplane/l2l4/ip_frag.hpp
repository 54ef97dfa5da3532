// IPv4 and IPv6 fragment reassembly (RFC 791, RFC 8200 section 4.5), bounded.
//
// A datagram is keyed by (addresses, identification, protocol). Its slot holds
// a 64 KiB payload buffer and a bitmap of the 8-byte units received. An exact
// repeat of received bytes is accepted silently (a retransmission); any other
// overlap is counted as ip.frag_overlap and, when the overlapping bytes
// differ, the whole datagram is dropped (RFC 5722's rule, applied to IPv4
// too: never guess which copy the receiver used). Fragments disagreeing on
// the datagram's end drop it as well. Incomplete datagrams expire after the
// configured capture time; when the table is full the oldest is evicted.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/l2l4/flow_table.hpp"

namespace sigprobe::l2l4 {

struct FragIn {
  FlowKey key;            // addresses, id, protocol, family
  uint32_t offset = 0;    // bytes
  bool more = false;      // MF / M flag
  uint8_t proto = 0;      // IPv4 protocol, or IPv6 next header after the fragment header
  Bytes data;             // fragment payload
};

class IpFragTable {
 public:
  static constexpr uint32_t kMaxDatagram = 65535;

  IpFragTable(uint32_t max_datagrams, uint64_t timeout_ns);

  // Adds a fragment at capture time now_ns. Returns the reassembled payload
  // (valid until the next call) and sets proto when this fragment completes
  // its datagram; an empty span otherwise.
  Bytes add(const FragIn& f, uint64_t now_ns, uint8_t& proto, DecodeCounters& c);

  uint32_t in_flight() const { return table_.size(); }

 private:
  static constexpr uint32_t kUnits = (kMaxDatagram + 8) / 8;
  struct Slot {
    std::vector<uint8_t> data;            // sized kMaxDatagram on first use
    std::array<uint64_t, (kUnits + 63) / 64> have{};
    uint32_t units = 0;                   // units received
    uint32_t total = 0;                   // payload length, known once the last fragment came
    uint32_t max_end = 0;
    uint8_t proto = 0;
    bool last_seen = false;
  };
  bool has(const Slot& s, uint32_t u) const { return (s.have[u >> 6] >> (u & 63)) & 1; }

  FlowTable<Slot> table_;
  uint64_t timeout_ns_;
  std::vector<uint8_t> done_;             // the completed datagram handed out
};

}  // namespace sigprobe::l2l4
