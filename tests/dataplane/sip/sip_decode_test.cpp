#include "dataplane/sip/sip_decode.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/dataplane/sip/sip_samples.hpp"

namespace sigprobe::sip {
namespace {

Bytes bytes_of(const std::string& s) { return as_bytes(s); }

MsgContext udp_context(const PacketRef& pkt) {
  MsgContext ctx;
  ctx.pkt = &pkt;
  ctx.transport = Transport::Udp;
  ctx.src.family = 4;
  ctx.src.addr[0] = 192;
  ctx.src.port = 5060;
  ctx.dst.family = 4;
  ctx.dst.addr[0] = 198;
  ctx.dst.port = 5070;
  return ctx;
}

TEST(SipDecode, LooksLikeSipByContent) {
  EXPECT_TRUE(looks_like_sip(bytes_of(test::invite_with_sdp())));
  EXPECT_TRUE(looks_like_sip(bytes_of(test::ok_200())));
  EXPECT_TRUE(looks_like_sip(bytes_of("FOO sip:x@y SIP/2.0\r\n")));
  EXPECT_FALSE(looks_like_sip(bytes_of("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  EXPECT_FALSE(looks_like_sip(bytes_of("SIP/2.0x")));
  EXPECT_FALSE(looks_like_sip(bytes_of("INVITE sip:x@y SIP/2.0")));  // line not ended
  EXPECT_FALSE(looks_like_sip(bytes_of("")));
  EXPECT_FALSE(looks_like_sip(bytes_of("\x16\x03\x01\x02\x00")));  // TLS record
  // a method is any token (ntop/nDPI fuzz-2006-06-26-2594.pcap frame 107)
  EXPECT_TRUE(looks_like_sip(bytes_of("REGIStER pip:sip.example.dk SIP/2.0\r\n")));
  // a lone CR ends the start line (same file, frame 247)
  EXPECT_TRUE(looks_like_sip(bytes_of("CANCEL sip:1@h SIP/2.0\r7Via: x\r\n")));
  // NUL inside the start line (same file, frame 441)
  EXPECT_FALSE(looks_like_sip(as_bytes(std::string_view("REGISTER s%s\0sip.x SIP/2.0\r\n", 28))));
}

TEST(SipDecode, DecodesAnEventWithContext) {
  PacketRef pkt;
  pkt.frame = 7;
  pkt.ts_ns = 1'700'000'000'250'000'000ull;
  pkt.port = 2;
  MsgContext ctx = udp_context(pkt);
  EventBatch out(8, 4096);
  DecodeCounters c;
  std::string msg = test::invite_with_sdp();
  ASSERT_TRUE(decode_sip(bytes_of(msg), ctx, out, c));
  ASSERT_EQ(out.size(), 1u);
  const SignalEvent& ev = out.events()[0];
  EXPECT_EQ(ev.frame, 7u);
  EXPECT_EQ(ev.ts_ns, pkt.ts_ns);
  EXPECT_EQ(ev.port, 2);
  EXPECT_EQ(ev.proto, Proto::Sip);
  EXPECT_TRUE(ev.has(kLayerSip));
  EXPECT_EQ(ev.transport, Transport::Udp);
  EXPECT_EQ(ev.src, ctx.src);
  EXPECT_EQ(ev.dst, ctx.dst);
  EXPECT_EQ(ev.sip.from_user, "8613800138000");
  EXPECT_EQ(c.messages[size_t(Proto::Sip)], 1u);
}

TEST(SipDecode, NotSipCountsTheAnomalyAndPushesNothing) {
  PacketRef pkt;
  MsgContext ctx = udp_context(pkt);
  EventBatch out(8, 4096);
  DecodeCounters c;
  EXPECT_FALSE(decode_sip(bytes_of("hello world\r\n"), ctx, out, c));
  EXPECT_EQ(out.size(), 0u);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::SipStartLineInvalid)], 1u);
  EXPECT_EQ(c.messages[size_t(Proto::Sip)], 0u);
}

TEST(SipDecode, FullBatchCountsADroppedEvent) {
  PacketRef pkt;
  MsgContext ctx = udp_context(pkt);
  EventBatch out(1, 4096);
  DecodeCounters c;
  std::string msg = test::ok_200();
  EXPECT_TRUE(decode_sip(bytes_of(msg), ctx, out, c));
  EXPECT_TRUE(decode_sip(bytes_of(msg), ctx, out, c));
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(c.events_dropped, 1u);
}

TEST(SipDecode, EveryTruncationDecodesWithoutCrash) {
  PacketRef pkt;
  MsgContext ctx = udp_context(pkt);
  EventBatch out(4, 1 << 16);
  DecodeCounters c;
  std::string msg = test::invite_with_sdp();
  for (size_t n = 0; n <= msg.size(); ++n) {
    std::string cut = msg.substr(0, n);
    out.clear();
    decode_sip(bytes_of(cut), ctx, out, c);
    for (const SignalEvent& ev : out.events()) EXPECT_LE(ev.sip.call_id.size(), n);
  }
}

TEST(SipFrame, CompleteMessageUsesContentLength) {
  std::string msg = test::invite_with_sdp();
  SipFrame f = sip_frame(bytes_of(msg));
  EXPECT_EQ(f.status, SipFrame::Status::Complete);
  EXPECT_EQ(f.len, msg.size());
}

TEST(SipFrame, EveryShorterPrefixNeedsMore) {
  std::string msg = test::invite_with_sdp();
  for (size_t n = 1; n < msg.size(); ++n) {
    std::string cut = msg.substr(0, n);
    EXPECT_EQ(sip_frame(bytes_of(cut)).status, SipFrame::Status::NeedMore) << "prefix " << n;
  }
}

TEST(SipFrame, CoalescedMessagesAreFramedOneByOne) {
  std::string a = test::ok_200();
  std::string b = test::invite_with_sdp();
  std::string stream = a + b + "INVITE sip:x";
  SipFrame f1 = sip_frame(bytes_of(stream));
  ASSERT_EQ(f1.status, SipFrame::Status::Complete);
  EXPECT_EQ(f1.len, a.size());
  std::string rest = stream.substr(f1.len);
  SipFrame f2 = sip_frame(bytes_of(rest));
  ASSERT_EQ(f2.status, SipFrame::Status::Complete);
  EXPECT_EQ(f2.len, b.size());
  EXPECT_EQ(sip_frame(bytes_of(rest.substr(f2.len))).status, SipFrame::Status::NeedMore);
}

TEST(SipFrame, CompactContentLengthFrames) {
  std::string msg = "MESSAGE sip:a@b SIP/2.0\r\ni: x\r\nl: 5\r\n\r\nhelloSIP/2.0 200 OK\r\n";
  SipFrame f = sip_frame(bytes_of(msg));
  ASSERT_EQ(f.status, SipFrame::Status::Complete);
  EXPECT_EQ(msg.substr(0, f.len).substr(f.len - 5), "hello");
}

TEST(SipFrame, CrlfKeepAliveIsSkipped) {
  SipFrame f = sip_frame(bytes_of("\r\n\r\nOPTIONS"));
  EXPECT_EQ(f.status, SipFrame::Status::KeepAlive);
  EXPECT_EQ(f.len, 4u);
}

TEST(SipFrame, NonSipAndBadLengthAreInvalid) {
  EXPECT_EQ(sip_frame(bytes_of("GET / HTTP/1.1\r\n\r\n")).status, SipFrame::Status::Invalid);
  EXPECT_EQ(sip_frame(bytes_of("SIP/2.0 200 OK\r\nContent-Length: zz\r\n\r\n")).status,
            SipFrame::Status::Invalid);
  EXPECT_EQ(sip_frame(bytes_of("")).status, SipFrame::Status::NeedMore);
}

TEST(SipFrame, MissingContentLengthMeansNoBody) {
  std::string msg = "SIP/2.0 100 Trying\r\nCall-ID: x\r\n\r\nSIP/2.0 180 Ringing\r\n";
  SipFrame f = sip_frame(bytes_of(msg));
  ASSERT_EQ(f.status, SipFrame::Status::Complete);
  EXPECT_EQ(f.len, msg.find("SIP/2.0 180"));
}

TEST(SipFrame, EndlessHeadersAreInvalid) {
  std::string msg = "SIP/2.0 200 OK\r\n";
  while (msg.size() < 70'000) msg += "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  EXPECT_EQ(sip_frame(bytes_of(msg)).status, SipFrame::Status::Invalid);
}

}  // namespace
}  // namespace sigprobe::sip
