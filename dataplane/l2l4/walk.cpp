#include "dataplane/l2l4/walk.hpp"

#include <bit>
#include <cstring>

#include "dataplane/l2l4/ip_frag.hpp"
#include "dataplane/l2l4/sctp.hpp"
#include "dataplane/l2l4/tcp_stream.hpp"

namespace sigprobe::l2l4 {
namespace {

constexpr int kMaxTunnelDepth = 4;
constexpr int kMaxVlanTags = 8;
constexpr int kMaxIpv6ExtHeaders = 8;
constexpr int kMaxMplsLabels = 8;

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;
constexpr uint16_t kEtherQinQOld1 = 0x9100;
constexpr uint16_t kEtherQinQOld2 = 0x9200;
constexpr uint16_t kEtherMpls = 0x8847;
constexpr uint16_t kEtherMplsMcast = 0x8848;
constexpr uint16_t kEtherPppoeSession = 0x8864;
constexpr uint16_t kPppIpv4 = 0x0021, kPppIpv6 = 0x0057;
constexpr uint16_t kEtherTransparent = 0x6558;  // GRE: bridged Ethernet
constexpr uint16_t kEtherErspan2 = 0x88be;
constexpr uint16_t kEtherErspan3 = 0x22eb;

constexpr uint8_t kProtoIpip = 4, kProtoTcp = 6, kProtoUdp = 17, kProtoIpv6 = 41, kProtoGre = 47,
                  kProtoEsp = 50, kProtoSctp = 132;
constexpr uint16_t kPortVxlan = 4789, kPortGtpu = 2152;

bool is_vlan(uint16_t t) {
  return t == kEtherVlan || t == kEtherQinQ || t == kEtherQinQOld1 || t == kEtherQinQOld2;
}

// RFC 1071 one's-complement sum over the IPv4 header: 0xffff when it verifies.
// The sum does not depend on byte order (RFC 1071 2.B): 4-byte words in host
// order are added in 64 bits, folded, and swapped once on a little-endian
// host (was 2 bytes a step: ~70 instructions for a 20-byte header).
uint16_t ones_sum(Bytes b) {
  uint64_t s = 0;
  size_t i = 0;
  for (; i + 4 <= b.size(); i += 4) {
    uint32_t w;
    std::memcpy(&w, b.data() + i, 4);
    s += w;
  }
  for (; i + 1 < b.size(); i += 2) {
    uint16_t w;
    std::memcpy(&w, b.data() + i, 2);
    s += w;
  }
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  if constexpr (std::endian::native == std::endian::little) s = __builtin_bswap16(uint16_t(s));
  return uint16_t(s);
}

void copy_addr(Endpoint& e, Bytes a, uint8_t family) {
  e = Endpoint{};
  e.family = family;
  std::memcpy(e.addr.data(), a.data(), a.size());
}

FlowKey frag_key(const MsgContext& ctx, uint32_t id, uint8_t proto) {
  FlowKey k;
  std::memcpy(k.b.data(), ctx.src.addr.data(), 16);
  std::memcpy(k.b.data() + 16, ctx.dst.addr.data(), 16);
  k.b[32] = uint8_t(id >> 24);
  k.b[33] = uint8_t(id >> 16);
  k.b[34] = uint8_t(id >> 8);
  k.b[35] = uint8_t(id);
  k.b[36] = proto;
  k.b[37] = ctx.src.family;
  return k;
}

FlowKey tcp_key(const Endpoint& src, const Endpoint& dst) {
  FlowKey k;
  std::memcpy(k.b.data(), src.addr.data(), 16);
  std::memcpy(k.b.data() + 16, dst.addr.data(), 16);
  k.b[32] = uint8_t(src.port >> 8);
  k.b[33] = uint8_t(src.port);
  k.b[34] = uint8_t(dst.port >> 8);
  k.b[35] = uint8_t(dst.port);
  k.b[36] = src.family;
  return k;
}

}  // namespace

struct Walker::Impl {
  explicit Impl(const L2L4Config& c)
      : cfg(c), frags(c.ip_frag_max_datagrams, c.ip_frag_timeout_ns), tcp(c), sctp(c) {}

