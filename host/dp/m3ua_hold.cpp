#include "host/dp/m3ua_hold.hpp"

#include <cstring>

#include <rte_hash_crc.h>

namespace sigprobe::dp {

uint32_t sctp_checksum(std::span<const uint8_t> sctp) {
  if (sctp.size() < 12) return 0;
  static constexpr uint8_t kZero[4] = {0, 0, 0, 0};
  // CRC32c (Castagnoli, reflected; rte_hash_crc uses the SSE4.2 instruction
  // where the CPU has it), initial value and final complement as RFC 9260's
  // appendix A. The reflected register is the checksum field read
  // little-endian.
  uint32_t crc = rte_hash_crc(sctp.data(), 8, 0xFFFFFFFFu);
  crc = rte_hash_crc(kZero, 4, crc);
  crc = rte_hash_crc(sctp.data() + 12, uint32_t(sctp.size() - 12), crc);
  return ~crc;
}

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
  std::span<uint8_t> sctp = frame.subspan(spot.l4_off, spot.l4_len);
  const uint32_t sum = sctp_checksum(sctp);
  for (unsigned k = 0; k < 4; ++k) sctp[8 + k] = uint8_t(sum >> (8 * k));
  return HoldResult::Held;
}

}  // namespace sigprobe::dp
