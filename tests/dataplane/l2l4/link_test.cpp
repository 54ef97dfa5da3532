// The walk from link headers to UDP: link types, VLAN/QinQ, IPv4/IPv6 checks,
// tunnels, and every header truncated at every length. Packets are built by
// tests/dataplane/l2l4/packet_builder.hpp.
#include <gtest/gtest.h>

#include <vector>

#include "dataplane/l2l4/walk.hpp"
#include "tests/dataplane/l2l4/packet_builder.hpp"
#include "tests/dataplane/l2l4/recording_handler.hpp"

namespace sigprobe {
namespace {

using namespace testpkt;

struct Walked {
  RecordingHandler h;
  DecodeCounters c;
};

Walked walk_one(const Buf& b, LinkType link = LinkType::Ethernet, uint32_t caplen = ~0u) {
  Walked w;
  l2l4::Walker walker;
  PacketRef p = ref(b, 1, 1'000'000'000ull, link);
  if (caplen < p.caplen) p.caplen = caplen;
  walker.walk(p, w.h, w.c);
  return w;
}

const Buf kHello = text("hello");

TEST(L2L4Link, EthernetIpv4UdpDeliversPayloadWithEndpoints) {
  Walked w = walk_one(eth_udp4(kHello, 5062, 5060));
  ASSERT_EQ(w.h.got.size(), 1u);
  const Delivery& d = w.h.got[0];
  EXPECT_EQ(d.kind, Delivery::Kind::Udp);
  EXPECT_EQ(d.bytes, "hello");
  EXPECT_TRUE(d.in_packet);
  EXPECT_EQ(d.ctx.transport, Transport::Udp);
  EXPECT_EQ(d.ctx.src.family, 4);
  EXPECT_EQ(d.ctx.src.addr[0], 10);
  EXPECT_EQ(d.ctx.src.addr[3], 1);
  EXPECT_EQ(d.ctx.dst.addr[3], 2);
  EXPECT_EQ(d.ctx.src.port, 5062);
  EXPECT_EQ(d.ctx.dst.port, 5060);
  EXPECT_EQ(anomalies_total(w.c), 0u);
}

TEST(L2L4Link, FollowsVlanAndEveryQinQTagType) {
  V4 h;
  Buf ip = ipv4(h, udp(1, 2, kHello));
  for (uint16_t outer : {0x8100, 0x88a8, 0x9100, 0x9200}) {
    Walked w = walk_one(eth(0x0800, ip, {{outer, 10}, {0x8100, 20}}));
    ASSERT_EQ(w.h.got.size(), 1u) << std::hex << outer;
    EXPECT_EQ(w.h.got[0].bytes, "hello");
  }
  Walked single = walk_one(eth(0x0800, ip, {{0x8100, 7}}));
  EXPECT_EQ(single.h.got.size(), 1u);
}

TEST(L2L4Link, FollowsPppoeSessionsAndMplsLabels) {
  V4 h;
  Buf ip = ipv4(h, udp(1, 2, kHello));
  // PPPoE session header (RFC 2516): ver/type 0x11, code 0, session 0x0042, length; PPP IPv4.
  Buf pppoe = {0x11, 0x00, 0x00, 0x42, uint8_t((ip.size() + 2) >> 8), uint8_t(ip.size() + 2), 0x00, 0x21};
  Walked w = walk_one(eth(0x8864, cat(pppoe, ip)));
  ASSERT_EQ(w.h.got.size(), 1u);
  EXPECT_EQ(w.h.got[0].bytes, "hello");
  // Two MPLS labels (RFC 3032), bottom of stack on the second.
  Buf mpls = {0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40};
  Walked m = walk_one(eth(0x8847, cat(mpls, ip)));
  ASSERT_EQ(m.h.got.size(), 1u);
  EXPECT_EQ(anomalies_total(m.c), 0u);
}

TEST(L2L4Link, CountsTooManyVlanTags) {
  V4 h;
  Walked w = walk_one(eth(0x0800, ipv4(h, udp(1, 2, kHello)),
                          {{}, {}, {}, {}, {}, {}, {}, {}, {}}));
  EXPECT_TRUE(w.h.got.empty());
  EXPECT_EQ(count(w.c, Anomaly::VlanTooDeep), 1u);
}

TEST(L2L4Link, IgnoresNonIpEtherTypesQuietly) {
  Walked w = walk_one(eth(0x0806, Buf(28, 0)));  // ARP
  EXPECT_TRUE(w.h.got.empty());
  EXPECT_EQ(anomalies_total(w.c), 0u);
}

TEST(L2L4Link, DecodesEveryIpLinkType) {
  V4 h4;
  Buf ip4 = ipv4(h4, udp(1, 2, kHello));
  V6 h6;
  Buf ip6 = ipv6(h6, udp(1, 2, kHello));
  // Linux cooked v1: packet type, ARPHRD_ETHER, address length, 8 address bytes, protocol.
  Buf sll = {0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00};
  // Linux cooked v2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address.
  Buf sll2 = {0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0};
  Buf null_le = {2, 0, 0, 0};     // AF_INET, little-endian writer
  Buf null_be = {0, 0, 0, 30};    // AF_INET6 (macOS), big-endian writer
  Buf loop = {0, 0, 0, 2};        // AF_INET, network order
  struct Case {
    const char* name;
    Buf b;
    LinkType link;
  } cases[] = {
      {"sll", cat(sll, ip4), LinkType::LinuxSll},     {"sll2", cat(sll2, ip6), LinkType::LinuxSll2},
      {"null-le", cat(null_le, ip4), LinkType::Null}, {"null-be", cat(null_be, ip6), LinkType::Null},
      {"loop", cat(loop, ip4), LinkType::Loop},       {"raw4", ip4, LinkType::Raw},
      {"raw6", ip6, LinkType::Raw},                   {"ipv4", ip4, LinkType::Ipv4},
      {"ipv6", ip6, LinkType::Ipv6},
  };
  for (const Case& k : cases) {
    Walked w = walk_one(k.b, k.link);
    ASSERT_EQ(w.h.got.size(), 1u) << k.name;
    EXPECT_EQ(w.h.got[0].bytes, "hello") << k.name;
    EXPECT_EQ(anomalies_total(w.c), 0u) << k.name;
  }
}

TEST(L2L4Link, CountsUnsupportedLinkType) {
  Walked w = walk_one(Buf(40, 0), static_cast<LinkType>(105));  // 802.11
  EXPECT_EQ(count(w.c, Anomaly::LinkTypeUnsupported), 1u);
}

TEST(L2L4Ipv4, BadChecksumIsCountedAndThePacketStillDecoded) {
  V4 h;
  h.bad_checksum = true;
  Walked w = walk_one(eth(0x0800, ipv4(h, udp(1, 2, kHello))));
  EXPECT_EQ(count(w.c, Anomaly::Ipv4BadChecksum), 1u);
  EXPECT_EQ(w.h.got.size(), 1u);
}

TEST(L2L4Ipv4, ChecksumHoldsForEveryHeaderLengthAndAnyFlippedBitBreaksIt) {
  // Addresses and options of 0xff bytes make the sum carry many times.
  for (size_t opt = 0; opt <= 40; opt += 4) {
    V4 h;
    h.src = {0xff, 0xfe, 0xff, 0xfd};
    h.dst = {0xff, 0xff, 0x80, 0x01};
    h.options = Buf(opt, 0xff);
    for (size_t i = 0; i < opt; i += 4) h.options[i] = 0x01;  // NOPs, then 0xff data
    const Buf good = eth(0x0800, ipv4(h, udp(1, 2, kHello)));
    EXPECT_EQ(anomalies_total(walk_one(good).c), 0u) << "options " << opt;
    // Bytes whose change leaves the header parseable: DSCP, id, TTL,
    // checksum, addresses, options.
    std::vector<size_t> at = {1, 4, 5, 8, 10, 11};
    for (size_t i = 12; i < 20 + opt; ++i) at.push_back(i);
    for (size_t i : at) {
      for (int bit = 0; bit < 8; bit += 3) {
        Buf bad = good;
        bad[14 + i] ^= uint8_t(1 << bit);
        EXPECT_EQ(count(walk_one(bad).c, Anomaly::Ipv4BadChecksum), 1u)
            << "options " << opt << ", byte " << i << ", bit " << bit;
      }
    }
  }
}

TEST(L2L4Ipv4, SkipsOptionsAndDropsEthernetPadding) {
  V4 h;
  h.options = {0x94, 0x04, 0, 0};  // Router Alert
  Buf frame = eth(0x0800, ipv4(h, udp(1, 2, text("x"))));
  frame.resize(frame.size() + 20, 0);  // padding to the Ethernet minimum
  Walked w = walk_one(frame);
  ASSERT_EQ(w.h.got.size(), 1u);
  EXPECT_EQ(w.h.got[0].bytes, "x");
  EXPECT_EQ(anomalies_total(w.c), 0u);
}

TEST(L2L4Ipv4, RejectsHeaderLengthBelowFive) {
  V4 h;
  Buf ip = ipv4(h, udp(1, 2, kHello));
  ip[0] = 0x44;
  Walked w = walk_one(eth(0x0800, ip));
  EXPECT_EQ(count(w.c, Anomaly::Ipv4BadHeaderLen), 1u);
  EXPECT_TRUE(w.h.got.empty());
}

TEST(L2L4Ipv6, WalksHopByHopAndDestinationOptions) {
  V6 h;
  h.next = 0;
  Buf payload = cat(ipv6_opts(60), cat(ipv6_opts(17), udp(1, 2, kHello)));
  Walked w = walk_one(eth(0x86dd, ipv6(h, payload)));
  ASSERT_EQ(w.h.got.size(), 1u);
  EXPECT_EQ(w.h.got[0].ctx.src.family, 6);
  EXPECT_EQ(w.h.got[0].ctx.dst.addr[15], 2);
  EXPECT_EQ(anomalies_total(w.c), 0u);
}

TEST(L2L4Ipv6, CountsExtensionHeaderPastTheEnd) {
  V6 h;
  h.next = 60;
  Buf opts = ipv6_opts(17);
  opts[1] = 4;  // claims 40 bytes
  Walked w = walk_one(eth(0x86dd, ipv6(h, cat(opts, udp(1, 2, kHello)))));
  EXPECT_EQ(count(w.c, Anomaly::Ipv6ExtTruncated), 1u);
  EXPECT_TRUE(w.h.got.empty());
}

TEST(L2L4Tunnel, FollowsIpInIpBothFamilies) {
  V4 inner;
  inner.src = {192, 168, 1, 1};
  Buf in4 = ipv4(inner, udp(1, 2, kHello));
  V4 outer;
  outer.proto = 4;
  Walked w = walk_one(eth(0x0800, ipv4(outer, in4)));
  ASSERT_EQ(w.h.got.size(), 1u);
  EXPECT_EQ(w.h.got[0].ctx.src.addr[0], 192);  // the inner addresses
  V6 in6h;
  outer.proto = 41;
  Walked w6 = walk_one(eth(0x0800, ipv4(outer, ipv6(in6h, udp(1, 2, kHello)))));
  ASSERT_EQ(w6.h.got.size(), 1u);
  EXPECT_EQ(w6.h.got[0].ctx.src.family, 6);
}

TEST(L2L4Tunnel, FollowsGreErspanVxlanAndGtpu) {
  V4 inner;
  inner.src = {172, 16, 0, 9};
  Buf inner_ip = ipv4(inner, udp(1, 2, kHello));
  Buf inner_eth = eth(0x0800, inner_ip);
  V4 outer;
  outer.proto = 47;
  // GRE with key (K), carrying IPv4.
  Buf gre_ip = cat({0x20, 0x00, 0x08, 0x00, 0, 0, 0, 7}, inner_ip);
  // GRE with sequence (S) + ERSPAN type II header (8 bytes), then Ethernet.
  Buf erspan2 = cat(cat({0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1}, Buf{0x10, 0, 0, 1, 0, 0, 0, 0}), inner_eth);
  // GRE (no options) + ERSPAN type III header (12 bytes, O clear), then Ethernet.
  Buf erspan3 = cat(cat({0x00, 0x00, 0x22, 0xeb}, Buf(12, 0)), inner_eth);
  Buf vxlan = cat({0x08, 0, 0, 0, 0, 0, 0x2a, 0}, inner_eth);
  // GTP-U G-PDU with the S flag (4 optional bytes), TEID 1.
  Buf gtp = {0x32, 0xff, 0, uint8_t(4 + inner_ip.size()), 0, 0, 0, 1, 0, 1, 0, 0};
  gtp = cat(gtp, inner_ip);
  V4 u;
  Buf cases[] = {
      eth(0x0800, ipv4(outer, gre_ip)),
      eth(0x0800, ipv4(outer, erspan2)),
      eth(0x0800, ipv4(outer, erspan3)),
      eth(0x0800, ipv4(u, udp(50000, 4789, vxlan))),
      eth(0x0800, ipv4(u, udp(2152, 2152, gtp))),
  };
  int i = 0;
  for (const Buf& b : cases) {
    Walked w = walk_one(b);
    ASSERT_EQ(w.h.got.size(), 1u) << "case " << i;
    EXPECT_EQ(w.h.got[0].ctx.src.addr[0], 172) << "case " << i;
    EXPECT_EQ(w.h.got[0].bytes, "hello") << "case " << i;
    EXPECT_EQ(anomalies_total(w.c), 0u) << "case " << i;
    ++i;
  }
}

TEST(L2L4Tunnel, FollowsEspWithNullEncryption) {
  // ESP (RFC 4303): SPI, sequence, clear payload (RFC 2410 NULL), padding
  // 1..n, pad length, next header, then a 12-byte ICV (HMAC-SHA1-96).
  Buf esp = {0, 0, 0x10, 0x01, 0, 0, 0, 5};
  esp = cat(esp, udp(5060, 5060, kHello));
  esp = cat(esp, {1, 2, 3, 3, 17});
  esp = cat(esp, Buf(12, 0xee));
  V4 h;
  h.proto = 50;
  Walked w = walk_one(eth(0x0800, ipv4(h, esp)));
  ASSERT_EQ(w.h.got.size(), 1u);
  EXPECT_EQ(w.h.got[0].bytes, "hello");
  // Encrypted-looking ESP (no valid trailer) is left alone, quietly.
  Buf enc = {0, 0, 0x10, 0x01, 0, 0, 0, 6};
  enc = cat(enc, Buf(64, 0x9c));
  Walked e = walk_one(eth(0x0800, ipv4(h, enc)));
  EXPECT_TRUE(e.h.got.empty());
  EXPECT_EQ(anomalies_total(e.c), 0u);
}

TEST(L2L4Tunnel, StopsAtTheNestingLimit) {
  V4 h;
  Buf ip = ipv4(h, udp(1, 2, kHello));
  h.proto = 4;
  for (int i = 0; i < 6; ++i) ip = ipv4(h, ip);
  Walked w = walk_one(eth(0x0800, ip));
  EXPECT_TRUE(w.h.got.empty());
  EXPECT_EQ(count(w.c, Anomaly::TunnelTooDeep), 1u);
}

// Cutting the capture short anywhere inside the headers never reaches L4 and
// counts exactly one anomaly, the one for the header that was cut.
struct Cut {
  size_t below;  // capture lengths below this...
  Anomaly a;     // ...raise this
};

void expect_truncations(const Buf& frame, LinkType link, std::initializer_list<Cut> cuts,
                        size_t delivered_from) {
  for (size_t len = 0; len < frame.size(); ++len) {
    Walked w = walk_one(frame, link, uint32_t(len));
    if (len >= delivered_from) continue;
    EXPECT_TRUE(w.h.got.empty()) << "len " << len;
    Anomaly want = Anomaly::Count_;
    for (const Cut& c : cuts) {
      if (len < c.below) {
        want = c.a;
        break;
      }
    }
    ASSERT_NE(want, Anomaly::Count_) << "len " << len;
    EXPECT_EQ(count(w.c, want), 1u) << "len " << len << " want " << anomaly_id(want);
    EXPECT_EQ(anomalies_total(w.c), 1u) << "len " << len;
  }
}

TEST(L2L4Truncation, EthernetVlanIpv4UdpAtEveryLength) {
  V4 h;
  Buf f = eth(0x0800, ipv4(h, udp(1, 2, kHello)), {{0x88a8, 1}, {0x8100, 2}});
  // 22 bytes of Ethernet + 2 tags, 20 of IPv4; anything short of the IP total is cut.
  expect_truncations(f, LinkType::Ethernet,
                     {{22, Anomaly::EthTruncated}, {42, Anomaly::Ipv4Truncated},
                      {f.size(), Anomaly::Ipv4BadTotalLen}},
                     f.size());
}

TEST(L2L4Truncation, Ipv6WithExtensionHeadersAtEveryLength) {
  V6 h;
  h.next = 0;
  Buf f = eth(0x86dd, ipv6(h, cat(ipv6_opts(17), udp(1, 2, kHello))));
  expect_truncations(f, LinkType::Ethernet,
                     {{14, Anomaly::EthTruncated}, {f.size(), Anomaly::Ipv6Truncated}}, f.size());
}

TEST(L2L4Truncation, LinkHeadersAtEveryLength) {
  V4 h;
  Buf ip = ipv4(h, udp(1, 2, kHello));
  Buf sll = cat({0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00}, ip);
  expect_truncations(sll, LinkType::LinuxSll,
                     {{16, Anomaly::LinkHeaderTruncated}, {36, Anomaly::Ipv4Truncated},
                      {sll.size(), Anomaly::Ipv4BadTotalLen}},
                     sll.size());
  Buf sll2 = cat({0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0}, ip);
  expect_truncations(sll2, LinkType::LinuxSll2,
                     {{20, Anomaly::LinkHeaderTruncated}, {40, Anomaly::Ipv4Truncated},
                      {sll2.size(), Anomaly::Ipv4BadTotalLen}},
                     sll2.size());
  Buf null = cat({2, 0, 0, 0}, ip);
  expect_truncations(null, LinkType::Null,
                     {{4, Anomaly::LinkHeaderTruncated}, {24, Anomaly::Ipv4Truncated},
                      {null.size(), Anomaly::Ipv4BadTotalLen}},
                     null.size());
}

// L4 headers cut inside a well-formed IP packet (the IP length says so).
TEST(L2L4Truncation, L4HeadersAtEveryLength) {
  struct L4 {
    uint8_t proto;
    Buf hdr;
    Anomaly a;
  } cases[] = {
      {17, udp(1, 2, {}), Anomaly::UdpTruncated},
      {6, tcp(1, 2, 0, kAck, {}), Anomaly::TcpTruncated},
      {132, sctp(1, 2, 3, {}), Anomaly::SctpTruncated},
      {47, {0x30, 0x00, 0x08, 0x00, 0, 0, 0, 1, 0, 0, 0, 2}, Anomaly::GreTruncated},
  };
  for (const L4& k : cases) {
    for (size_t len = 0; len < k.hdr.size(); ++len) {
      V4 h;
      h.proto = k.proto;
      Walked w = walk_one(eth(0x0800, ipv4(h, Buf(k.hdr.begin(), k.hdr.begin() + long(len)))));
      EXPECT_EQ(count(w.c, k.a), 1u) << int(k.proto) << " len " << len;
      EXPECT_EQ(anomalies_total(w.c), 1u) << int(k.proto) << " len " << len;
      EXPECT_TRUE(w.h.got.empty());
    }
  }
}

TEST(L2L4Udp, RejectsLengthBeyondThePayload) {
  V4 h;
  Buf u = udp(1, 2, kHello);
  u[5] = 100;
  Walked w = walk_one(eth(0x0800, ipv4(h, u)));
  EXPECT_EQ(count(w.c, Anomaly::UdpBadLen), 1u);
  EXPECT_TRUE(w.h.got.empty());
}

TEST(L2L4Tcp, RejectsDataOffsetBeyondTheSegment) {
  V4 h;
  h.proto = 6;
  Buf t = tcp(1, 2, 0, kAck, {});
  t[12] = 0xf0;  // 60 bytes of header in a 20-byte segment
  Walked w = walk_one(eth(0x0800, ipv4(h, t)));
  EXPECT_EQ(count(w.c, Anomaly::TcpBadDataOffset), 1u);
}

}  // namespace
}  // namespace sigprobe
