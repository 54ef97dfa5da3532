// IPv4 and IPv6 fragment reassembly through the walk. Fragments are cut here
// from UDP datagrams built by packet_builder.hpp.
#include <gtest/gtest.h>

#include <algorithm>

#include "dataplane/l2l4/walk.hpp"
#include "tests/dataplane/l2l4/packet_builder.hpp"
#include "tests/dataplane/l2l4/recording_handler.hpp"

namespace sigprobe {
namespace {

using namespace testpkt;

constexpr uint64_t kSec = 1'000'000'000ull;

// A UDP datagram of n bytes of text, ready to fragment.
Buf datagram(size_t n, char fill = 'a') {
  Buf payload(n);
  for (size_t i = 0; i < n; ++i) payload[i] = uint8_t(fill + i % 26);
  return udp(5060, 5060, payload);
}

// IPv4 fragment of `dg` covering [off, off+len).
Buf frag4(const Buf& dg, size_t off, size_t len, bool more, uint16_t id = 7) {
  V4 h;
  h.id = id;
  h.more = more;
  h.offset = uint16_t(off);
  return eth(0x0800, ipv4(h, Buf(dg.begin() + long(off), dg.begin() + long(off + len))));
}

Buf frag6(const Buf& dg, size_t off, size_t len, bool more, uint32_t id = 9) {
  V6 h;
  h.next = 44;
  Buf body = cat(ipv6_frag(17, uint16_t(off), more, id), Buf(dg.begin() + long(off), dg.begin() + long(off + len)));
  return eth(0x86dd, ipv6(h, body));
}

struct FragRun {
  l2l4::Walker walker;
  RecordingHandler h;
  DecodeCounters c;
  uint64_t frame = 0;
  explicit FragRun(l2l4::L2L4Config cfg = {}) : walker(cfg) {}
  void feed(const Buf& b, uint64_t ts = kSec) { walker.walk(ref(b, ++frame, ts), h, c); }
};

std::string udp_payload_of(const Buf& dg) { return std::string(dg.begin() + 8, dg.end()); }

TEST(IpFrag, ReassemblesInOrderAndHandsOnACopy) {
  Buf dg = datagram(100);
  FragRun r;
  r.feed(frag4(dg, 0, 48, true));
  r.feed(frag4(dg, 48, 48, true));
  EXPECT_TRUE(r.h.got.empty());
  r.feed(frag4(dg, 96, dg.size() - 96, false));
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, udp_payload_of(dg));
  EXPECT_FALSE(r.h.got[0].in_packet);
  EXPECT_EQ(r.c.reasm.ip_frag_fragments, 3u);
  EXPECT_EQ(r.c.reasm.ip_frag_datagrams, 1u);
  EXPECT_EQ(r.walker.ip_frag_in_flight(), 0u);
}

TEST(IpFrag, ReassemblesOutOfOrder) {
  Buf dg = datagram(200);
  FragRun r;
  r.feed(frag4(dg, 160, dg.size() - 160, false));
  r.feed(frag4(dg, 80, 80, true));
  r.feed(frag4(dg, 0, 80, true));
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, udp_payload_of(dg));
  EXPECT_EQ(r.c.anomalies[size_t(Anomaly::IpFragOverlap)], 0u);
}

TEST(IpFrag, DuplicateFragmentIsHarmless) {
  Buf dg = datagram(100);
  FragRun r;
  r.feed(frag4(dg, 0, 56, true));
  r.feed(frag4(dg, 0, 56, true));
  r.feed(frag4(dg, 56, dg.size() - 56, false));
  r.feed(frag4(dg, 56, dg.size() - 56, false));  // after completion: starts a new, never-finished datagram
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, udp_payload_of(dg));
  EXPECT_EQ(anomalies_total(r.c), 0u);
}

TEST(IpFrag, OverlapWithDifferentBytesDropsTheDatagram) {
  Buf dg = datagram(100);
  Buf other = datagram(100, 'A');
  FragRun r;
  r.feed(frag4(dg, 0, 56, true));
  r.feed(frag4(other, 48, 16, true));  // overlaps [48,56) with other bytes
  r.feed(frag4(dg, 56, dg.size() - 56, false));
  EXPECT_TRUE(r.h.got.empty());
  EXPECT_EQ(count(r.c, Anomaly::IpFragOverlap), 1u);
}

