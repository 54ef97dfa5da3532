#include "dataplane/io/dpdk/port.hpp"

#include <charconv>

#include <rte_errno.h>
#include <rte_ethdev.h>

namespace sigprobe::dpdk {

const uint8_t kSymmetricRssKey[kSymmetricRssKeyLen] = {
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a};

bool find_port(std::string_view spec, uint16_t& id, std::string& err) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), v);
  if (ec == std::errc{} && end == spec.data() + spec.size()) {
    if (v >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(uint16_t(v))) {
      err = "port " + std::string(spec) + ": no such port (" + std::to_string(rte_eth_dev_count_avail()) +
            " available; add one with --vdev or a PCI address)";
      return false;
    }
    id = uint16_t(v);
    return true;
  }
  std::string name(spec);
  if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0) {
    err = "port " + name + ": no such device";
    return false;
  }
  return true;
}

static std::string port_error(uint16_t id, const char* what, int rc) {
  return "port " + std::to_string(id) + ": " + what + ": " + rte_strerror(rc < 0 ? -rc : rc);
}

bool setup_port(uint16_t id, const PortRequest& req, rte_mempool* pool, PortSetup& out, std::string& err) {
  rte_eth_dev_info info{};
  int rc = rte_eth_dev_info_get(id, &info);
  if (rc != 0) { err = port_error(id, "device info", rc); return false; }
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  rte_eth_dev_get_name_by_port(id, name);
  out.id = id;
  out.name = name;
  out.driver = info.driver_name ? info.driver_name : "";

  if (info.max_tx_queues < req.tx_queues) {
    err = "port " + out.name + ": needs " + std::to_string(req.tx_queues) + " TX queues (one per worker), the " +
          out.driver + " PMD has " + std::to_string(info.max_tx_queues);
    return false;
  }
  out.rx_queues = std::max<uint16_t>(1, std::min<uint16_t>(req.rx_queues, info.max_rx_queues));
  out.tx_queues = req.tx_queues;

  rte_eth_conf conf{};
  // Hash on the IP pair only: fragments (no L4 header) and the whole of a
  // conversation then land on the same queue and so on the same decoder.
  uint64_t want_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
  if (out.rx_queues > 1 && want_hf != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = want_hf;
    if (info.hash_key_size == kSymmetricRssKeyLen) {
      conf.rx_adv_conf.rss_conf.rss_key = const_cast<uint8_t*>(kSymmetricRssKey);
      conf.rx_adv_conf.rss_conf.rss_key_len = kSymmetricRssKeyLen;
    }
    out.rss = true;
  }
  if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) {
    conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
    out.rx_timestamp = true;
  }
  rc = rte_eth_dev_configure(id, out.rx_queues, out.tx_queues, &conf);
  if (rc != 0) { err = port_error(id, "configure", rc); return false; }
  uint16_t rx_desc = req.rx_desc, tx_desc = req.tx_desc;
  rc = rte_eth_dev_adjust_nb_rx_tx_desc(id, &rx_desc, &tx_desc);
  if (rc != 0) { err = port_error(id, "descriptor counts", rc); return false; }
  int socket = rte_eth_dev_socket_id(id);
  if (socket < 0) socket = 0;
  for (uint16_t q = 0; q < out.rx_queues; ++q) {
    rc = rte_eth_rx_queue_setup(id, q, rx_desc, unsigned(socket), nullptr, pool);
    if (rc != 0) { err = port_error(id, "RX queue setup", rc); return false; }
  }
  for (uint16_t q = 0; q < out.tx_queues; ++q) {
    rc = rte_eth_tx_queue_setup(id, q, tx_desc, unsigned(socket), nullptr);
    if (rc != 0) { err = port_error(id, "TX queue setup", rc); return false; }
  }
  rc = rte_eth_dev_start(id);
  if (rc != 0) { err = port_error(id, "start", rc); return false; }
  if (req.promiscuous) rte_eth_promiscuous_enable(id);  // not every PMD can; ignored then
  return true;
}

PortStats read_port_stats(uint16_t id) {
  rte_eth_stats s{};
  PortStats out;
  if (rte_eth_stats_get(id, &s) != 0) return out;
  out.ipackets = s.ipackets;
  out.opackets = s.opackets;
  out.imissed = s.imissed;
  out.ierrors = s.ierrors;
  out.oerrors = s.oerrors;
  out.rx_nombuf = s.rx_nombuf;
  return out;
}

void stop_port(uint16_t id) {
  rte_eth_dev_stop(id);
  rte_eth_dev_close(id);
}

}  // namespace sigprobe::dpdk
