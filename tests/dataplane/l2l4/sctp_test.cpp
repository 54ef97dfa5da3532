// SCTP chunks through the walk: several DATA chunks per packet, fragmented
// user messages, duplicate TSNs, malformed chunk lengths. Packets built by
// packet_builder.hpp (RFC 9260 layouts).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/l2l4/walk.hpp"
#include "tests/dataplane/l2l4/packet_builder.hpp"
#include "tests/dataplane/l2l4/recording_handler.hpp"

namespace sigprobe {
namespace {

using namespace testpkt;

constexpr uint8_t kB = 0x02, kE = 0x01, kBE = 0x03;
constexpr uint32_t kM3ua = 3;

struct SctpRun {
  l2l4::Walker walker;
  RecordingHandler h;
  DecodeCounters c;
  uint64_t frame = 0;
  explicit SctpRun(l2l4::L2L4Config cfg = {}) : walker(cfg) {}
  void feed(std::initializer_list<Buf> chunks, uint32_t vtag = 0xabcd, uint64_t ts = 1'000'000'000ull) {
    Buf b = eth_sctp4(sctp(2905, 2906, vtag, chunks));
    walker.walk(ref(b, ++frame, ts), h, c);
  }
};

TEST(Sctp, EveryDataChunkOfAPacketIsHandedOnWithPpidAndStream) {
  SctpRun r;
  r.feed({sctp_chunk(3, Buf(12, 0)),  // SACK first: skipped
          sctp_data(1, 0, 0, kM3ua, kBE, text("first")),
          sctp_data(2, 7, 0, 0, kBE, text("second")),
          sctp_data(3, 1, 0, 46, kBE, text("third"))});
  ASSERT_EQ(r.h.got.size(), 3u);
  EXPECT_EQ(r.h.got[0].bytes, "first");
  EXPECT_EQ(r.h.got[0].ctx.sctp_ppid, kM3ua);
  EXPECT_EQ(r.h.got[0].ctx.transport, Transport::Sctp);
  EXPECT_EQ(r.h.got[0].ctx.src.port, 2905);
  EXPECT_EQ(r.h.got[0].ctx.dst.port, 2906);
  EXPECT_TRUE(r.h.got[0].in_packet);
  EXPECT_EQ(r.h.got[1].bytes, "second");
  EXPECT_EQ(r.h.got[1].ctx.sctp_stream, 7);
  EXPECT_EQ(r.h.got[1].ctx.sctp_ppid, 0u);
  EXPECT_EQ(r.h.got[2].ctx.sctp_ppid, 46u);
  EXPECT_EQ(anomalies_total(r.c), 0u);
}

TEST(Sctp, FragmentedMessageIsReassembledOutOfOrder) {
  SctpRun r;
  r.feed({sctp_data(12, 1, 5, kM3ua, kE, text("-end"))});
  r.feed({sctp_data(10, 1, 5, kM3ua, kB, text("begin-"))});
  EXPECT_TRUE(r.h.got.empty());
  EXPECT_EQ(r.walker.sctp_partial_in_flight(), 1u);
  r.feed({sctp_data(11, 1, 5, kM3ua, 0, text("middle"))});
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, "begin-middle-end");
  EXPECT_EQ(r.h.got[0].ctx.sctp_ppid, kM3ua);
  EXPECT_EQ(r.h.got[0].ctx.sctp_stream, 1);
  EXPECT_FALSE(r.h.got[0].in_packet);
  EXPECT_EQ(r.c.reasm.sctp_fragments, 3u);
  EXPECT_EQ(r.c.reasm.sctp_reassembled, 1u);
  EXPECT_EQ(r.walker.sctp_partial_in_flight(), 0u);
}

TEST(Sctp, FragmentedMessagesOfTwoStreamsCompleteIndependently) {
  // Fragments of one message carry consecutive TSNs (RFC 9260 6.9); messages
  // of different streams may complete in any order.
  SctpRun r;
  r.feed({sctp_data(20, 1, 0, kM3ua, kB, text("a1")), sctp_data(22, 2, 0, kM3ua, kB, text("b1"))});
  r.feed({sctp_data(23, 2, 0, kM3ua, kE, text("b2"))});
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, "b1b2");
  r.feed({sctp_data(21, 1, 0, kM3ua, kE, text("a2"))});
  ASSERT_EQ(r.h.got.size(), 2u);
  EXPECT_EQ(r.h.got[1].bytes, "a1a2");
  EXPECT_EQ(r.h.got[1].ctx.sctp_stream, 1);
}

