// PacketSource: bursts of packets with capture timestamps and link type.
// Owner: dataplane/io.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "dataplane/core/packet.hpp"

namespace sigprobe {

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  // Fill up to out.size() packets. The bytes stay valid until the next call.
  // Returns 0 when nothing is available now (a live source) or at the end.
  virtual uint16_t rx_burst(std::span<PacketRef> out) = 0;
  // True once the input is over; error() then says whether it ended on an
  // error (a truncated file, say), naming the file and the packet.
  virtual bool at_end() const = 0;
  virtual const std::string& error() const = 0;
  virtual std::string describe() const = 0;
  // Fraction of the input consumed, 0..1, where known (files); -1 otherwise.
  virtual double progress() const { return -1.0; }
};

// A pcap or pcapng file, read with libpcap. nullptr and err set when it
// cannot be opened. `index` is stamped into PacketRef::port.
std::unique_ptr<PacketSource> open_pcap_file(const std::string& path, uint16_t index, std::string& err);

// A live interface through libpcap (sigprobe live).
std::unique_ptr<PacketSource> open_pcap_live(const std::string& iface, const std::string& bpf,
                                             std::string& err);

}  // namespace sigprobe
