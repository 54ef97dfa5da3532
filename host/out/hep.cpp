#include "host/out/hep.hpp"

namespace sigprobe::hep {
namespace {

void be16(std::string& o, uint16_t v) {
  o += char(v >> 8);
  o += char(v & 0xFF);
}
void be32(std::string& o, uint32_t v) {
  be16(o, uint16_t(v >> 16));
  be16(o, uint16_t(v));
}
void head(std::string& o, uint16_t type, size_t value_len) {
  be16(o, 0);  // generic vendor
  be16(o, type);
  be16(o, uint16_t(6 + value_len));
}
void chunk_u8(std::string& o, uint16_t type, uint8_t v) { head(o, type, 1); o += char(v); }
void chunk_u16(std::string& o, uint16_t type, uint16_t v) { head(o, type, 2); be16(o, v); }
void chunk_u32(std::string& o, uint16_t type, uint32_t v) { head(o, type, 4); be32(o, v); }
void chunk_bytes(std::string& o, uint16_t type, const void* p, size_t n) {
  head(o, type, n);
  o.append(static_cast<const char*>(p), n);
}

}  // namespace

bool encode(std::string& out, const Message& m, const Identity& id) {
  size_t addr = m.family == 6 ? 16 : 4;
  size_t total = 6 + 7 + 7 + 2 * (6 + addr) + 8 + 8 + 10 + 10 + 7 + 10 + 6 + m.payload.size();
  if (!id.auth_key.empty()) total += 6 + id.auth_key.size();
  if (!id.node_name.empty()) total += 6 + id.node_name.size();
  if (!m.correlation.empty()) total += 6 + m.correlation.size();
  if (total > 0xFFFF) return false;
  size_t start = out.size();
  out += "HEP3";
  be16(out, uint16_t(total));
  chunk_u8(out, kIpFamily, m.family == 6 ? 10 : 2);
  chunk_u8(out, kIpProto, m.ip_proto);
  chunk_bytes(out, m.family == 6 ? kIpv6Src : kIpv4Src, m.src, addr);
  chunk_bytes(out, m.family == 6 ? kIpv6Dst : kIpv4Dst, m.dst, addr);
  chunk_u16(out, kSrcPort, m.sport);
  chunk_u16(out, kDstPort, m.dport);
  chunk_u32(out, kTsSec, uint32_t(m.ts_ns / 1'000'000'000ull));
  chunk_u32(out, kTsUsec, uint32_t(m.ts_ns % 1'000'000'000ull / 1000));
  chunk_u8(out, kProtoType, m.proto_type);
  chunk_u32(out, kCaptureId, id.capture_id);
  if (!id.auth_key.empty()) chunk_bytes(out, kAuthKey, id.auth_key.data(), id.auth_key.size());
  if (!m.correlation.empty()) chunk_bytes(out, kCorrelationId, m.correlation.data(), m.correlation.size());
  if (!id.node_name.empty()) chunk_bytes(out, kNodeName, id.node_name.data(), id.node_name.size());
  chunk_bytes(out, kPayload, m.payload.data(), m.payload.size());
  return out.size() - start == total;
}

uint8_t proto_type_for_ppid(uint32_t ppid) {
  switch (ppid) {
    case 2: return kM2ua;
    case 3: return kM3ua;
    case 5: return kM2pa;
    default: return 0;
  }
}

}  // namespace sigprobe::hep
