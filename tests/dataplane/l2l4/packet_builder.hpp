// Small builders for test packets: Ethernet/VLAN, IPv4 (checksum computed),
// IPv6 (+extension headers), UDP, TCP, SCTP (+DATA chunks), GRE, VXLAN, GTP-U.
// Field layouts follow RFC 791, RFC 8200, RFC 768, RFC 9293, RFC 9260,
// RFC 2784/2890, RFC 7348 and 3GPP TS 29.281; the packets are written here,
// not taken from any capture.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "dataplane/core/packet.hpp"

namespace sigprobe::testpkt {

using Buf = std::vector<uint8_t>;

inline void put16(Buf& b, uint16_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}
inline void put32(Buf& b, uint32_t v) {
  put16(b, uint16_t(v >> 16));
  put16(b, uint16_t(v));
}
inline Buf cat(Buf a, const Buf& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
inline Buf text(std::string_view s) { return Buf(s.begin(), s.end()); }

struct Vlan {
  uint16_t tpid = 0x8100;
  uint16_t tci = 100;
};

inline Buf eth(uint16_t type, const Buf& payload, std::initializer_list<Vlan> tags = {}) {
  Buf b = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa};
  for (const Vlan& v : tags) {
    put16(b, v.tpid);
    put16(b, v.tci);
  }
  put16(b, type);
  return cat(b, payload);
}

struct V4 {
  std::array<uint8_t, 4> src{10, 0, 0, 1}, dst{10, 0, 0, 2};
  uint8_t proto = 17;
  uint16_t id = 0x1234;
  bool more = false;
  uint16_t offset = 0;     // bytes, a multiple of 8
  Buf options;             // a multiple of 4 bytes
  bool bad_checksum = false;
};

inline Buf ipv4(const V4& h, const Buf& payload) {
  const size_t ihl = 20 + h.options.size();
  Buf b;
  b.push_back(uint8_t(0x40 | (ihl / 4)));
  b.push_back(0);
  put16(b, uint16_t(ihl + payload.size()));
  put16(b, h.id);
  put16(b, uint16_t((h.more ? 0x2000 : 0) | (h.offset / 8)));
  b.push_back(64);
  b.push_back(h.proto);
  put16(b, 0);
  b.insert(b.end(), h.src.begin(), h.src.end());
  b.insert(b.end(), h.dst.begin(), h.dst.end());
  b.insert(b.end(), h.options.begin(), h.options.end());
  uint32_t s = 0;
  for (size_t i = 0; i < ihl; i += 2) s += uint32_t(b[i] << 8 | b[i + 1]);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  uint16_t ck = uint16_t(~s);
  if (h.bad_checksum) ck ^= 0x5a5a;
  b[10] = uint8_t(ck >> 8);
  b[11] = uint8_t(ck);
  return cat(b, payload);
}

struct V6 {
  std::array<uint8_t, 16> src{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::array<uint8_t, 16> dst{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  uint8_t next = 17;
};

inline Buf ipv6(const V6& h, const Buf& payload) {
  Buf b = {0x60, 0, 0, 0};
  put16(b, uint16_t(payload.size()));
  b.push_back(h.next);
  b.push_back(64);
  b.insert(b.end(), h.src.begin(), h.src.end());
  b.insert(b.end(), h.dst.begin(), h.dst.end());
  return cat(b, payload);
}

// A generic 8-byte IPv6 option header (hop-by-hop, destination options): PadN.
inline Buf ipv6_opts(uint8_t next) { return {next, 0, 1, 4, 0, 0, 0, 0}; }
inline Buf ipv6_frag(uint8_t next, uint16_t offset, bool more, uint32_t id) {
  Buf b = {next, 0};
  put16(b, uint16_t(offset | (more ? 1 : 0)));
  put32(b, id);
  return b;
}

inline Buf udp(uint16_t sport, uint16_t dport, const Buf& payload) {
  Buf b;
  put16(b, sport);
  put16(b, dport);
  put16(b, uint16_t(8 + payload.size()));
  put16(b, 0);
  return cat(b, payload);
}

inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

inline Buf tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags, const Buf& payload) {
  Buf b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, 0);
  b.push_back(0x50);
  b.push_back(flags);
  put16(b, 65535);
  put32(b, 0);  // checksum, urgent pointer
  return cat(b, payload);
}

inline Buf sctp_data(uint32_t tsn, uint16_t stream, uint16_t ssn, uint32_t ppid, uint8_t flags,
                     const Buf& data) {
  Buf b = {0, flags};
  put16(b, uint16_t(16 + data.size()));
  put32(b, tsn);
  put16(b, stream);
  put16(b, ssn);
  put32(b, ppid);
  b.insert(b.end(), data.begin(), data.end());
  while (b.size() % 4) b.push_back(0);
  return b;
}
inline Buf sctp_chunk(uint8_t type, const Buf& body) {
  Buf b = {type, 0};
  put16(b, uint16_t(4 + body.size()));
  b.insert(b.end(), body.begin(), body.end());
  while (b.size() % 4) b.push_back(0);
  return b;
}
inline Buf sctp(uint16_t sport, uint16_t dport, uint32_t vtag, std::initializer_list<Buf> chunks) {
  Buf b;
  put16(b, sport);
  put16(b, dport);
  put32(b, vtag);
  put32(b, 0);  // CRC32c, not checked by sigprobe
  for (const Buf& c : chunks) b.insert(b.end(), c.begin(), c.end());
  return b;
}

// A packet over the bytes of b (which must outlive it).
inline PacketRef ref(const Buf& b, uint64_t frame = 1, uint64_t ts_ns = 1'000'000'000ull,
                     LinkType link = LinkType::Ethernet) {
  PacketRef p;
  p.data = b.data();
  p.caplen = uint32_t(b.size());
  p.wirelen = uint32_t(b.size());
  p.ts_ns = ts_ns;
  p.frame = frame;
  p.link = link;
  return p;
}

// Common stacks.
inline Buf eth_udp4(const Buf& payload, uint16_t sport = 5060, uint16_t dport = 5060) {
  V4 h;
  return eth(0x0800, ipv4(h, udp(sport, dport, payload)));
}
inline Buf eth_tcp4(uint32_t seq, uint8_t flags, const Buf& payload, uint16_t sport = 40000,
                    uint16_t dport = 5060) {
  V4 h;
  h.proto = 6;
  return eth(0x0800, ipv4(h, tcp(sport, dport, seq, flags, payload)));
}
inline Buf eth_sctp4(const Buf& sctp_packet) {
  V4 h;
  h.proto = 132;
  return eth(0x0800, ipv4(h, sctp_packet));
}

}  // namespace sigprobe::testpkt