TEST(Sctp, DuplicateTsnIsSuppressed) {
  SctpRun r;
  r.feed({sctp_data(100, 0, 0, kM3ua, kBE, text("once"))});
  r.feed({sctp_data(100, 0, 0, kM3ua, kBE, text("once"))});  // retransmission
  r.feed({sctp_data(101, 0, 0, kM3ua, kBE, text("twice")), sctp_data(101, 0, 0, kM3ua, kBE, text("twice"))});
  ASSERT_EQ(r.h.got.size(), 2u);
  EXPECT_EQ(r.h.got[0].bytes, "once");
  EXPECT_EQ(r.h.got[1].bytes, "twice");
  EXPECT_EQ(r.c.reasm.sctp_duplicate_tsns, 2u);
}

// An inline probe that held a chunk back must find its retransmission: the
// walk reports a duplicate carrying one whole message with the place of its
// bytes in the packet (a duplicate fragment has no message to hold).
TEST(Sctp, DuplicateOfAWholeMessageIsReportedWithItsPlace) {
  SctpRun r;
  r.feed({sctp_data(100, 0, 0, kM3ua, kBE, text("once"))});
  EXPECT_TRUE(r.h.repeats.empty());
  Buf again = eth_sctp4(sctp(2905, 2906, 0xabcd, {sctp_chunk(3, Buf(12, 0)), sctp_data(100, 0, 0, kM3ua, kBE, text("once"))}));
  const PacketRef p = ref(again, ++r.frame, 2'000'000'000ull);
  r.walker.walk(p, r.h, r.c);
  ASSERT_EQ(r.h.repeats.size(), 1u);
  const Delivery& d = r.h.repeats[0];
  EXPECT_EQ(d.bytes, "once");
  EXPECT_EQ(d.frame, 2u);
  EXPECT_EQ(d.ctx.sctp_ppid, kM3ua);
  EXPECT_EQ(d.ctx.wire.l4_off, 34u);  // Ethernet, IPv4 without options
  EXPECT_EQ(d.ctx.wire.l4_len, again.size() - 34);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(again.data() + d.ctx.wire.msg_off), 4), "once");
  EXPECT_EQ(r.h.got.size(), 1u) << "still no second delivery";
  r.feed({sctp_data(200, 0, 1, kM3ua, kB, text("frag"))});
  r.feed({sctp_data(200, 0, 1, kM3ua, kB, text("frag"))});
  EXPECT_EQ(r.h.repeats.size(), 1u) << "a duplicate fragment is not reported";
}

TEST(Sctp, ReusedTsnWithAnotherChunkIsDeliveredAndCounted) {
  // Generated captures (e.g. SigCorr's) number every packet TSN 1; the SSN
  // and the payload differ, so it is not a retransmission.
  SctpRun r;
  r.feed({sctp_data(1, 0, 0, kM3ua, kBE, text("first message"))});
  r.feed({sctp_data(1, 0, 1, kM3ua, kBE, text("second, longer message"))});
  r.feed({sctp_data(1, 0, 1, kM3ua, kBE, text("second, longer massage"))});  // same header, other bytes
  r.feed({sctp_data(1, 0, 1, kM3ua, kBE, text("second, longer massage"))});  // a true retransmission
  ASSERT_EQ(r.h.got.size(), 3u);
  EXPECT_EQ(count(r.c, Anomaly::SctpTsnReused), 2u);
  EXPECT_EQ(r.c.reasm.sctp_duplicate_tsns, 1u);
}

