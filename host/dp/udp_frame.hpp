// The frames the inline probe writes itself (a final response to a blocked
// INVITE, the BYEs that cut a call): SIP text over UDP in an Ethernet frame
// whose addresses come from a frame of the same flow. A UdpEnvelope is that
// flow's L2-L4 as one direction of it carries it; write_udp_frame() puts a
// payload in it with lengths and checksums filled in.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/core/packet.hpp"
#include "dataplane/sip/sip_parser.hpp"

namespace sigprobe::dp {

struct UdpEnvelope {
  static constexpr size_t kMaxL2 = 14 + 4 * 4;  // MACs, up to 4 VLAN tags, EtherType
  std::array<uint8_t, kMaxL2> l2{};
  uint8_t l2_len = 0;
  uint8_t family = 0;  // 4 or 6
  uint8_t tclass = 0;  // IPv4 DSCP/ECN byte (signalling keeps its class)
  std::array<uint8_t, 16> src{}, dst{};
  uint16_t sport = 0, dport = 0;

  size_t header_len() const { return size_t(l2_len) + (family == 4 ? 20 : 40) + 8; }
};

// Length of the Ethernet header with its VLAN tags, 0 when it is cut short or
// has more than 4 tags.
size_t ethernet_header_len(std::span<const uint8_t> frame);

// The envelope of an Ethernet + IPv4/IPv6 + UDP frame (one unfragmented
// datagram) and its UDP payload; false for anything else.
bool udp_envelope_of(std::span<const uint8_t> frame, UdpEnvelope& env, Bytes& payload);

// The same flow the other way: MACs, addresses and ports swapped.
UdpEnvelope reversed(const UdpEnvelope& env);

// Writes env's headers in front of the payload_len bytes already at
// out[env.header_len()], with lengths and the IP and UDP checksums (TTL 64,
// IPv4 don't-fragment). The frame's size; 0 when out is too small or the
// datagram too long.
size_t write_udp_frame(const UdpEnvelope& env, size_t payload_len, std::span<uint8_t> out);

// Appends text to a fixed buffer; remembers when it ran out of room.
class TextOut {
 public:
  TextOut(uint8_t* p, size_t cap) : p_(p), cap_(cap) {}
  void put(std::string_view s);
  // A header line; a folded value is unfolded into place.
  void header(std::string_view name, const sip::SipHeader& h);
  void hex32(uint32_t v);
  void number(uint32_t v);
  bool ok() const { return ok_; }
  size_t size() const { return n_; }

 private:
  bool room(size_t k) {
    if (!ok_ || cap_ - n_ < k) ok_ = false;
    return ok_;
  }
  uint8_t* p_;
  size_t cap_, n_ = 0;
  bool ok_ = true;
};

}  // namespace sigprobe::dp
