#include "host/out/l4_view.hpp"

#include <algorithm>
#include <cstring>

namespace sigprobe {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherVlan = 0x8100, kEtherQinQ = 0x88A8, kEtherQinQOld = 0x9100;

bool copy_addr(ByteReader& r, size_t n, std::array<uint8_t, 16>& to) {
  auto b = r.bytes(n);
  if (!b) return false;
  std::memcpy(to.data(), b->data(), n);
  return true;
}

bool l4(ByteReader r, uint8_t proto, L4View& out) {
  out.ip_proto = proto;
  auto sport = r.u16be();
  auto dport = r.u16be();
  if (!sport || !dport) return false;
  out.sport = *sport;
  out.dport = *dport;
  if (proto == 17) {
    auto len = r.u16be();
    if (!len || !r.skip(2) || *len < 8) return false;
    auto pl = r.bytes(std::min<size_t>(*len - 8, r.remaining()));
    out.payload = *pl;
    return true;
  }
  if (proto == 6) {
    if (!r.skip(8)) return false;
    auto off = r.u8();
    if (!off || (*off >> 4) < 5 || !r.skip(size_t(*off >> 4) * 4 - 13)) return false;
    out.payload = r.rest();
    return true;
  }
  if (proto == 132) {
    if (!r.skip(8)) return false;  // verification tag, checksum
    out.payload = r.rest();
    return true;
  }
  return false;
}

bool ipv4(ByteReader r, L4View& out) {
  auto vihl = r.u8();
  if (!vihl || (*vihl >> 4) != 4 || (*vihl & 0xF) < 5) return false;
  size_t ihl = size_t(*vihl & 0xF) * 4;
  auto tos = r.u8();
  auto total = r.u16be();
  auto id = r.u16be();
  auto frag = r.u16be();
  auto ttl = r.u8();
  auto proto = r.u8();
  if (!tos || !total || !id || !frag || !ttl || !proto || !r.skip(2)) return false;
  if ((*frag & 0x3FFF) != 0) return false;  // a fragment: no whole L4 payload here
  out.family = 4;
  if (!copy_addr(r, 4, out.src) || !copy_addr(r, 4, out.dst) || !r.skip(ihl - 20)) return false;
  if (*total < ihl) return false;
  auto body = r.bytes(std::min<size_t>(*total - ihl, r.remaining()));
  return l4(ByteReader{*body}, *proto, out);
}

bool ipv6(ByteReader r, L4View& out) {
  auto v = r.peek_u8();
  if (!v || (*v >> 4) != 6 || !r.skip(4)) return false;
  auto plen = r.u16be();
  auto next = r.u8();
  if (!plen || !next || !r.skip(1)) return false;
  out.family = 6;
  if (!copy_addr(r, 16, out.src) || !copy_addr(r, 16, out.dst)) return false;
  ByteReader body{*r.bytes(std::min<size_t>(*plen, r.remaining()))};
  uint8_t nh = *next;
  // Hop-by-hop, routing and destination options headers; a fragment header ends the walk.
  for (int depth = 0; depth < 8 && (nh == 0 || nh == 43 || nh == 60); ++depth) {
    auto n = body.u8();
    auto len = body.u8();
    if (!n || !len || !body.skip(size_t(*len) * 8 + 6)) return false;
    nh = *n;
  }
  return l4(body, nh, out);
}

bool by_ethertype(ByteReader r, uint16_t type, L4View& out) {
  if (type == kEtherIpv4) return ipv4(r, out);
  if (type == kEtherIpv6) return ipv6(r, out);
  return false;
}

bool by_version(ByteReader r, L4View& out) {
  auto v = r.peek_u8();
  if (!v) return false;
  if ((*v >> 4) == 4) return ipv4(r, out);
  if ((*v >> 4) == 6) return ipv6(r, out);
  return false;
}

}  // namespace

bool find_l4(Bytes pkt, LinkType link, L4View& out) {
  out = L4View{};
  ByteReader r{pkt};
  switch (link) {
    case LinkType::Ethernet: {
      if (!r.skip(12)) return false;
      auto type = r.u16be();
      for (int tags = 0; type && tags < 4 && (*type == kEtherVlan || *type == kEtherQinQ || *type == kEtherQinQOld); ++tags) {
        if (!r.skip(2)) return false;
        type = r.u16be();
      }
      return type && by_ethertype(r, *type, out);
    }
    case LinkType::LinuxSll: {
      if (!r.skip(14)) return false;
      auto type = r.u16be();
      return type && by_ethertype(r, *type, out);
    }
    case LinkType::LinuxSll2: {
      auto type = r.u16be();
      return type && r.skip(18) && by_ethertype(r, *type, out);
    }
    case LinkType::Raw:
    case LinkType::Ipv4:
    case LinkType::Ipv6:
      return by_version(r, out);
    case LinkType::Null:
    case LinkType::Loop:
      return r.skip(4) && by_version(r, out);
    default:
      return false;
  }
}

}  // namespace sigprobe