TEST(Sctp, SameTsnInTheOtherDirectionIsNotADuplicate) {
  SctpRun r;
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("a"))}, 0x1111);
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("b"))}, 0x2222);
  EXPECT_EQ(r.h.got.size(), 2u);
}

TEST(Sctp, DuplicatesAreFoundWhenDirectionsInterleave) {
  // The walk remembers the direction of the last chunk; each direction keeps its own TSNs.
  SctpRun r;
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("a"))}, 0x1111);
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("b"))}, 0x2222);
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("a"))}, 0x1111);  // retransmissions, alternating
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("b"))}, 0x2222);
  r.feed({sctp_data(6, 0, 0, kM3ua, kBE, text("c"))}, 0x1111);
  ASSERT_EQ(r.h.got.size(), 3u);
  EXPECT_EQ(r.h.got[2].bytes, "c");
  EXPECT_EQ(r.c.reasm.sctp_duplicate_tsns, 2u);
  EXPECT_EQ(count(r.c, Anomaly::SctpTsnReused), 0u);
}

TEST(Sctp, DirectionPushedOutOfAFullTableIsForgotten) {
  l2l4::L2L4Config cfg;
  cfg.sctp_max_assocs = 2;
  SctpRun r(cfg);
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("a"))}, 1);
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("b"))}, 2);
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("c"))}, 3);  // pushes out direction 1
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("c"))}, 3);  // still known
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("a"))}, 1);  // new again: handed on
  EXPECT_EQ(r.h.got.size(), 4u);
  EXPECT_EQ(r.c.reasm.sctp_duplicate_tsns, 1u);
}

TEST(Sctp, DirectionPushedOutIsNotFoundInTheSlotItsSuccessorTook) {
  // One direction fits: the second takes the first's slot, and the first,
  // back, must start afresh instead of meeting the second's TSNs.
  l2l4::L2L4Config cfg;
  cfg.sctp_max_assocs = 1;
  SctpRun r(cfg);
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("a"))}, 1);
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("b"))}, 2);
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("a"))}, 1);
  r.feed({sctp_data(5, 0, 0, kM3ua, kBE, text("a"))}, 1);  // now a retransmission
  EXPECT_EQ(r.h.got.size(), 3u);
  EXPECT_EQ(count(r.c, Anomaly::SctpTsnReused), 0u);
  EXPECT_EQ(r.c.reasm.sctp_duplicate_tsns, 1u);
}

TEST(Sctp, ReusedTsnDiffersFromARetransmissionInAnyByteOfTheEnds) {
  // The fingerprint covers a short payload whole and a long one's first 8
  // and last 16 bytes: a change in any of those makes a new chunk.
  for (size_t len : {1u, 7u, 23u, 24u, 25u, 40u, 300u}) {
    const std::string base(len, 'm');
    std::vector<size_t> at;
    for (size_t i = 0; i < len; ++i)
      if (len <= 24 || i < 8 || i >= len - 16) at.push_back(i);
    SctpRun r;
    uint32_t tsn = 1;
    for (size_t i : at) {
      std::string other = base;
      other[i] = 'n';
      r.feed({sctp_data(tsn, 0, 0, kM3ua, kBE, text(base))});
      r.feed({sctp_data(tsn, 0, 0, kM3ua, kBE, text(other))});
      ++tsn;
    }
    EXPECT_EQ(r.h.got.size(), 2 * at.size()) << "payload of " << len;
    EXPECT_EQ(r.c.reasm.sctp_duplicate_tsns, 0u) << "payload of " << len;
  }
}

TEST(Sctp, DuplicateWindowSlidesWithTheTsn) {
  SctpRun r;
  for (uint32_t t = 0; t < 3000; ++t) r.feed({sctp_data(t, 0, 0, kM3ua, kBE, text("x"))});
  EXPECT_EQ(r.h.got.size(), 3000u);
  r.feed({sctp_data(2990, 0, 0, kM3ua, kBE, text("x"))});  // recent: remembered
  r.feed({sctp_data(10, 0, 0, kM3ua, kBE, text("x"))});    // long behind the window
  EXPECT_EQ(r.h.got.size(), 3000u);
  EXPECT_EQ(r.c.reasm.sctp_duplicate_tsns, 2u);
}

