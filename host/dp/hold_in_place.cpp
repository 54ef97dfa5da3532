#include "host/dp/hold_in_place.hpp"

#include <cstdint>
#include <cstring>

#include <rte_hash_crc.h>

namespace sigprobe::dp {

namespace {
// rte_hash_crc reads 8, 4 and 2 bytes at a time through plain pointer casts,
// which is undefined behaviour on an address that is not aligned to the load
// (UBSan stops there; x86 would not mind). A packet's SCTP header sits where
// the link layer put it: bytes up to an 8-byte boundary go one at a time.
uint32_t crc32c(const uint8_t* p, size_t n, uint32_t crc) {
  while (n > 0 && reinterpret_cast<uintptr_t>(p) % 8 != 0) {
    crc = rte_hash_crc_1byte(*p++, crc);
    --n;
  }
  return rte_hash_crc(p, uint32_t(n), crc);
}

// splitmix64 of the two: any bit of either changes the key; never 0.
uint64_t mix_key(uint64_t a, uint64_t b) {
  uint64_t k = a ^ (b * 0x9E3779B97F4A7C15ull);
  k = (k ^ (k >> 30)) * 0xBF58476D1CE4E5B9ull;
  k = (k ^ (k >> 27)) * 0x94D049BB133111EBull;
  return (k ^ (k >> 31)) | 1;
}
}  // namespace

uint32_t sctp_checksum(std::span<const uint8_t> sctp) {
  if (sctp.size() < 12) return 0;
  alignas(8) static constexpr uint8_t kZero[4] = {0, 0, 0, 0};
  // CRC32c (Castagnoli, reflected; rte_hash_crc uses the SSE4.2 instruction
  // where the CPU has it), initial value and final complement as RFC 9260's
  // appendix A. The reflected register is the checksum field read
  // little-endian.
  uint32_t crc = crc32c(sctp.data(), 8, 0xFFFFFFFFu);
  crc = crc32c(kZero, 4, crc);
  crc = crc32c(sctp.data() + 12, sctp.size() - 12, crc);
  return ~crc;
}

namespace {
void write_sctp_checksum(std::span<uint8_t> sctp) {
  const uint32_t sum = sctp_checksum(sctp);
  for (unsigned k = 0; k < 4; ++k) sctp[8 + k] = uint8_t(sum >> (8 * k));
}

// Whether spot names Max-Forwards digits inside a transport segment whose
// header is at least `header` bytes: Held when they can be zeroed.
HoldResult max_forwards_at(std::span<const uint8_t> frame, const WireSpot& spot, size_t header) {
  const size_t seg_end = size_t(spot.l4_off) + spot.l4_len;
  if (spot.msg_off == 0 || spot.msg_len == 0 || spot.l4_len < header || seg_end > frame.size() ||
      spot.msg_off < spot.l4_off + header || size_t(spot.msg_off) + spot.msg_len > seg_end)
    return HoldResult::NotInPlace;
  bool zero = true;
  for (size_t k = 0; k < spot.msg_len; ++k) {
    const uint8_t c = frame[spot.msg_off + k];
    if (c < '0' || c > '9') return HoldResult::NotInPlace;
    zero = zero && c == '0';
  }
  return zero ? HoldResult::AlreadyHeld : HoldResult::Held;
}
}  // namespace

HoldResult hold_m3ua(std::span<uint8_t> frame, const WireSpot& spot) {
  constexpr size_t kM3uaHeader = 8;
  if (spot.msg_off == 0 || spot.l4_len < 12 || size_t(spot.l4_off) + spot.l4_len > frame.size() ||
      spot.msg_off < spot.l4_off + 12 || size_t(spot.msg_off) + kM3uaHeader > size_t(spot.l4_off) + spot.l4_len)
    return HoldResult::NotInPlace;
  uint8_t* m = frame.data() + spot.msg_off;
  uint32_t len = 0;
  std::memcpy(&len, m + 4, 4);
  len = __builtin_bswap32(len);
  const size_t room = size_t(spot.l4_off) + spot.l4_len - spot.msg_off;
  // Version 1, Transfer class, DATA (RFC 4666 3.1.1, 3.1.2); a message of
  // ours already rewritten by an earlier event.
  if (m[0] != 1 || m[3] != 1 || len < kM3uaHeader || len > room) return HoldResult::NotInPlace;
  if (m[2] == kHeldClass) return HoldResult::AlreadyHeld;
  if (m[2] != 1) return HoldResult::NotInPlace;
  m[2] = kHeldClass;
  write_sctp_checksum(frame.subspan(spot.l4_off, spot.l4_len));
  return HoldResult::Held;
}

uint64_t sctp_chunk_key(std::span<const uint8_t> frame, const WireSpot& spot) {
  constexpr size_t kCommon = 12, kDataHeader = 16;
  if (spot.l4_len < kCommon + kDataHeader || size_t(spot.l4_off) + spot.l4_len > frame.size() ||
      spot.msg_off < spot.l4_off + kCommon + kDataHeader || spot.msg_off > spot.l4_off + spot.l4_len)
    return 0;
  uint64_t ports_tag = 0;  // source and destination port, verification tag
  std::memcpy(&ports_tag, frame.data() + spot.l4_off, 8);
  uint32_t tsn = 0;
  std::memcpy(&tsn, frame.data() + spot.msg_off - kDataHeader + 4, 4);
  return mix_key(ports_tag, tsn);
}

uint16_t sctp_data_start(std::span<const uint8_t> frame, const WireSpot& spot, size_t at) {
  constexpr size_t kCommon = 12, kDataHeader = 16;
  const size_t end = size_t(spot.l4_off) + spot.l4_len;
  if (end > frame.size()) return 0;
  // Chunks (RFC 9260 3.2): type, flags, length (header included), padded to 4 bytes.
  for (size_t off = size_t(spot.l4_off) + kCommon; off + 4 <= end;) {
    const size_t len = size_t(frame[off + 2]) << 8 | frame[off + 3];
    if (len < 4 || off + len > end) return 0;
    if (at < off + len) return frame[off] == 0 && len > kDataHeader && at >= off + kDataHeader
                                   ? uint16_t(off + kDataHeader) : 0;
    off += (len + 3) & ~size_t{3};
  }
  return 0;
}

TcpSegment tcp_segment_of(std::span<const uint8_t> frame, const WireSpot& spot) {
  constexpr size_t kTcpHeader = 20;
  TcpSegment t;
  if (spot.l4_len < kTcpHeader || size_t(spot.l4_off) + spot.l4_len > frame.size()) return t;
  const uint8_t* h = frame.data() + spot.l4_off;
  const size_t header = size_t(h[12] >> 4) * 4;  // data offset, in 32-bit words
  if (header < kTcpHeader || header > spot.l4_len) return t;
  std::memcpy(&t.ports, h, 4);
  t.seq = uint32_t(h[4]) << 24 | uint32_t(h[5]) << 16 | uint32_t(h[6]) << 8 | h[7];
  t.data_off = uint16_t(spot.l4_off + header);
  t.data_len = uint16_t(spot.l4_len - header);
  t.valid = true;
  return t;
}

HoldResult hold_sip_sctp(std::span<uint8_t> frame, const WireSpot& spot) {
  const HoldResult r = max_forwards_at(frame, spot, 12 + 16);  // common header, DATA chunk header
  if (r != HoldResult::Held) return r;
  std::memset(frame.data() + spot.msg_off, '0', spot.msg_len);
  write_sctp_checksum(frame.subspan(spot.l4_off, spot.l4_len));
  return HoldResult::Held;
}

HoldResult hold_sip_tcp(std::span<uint8_t> frame, const WireSpot& spot) {
  const HoldResult r = max_forwards_at(frame, spot, 20);
  if (r != HoldResult::Held) return r;
  uint8_t* v = frame.data() + spot.msg_off;
  // RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), over each 16-bit word of the
  // segment (aligned to its start) that holds a changed byte; a last odd
  // byte is the high half of a word padded with zero (RFC 793).
  uint8_t* seg = frame.data() + spot.l4_off;
  const size_t first = (spot.msg_off - spot.l4_off) & ~size_t{1};
  const size_t last = spot.msg_off - spot.l4_off + spot.msg_len;  // one past the last changed byte
  auto word = [&](size_t at) {
    return uint32_t(seg[at]) << 8 | (at + 1 < spot.l4_len ? uint32_t(seg[at + 1]) : 0u);
  };
  uint32_t sum = ~(uint32_t(seg[16]) << 8 | seg[17]) & 0xFFFFu;
  for (size_t at = first; at < last; at += 2) sum += ~word(at) & 0xFFFFu;
  for (size_t k = 0; k < spot.msg_len; ++k) v[k] = '0';
  for (size_t at = first; at < last; at += 2) sum += word(at);
  while (sum >> 16) sum = (sum & 0xFFFFu) + (sum >> 16);
  const uint16_t check = uint16_t(~sum);
  seg[16] = uint8_t(check >> 8);
  seg[17] = uint8_t(check);
  return HoldResult::Held;
}

}  // namespace sigprobe::dp
