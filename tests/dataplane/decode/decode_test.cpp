// decode_burst end to end: the L2-L4 walk feeding the SIP decoder (UDP on
// any port, TCP framing, SCTP), arena copies of reassembled bytes, counters.
// SIP messages are written here after RFC 3261's examples; packets are built
// by tests/dataplane/l2l4/packet_builder.hpp.
#include <gtest/gtest.h>

#include <string>

#include "dataplane/decode.hpp"
#include "tests/dataplane/l2l4/packet_builder.hpp"

namespace sigprobe {
namespace {

using namespace testpkt;

std::string invite(const std::string& call_id, const std::string& body = "") {
  return "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
         "Max-Forwards: 70\r\n"
         "To: Bob <sip:bob@biloxi.example.com>\r\n"
         "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
         "Call-ID: " + call_id + "\r\n"
         "CSeq: 314159 INVITE\r\n"
         "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string ok200(const std::string& call_id) {
  return "SIP/2.0 200 OK\r\n"
         "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
         "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
         "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
         "Call-ID: " + call_id + "\r\n"
         "CSeq: 314159 INVITE\r\n"
         "Content-Length: 0\r\n\r\n";
}

struct Harness {
  Decoder dec;
  EventBatch out;
  DecodeCounters c;
  std::vector<Buf> frames;  // kept alive for the burst
  explicit Harness(size_t max_events = 256, const DecoderConfig& cfg = {}) : dec(cfg), out(max_events) {}

  void add(Buf b) { frames.push_back(std::move(b)); }
  void run() {
    std::vector<PacketRef> refs;
    for (size_t i = 0; i < frames.size(); ++i) refs.push_back(ref(frames[i], i + 1, (i + 1) * 1'000'000ull));
    dec.decode_burst(refs, out, c);
  }
  std::vector<SignalEvent> sip() const {
    std::vector<SignalEvent> v;
    for (const SignalEvent& e : out.events()) {
      if (e.proto == Proto::Sip) v.push_back(e);
    }
    return v;
  }
};

TEST(Decode, SipOverUdpOnAnyPort) {
  Harness h;
  h.add(eth_udp4(text(invite("a84b4c76e66710")), 40001, 5999));
  h.add(eth_udp4(text("not sip at all"), 5060, 5060));
  h.run();
  auto ev = h.sip();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].frame, 1u);
  EXPECT_EQ(ev[0].transport, Transport::Udp);
  EXPECT_EQ(ev[0].sip.method, SipMethod::Invite);
  EXPECT_EQ(ev[0].sip.call_id, "a84b4c76e66710");
  EXPECT_EQ(ev[0].src.port, 40001);
  EXPECT_EQ(ev[0].dst.port, 5999);
  EXPECT_EQ(h.c.packets, 2u);
  EXPECT_EQ(h.c.bytes, h.frames[0].size() + h.frames[1].size());
  EXPECT_EQ(h.c.malformed_packets, 0u);
}

