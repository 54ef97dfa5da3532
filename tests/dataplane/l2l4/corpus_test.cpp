// The walk over every capture of the shared corpus (skipped when absent):
// no crash, and totals that make sense for what MANIFEST.tsv says each
// capture carries.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "dataplane/io/packet_source.hpp"
#include "dataplane/l2l4/walk.hpp"

namespace sigprobe {
namespace {

namespace fs = std::filesystem;

std::string corpus_dir() {
  const char* env = std::getenv("SIGPROBE_SOURCE_DIR");
  std::string root = env ? env : SIGPROBE_SOURCE_DIR;
  return root + "/../shared/corpus";
}

struct Tally final : l2l4::L4Handler {
  uint64_t udp = 0, tcp_bytes = 0, sctp = 0, sctp_reassembled_bytes = 0;
  void on_udp(const MsgContext&, Bytes, bool) override { ++udp; }
  bool want_tcp_stream(const MsgContext&, Bytes) override { return true; }
  size_t on_tcp_data(const MsgContext&, Bytes d, bool, size_t) override {
    tcp_bytes += d.size();
    return d.size();
  }
  void on_sctp_message(const MsgContext&, Bytes m, bool in_packet) override {
    ++sctp;
    if (!in_packet) sctp_reassembled_bytes += m.size();
  }
};

struct FileResult {
  Tally t;
  DecodeCounters c;
  uint64_t packets = 0;
  std::string error;
};

FileResult walk_file(const std::string& path) {
  FileResult r;
  std::string err;
  auto src = open_pcap_file(path, 0, err);
  if (!src) {
    r.error = err;
    return r;
  }
  l2l4::Walker walker;
  std::array<PacketRef, kBurstMax> burst;
  while (true) {
    uint16_t n = src->rx_burst(burst);
    if (n == 0 && src->at_end()) break;
    for (uint16_t i = 0; i < n; ++i) {
      ++r.packets;
      if (burst[i].link == LinkType::Mtp2 || burst[i].link == LinkType::Mtp2WithPhdr ||
          burst[i].link == LinkType::Mtp3) {
        continue;  // SS7 links: decode hands these to the SS7 decoder
      }
      walker.walk(burst[i], r.t, r.c);
    }
  }
  r.error = src->error();
  return r;
}

struct Entry {
  std::string path, protocols;
  uint64_t packets = 0;
};

std::vector<Entry> manifest(const std::string& dir) {
  std::vector<Entry> out;
  std::ifstream in(dir + "/MANIFEST.tsv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, '\t')) f.push_back(x);
    if (f.size() < 8) continue;
    out.push_back({f[0], f[7], std::strtoull(f[5].c_str(), nullptr, 10)});
  }
  return out;
}

bool has_proto(const std::string& list, const std::string& p) {
  return ("," + list + ",").find("," + p + ",") != std::string::npos;
}

TEST(L2L4Corpus, EveryCaptureWalksWithSensibleTotals) {
  const std::string dir = corpus_dir();
  if (!fs::exists(dir + "/MANIFEST.tsv")) GTEST_SKIP() << "no corpus at " << dir;
  auto entries = manifest(dir);
  ASSERT_GT(entries.size(), 50u);
  for (const Entry& e : entries) {
    FileResult r = walk_file(dir + "/" + e.path);
    EXPECT_TRUE(r.error.empty()) << e.path << ": " << r.error;
    EXPECT_EQ(r.packets, e.packets) << e.path;
    if (has_proto(e.protocols, "sctp") && has_proto(e.protocols, "m3ua")) {
      EXPECT_GT(r.t.sctp, 0u) << e.path << " carries M3UA but yielded no SCTP DATA";
    }
    if (has_proto(e.protocols, "sip") && has_proto(e.protocols, "udp")) {
      EXPECT_GT(r.t.udp, 0u) << e.path;
    }
    uint64_t anomalies = 0;
    for (uint64_t v : r.c.anomalies) anomalies += v;
    std::printf("%-70s pkts %6llu udp %6llu tcp_bytes %8llu sctp %5llu frags %llu/%llu anomalies %llu\n",
                e.path.c_str(), (unsigned long long)r.packets, (unsigned long long)r.t.udp,
                (unsigned long long)r.t.tcp_bytes, (unsigned long long)r.t.sctp,
                (unsigned long long)r.c.reasm.ip_frag_datagrams,
                (unsigned long long)r.c.reasm.ip_frag_fragments, (unsigned long long)anomalies);
    for (size_t i = 0; i < r.c.anomalies.size(); ++i) {
      if (r.c.anomalies[i]) {
        std::printf("    %s %llu\n", std::string(kAnomalyCatalogue[i].id).c_str(),
                    (unsigned long long)r.c.anomalies[i]);
      }
    }
  }
}

TEST(L2L4Corpus, SngrepIpv6FragmentsReassembleIntoTwoDatagrams) {
  const std::string path = corpus_dir() + "/irontec__sngrep/ipv6frag.pcap";
  if (!fs::exists(path)) GTEST_SKIP() << "no corpus";
  FileResult r = walk_file(path);
  EXPECT_EQ(r.c.reasm.ip_frag_datagrams, 2u);
  EXPECT_EQ(r.c.reasm.ip_frag_timeouts, 0u);
  EXPECT_EQ(r.c.reasm.ip_frag_evictions, 0u);
}

TEST(L2L4Corpus, TunnelledSipIsReached) {
  const std::string dir = corpus_dir();
  if (!fs::exists(dir)) GTEST_SKIP() << "no corpus";
  // GRE/ERSPAN, IP-in-IP on raw IP, GTP-U on Linux cooked: SIP inside each.
  EXPECT_GE(walk_file(dir + "/sipcapture__heplify/erspan_sip_ipv4_udp.pcapng").t.udp, 140u);
  EXPECT_GE(walk_file(dir + "/sipcapture__heplify/ipip0.pcap").t.udp, 8u);
  EXPECT_GT(walk_file(dir + "/irontec__sngrep/ipip.pcap").t.tcp_bytes, 0u);
  EXPECT_GE(walk_file(dir + "/arkime__arkime/gtp-iphone.pcap").t.udp, 17u);
}

}  // namespace
}  // namespace sigprobe
