#include "host/dp/udp_frame.hpp"

#include <cstring>

#include "host/out/l4_view.hpp"

namespace sigprobe::dp {
namespace {

constexpr uint16_t kEtherVlan = 0x8100, kEtherQinQ = 0x88A8, kEtherQinQOld = 0x9100;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kTtl = 64;

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

// RFC 1071 one's-complement sum, folded at the end by fold().
uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc) {
  for (; n >= 2; p += 2, n -= 2) acc += be16(p);
  if (n) acc += uint32_t(p[0]) << 8;
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  return uint16_t(~acc);
}

}  // namespace

size_t ethernet_header_len(std::span<const uint8_t> f) {
  size_t off = 12;
  for (int tags = 0; tags <= 4; ++tags) {
    if (f.size() < off + 2) return 0;
    const uint16_t type = be16(f.data() + off);
    if (type != kEtherVlan && type != kEtherQinQ && type != kEtherQinQOld) return off + 2;
    off += 4;
  }
  return 0;
}

bool udp_envelope_of(std::span<const uint8_t> frame, UdpEnvelope& env, Bytes& payload) {
  L4View v;
  const size_t l2 = ethernet_header_len(frame);
  if (l2 == 0 || l2 > UdpEnvelope::kMaxL2 || !find_l4(Bytes{frame.data(), frame.size()}, LinkType::Ethernet, v) ||
      v.ip_proto != kIpProtoUdp)
    return false;
  env = UdpEnvelope{};
  std::memcpy(env.l2.data(), frame.data(), l2);
  env.l2_len = uint8_t(l2);
  env.family = v.family;
  env.tclass = v.family == 4 && frame.size() > l2 + 1 ? frame[l2 + 1] : 0;
  env.src = v.src;
  env.dst = v.dst;
  env.sport = v.sport;
  env.dport = v.dport;
  payload = v.payload;
  return true;
}

UdpEnvelope reversed(const UdpEnvelope& env) {
  UdpEnvelope r = env;
  std::memcpy(r.l2.data(), env.l2.data() + 6, 6);
  std::memcpy(r.l2.data() + 6, env.l2.data(), 6);
  r.src = env.dst;
  r.dst = env.src;
  r.sport = env.dport;
  r.dport = env.sport;
  return r;
}

size_t write_udp_frame(const UdpEnvelope& env, size_t payload_len, std::span<uint8_t> out) {
  const size_t hdr = env.header_len();
  if (env.l2_len < 14 || (env.family != 4 && env.family != 6) || out.size() < hdr + payload_len ||
      hdr + payload_len > 0xFFFF)
    return 0;
  uint8_t* p = out.data();
  std::memcpy(p, env.l2.data(), env.l2_len);
  uint8_t* ip = p + env.l2_len;
  const size_t l3 = env.family == 4 ? 20 : 40;
  const size_t alen = env.family == 4 ? 4 : 16;
  const uint16_t udp_len = uint16_t(8 + payload_len);
  std::memset(ip, 0, l3);
  if (env.family == 4) {
    ip[0] = 0x45;
    ip[1] = env.tclass;
    put16(ip + 2, uint16_t(20 + udp_len));
    put16(ip + 6, 0x4000);  // don't fragment
    ip[8] = kTtl;
    ip[9] = kIpProtoUdp;
    std::memcpy(ip + 12, env.src.data(), 4);
    std::memcpy(ip + 16, env.dst.data(), 4);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
  } else {
    ip[0] = 0x60;
    put16(ip + 4, udp_len);
    ip[6] = kIpProtoUdp;
    ip[7] = kTtl;
    std::memcpy(ip + 8, env.src.data(), 16);
    std::memcpy(ip + 24, env.dst.data(), 16);
  }
  // UDP, checksum over the pseudo-header (RFC 768, RFC 8200 8.1).
  uint8_t* udp = ip + l3;
  put16(udp, env.sport);
  put16(udp + 2, env.dport);
  put16(udp + 4, udp_len);
  put16(udp + 6, 0);
  uint32_t acc = sum16(ip + (env.family == 4 ? 12 : 8), 2 * alen, 0);
  acc += kIpProtoUdp + udp_len;
  acc = sum16(udp, udp_len, acc);
  const uint16_t c = fold(acc);
  put16(udp + 6, c == 0 ? 0xFFFF : c);
  return hdr + payload_len;
}

void TextOut::put(std::string_view s) {
  if (!room(s.size())) return;
  std::memcpy(p_ + n_, s.data(), s.size());
  n_ += s.size();
}

void TextOut::header(std::string_view name, const sip::SipHeader& h) {
  put(name);
  put(": ");
  if (!h.folded) {
    put(h.value);
  } else if (room(h.value.size())) {
    n_ += sip::unfold(h.value, reinterpret_cast<char*>(p_ + n_)).size();
  }
  put("\r\n");
}

void TextOut::hex32(uint32_t v) {
  char d[8];
  for (int i = 7; i >= 0; --i, v >>= 4) d[i] = "0123456789abcdef"[v & 0xF];
  put({d, 8});
}

void TextOut::number(uint32_t v) {
  char d[10];
  int i = 10;
  do {
    d[--i] = char('0' + v % 10);
    v /= 10;
  } while (v && i > 0);
  put({d + i, size_t(10 - i)});
}

}  // namespace sigprobe::dp