// SIP-I (RFC 3204, ITU-T Q.1912.5): an INVITE whose multipart body holds the
// SDP and the IAM, numbers national (NAI 3) and without '+' in SIP, the shape
// of corpus sipcapture__heplify/sip_sctp.pcap frame 2. The IAM says what SIP
// does not: with a country code the SIP users that are those national numbers
// read in international form, as the IAM's own numbers do.
std::string sip_i_invite(const std::string& from, const std::string& to) {
  // IAM: nature of connection 0, forward call 0x6000, category 0x0a, TMR 3
  // (3.1 kHz), pointers 2 and 9, called NAI 3 (even, 10 digits), calling NAI 3
  // (10 digits, presentation allowed, network provided), redirecting number
  // NAI 3 (the call was diverted from 9275685122, as in the corpus capture), end.
  std::string iam("\x01\x00\x60\x00\x0a\x03\x02\x09"
                  "\x07\x03\x10\x29\x57\x98\x00\x00"
                  "\x0a\x07\x03\x13\x19\x17\x69\x19\x63"
                  "\x0b\x07\x03\x10\x29\x57\x86\x15\x22\x00",
                  35);
  std::string body = "--b1\r\nContent-Type: application/sdp\r\n\r\n"
                     "v=0\r\no=- 1 1 IN IP4 10.9.9.1\r\ns=-\r\nc=IN IP4 10.9.9.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n"
                     "\r\n--b1\r\nContent-Type: application/ISUP;version=itu-t92+;base=itu-t92+\r\n"
                     "Content-Disposition: signal;handling=optional\r\n\r\n" + iam + "\r\n--b1--\r\n";
  return "INVITE sip:" + to + "@ims.example.ru;user=phone SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.9.9.1;branch=z9hG4bKsipi\r\n"
         "From: <sip:" + from + "@ims.example.ru;user=phone>;tag=s1\r\n"
         "To: <sip:" + to + "@ims.example.ru;user=phone>\r\n"
         "Call-ID: sip-i-1\r\nCSeq: 1 INVITE\r\n"
         "Content-Type: multipart/mixed;boundary=\"b1\"\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(Decode, SipIBodyGivesTheIsupMessageAndTheNatureOfTheNumbers) {
  DecoderConfig cc;
  cc.country_code = "7";
  for (const DecoderConfig& cfg : {DecoderConfig{}, cc}) {
    Harness h(256, cfg);
    h.add(eth_udp4(text(sip_i_invite("9171969136", "9275890000")), 5060, 5060));
    h.add(eth_udp4(text(sip_i_invite("9171969137", "9275890000")), 5060, 5060));  // From is not the IAM's caller
    h.run();
    auto ev = h.sip();
    ASSERT_EQ(ev.size(), 2u);
    const std::string p = cfg.country_code;  // "" or "7"
    ASSERT_TRUE(ev[0].has(kLayerSipIsup));
    EXPECT_FALSE(ev[0].has(kLayerIsup));  // a SIP event, not an ISUP one
    EXPECT_EQ(ev[0].isup.msg_type, 0x01);
    EXPECT_EQ(ev[0].isup.calling, p + "9171969136");
    EXPECT_EQ(ev[0].isup.called, p + "9275890000");
    EXPECT_EQ(ev[0].isup.calling_nai, 3);
    EXPECT_EQ(ev[0].isup.calling_category, 0x0a);
    EXPECT_EQ(ev[0].sip.from_user, p + "9171969136");
    EXPECT_EQ(ev[0].sip.to_user, p + "9275890000");
    EXPECT_EQ(ev[0].sip.ruri_user, p + "9275890000");
    EXPECT_EQ(ev[0].sip.diversion_user, p + "9275685122");  // no Diversion header: the IAM's redirecting number
    EXPECT_EQ(ev[0].sip.sdp_addr, "10.9.9.1");  // the SDP part of the multipart body
    EXPECT_EQ(ev[0].sip.sdp_audio_port, 4000);
    EXPECT_EQ(ev[1].sip.from_user, "9171969137");  // not the IAM's number: as sent
    EXPECT_EQ(ev[1].sip.to_user, p + "9275890000");
    EXPECT_EQ(h.c.national_numbers, p.empty() ? 0u : 6u);  // calling, called, redirecting; two INVITEs
    EXPECT_EQ(h.c.anomalies_total, 0u);
  }
}

TEST(Decode, TwoSipMessagesInOneTcpSegment) {
  Harness h;
  h.add(eth_tcp4(100, kSyn, {}));
  h.add(eth_tcp4(101, kAck | kPsh, text(invite("one") + ok200("two"))));
  h.run();
  auto ev = h.sip();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].frame, 2u);
  EXPECT_EQ(ev[1].frame, 2u);
  EXPECT_EQ(ev[0].sip.call_id, "one");
  EXPECT_EQ(ev[1].sip.status, 200);
  EXPECT_EQ(ev[0].transport, Transport::Tcp);
  EXPECT_EQ(h.c.reasm.tcp_multi_segment_msgs, 0u);
}

TEST(Decode, OneSipMessageOverThreeTcpSegmentsAndKeepAlives) {
  const std::string m = invite("split-call", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
  const size_t a = 30, b = m.size() - 20;
  Harness h;
  h.add(eth_tcp4(100, kSyn, {}));
  h.add(eth_tcp4(101, kAck, text("\r\n\r\n")));  // keep-alive first
  h.add(eth_tcp4(105, kAck, text(m.substr(0, a))));
  h.add(eth_tcp4(uint32_t(105 + a), kAck, text(m.substr(a, b - a))));
  h.add(eth_tcp4(uint32_t(105 + b), kAck, text(m.substr(b) + "\r\n\r\n")));
  // The same stream goes on in this burst, reusing its buffer.
  const std::string m2 = ok200("after");
  h.add(eth_tcp4(uint32_t(105 + m.size() + 4), kAck, text(m2.substr(0, 10))));
  h.add(eth_tcp4(uint32_t(105 + m.size() + 14), kAck, text(m2.substr(10))));
  h.run();
  auto ev = h.sip();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].frame, 5u);  // the segment that completed it
  EXPECT_EQ(ev[0].sip.call_id, "split-call");  // arena copy, intact after the buffer moved on
  EXPECT_EQ(ev[1].sip.call_id, "after");
  EXPECT_EQ(h.c.reasm.tcp_multi_segment_msgs, 2u);
  EXPECT_EQ(h.c.malformed_packets, 0u);
}

