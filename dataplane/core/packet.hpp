// A packet as the source hands it to decode: a view of its bytes (owned by the
// source for the duration of the burst), its capture timestamp and its frame
// number in the capture (1-based, as tshark numbers frames).
#pragma once
#include <cstdint>
#include <span>

#include "dataplane/core/byte_reader.hpp"

namespace sigprobe {

// pcap LINKTYPE_* values (https://www.tcpdump.org/linktypes.html).
enum class LinkType : uint16_t {
  Null = 0,          // BSD loopback, host-order 4-byte family
  Ethernet = 1,
  Raw = 101,         // raw IPv4 or IPv6, version nibble decides
  Loop = 108,        // OpenBSD loopback, network-order family
  LinuxSll = 113,
  Mtp2WithPhdr = 139,
  Mtp2 = 140,
  Mtp3 = 141,
  Ipv4 = 228,
  Ipv6 = 229,
  LinuxSll2 = 276,
};

inline constexpr uint16_t kBurstMax = 64;

struct PacketRef {
  const uint8_t* data = nullptr;
  uint32_t caplen = 0;    // bytes present at data
  uint32_t wirelen = 0;   // original length on the wire
  uint64_t ts_ns = 0;     // capture time, ns since the epoch
  uint64_t frame = 0;     // 1-based frame number within its capture
  LinkType link = LinkType::Ethernet;
  uint16_t port = 0;      // receiving port / capture file index

  Bytes bytes() const { return {data, caplen}; }
};

}  // namespace sigprobe
