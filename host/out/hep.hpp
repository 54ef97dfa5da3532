// HEPv3 (Homer Encapsulation Protocol, sipcapture/HEP spec): "HEP3", total
// length, then chunks of vendor id, type id, length (6-byte header included)
// and value, all big-endian. Only generic chunks (vendor 0) are written.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/core/byte_reader.hpp"

namespace sigprobe::hep {

// Generic chunk types.
enum Chunk : uint16_t {
  kIpFamily = 0x0001,       // u8: 2 IPv4, 10 IPv6
  kIpProto = 0x0002,        // u8: 17 UDP, 6 TCP, 132 SCTP
  kIpv4Src = 0x0003,
  kIpv4Dst = 0x0004,
  kIpv6Src = 0x0005,
  kIpv6Dst = 0x0006,
  kSrcPort = 0x0007,        // u16
  kDstPort = 0x0008,        // u16
  kTsSec = 0x0009,          // u32
  kTsUsec = 0x000a,         // u32
  kProtoType = 0x000b,      // u8, see ProtoType
  kCaptureId = 0x000c,      // u32
  kAuthKey = 0x000e,        // string
  kPayload = 0x000f,        // bytes
  kCorrelationId = 0x0011,  // string
  kNodeName = 0x0013,       // string ("Group ID" in the first draft; Homer agents put the node name here)
};

// Captured protocol types (HEP spec table).
enum ProtoType : uint8_t { kSip = 0x01, kM2ua = 0x08, kM3ua = 0x09, kM2pa = 0x0d };

struct Identity {
  uint32_t capture_id = 0;
  std::string auth_key;   // omitted when empty
  std::string node_name;  // omitted when empty
};

struct Message {
  uint8_t family = 4;  // 4 or 6
  uint8_t ip_proto = 17;
  const uint8_t* src = nullptr;  // 4 or 16 bytes
  const uint8_t* dst = nullptr;
  uint16_t sport = 0, dport = 0;
  uint64_t ts_ns = 0;
  uint8_t proto_type = kSip;
  std::string_view correlation;  // omitted when empty
  Bytes payload;
};

// Appends one HEP3 packet. false (and nothing appended) when it would exceed
// the 16-bit total length.
bool encode(std::string& out, const Message& m, const Identity& id);

// The captured protocol type of an SCTP payload protocol id (RFC 4960 PPIDs:
// 2 M2UA, 3 M3UA, 5 M2PA); 0 when HEP has no type for it.
uint8_t proto_type_for_ppid(uint32_t ppid);

}  // namespace sigprobe::hep