TEST(Decode, TcpJunkBeforeSipIsSkippedToTheStartLine) {
  Harness h;
  h.add(eth_tcp4(100, kSyn, {}));
  h.add(eth_tcp4(101, kAck, text("garbage line\r\n" + invite("resynced"))));
  h.run();
  auto ev = h.sip();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].sip.call_id, "resynced");
  EXPECT_EQ(h.c.anomalies[size_t(Anomaly::TcpSipResync)], 1u);
}

TEST(Decode, HttpOnTheSipPortYieldsNoEvent) {
  Harness h;
  h.add(eth_tcp4(100, kSyn, {}));
  h.add(eth_tcp4(101, kAck, text("GET / HTTP/1.1\r\nHost: example\r\n\r\n")));
  h.run();
  EXPECT_TRUE(h.sip().empty());
}

// A WebSocket frame (RFC 6455 5.2): FIN, opcode, 16-bit length when needed,
// masked with `mask` when given (client to server).
Buf ws(uint8_t first, const std::string& payload, const std::vector<uint8_t>& mask = {}) {
  Buf f{first};
  const uint8_t m = mask.empty() ? 0 : 0x80;
  if (payload.size() < 126) {
    f.push_back(uint8_t(m | payload.size()));
  } else {
    f.push_back(uint8_t(m | 126));
    put16(f, uint16_t(payload.size()));
  }
  f.insert(f.end(), mask.begin(), mask.end());
  for (size_t i = 0; i < payload.size(); ++i)
    f.push_back(uint8_t(payload[i] ^ (mask.empty() ? 0 : mask[i % 4])));
  return f;
}

// The opening handshake of RFC 7118 section 5 (the "sip" subprotocol).
const std::string kWsUpgrade =
    "GET / HTTP/1.1\r\nHost: proxy.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";
const std::string kWsSwitching =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n";

TEST(Decode, SipOverWebSocketOnAnyPortBothWays) {
  const std::string inv = invite("ws-call");
  const Buf masked = ws(0x81, inv, {0x35, 0xba, 0x59, 0x9f});
  Harness h;
  h.add(eth_tcp4(100, kAck | kPsh, text(kWsUpgrade), 43380, 8080));
  h.add(eth_tcp4(500, kAck | kPsh, text(kWsSwitching), 8080, 43380));
  // The INVITE's frame over two segments, then a ping.
  const uint32_t s1 = uint32_t(100 + kWsUpgrade.size());
  h.add(eth_tcp4(s1, kAck, Buf(masked.begin(), masked.begin() + 40), 43380, 8080));
  Buf rest(masked.begin() + 40, masked.end());
  rest = cat(rest, ws(0x89, "", {1, 2, 3, 4}));
  h.add(eth_tcp4(uint32_t(s1 + 40), kAck | kPsh, rest, 43380, 8080));
  // The server's answer, unmasked, in a binary frame.
  h.add(eth_tcp4(uint32_t(500 + kWsSwitching.size()), kAck | kPsh, ws(0x82, ok200("ws-call")), 8080, 43380));
  h.run();
  auto ev = h.sip();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].frame, 4u);  // the segment that completed the frame
  EXPECT_EQ(ev[0].sip.method, SipMethod::Invite);
  EXPECT_EQ(ev[0].sip.call_id, "ws-call");  // unmasked into the arena, intact
  EXPECT_EQ(ev[0].src.port, 43380);
  EXPECT_EQ(ev[1].frame, 5u);
  EXPECT_EQ(ev[1].sip.status, 200);
  EXPECT_EQ(h.c.malformed_packets, 0u);
}