  L2L4Config cfg;
  IpFragTable frags;
  TcpStreams tcp;
  SctpReassembly sctp;

  // The packet being walked.
  const PacketRef* pkt = nullptr;
  L4Handler* h = nullptr;
  DecodeCounters* c = nullptr;

  void anomaly(Anomaly a) { c->anomaly(a); }

  void walk(const PacketRef& p, L4Handler& handler, DecodeCounters& counters) {
    pkt = &p;
    h = &handler;
    c = &counters;
    ByteReader r{p.bytes()};
    switch (p.link) {
      case LinkType::Ethernet: ethernet(r.rest(), true, 0); break;
      case LinkType::LinuxSll: {
        // RFC-less but stable: packet type, ARPHRD, address length, 8 address bytes, protocol.
        if (!r.skip(14)) return anomaly(Anomaly::LinkHeaderTruncated);
        auto proto = r.u16be();
        if (!proto) return anomaly(Anomaly::LinkHeaderTruncated);
        ethertype(*proto, r, true, 0);
        break;
      }
      case LinkType::LinuxSll2: {
        // protocol, reserved, ifindex, ARPHRD, packet type, address length, 8 address bytes.
        auto proto = r.u16be();
        if (!proto || !r.skip(18)) return anomaly(Anomaly::LinkHeaderTruncated);
        ethertype(*proto, r, true, 0);
        break;
      }
      case LinkType::Null:
      case LinkType::Loop: {
        auto fam = p.link == LinkType::Loop ? r.u32be() : r.u32le();
        if (!fam) return anomaly(Anomaly::LinkHeaderTruncated);
        // NULL is in the writer's byte order: a big-endian writer puts the small value last.
        uint32_t f = *fam;
        if (p.link == LinkType::Null && f > 0xffff) f = __builtin_bswap32(f);
        if (f == 2) ipv4(r.rest(), true, 0);
        else if (f == 24 || f == 28 || f == 30 || f == 10) ipv6(r.rest(), true, 0);
        else anomaly(Anomaly::L3Unsupported);
        break;
      }
      case LinkType::Raw: ip(r.rest(), true, 0); break;
      case LinkType::Ipv4: ipv4(r.rest(), true, 0); break;
      case LinkType::Ipv6: ipv6(r.rest(), true, 0); break;
      default: anomaly(Anomaly::LinkTypeUnsupported); break;
    }
  }

  void ethernet(Bytes b, bool in_packet, int depth) {
    ByteReader r{b};
    if (!r.skip(12)) return anomaly(Anomaly::EthTruncated);
    auto type = r.u16be();
    if (!type) return anomaly(Anomaly::EthTruncated);
    ethertype(*type, r, in_packet, depth);
  }

  // Follows VLAN/QinQ tags and MPLS labels from an EtherType to IP.
  void ethertype(uint16_t type, ByteReader& r, bool in_packet, int depth) {
    for (int tags = 0; is_vlan(type); ++tags) {
      if (tags == kMaxVlanTags) return anomaly(Anomaly::VlanTooDeep);
      auto next = r.skip(2) ? r.u16be() : std::nullopt;
      if (!next) return anomaly(Anomaly::EthTruncated);
      type = *next;
    }
    if (type == kEtherMpls || type == kEtherMplsMcast) {
      for (int labels = 0;; ++labels) {
        if (labels == kMaxMplsLabels) return anomaly(Anomaly::VlanTooDeep);
        auto label = r.u32be();
        if (!label) return anomaly(Anomaly::EthTruncated);
        if (*label & 0x100) break;  // bottom of stack
      }
      return ip(r.rest(), in_packet, depth);
    }
    if (type == kEtherPppoeSession) {
      // RFC 2516: version/type, code, session id, length; then the PPP protocol.
      auto len = r.skip(4) ? r.u16be() : std::nullopt;
      auto ppp = r.u16be();
      if (!len || !ppp) return anomaly(Anomaly::EthTruncated);
      if (*ppp == kPppIpv4) return ipv4(r.rest(), in_packet, depth);
      if (*ppp == kPppIpv6) return ipv6(r.rest(), in_packet, depth);
      return;  // LCP, IPCP...: control
    }
    if (type == kEtherIpv4) return ipv4(r.rest(), in_packet, depth);
    if (type == kEtherIpv6) return ipv6(r.rest(), in_packet, depth);
    // ARP, LLDP, 802.3 length fields...: not ours, and not malformed.
  }

