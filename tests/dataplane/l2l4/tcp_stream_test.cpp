// TCP stream reassembly through the walk, with a handler that consumes whole
// lines (like SIP framing consumes whole messages). Segments built by
// packet_builder.hpp.
#include <gtest/gtest.h>

#include "dataplane/l2l4/walk.hpp"
#include "tests/dataplane/l2l4/packet_builder.hpp"
#include "tests/dataplane/l2l4/recording_handler.hpp"

namespace sigprobe {
namespace {

using namespace testpkt;

constexpr uint32_t kIsn = 1000;

struct TcpRun {
  l2l4::Walker walker;
  RecordingHandler h;
  DecodeCounters c;
  uint64_t frame = 0;
  explicit TcpRun(l2l4::L2L4Config cfg = {}) : walker(cfg) { h.consume_lines = true; }
  void seg(uint32_t rel, const std::string& s, uint8_t flags = kAck | kPsh, uint16_t sport = 40000,
           uint64_t ts = 1'000'000'000ull) {
    Buf b = eth_tcp4(kIsn + 1 + rel, flags, text(s), sport);
    walker.walk(ref(b, ++frame, ts), h, c);
  }
  void syn(uint16_t sport = 40000) {
    Buf b = eth_tcp4(kIsn, kSyn, {}, sport);
    walker.walk(ref(b, ++frame), h, c);
  }
  long buffered(uint16_t sport = 40000) {
    Endpoint s, d;
    s.family = d.family = 4;
    s.addr = {10, 0, 0, 1};
    d.addr = {10, 0, 0, 2};
    s.port = sport;
    d.port = 5060;
    return walker.tcp_buffered(s, d);
  }
};

TEST(TcpStream, InOrderSegmentsAreHandedOnFromThePacket) {
  TcpRun r;
  r.syn();
  r.seg(0, "one\n");
  r.seg(4, "two\n");
  ASSERT_EQ(r.h.got.size(), 2u);
  EXPECT_TRUE(r.h.got[0].in_packet);
  EXPECT_TRUE(r.h.got[1].in_packet);
  EXPECT_EQ(r.h.tcp_stream(), "one\ntwo\n");
  EXPECT_EQ(r.buffered(), 0);
  EXPECT_EQ(r.c.reasm.tcp_streams, 1u);
}

TEST(TcpStream, TwoMessagesInOneSegment) {
  TcpRun r;
  r.syn();
  r.seg(0, "one\ntwo\n");
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, "one\ntwo\n");
}

TEST(TcpStream, OneMessageOverThreeSegments) {
  TcpRun r;
  r.syn();
  r.seg(0, "thr");
  r.seg(3, "ee-se");
  EXPECT_TRUE(r.h.got.empty());
  EXPECT_EQ(r.buffered(), 8);
  r.seg(8, "gments\nrest");
  ASSERT_EQ(r.h.got.size(), 1u);
  EXPECT_EQ(r.h.got[0].bytes, "three-segments\n");
  EXPECT_FALSE(r.h.got[0].in_packet);
  EXPECT_EQ(r.h.got[0].carried, 8u);
  EXPECT_EQ(r.buffered(), 4);  // "rest" waits for its line end
}

TEST(TcpStream, ReversedSegmentsAreReordered) {
  TcpRun r;
  r.syn();
  r.seg(8, "cc\n");
  r.seg(4, "bbbb");
  r.seg(0, "aaaa");
  EXPECT_EQ(r.h.tcp_stream(), "aaaabbbbcc\n");
  EXPECT_EQ(r.c.reasm.tcp_segments_ooo, 2u);
  EXPECT_EQ(r.buffered(), 0);
}

TEST(TcpStream, RetransmissionsAreDroppedAndCounted) {
  TcpRun r;
  r.syn();
  r.seg(0, "one\n");
  r.seg(0, "one\n");
  r.seg(4, "two\n");
  r.seg(2, "e\ntwo\nthree\n");  // partly old, partly new
  EXPECT_EQ(r.h.tcp_stream(), "one\ntwo\nthree\n");
  EXPECT_EQ(r.c.reasm.tcp_retransmissions, 1u);
  // Both segments that carry old bytes are reported, with their places (an
  // inline probe holds what it held in the first copy again): the whole
  // retransmission, and the one whose new bytes were delivered all the same.
  ASSERT_EQ(r.h.repeats.size(), 2u);
  EXPECT_EQ(r.h.repeats[0].kind, Delivery::Kind::Tcp);
  EXPECT_EQ(r.h.repeats[0].frame, 3u);
  EXPECT_EQ(r.h.repeats[0].ctx.wire.l4_off, 34u);
  EXPECT_EQ(r.h.repeats[0].ctx.wire.l4_len, 20u + 4);
  EXPECT_EQ(r.h.repeats[1].frame, 5u);
  EXPECT_EQ(r.h.repeats[1].ctx.wire.l4_len, 20u + 12);
}

TEST(TcpStream, GapIsSkippedAtFin) {
  TcpRun r;
  r.syn();
  r.seg(0, "one\n");
  r.seg(4, "tw");              // "two\n" loses its "o\n"...
  r.seg(8, "three\n");         // ...which never comes
  EXPECT_EQ(r.h.tcp_stream(), "one\n");
  r.seg(14, "", kAck | kFin);
  EXPECT_EQ(r.h.tcp_stream(), "one\nthree\n");
  EXPECT_EQ(r.c.reasm.tcp_gaps, 1u);
  EXPECT_EQ(count(r.c, Anomaly::TcpGap), 1u);
  EXPECT_EQ(r.buffered(), -1);  // closed
}

TEST(TcpStream, GapIsSkippedAfterTheGapTimeout) {
  l2l4::L2L4Config cfg;
  cfg.tcp_gap_timeout_ns = 1'000'000'000ull;
  TcpRun r(cfg);
  r.syn();
  r.seg(0, "one\n", kAck, 40000, 1'000'000'000ull);
  r.seg(10, "two\n", kAck, 40000, 1'100'000'000ull);
  EXPECT_EQ(r.h.tcp_stream(), "one\n");
  r.seg(14, "three\n", kAck, 40000, 2'500'000'000ull);
  EXPECT_EQ(r.h.tcp_stream(), "one\ntwo\nthree\n");
  EXPECT_EQ(r.c.reasm.tcp_gaps, 1u);
}

TEST(TcpStream, SegmentStartingAMessageAfterAHoleIsNotHeldBack) {
  TcpRun r;
  r.h.message_start = "MSG";
  r.syn();
  r.seg(0, "MSG one\n");
  r.seg(20, "MSG three\n");  // "MSG two\n" + 4 bytes never captured
  EXPECT_EQ(r.h.tcp_stream(), "MSG one\nMSG three\n");
  EXPECT_EQ(r.h.got.back().frame, 3u);  // handed on with its own packet
  EXPECT_TRUE(r.h.got.back().in_packet);
  EXPECT_EQ(r.c.reasm.tcp_gaps, 1u);
  r.seg(8, "MSG two\n");  // too late: before what was delivered
  EXPECT_EQ(r.h.tcp_stream(), "MSG one\nMSG three\n");
  EXPECT_EQ(r.c.reasm.tcp_retransmissions, 1u);
}

TEST(TcpStream, SegmentAfterAHoleWaitsWhileAMessageIsPending) {
  TcpRun r;
  r.h.message_start = "MSG";
  r.syn();
  r.seg(0, "MSG on");       // a message in progress
  r.seg(10, "MSG three\n"); // the rest of it ("e\n" + 2) is missing: wait
  EXPECT_EQ(r.h.tcp_stream(), "");
  r.seg(6, "e\nXX");
  EXPECT_EQ(r.h.tcp_stream(), "MSG one\nXXMSG three\n");
  EXPECT_EQ(r.c.reasm.tcp_gaps, 0u);
}

TEST(TcpStream, StreamWithoutSynIsPickedUpWhenTheHandlerWantsIt) {
  TcpRun r;
  r.seg(100, "mid\n");
  r.seg(104, "more\n");
  EXPECT_EQ(r.h.tcp_stream(), "mid\nmore\n");
}

TEST(TcpStream, DeclinedStreamIsNotBuffered) {
  TcpRun r;
  r.h.want_tcp = false;
  r.syn();
  r.seg(0, "not ours");
  r.seg(8, "still not");
  EXPECT_TRUE(r.h.got.empty());
  EXPECT_EQ(r.buffered(), -1);
}

TEST(TcpStream, TableFullEvictsTheLeastRecentlyUsed) {
  l2l4::L2L4Config cfg;
  cfg.tcp_max_streams = 2;
  TcpRun r(cfg);
  r.seg(0, "a", kAck, 1);
  r.seg(0, "b", kAck, 2);
  r.seg(1, "a", kAck, 1);  // stream 1 used last
  r.seg(0, "c", kAck, 3);  // evicts stream 2
  EXPECT_EQ(r.c.reasm.tcp_evictions, 1u);
  EXPECT_EQ(count(r.c, Anomaly::TcpStreamTableFull), 1u);
  EXPECT_EQ(r.buffered(1), 2);
  EXPECT_EQ(r.buffered(2), -1);
  EXPECT_EQ(r.buffered(3), 1);
}

TEST(TcpStream, BufferLimitDropsWhatDoesNotFrame) {
  l2l4::L2L4Config cfg;
  cfg.tcp_max_buffer = 16;
  TcpRun r(cfg);
  r.syn();
  r.seg(0, "0123456789");
  r.seg(10, "0123456789");  // 20 bytes without a line end
  EXPECT_EQ(count(r.c, Anomaly::TcpStreamOverflow), 1u);
  EXPECT_EQ(r.buffered(), 0);
  r.seg(20, "ok\n");
  EXPECT_EQ(r.h.tcp_stream(), "ok\n");
}

TEST(TcpStream, OutOfOrderAreaOverflowSkipsTheHole) {
  l2l4::L2L4Config cfg;
  cfg.tcp_max_buffer = 16;
  TcpRun r(cfg);
  r.syn();
  r.seg(4, "0123456789\n");
  r.seg(15, "abcdef\n");  // 18 bytes waiting > 16
  EXPECT_EQ(r.c.reasm.tcp_gaps, 1u);
  EXPECT_EQ(r.h.tcp_stream(), "0123456789\nabcdef\n");
}

TEST(TcpStream, SynStartsTheDirectionAfresh) {
  TcpRun r;
  r.syn();
  r.seg(0, "half");
  r.syn();  // same ISN: a retransmitted SYN keeps nothing buffered wrongly
  EXPECT_EQ(r.buffered(), 4);
  Buf b = eth_tcp4(5000, kSyn, {});
  r.walker.walk(ref(b, 99), r.h, r.c);  // a new connection on the same ports
  EXPECT_EQ(r.buffered(), 0);
}

TEST(TcpStream, SequenceNumbersWrapAround) {
  TcpRun r;
  Buf syn = eth_tcp4(0xfffffffdu, kSyn, {});
  r.walker.walk(ref(syn, 1), r.h, r.c);
  Buf a = eth_tcp4(0xfffffffeu, kAck, text("wr"));
  Buf b = eth_tcp4(0x00000000u, kAck, text("ap\n"));
  r.walker.walk(ref(b, 2), r.h, r.c);
  r.walker.walk(ref(a, 3), r.h, r.c);
  EXPECT_EQ(r.h.tcp_stream(), "wrap\n");
}

}  // namespace
}  // namespace sigprobe
