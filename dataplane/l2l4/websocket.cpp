#include "dataplane/l2l4/websocket.hpp"

#include <string_view>

namespace sigprobe::l2l4 {
namespace {

// The longest handshake header block waited for; browsers send about 1 KiB.
constexpr size_t kMaxHandshake = 8 * 1024;

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

bool starts_handshake(std::string_view s) {
  return s.starts_with("GET ") || s.starts_with("HTTP/1.1 101");
}

// Whether a header block has an Upgrade header naming websocket (RFC 6455
// 4.1 and 4.2.2; the name and the token are case-insensitive).
bool upgrades_to_websocket(std::string_view block) {
  size_t pos = 0;
  while (pos < block.size()) {
    size_t eol = block.find('\n', pos);
    if (eol == std::string_view::npos) eol = block.size();
    std::string_view line = block.substr(pos, eol - pos);
    if (line.size() > 8) {
      size_t k = 0;
      while (k < 8 && lower(line[k]) == "upgrade:"[k]) ++k;
      if (k == 8 && icontains(line.substr(8), "websocket")) return true;
    }
    pos = eol + 1;
  }
  return false;
}

}  // namespace

WsHandshake ws_handshake(Bytes b) {
  const std::string_view s = as_chars(b);
  if (!starts_handshake(s)) {
    // A prefix of one is still undecided.
    const bool prefix = std::string_view("GET ").starts_with(s) || std::string_view("HTTP/1.1 101").starts_with(s);
    return {prefix ? WsStatus::NeedMore : WsStatus::No, 0};
  }
  const size_t end = s.substr(0, kMaxHandshake).find("\r\n\r\n");
  if (end == std::string_view::npos) return {s.size() < kMaxHandshake ? WsStatus::NeedMore : WsStatus::No, 0};
  if (!upgrades_to_websocket(s.substr(0, end))) return {WsStatus::No, 0};
  return {WsStatus::Complete, end + 4};
}

bool ws_opens_stream(Bytes first) {
  const std::string_view s = as_chars(first);
  return starts_handshake(s) && upgrades_to_websocket(s.substr(0, kMaxHandshake));
}

WsFrame ws_frame(Bytes s, size_t max_payload) {
  WsFrame f;
  ByteReader r{s};
  auto b0 = r.u8();
  if (b0 && !ws_frame_start(*b0)) return f;
  auto b1 = r.u8();
  if (!b0 || !b1) {
    f.status = WsStatus::NeedMore;
    return f;
  }
  f.fin = (*b0 & 0x80) != 0;
  f.rsv = uint8_t((*b0 >> 4) & 0x7);
  f.opcode = *b0 & 0x0F;
  f.masked = (*b1 & 0x80) != 0;
  uint64_t len = *b1 & 0x7F;
  if (len == 126) {
    auto l = r.u16be();
    if (!l) { f.status = WsStatus::NeedMore; return f; }
    len = *l;
  } else if (len == 127) {
    auto hi = r.u32be();
    auto lo = r.u32be();
    if (!hi || !lo) { f.status = WsStatus::NeedMore; return f; }
    if (*hi & 0x80000000u) return f;  // RFC 6455 5.2: the most significant bit must be 0
    len = (uint64_t(*hi) << 32) | *lo;
  }
  // RFC 6455 5.5: control frames are short and never fragmented.
  if (f.opcode >= kWsOpClose && (len > 125 || !f.fin)) return f;
  if (len > max_payload) return f;
  if (f.masked) {
    auto m = r.bytes(4);
    if (!m) { f.status = WsStatus::NeedMore; return f; }
    for (size_t i = 0; i < 4; ++i) f.mask[i] = (*m)[i];
  }
  f.header_len = r.pos();
  f.payload_len = size_t(len);
  f.status = r.remaining() >= f.payload_len ? WsStatus::Complete : WsStatus::NeedMore;
  return f;
}

void ws_unmask(Bytes payload, const std::array<uint8_t, 4>& mask, uint8_t* out) {
  for (size_t i = 0; i < payload.size(); ++i) out[i] = uint8_t(payload[i] ^ mask[i & 3]);
}

}  // namespace sigprobe::l2l4