  void ip(Bytes b, bool in_packet, int depth) {
    if (b.empty()) return anomaly(Anomaly::Ipv4Truncated);
    const uint8_t v = b[0] >> 4;
    if (v == 4) return ipv4(b, in_packet, depth);
    if (v == 6) return ipv6(b, in_packet, depth);
    anomaly(Anomaly::L3Unsupported);
  }

  void ipv4(Bytes b, bool in_packet, int depth) {
    ByteReader r{b};
    auto vihl = r.u8();
    if (!vihl || b.size() < 20) return anomaly(Anomaly::Ipv4Truncated);
    if ((*vihl >> 4) != 4) return anomaly(Anomaly::Ipv4BadVersion);
    const size_t ihl = size_t(*vihl & 15) * 4;
    r.skip(1);  // DSCP/ECN
    uint16_t total = *r.u16be();
    const uint16_t id = *r.u16be();
    const uint16_t frag = *r.u16be();
    r.skip(1);  // TTL
    const uint8_t proto = *r.u8();
    if (ihl < 20 || ihl > b.size()) return anomaly(Anomaly::Ipv4BadHeaderLen);
    // A zero total length is what segmentation offload leaves in locally captured packets.
    if (total == 0) total = uint16_t(std::min<size_t>(b.size(), 0xffff));
    if (total < ihl || total > b.size()) return anomaly(Anomaly::Ipv4BadTotalLen);
    if (ones_sum(b.first(ihl)) != 0xffff) anomaly(Anomaly::Ipv4BadChecksum);

    MsgContext ctx;
    ctx.pkt = pkt;
    copy_addr(ctx.src, b.subspan(12, 4), 4);
    copy_addr(ctx.dst, b.subspan(16, 4), 4);
    Bytes payload = b.subspan(ihl, total - ihl);  // options skipped, Ethernet padding dropped
    const bool more = frag & 0x2000;
    const uint32_t offset = uint32_t(frag & 0x1fff) * 8;
    if (more || offset) {
      FragIn f{frag_key(ctx, id, proto), offset, more, proto, payload};
      uint8_t p = 0;
      Bytes whole = frags.add(f, pkt->ts_ns, p, *c);
      if (!whole.empty()) l4(p, whole, false, ctx, depth);
      return;
    }
    l4(proto, payload, in_packet, ctx, depth);
  }

  void ipv6(Bytes b, bool in_packet, int depth) {
    if (b.size() < 40) return anomaly(Anomaly::Ipv6Truncated);
    if ((b[0] >> 4) != 6) return anomaly(Anomaly::Ipv6BadVersion);
    const size_t plen = size_t(b[4]) << 8 | b[5];
    uint8_t nh = b[6];
    MsgContext ctx;
    ctx.pkt = pkt;
    copy_addr(ctx.src, b.subspan(8, 16), 6);
    copy_addr(ctx.dst, b.subspan(24, 16), 6);
    Bytes payload = b.subspan(40);
    if (plen != 0) {  // 0: a jumbogram or an offloaded segment; take what is there
      if (plen > payload.size()) return anomaly(Anomaly::Ipv6Truncated);
      payload = payload.first(plen);
    }
    ipv6_ext(nh, payload, in_packet, ctx, depth, false);
  }

