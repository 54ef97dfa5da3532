// WebSocket framing for SIP over WebSocket (RFC 6455 5.2, RFC 7118): frame
// headers of every length form, truncation, the limits a probe enforces,
// unmasking, and the handshake that opens the connection. Frames are built
// here from the RFC's layout; the masked "Hello" is RFC 6455 section 5.7's.
#include "dataplane/l2l4/websocket.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sigprobe::l2l4 {
namespace {

using Buf = std::vector<uint8_t>;

Bytes bytes(const Buf& b) { return {b.data(), b.size()}; }
Bytes bytes(std::string_view s) { return as_bytes(s); }

TEST(WsFrame, ReadsTheMaskedHelloOfRfc6455) {
  const Buf f = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
  WsFrame w = ws_frame(bytes(f), 1024);
  ASSERT_EQ(w.status, WsStatus::Complete);
  EXPECT_TRUE(w.fin);
  EXPECT_EQ(w.opcode, kWsOpText);
  EXPECT_TRUE(w.masked);
  EXPECT_EQ(w.header_len, 6u);
  EXPECT_EQ(w.payload_len, 5u);
  EXPECT_EQ(w.len(), f.size());
  uint8_t out[5];
  ws_unmask(bytes(f).subspan(6), w.mask, out);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 5), "Hello");
}

TEST(WsFrame, ReadsSixteenAndSixtyFourBitLengths) {
  Buf f16 = {0x82, 126, 0x01, 0x00};
  f16.resize(4 + 256, 'x');
  WsFrame w = ws_frame(bytes(f16), 1 << 20);
  ASSERT_EQ(w.status, WsStatus::Complete);
  EXPECT_EQ(w.header_len, 4u);
  EXPECT_EQ(w.payload_len, 256u);

  Buf f64 = {0x82, 127, 0, 0, 0, 0, 0, 0, 0x01, 0x00};
  f64.resize(10 + 256, 'y');
  w = ws_frame(bytes(f64), 1 << 20);
  ASSERT_EQ(w.status, WsStatus::Complete);
  EXPECT_EQ(w.header_len, 10u);
  EXPECT_EQ(w.payload_len, 256u);
  f64[2] = 0x80;  // RFC 6455 5.2: the most significant bit must be 0
  EXPECT_EQ(ws_frame(bytes(f64), 1 << 20).status, WsStatus::No);
}

TEST(WsFrame, EveryTruncationAsksForMore) {
  Buf f = {0x81, 0xFE, 0x00, 0x80, 1, 2, 3, 4};
  f.resize(8 + 128, 'z');
  for (size_t n = 0; n < f.size(); ++n)
    EXPECT_EQ(ws_frame(bytes(f).first(n), 1024).status, WsStatus::NeedMore) << n;
  EXPECT_EQ(ws_frame(bytes(f), 1024).status, WsStatus::Complete);
}

TEST(WsFrame, RefusesWhatIsNotAFrameOrTooLong) {
  EXPECT_EQ(ws_frame(bytes(Buf{0x83, 0x00}), 1024).status, WsStatus::No);  // reserved opcode 3
  Buf ping = {0x89, 126, 0x00, 0x7E};
  ping.resize(4 + 126);
  EXPECT_EQ(ws_frame(bytes(ping), 1024).status, WsStatus::No);  // control frame over 125 bytes
  EXPECT_EQ(ws_frame(bytes(Buf{0x09, 0x00}), 1024).status, WsStatus::No);  // fragmented control frame
  Buf big = {0x81, 126, 0x08, 0x00};
  EXPECT_EQ(ws_frame(bytes(big), 1024).status, WsStatus::No);  // 2048 bytes over the cap
  EXPECT_EQ(ws_frame(bytes(std::string_view("INVITE sip:a@b SIP/2.0\r\n")), 1024).status, WsStatus::No);
}

TEST(WsFrame, NoSipStartByteIsAFrameStart) {
  for (int c = 'A'; c <= 'Z'; ++c) EXPECT_FALSE(ws_frame_start(uint8_t(c))) << char(c);
  for (int c = 'a'; c <= 'z'; ++c) EXPECT_FALSE(ws_frame_start(uint8_t(c))) << char(c);
  EXPECT_FALSE(ws_frame_start('\r'));
  EXPECT_FALSE(ws_frame_start('\n'));
  for (uint8_t b : {0x81, 0x82, 0x88, 0x89, 0x8A, 0xC1, 0x01, 0x00}) EXPECT_TRUE(ws_frame_start(b)) << int(b);
}

TEST(WsHandshake, SkipsTheUpgradeBothWaysAndWaitsForItsEnd) {
  const std::string get =
      "GET / HTTP/1.1\r\nHost: proxy.example.com\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n";
  WsHandshake h = ws_handshake(bytes(get + "\x81\x00"));
  ASSERT_EQ(h.status, WsStatus::Complete);
  EXPECT_EQ(h.len, get.size());
  EXPECT_EQ(ws_handshake(bytes(get.substr(0, get.size() - 2))).status, WsStatus::NeedMore);
  EXPECT_EQ(ws_handshake(bytes(std::string_view("GE"))).status, WsStatus::NeedMore);
  EXPECT_TRUE(ws_opens_stream(bytes(get.substr(0, 60))));

  const std::string ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  EXPECT_EQ(ws_handshake(bytes(ok)).status, WsStatus::Complete);
  EXPECT_TRUE(ws_opens_stream(bytes(ok)));
}

TEST(WsHandshake, PlainHttpIsNotAnUpgrade) {
  const std::string get = "GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n";
  EXPECT_EQ(ws_handshake(bytes(get)).status, WsStatus::No);
  EXPECT_FALSE(ws_opens_stream(bytes(get)));
  // Naming websocket elsewhere than in an Upgrade header is not an upgrade.
  const std::string path = "GET /websocket-demo HTTP/1.1\r\nReferer: http://example/websocket\r\n\r\n";
  EXPECT_EQ(ws_handshake(bytes(path)).status, WsStatus::No);
  EXPECT_FALSE(ws_opens_stream(bytes(path)));
  EXPECT_EQ(ws_handshake(bytes(std::string_view("HTTP/1.1 200 OK\r\n\r\n"))).status, WsStatus::No);
  EXPECT_EQ(ws_handshake(bytes(std::string_view("INVITE sip:a@b SIP/2.0\r\n"))).status, WsStatus::No);
  // A header block that never ends is given up at 8 KiB.
  std::string endless = "GET / HTTP/1.1\r\nUpgrade: websocket\r\n" + std::string(9000, 'x');
  EXPECT_EQ(ws_handshake(bytes(endless)).status, WsStatus::No);
}

}  // namespace
}  // namespace sigprobe::l2l4
