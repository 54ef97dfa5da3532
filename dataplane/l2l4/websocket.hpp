// WebSocket (RFC 6455) as a SIP transport (RFC 7118, the "WS" Via transport
// of WebRTC softphones): the HTTP/1.1 Upgrade handshake that opens a TCP
// connection for it, and the frames that then carry one SIP message each.
// Pure functions of stream bytes; the decode glue frames followed TCP
// directions with them (dataplane/decode.cpp).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "dataplane/core/byte_reader.hpp"

namespace sigprobe::l2l4 {

enum class WsStatus : uint8_t { No, NeedMore, Complete };

// The opening handshake at the start of s: a client's "GET ... HTTP/1.1" or
// a server's "HTTP/1.1 101" whose header block names websocket. len covers
// the header block and its empty line. No when s is neither.
struct WsHandshake {
  WsStatus status = WsStatus::No;
  size_t len = 0;
};
WsHandshake ws_handshake(Bytes s);

// Whether the first payload bytes of a TCP direction open a WebSocket
// connection (a complete or starting handshake that names websocket).
bool ws_opens_stream(Bytes first);

inline constexpr uint8_t kWsOpContinuation = 0x0, kWsOpText = 0x1, kWsOpBinary = 0x2, kWsOpClose = 0x8,
                         kWsOpPing = 0x9, kWsOpPong = 0xA;

// Whether a byte can start a frame: FIN set (any RSV bits) with a known
// opcode, or FIN and RSV clear with a data or continuation opcode (0x00-0x02).
// No SIP message starts with one (SIP starts with a letter; CR LF keep-alives
// with CR), so a stream can tell frames and SIP apart by their first byte.
constexpr bool ws_frame_start(uint8_t b0) {
  const uint8_t op = b0 & 0x0F;
  const bool known = op <= kWsOpBinary || (op >= kWsOpClose && op <= kWsOpPong);
  return (b0 & 0x80) ? known : b0 <= kWsOpBinary;
}

// One frame at the start of s (RFC 6455 5.2). Status No: not a frame (bad
// opcode, a control frame longer than 125 bytes or fragmented, a length
// above max_payload, a 64-bit length with its top bit set).
struct WsFrame {
  WsStatus status = WsStatus::No;
  bool fin = false;
  uint8_t rsv = 0;       // RSV1-3; RSV1 is permessage-deflate (RFC 7692)
  uint8_t opcode = 0;
  bool masked = false;   // client to server frames are
  std::array<uint8_t, 4> mask{};
  size_t header_len = 0;
  size_t payload_len = 0;
  size_t len() const { return header_len + payload_len; }
};
WsFrame ws_frame(Bytes s, size_t max_payload);

// out[i] = payload[i] ^ mask[i % 4] (RFC 6455 5.3); out may not alias payload.
void ws_unmask(Bytes payload, const std::array<uint8_t, 4>& mask, uint8_t* out);

}  // namespace sigprobe::l2l4