TEST(Sctp, ChunkLengthBelowFourStopsThePacket) {
  SctpRun r;
  Buf bad = {0, 3, 0, 2};  // length 2
  r.feed({sctp_data(1, 0, 0, kM3ua, kBE, text("ok")), bad, sctp_data(2, 0, 0, kM3ua, kBE, text("lost"))});
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(count(r.c, Anomaly::SctpChunkLenInvalid), 1u);
}

TEST(Sctp, ChunkLengthPastTheEndIsCounted) {
  SctpRun r;
  Buf d = sctp_data(1, 0, 0, kM3ua, kBE, text("data"));
  d[3] = 200;
  r.feed({d});
  EXPECT_TRUE(r.h.got.empty());
  EXPECT_EQ(count(r.c, Anomaly::SctpChunkLenInvalid), 1u);
}

TEST(Sctp, DataChunkTruncatedAtEveryLength) {
  Buf full = sctp_data(1, 2, 3, kM3ua, kBE, text("u"));  // 17 bytes + 3 padding
  for (uint16_t len = 4; len < 17; ++len) {
    SctpRun r;
    Buf d(full.begin(), full.begin() + len);
    d[2] = 0;
    d[3] = uint8_t(len);
    while (d.size() % 4) d.push_back(0);
    r.feed({d});
    Anomaly want = len < 16 ? Anomaly::SctpDataTooShort : Anomaly::SctpDataEmpty;
    EXPECT_EQ(count(r.c, want), 1u) << "len " << len;
    EXPECT_EQ(anomalies_total(r.c), 1u) << "len " << len;
    EXPECT_TRUE(r.h.got.empty());
  }
}

TEST(Sctp, MissingPaddingOfTheLastChunkIsTolerated) {
  SctpRun r;
  Buf d = sctp_data(1, 0, 0, kM3ua, kBE, text("odd"));
  d.resize(19);  // 16 + 3, no padding
  r.feed({d});
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, "odd");
  EXPECT_EQ(anomalies_total(r.c), 0u);
}

TEST(Sctp, PartialMessagesAreBounded) {
  l2l4::L2L4Config cfg;
  cfg.sctp_max_partial = 2;
  cfg.sctp_max_message = 10;
  SctpRun r(cfg);
  r.feed({sctp_data(1, 1, 0, kM3ua, kB, text("a"))});
  r.feed({sctp_data(2, 2, 0, kM3ua, kB, text("b"))});
  r.feed({sctp_data(3, 3, 0, kM3ua, kB, text("c"))});  // evicts stream 1's
  EXPECT_EQ(count(r.c, Anomaly::SctpFragTableFull), 1u);
  EXPECT_EQ(r.walker.sctp_partial_in_flight(), 2u);
  r.feed({sctp_data(4, 2, 0, kM3ua, 0, text("0123456789"))});  // 11 bytes > 10
  EXPECT_EQ(count(r.c, Anomaly::SctpFragTooBig), 1u);
  EXPECT_EQ(r.walker.sctp_partial_in_flight(), 1u);
}

TEST(Sctp, IncompleteMessageExpires) {
  l2l4::L2L4Config cfg;
  cfg.sctp_partial_timeout_ns = 1'000'000'000ull;
  SctpRun r(cfg);
  r.feed({sctp_data(1, 1, 0, kM3ua, kB, text("a"))}, 0xabcd, 1'000'000'000ull);
  r.feed({sctp_data(9, 2, 0, kM3ua, kBE, text("z"))}, 0xabcd, 3'000'000'000ull);
  EXPECT_EQ(count(r.c, Anomaly::SctpFragTimeout), 1u);
  EXPECT_EQ(r.walker.sctp_partial_in_flight(), 0u);
}

}  // namespace
}  // namespace sigprobe
