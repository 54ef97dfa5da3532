// Where a mirrored packet's signaling bytes are, for HEP: the IP addresses,
// ports and L4 payload of an already-decoded packet. A small bounds-checked
// walk (Ethernet/VLAN, Linux SLL/SLL2, raw IP, BSD loopback -> IPv4/IPv6 ->
// UDP/TCP/SCTP); packets it cannot place (MTP links, IP fragments) are
// skipped by the caller and counted there.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/packet.hpp"

namespace sigprobe {

struct L4View {
  uint8_t family = 0;          // 4 or 6
  uint8_t ip_proto = 0;        // 17 UDP, 6 TCP, 132 SCTP
  std::array<uint8_t, 16> src{}, dst{};
  uint16_t sport = 0, dport = 0;
  Bytes payload;               // UDP/TCP payload, or the SCTP chunks
};

bool find_l4(Bytes pkt, LinkType link, L4View& out);

// Calls f(ppid, user_data) for each SCTP DATA chunk of an SCTP payload
// (the chunks after the common header). Stops at the first malformed chunk.
template <class F>
void for_each_sctp_data(Bytes chunks, F&& f) {
  ByteReader r{chunks};
  while (r.remaining() >= 4) {
    auto type = r.u8();
    auto flags = r.u8();
    auto len = r.u16be();
    if (!type || !flags || !len || *len < 4 || r.remaining() < size_t(*len - 4)) return;
    ByteReader c{*r.bytes(*len - 4)};
    r.skip(std::min<size_t>((4 - *len % 4) % 4, r.remaining()));
    if (*type != 0) continue;  // DATA only
    auto tsn = c.u32be();
    auto sid = c.u16be();
    auto ssn = c.u16be();
    auto ppid = c.u32be();
    if (!tsn || !sid || !ssn || !ppid) return;
    f(*ppid, c.rest());
  }
}

}  // namespace sigprobe