TEST(IpFrag, OverlapWithSameBytesIsCountedAndKept) {
  Buf dg = datagram(100);
  FragRun r;
  r.feed(frag4(dg, 0, 56, true));
  r.feed(frag4(dg, 48, 24, true));  // [48,56) again, [56,72) new
  r.feed(frag4(dg, 72, dg.size() - 72, false));
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, udp_payload_of(dg));
  EXPECT_EQ(count(r.c, Anomaly::IpFragOverlap), 1u);
}

TEST(IpFrag, FragmentsDisagreeingOnTheEndDropTheDatagram) {
  Buf dg = datagram(100);
  FragRun r;
  r.feed(frag4(dg, 0, 96, true));
  r.feed(frag4(dg, 64, 8, false));  // says the datagram ends at 72
  EXPECT_EQ(count(r.c, Anomaly::IpFragInconsistentEnd), 1u);
  EXPECT_EQ(r.walker.ip_frag_in_flight(), 0u);
}

TEST(IpFrag, RejectsNonFinalFragmentNotAMultipleOfEight) {
  Buf dg = datagram(100);
  FragRun r;
  r.feed(frag4(dg, 0, 50, true));
  EXPECT_EQ(count(r.c, Anomaly::IpFragBadLen), 1u);
  EXPECT_EQ(r.walker.ip_frag_in_flight(), 0u);
}

TEST(IpFrag, IncompleteDatagramTimesOutInCaptureTime) {
  l2l4::L2L4Config cfg;
  cfg.ip_frag_timeout_ns = 5 * kSec;
  Buf dg = datagram(100);
  FragRun r(cfg);
  r.feed(frag4(dg, 0, 56, true), 1 * kSec);
  r.feed(frag4(dg, 0, 56, true, 8), 3 * kSec);    // another datagram, before the timeout
  EXPECT_EQ(r.c.reasm.ip_frag_timeouts, 0u);
  r.feed(frag4(dg, 56, dg.size() - 56, false), 7 * kSec);  // too late for id 7
  EXPECT_EQ(r.c.reasm.ip_frag_timeouts, 1u);
  EXPECT_EQ(count(r.c, Anomaly::IpFragTimeout), 1u);
  EXPECT_TRUE(r.h.got.empty());
  EXPECT_EQ(r.walker.ip_frag_in_flight(), 2u);  // id 8, and the late tail of id 7
}

TEST(IpFrag, FullTableEvictsTheOldest) {
  l2l4::L2L4Config cfg;
  cfg.ip_frag_max_datagrams = 2;
  Buf dg = datagram(100);
  FragRun r(cfg);
  r.feed(frag4(dg, 0, 56, true, 1));
  r.feed(frag4(dg, 0, 56, true, 2));
  r.feed(frag4(dg, 0, 56, true, 3));  // evicts id 1
  EXPECT_EQ(r.c.reasm.ip_frag_evictions, 1u);
  EXPECT_EQ(count(r.c, Anomaly::IpFragTableFull), 1u);
  r.feed(frag4(dg, 56, dg.size() - 56, false, 3));
  r.feed(frag4(dg, 56, dg.size() - 56, false, 2));
  EXPECT_EQ(r.h.got.size(), 2u);
  r.feed(frag4(dg, 56, dg.size() - 56, false, 1));  // id 1 is gone
  EXPECT_EQ(r.h.got.size(), 2u);
}

TEST(IpFrag, ReassemblesIpv6FragmentsOutOfOrder) {
  Buf dg = datagram(300);
  FragRun r;
  r.feed(frag6(dg, 152, dg.size() - 152, false));
  r.feed(frag6(dg, 0, 152, true));
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, udp_payload_of(dg));
  EXPECT_EQ(r.h.got[0].ctx.src.family, 6);
  EXPECT_EQ(r.c.reasm.ip_frag_datagrams, 1u);
}

TEST(IpFrag, Ipv6AtomicFragmentIsJustAHeader) {
  V6 h;
  h.next = 44;
  FragRun r;
  r.feed(eth(0x86dd, ipv6(h, cat(ipv6_frag(17, 0, false, 1), udp(1, 2, text("hi"))))));
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, "hi");
  EXPECT_TRUE(r.h.got[0].in_packet);
}

TEST(IpFrag, SameIdFromOtherAddressesIsAnotherDatagram) {
  Buf dg = datagram(100);
  FragRun r;
  r.feed(frag4(dg, 0, 56, true));
  V4 h;
  h.src = {10, 9, 9, 9};
  h.offset = 56;
  r.feed(eth(0x0800, ipv4(h, Buf(dg.begin() + 56, dg.end()))));
  EXPECT_TRUE(r.h.got.empty());
  EXPECT_EQ(r.walker.ip_frag_in_flight(), 2u);
}

}  // namespace
}  // namespace sigprobe
