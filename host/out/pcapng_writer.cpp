#include "host/out/pcapng_writer.hpp"

namespace sigprobe {
namespace {

// pcapng block types and options (draft-ietf-opsawg-pcapng).
constexpr uint32_t kShb = 0x0A0D0D0A, kIdb = 0x00000001, kEpb = 0x00000006;
constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr uint16_t kOptEnd = 0, kOptComment = 1, kIfTsresol = 9;
constexpr uint32_t kSnapLen = 262144;


}  // namespace

void PcapngWriter::put(const void* p, size_t n) {
  if (f_ && std::fwrite(p, 1, n, f_) != n) ok_ = false;
  bytes_ += n;
}

bool PcapngWriter::open(const std::string& path, const std::string& comment) {
  close();
  f_ = std::fopen(path.c_str(), "wb");
  if (!f_) return false;
  ok_ = true;
  bytes_ = packets_ = 0;
  ifaces_.clear();
  // Blocks are written in host byte order; the byte-order magic tells readers which.
  size_t clen = comment.size() > 60000 ? 60000 : comment.size();
  uint32_t opts = clen ? uint32_t(4 + clen + pad4(clen) + 4) : 0;
  uint32_t total = 28 + opts;
  put32(kShb);
  put32(total);
  put32(kByteOrderMagic);
  put16(1);  // major
  put16(0);  // minor
  uint64_t section_len = ~0ull;  // unknown
  put(&section_len, 8);
  if (clen) {
    put16(kOptComment);
    put16(uint16_t(clen));
    put(comment.data(), clen);
    static constexpr uint8_t kZero[4] = {};
    put(kZero, pad4(clen));
    put16(kOptEnd);
    put16(0);
  }
  put32(total);
  return ok_;
}

uint32_t PcapngWriter::interface_for(LinkType link, uint16_t port) {
  for (size_t i = 0; i < ifaces_.size(); ++i)
    if (ifaces_[i].first == port && ifaces_[i].second == link) return uint32_t(i);
  ifaces_.emplace_back(port, link);
  // IDB: type, length, linktype, reserved, snaplen, if_tsresol=9 (1 byte + 3 pad), end, length.
  put32(kIdb);
  put32(32);
  put16(uint16_t(link));
  put16(0);
  put32(kSnapLen);
  put16(kIfTsresol);
  put16(1);
  static constexpr uint8_t kNanoseconds[4] = {9, 0, 0, 0};
  put(kNanoseconds, 4);
  put16(kOptEnd);
  put16(0);
  put32(32);
  return uint32_t(ifaces_.size() - 1);
}

bool PcapngWriter::write(const uint8_t* data, uint32_t caplen, uint32_t wirelen, uint64_t ts_ns, LinkType link,
                         uint16_t port) {
  if (!f_) return false;
  uint32_t iface = interface_for(link, port);
  uint32_t total = uint32_t(32 + caplen + pad4(caplen));
  put32(kEpb);
  put32(total);
  put32(iface);
  put32(uint32_t(ts_ns >> 32));
  put32(uint32_t(ts_ns));
  put32(caplen);
  put32(wirelen < caplen ? caplen : wirelen);
  put(data, caplen);
  static constexpr uint8_t kZero[4] = {};
  put(kZero, pad4(caplen));
  put32(total);
  ++packets_;
  return ok_;
}

void PcapngWriter::close() {
  if (f_) std::fclose(f_);
  f_ = nullptr;
}

}  // namespace sigprobe