TEST(Decode, WebSocketFramesItCannotReadAreCountedAndSkipped) {
  Harness h;
  h.add(eth_tcp4(100, kAck | kPsh, text(kWsUpgrade), 43380, 8080));
  Buf frames = ws(0x01, invite("first-half"), {9, 9, 9, 9});     // FIN clear: fragmented
  frames = cat(frames, ws(0xC1, "compressed bytes", {1, 1, 1, 1}));  // RSV1: permessage-deflate
  frames = cat(frames, ws(0x81, "{\"not\":\"sip\"}", {2, 2, 2, 2}));
  frames = cat(frames, ws(0x81, invite("after-the-rest"), {3, 3, 3, 3}));
  h.add(eth_tcp4(uint32_t(100 + kWsUpgrade.size()), kAck | kPsh, frames, 43380, 8080));
  h.run();
  auto ev = h.sip();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].sip.call_id, "after-the-rest");
  EXPECT_EQ(h.c.anomalies[size_t(Anomaly::WsFragmented)], 1u);
  EXPECT_EQ(h.c.anomalies[size_t(Anomaly::WsCompressed)], 1u);
  EXPECT_EQ(h.c.anomalies[size_t(Anomaly::WsNotSip)], 1u);
}

TEST(Decode, FrameLikeBytesOfAPlainHttpConnectionAreNotDecoded) {
  // The handshake does not ask for websocket: what follows is not taken for frames.
  const std::string get = "GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n";
  Harness h;
  h.add(eth_tcp4(100, kAck | kPsh, text(get), 43380, 80));
  h.add(eth_tcp4(uint32_t(100 + get.size()), kAck | kPsh, ws(0x81, invite("not-followed")), 43380, 80));
  h.run();
  EXPECT_TRUE(h.sip().empty());
}

TEST(Decode, FragmentedSipOverUdpIsCopiedIntoTheBatch) {
  // Two fragmented datagrams in one burst: the first event's strings must
  // survive the reassembly buffer being reused for the second.
  Harness h;
  for (uint16_t id : {1, 2}) {
    Buf dg = udp(5060, 5060, text(invite("frag-" + std::to_string(id), std::string(600, 'x'))));
    V4 f1;
    f1.id = id;
    f1.more = true;
    V4 f2 = f1;
    f2.more = false;
    f2.offset = 400;
    h.add(eth(0x0800, ipv4(f1, Buf(dg.begin(), dg.begin() + 400))));
    h.add(eth(0x0800, ipv4(f2, Buf(dg.begin() + 400, dg.end()))));
  }
  h.run();
  auto ev = h.sip();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].frame, 2u);
  EXPECT_EQ(ev[0].sip.call_id, "frag-1");
  EXPECT_EQ(ev[1].sip.call_id, "frag-2");
  EXPECT_EQ(h.c.reasm.ip_frag_datagrams, 2u);
}

TEST(Decode, SipOverSctp) {
  Harness h;
  h.add(eth_sctp4(sctp(5060, 5060, 7, {sctp_data(1, 0, 0, 0, 0x03, text(invite("over-sctp")))})));
  h.run();
  auto ev = h.sip();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].transport, Transport::Sctp);
  EXPECT_EQ(ev[0].sip.call_id, "over-sctp");
}

// Retransmitted M3UA DATA chunks are repeats where the batch keeps them (an
// enforcing inline probe): no event, their place in the packet; other user
// messages and batches that keep none record nothing; a burst holds 64.
TEST(Decode, RetransmittedM3uaDataIsARepeatWhereTheBatchKeepsThem) {
  const Buf m3ua_data = {1, 0, 1, 1, 0, 0, 0, 16, 0x02, 0x10, 0, 8, 0, 0, 0, 0};  // DATA, one empty tag
  auto packet = [&](uint32_t tsn, uint32_t ppid) {
    return eth_sctp4(sctp(2905, 2905, 9, {sctp_data(tsn, 0, 0, ppid, 0x03, m3ua_data)}));
  };
  for (bool keep : {false, true}) {
    Harness h;
    h.out.keep_repeats(keep);
    h.add(packet(1, 3));
    h.add(packet(1, 3));   // its retransmission
    h.add(packet(2, 46));  // another protocol's chunk, twice
    h.add(packet(2, 46));
    h.run();
    EXPECT_EQ(h.c.reasm.sctp_duplicate_tsns, 2u);
    if (!keep) {
      EXPECT_TRUE(h.out.repeats().empty());
      continue;
    }
    ASSERT_EQ(h.out.repeats().size(), 1u);
    const Repeat& r = h.out.repeats()[0];
    EXPECT_EQ(r.frame, 2u);
    EXPECT_EQ(r.wire.l4_off, 34u);
    EXPECT_EQ(r.wire.msg_off, 34u + 12 + 16);
  }
  Harness full;
  full.out.keep_repeats(true);
  full.add(packet(7, 3));
  for (int i = 0; i < 70; ++i) full.add(packet(7, 3));
  full.run();
  EXPECT_EQ(full.out.repeats().size(), 64u);
  EXPECT_EQ(full.c.repeats_dropped, 6u);
}