  // IPv6 extension headers from `nh`, then the upper layer.
  void ipv6_ext(uint8_t nh, Bytes b, bool in_packet, MsgContext& ctx, int depth, bool reassembled) {
    ByteReader r{b};
    for (int n = 0;; ++n) {
      if (n == kMaxIpv6ExtHeaders) return anomaly(Anomaly::Ipv6ExtTooMany);
      switch (nh) {
        case 0:     // hop-by-hop options
        case 43:    // routing
        case 60:    // destination options
        case 135:   // mobility
        case 139:   // HIP
        case 140: { // shim6
          auto next = r.peek_u8(0);
          auto len = r.peek_u8(1);
          if (!next || !len || !r.skip((size_t(*len) + 1) * 8)) return anomaly(Anomaly::Ipv6ExtTruncated);
          nh = *next;
          break;
        }
        case 51: {  // authentication header: length in 4-byte units, minus 2
          auto next = r.peek_u8(0);
          auto len = r.peek_u8(1);
          if (!next || !len || !r.skip((size_t(*len) + 2) * 4)) return anomaly(Anomaly::Ipv6ExtTruncated);
          nh = *next;
          break;
        }
        case 44: {  // fragment
          auto next = r.u8();
          auto off = r.skip(1) ? r.u16be() : std::nullopt;
          auto id = r.u32be();
          if (!next || !off || !id) return anomaly(Anomaly::Ipv6ExtTruncated);
          const uint32_t offset = *off & 0xfff8;
          const bool more = *off & 1;
          if (offset == 0 && !more) {  // an atomic fragment (RFC 6946)
            nh = *next;
            break;
          }
          if (reassembled) return anomaly(Anomaly::IpFragBadLen);  // fragment in a fragment
          FragIn f{frag_key(ctx, *id, 0), offset, more, *next, r.rest()};
          uint8_t p = 0;
          Bytes whole = frags.add(f, pkt->ts_ns, p, *c);
          if (!whole.empty()) ipv6_ext(p, whole, false, ctx, depth, true);
          return;
        }
        case 59: return;  // no next header
        default: return l4(nh, r.rest(), in_packet, ctx, depth);
      }
    }
  }

  void l4(uint8_t proto, Bytes b, bool in_packet, MsgContext& ctx, int depth) {
    switch (proto) {
      case kProtoUdp: return udp(b, in_packet, ctx, depth);
      // Held back in place only outside tunnels: an outer checksum or ICV
      // (UDP over IPv6, GRE, ESP) would no longer match the rewritten bytes.
      case kProtoTcp: return tcp_segment(b, in_packet, ctx, depth == 0);
      case kProtoSctp: return sctp.on_packet(b, in_packet, ctx, pkt->ts_ns, *h, *c, depth == 0);
      case kProtoIpip:
        if (depth >= kMaxTunnelDepth) return anomaly(Anomaly::TunnelTooDeep);
        return ipv4(b, in_packet, depth + 1);
      case kProtoIpv6:
        if (depth >= kMaxTunnelDepth) return anomaly(Anomaly::TunnelTooDeep);
        return ipv6(b, in_packet, depth + 1);
      case kProtoGre: return gre(b, in_packet, depth);
      case kProtoEsp: return esp_null(b, in_packet, ctx, depth);
      default: return;  // ICMP...: not signaling
    }
  }

  void udp(Bytes b, bool in_packet, MsgContext& ctx, int depth) {
    ByteReader r{b};
    auto sport = r.u16be();
    auto dport = r.u16be();
    auto len = r.u16be();
    if (!sport || !dport || !len || !r.skip(2)) return anomaly(Anomaly::UdpTruncated);
    size_t ulen = *len;
    if (ulen == 0 && b.size() > 0xffff) ulen = b.size();  // IPv6 jumbogram
    if (ulen < 8 || ulen > b.size()) return anomaly(Anomaly::UdpBadLen);
    Bytes payload = b.subspan(8, ulen - 8);
    ctx.src.port = *sport;
    ctx.dst.port = *dport;
    ctx.transport = Transport::Udp;
    if ((*dport == kPortVxlan || *sport == kPortVxlan) && vxlan(payload, in_packet, depth)) return;
    if ((*dport == kPortGtpu || *sport == kPortGtpu) && gtpu(payload, in_packet, depth)) return;
    h->on_udp(ctx, payload, in_packet);
  }

