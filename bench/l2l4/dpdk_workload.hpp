// The mixed SIP + SIGTRAN workload of the DPDK bench (bench/dpdk): every
// capture of pcaps/{sip,ss7,scenarios} in name order, then three captures of
// the shared corpus (a SIGTRAN load test, a SIP brute force, a SIP scanner),
// their Ethernet packets in order. bench_dpdk replays it through mbufs and
// the whole worker; bench_l2l4 decodes the same packets without DPDK, so a
// decode change can be measured (and its instructions counted) apart from
// the rest of the worker.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "dataplane/io/packet_source.hpp"

namespace sigprobe::bench {

inline std::vector<std::string> dpdk_workload_captures(const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const char* dir : {"/pcaps/sip", "/pcaps/ss7", "/pcaps/scenarios"}) {
    if (!fs::exists(root + dir)) continue;
    std::vector<std::string> files;
    for (auto& e : fs::directory_iterator(root + dir))
      if (e.path().extension() == ".pcap") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  }
  for (const char* rel : {"/../shared/corpus/araditc__sigtran.net/sigtran.net-performance-first3000.pcap",
                          "/../shared/corpus/initconf__sip-attacks/SIP-Bruteforce-Single-IP.pcap",
                          "/../shared/corpus/initconf__sip-attacks/BadUserAgent-sipvicious.pcap"})
    if (fs::exists(root + rel)) out.push_back(root + rel);
  return out;
}

// Every Ethernet packet of the captures, in order; a capture of another link
// type is skipped from its first packet on. false and err when one cannot be
// opened.
inline bool load_ethernet_packets(const std::vector<std::string>& captures,
                                  std::vector<std::vector<uint8_t>>& pkts, std::string& err) {
  for (const auto& path : captures) {
    auto src = open_pcap_file(path, 0, err);
    if (!src) return false;
    std::array<PacketRef, kBurstMax> burst;
    while (uint16_t n = src->rx_burst(burst)) {
      if (burst[0].link != LinkType::Ethernet) break;
      for (uint16_t k = 0; k < n; ++k) pkts.emplace_back(burst[k].data, burst[k].data + burst[k].caplen);
    }
  }
  return true;
}

}  // namespace sigprobe::bench