// SIP over SCTP: a retransmitted request is a repeat (a held INVITE is held
// again), a retransmitted response is not (responses are never held); M3UA
// DATA with PPID 0 on the SIGTRAN port is one too.
TEST(Decode, RetransmittedSipRequestOverSctpIsARepeatAResponseIsNot) {
  const std::string ringing =
      "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/SCTP 10.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n"
      "To: <sip:b@x>;tag=2\r\nCall-ID: r-sctp\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  const Buf m3ua_data = {1, 0, 1, 1, 0, 0, 0, 16, 0x02, 0x10, 0, 8, 0, 0, 0, 0};
  Harness h;
  h.out.keep_repeats(true);
  for (int copy = 0; copy < 2; ++copy) {
    h.add(eth_sctp4(sctp(5060, 5060, 7, {sctp_data(1, 0, 0, 0, 0x03, text(invite("r-sctp")))})));
    h.add(eth_sctp4(sctp(5060, 5060, 8, {sctp_data(1, 0, 0, 0, 0x03, text(ringing))})));
    h.add(eth_sctp4(sctp(2905, 2905, 9, {sctp_data(1, 0, 0, 0, 0x03, m3ua_data)})));
  }
  h.run();
  EXPECT_EQ(h.c.reasm.sctp_duplicate_tsns, 3u);
  ASSERT_EQ(h.out.repeats().size(), 2u);
  EXPECT_EQ(h.out.repeats()[0].frame, 4u) << "the INVITE's copy";
  EXPECT_EQ(h.out.repeats()[1].frame, 6u) << "the M3UA message's copy";
  EXPECT_EQ(h.out.repeats()[0].wire.msg_off, 34u + 12 + 16);
}

TEST(Decode, MalformedPacketsAreCountedOncePerPacket) {
  Harness h;
  V4 bad;
  bad.bad_checksum = true;
  bad.options = {1, 1, 1, 1};
  h.add(eth(0x0800, ipv4(bad, udp(1, 2, text("x")))));
  Buf trunc = eth_udp4(text("y"));
  trunc.resize(trunc.size() - 3);  // UDP length now past the end... and IP total too
  h.add(trunc);
  h.add(eth_udp4(text(invite("fine"))));
  h.run();
  EXPECT_EQ(h.c.packets, 3u);
  EXPECT_EQ(h.c.malformed_packets, 2u);
  EXPECT_EQ(h.sip().size(), 1u);
}

TEST(Decode, FullBatchCountsDroppedEvents) {
  Harness h(1);
  h.add(eth_udp4(text(invite("first"))));
  h.add(eth_udp4(text(invite("second"))));
  h.add(eth_udp4(text(invite("third"))));
  h.run();
  EXPECT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.c.events_dropped, 2u);
}

TEST(Decode, FullBatchCountsEachDroppedWebSocketMessageOnce) {
  Harness h(1);
  h.add(eth_tcp4(100, kAck | kPsh, text(kWsUpgrade), 43380, 8080));
  Buf frames = ws(0x81, invite("kept"), {7, 7, 7, 7});
  frames = cat(frames, ws(0x81, invite("dropped-1"), {7, 7, 7, 7}));
  frames = cat(frames, ws(0x82, ok200("dropped-2")));
  h.add(eth_tcp4(uint32_t(100 + kWsUpgrade.size()), kAck | kPsh, frames, 43380, 8080));
  h.run();
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out.events()[0].sip.call_id, "kept");
  EXPECT_EQ(h.c.events_dropped, 2u);
}

TEST(Decode, UnknownLinkTypeIsCountedNotDecoded) {
  Decoder dec;
  EventBatch out;
  DecodeCounters c;
  Buf b(64, 0);
  PacketRef p = ref(b, 1, 1, static_cast<LinkType>(147));
  dec.decode_burst({&p, 1}, out, c);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::LinkTypeUnsupported)], 1u);
  EXPECT_EQ(c.malformed_packets, 1u);
}

}  // namespace
}  // namespace sigprobe