  void tcp_segment(Bytes b, bool in_packet, MsgContext& ctx, bool holdable) {
    ByteReader r{b};
    auto sport = r.u16be();
    auto dport = r.u16be();
    auto seq = r.u32be();
    auto doff = r.skip(4) ? r.u8() : std::nullopt;
    auto flags = r.u8();
    if (!sport || !dport || !seq || !doff || !flags || b.size() < 20) return anomaly(Anomaly::TcpTruncated);
    const size_t hlen = size_t(*doff >> 4) * 4;
    if (hlen < 20 || hlen > b.size()) return anomaly(Anomaly::TcpBadDataOffset);
    ctx.src.port = *sport;
    ctx.dst.port = *dport;
    ctx.transport = Transport::Tcp;
    ctx.wire = WireSpot{};
    if (holdable && in_packet && b.data() >= pkt->data && b.data() + b.size() <= pkt->data + pkt->caplen &&
        pkt->caplen <= 0xFFFF) {
      ctx.wire.l4_off = uint16_t(b.data() - pkt->data);
      ctx.wire.l4_len = uint16_t(b.size());
    }
    TcpSegment seg;
    seg.key = tcp_key(ctx.src, ctx.dst);
    seg.seq = *seq;
    seg.fin = *flags & 0x01;
    seg.syn = *flags & 0x02;
    seg.rst = *flags & 0x04;
    seg.payload = b.subspan(hlen);
    seg.in_packet = in_packet;
    tcp.on_segment(seg, ctx, pkt->ts_ns, *h, *c);
  }

  // GRE (RFC 2784/2890), with ERSPAN type I/II/III mirrors inside.
  void gre(Bytes b, bool in_packet, int depth) {
    if (depth >= kMaxTunnelDepth) return anomaly(Anomaly::TunnelTooDeep);
    ByteReader r{b};
    auto fv = r.u16be();
    auto proto = r.u16be();
    if (!fv || !proto) return anomaly(Anomaly::GreTruncated);
    if ((*fv & 7) != 0 || (*fv & 0x4000)) return anomaly(Anomaly::GreUnsupported);  // v1 (PPTP), source routing
    const bool seq = *fv & 0x1000;
    const size_t opt = ((*fv & 0x8000) ? 4 : 0) + ((*fv & 0x2000) ? 4 : 0) + (seq ? 4 : 0);
    if (!r.skip(opt)) return anomaly(Anomaly::GreTruncated);
    switch (*proto) {
      case kEtherIpv4: return ipv4(r.rest(), in_packet, depth + 1);
      case kEtherIpv6: return ipv6(r.rest(), in_packet, depth + 1);
      case kEtherTransparent: return ethernet(r.rest(), in_packet, depth + 1);
      case kEtherErspan2:
        // Type II carries an 8-byte header and sets S; type I has neither.
        if (seq && !r.skip(8)) return anomaly(Anomaly::GreTruncated);
        return ethernet(r.rest(), in_packet, depth + 1);
      case kEtherErspan3: {
        auto hdr = r.bytes(12);
        if (!hdr) return anomaly(Anomaly::GreTruncated);
        if (((*hdr)[11] & 1) && !r.skip(8)) return anomaly(Anomaly::GreTruncated);  // O: platform sub-header
        return ethernet(r.rest(), in_packet, depth + 1);
      }
      default: return anomaly(Anomaly::GreUnsupported);
    }
  }

