// A pcapng file writer: one Section Header, one Interface Description per
// (capture port, link type) seen, Enhanced Packet Blocks with nanosecond
// timestamps (if_tsresol = 9), so packets keep their original time and link
// type even when an alert's flow spans several input captures.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "dataplane/core/packet.hpp"

namespace sigprobe {

class PcapngWriter {
 public:
  PcapngWriter() = default;
  ~PcapngWriter() { close(); }
  PcapngWriter(const PcapngWriter&) = delete;
  PcapngWriter& operator=(const PcapngWriter&) = delete;

  // comment goes into the section header (shb_comment), e.g. the alert line.
  bool open(const std::string& path, const std::string& comment);
  bool write(const uint8_t* data, uint32_t caplen, uint32_t wirelen, uint64_t ts_ns, LinkType link, uint16_t port);
  void flush() { if (f_) std::fflush(f_); }
  void close();
  bool is_open() const { return f_ != nullptr; }
  uint64_t bytes() const { return bytes_; }
  uint64_t packets() const { return packets_; }

 private:
  uint32_t interface_for(LinkType link, uint16_t port);
  void put(const void* p, size_t n);
  void put32(uint32_t v) { put(&v, 4); }
  void put16(uint16_t v) { put(&v, 2); }

  FILE* f_ = nullptr;
  std::vector<std::pair<uint16_t, LinkType>> ifaces_;
  uint64_t bytes_ = 0, packets_ = 0;
  bool ok_ = true;
};

}  // namespace sigprobe
