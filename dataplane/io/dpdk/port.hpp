// Ethdev ports for the dataplane: find a port by number or device name,
// configure its queues (RSS over several RX queues where the PMD offers it,
// the PMD's RX timestamp where offered), start it, read its statistics.
// Owner: dataplane/io/dpdk. Called at start-up only, never per packet.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

struct rte_mempool;

namespace sigprobe::dpdk {

struct PortRequest {
  uint16_t rx_queues = 1;     // wanted; fewer when the PMD has fewer
  uint16_t tx_queues = 1;     // required: one per worker that transmits on the port
  uint16_t rx_desc = 1024;
  uint16_t tx_desc = 1024;
  bool promiscuous = true;
};

struct PortSetup {
  uint16_t id = 0;
  std::string name;           // device name, e.g. "net_pcap0" or "0000:3b:00.0"
  std::string driver;
  uint16_t rx_queues = 0;
  uint16_t tx_queues = 0;
  bool rss = false;           // RX spread over queues by an IP-pair hash
  bool rx_timestamp = false;  // PMD asked for RX timestamps (offload accepted)
};

// "0", "1" ... or a device name ("net_pcap0"). false and err set otherwise.
bool find_port(std::string_view spec, uint16_t& id, std::string& err);

// Configure and start `id`. One line in err when the port cannot do what is asked.
bool setup_port(uint16_t id, const PortRequest& req, rte_mempool* pool, PortSetup& out, std::string& err);

struct PortStats {
  uint64_t ipackets = 0, opackets = 0, imissed = 0, ierrors = 0, oerrors = 0, rx_nombuf = 0;
};
PortStats read_port_stats(uint16_t id);

void stop_port(uint16_t id);

// The symmetric Toeplitz key (the 16-bit pattern 0x6d5a repeated): both
// directions of a conversation hash to the same queue.
inline constexpr uint8_t kSymmetricRssKeyLen = 40;
extern const uint8_t kSymmetricRssKey[kSymmetricRssKeyLen];

}  // namespace sigprobe::dpdk