  // ESP (RFC 4303) with NULL encryption (RFC 2410), as IMS phones and P-CSCFs
  // use it on Gm: the trailer says where the clear payload ends. The ICV
  // length is not on the wire, so the common ones are tried; a trailer must
  // show the RFC 4303 padding 1, 2, 3... and a next header we follow.
  // Encrypted ESP almost never passes, and what does is not SIP.
  void esp_null(Bytes b, bool in_packet, MsgContext& ctx, int depth) {
    if (b.size() < 10 || depth >= kMaxTunnelDepth) return;
    for (size_t icv : {12, 16, 0, 8, 24, 32}) {
      if (b.size() < 8 + 2 + icv) continue;
      const size_t trailer = b.size() - icv - 2;
      const uint8_t pad = b[trailer], nh = b[trailer + 1];
      if (nh != kProtoTcp && nh != kProtoUdp && nh != kProtoSctp) continue;
      if (8 + size_t(pad) > trailer) continue;
      bool ok = true;
      for (size_t i = 0; i < pad && ok; ++i) ok = b[trailer - pad + i] == uint8_t(i + 1);
      if (!ok) continue;
      return l4(nh, b.subspan(8, trailer - pad - 8), in_packet, ctx, depth + 1);
    }
  }

  // VXLAN (RFC 7348). False when the payload is not VXLAN after all.
  bool vxlan(Bytes b, bool in_packet, int depth) {
    ByteReader r{b};
    auto flags = r.peek_u8(0);
    if (!flags || !(*flags & 0x08)) return false;
    if (!r.skip(8)) {
      anomaly(Anomaly::VxlanTruncated);
      return true;
    }
    if (depth >= kMaxTunnelDepth) {
      anomaly(Anomaly::TunnelTooDeep);
      return true;
    }
    ethernet(r.rest(), in_packet, depth + 1);
    return true;
  }

  // GTP-U (3GPP TS 29.281) G-PDUs carry user IP packets: SIP of IMS phones.
  // False when the payload is not a GTPv1-U G-PDU.
  bool gtpu(Bytes b, bool in_packet, int depth) {
    ByteReader r{b};
    auto flags = r.u8();
    auto type = r.u8();
    if (!flags || !type || (*flags >> 5) != 1 || !(*flags & 0x10)) return false;
    if (*type != 0xff) return true;  // echo, error indication, end marker: no user data
    auto len = r.u16be();
    if (!len || !r.skip(4)) {
      anomaly(Anomaly::GtpuTruncated);
      return true;
    }
    if (*flags & 0x07) {  // E, S or PN: sequence, N-PDU and next extension type follow
      if (!r.skip(3)) {
        anomaly(Anomaly::GtpuTruncated);
        return true;
      }
      auto next = r.u8();
      if (!next) {
        anomaly(Anomaly::GtpuTruncated);
        return true;
      }
      for (uint8_t nt = (*flags & 0x04) ? *next : 0; nt != 0;) {
        auto units = r.peek_u8(0);
        if (!units || *units == 0 || !r.skip(size_t(*units) * 4 - 1)) {
          anomaly(Anomaly::GtpuTruncated);
          return true;
        }
        nt = *r.u8();
      }
    }
    if (depth >= kMaxTunnelDepth) {
      anomaly(Anomaly::TunnelTooDeep);
      return true;
    }
    ip(r.rest(), in_packet, depth + 1);
    return true;
  }
};

Walker::Walker(const L2L4Config& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
Walker::~Walker() = default;
void Walker::reset() { impl_ = std::make_unique<Impl>(impl_->cfg); }

void Walker::walk(const PacketRef& pkt, L4Handler& h, DecodeCounters& c) { impl_->walk(pkt, h, c); }

long Walker::tcp_buffered(const Endpoint& src, const Endpoint& dst) const {
  return impl_->tcp.buffered(tcp_key(src, dst));
}
uint32_t Walker::ip_frag_in_flight() const { return impl_->frags.in_flight(); }
uint32_t Walker::sctp_partial_in_flight() const { return impl_->sctp.partial_in_flight(); }

}  // namespace sigprobe::l2l4
