// For the captures whose SIP sits behind the harder L2-L4 cases (fragments,
// tunnels, PPPoE, SCTP, TCP segmentation, retransmissions and holes, ESP),
// the frames that carry SIP events must be the frames tshark dissects as SIP.
// Skipped when the shared corpus or tshark is absent.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "dataplane/decode.hpp"
#include "dataplane/io/packet_source.hpp"

namespace sigprobe {
namespace {

std::string corpus_dir() {
  const char* env = std::getenv("SIGPROBE_SOURCE_DIR");
  return std::string(env ? env : SIGPROBE_SOURCE_DIR) + "/../shared/corpus";
}

std::set<uint64_t> our_sip_frames(const std::string& path) {
  std::set<uint64_t> frames;
  std::string err;
  auto src = open_pcap_file(path, 0, err);
  if (!src) return frames;
  Decoder dec;
  EventBatch out;
  DecodeCounters c;
  std::array<PacketRef, kBurstMax> burst;
  while (true) {
    uint16_t n = src->rx_burst(burst);
    if (n == 0 && src->at_end()) break;
    out.clear();
    dec.decode_burst({burst.data(), n}, out, c);
    for (const SignalEvent& e : out.events()) {
      if (e.proto == Proto::Sip) frames.insert(e.frame);
    }
  }
  return frames;
}

std::set<uint64_t> tshark_sip_frames(const std::string& path, const std::string& opts) {
  std::set<uint64_t> frames;
  std::string cmd = "tshark -r '" + path + "' " + opts + " -Y sip -T fields -e frame.number 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return frames;
  char line[64];
  while (std::fgets(line, sizeof line, p)) frames.insert(std::strtoull(line, nullptr, 10));
  pclose(p);
  return frames;
}

TEST(DecodeVsTshark, SipFramesBehindEveryL2L4Case) {
  const std::string dir = corpus_dir();
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no corpus at " << dir;
  if (std::system("tshark -v >/dev/null 2>&1") != 0) GTEST_SKIP() << "no tshark";
  struct Case {
    const char* file;
    const char* opts;  // as MANIFEST.tsv says the file needs
  } cases[] = {
      {"irontec__sngrep/ipv6frag.pcap", ""},                         // IPv6 fragments, SLL
      {"irontec__sngrep/ipip.pcap", ""},                             // IP-in-IP, TCP
      {"sipcapture__heplify/ipip0.pcap", ""},                        // IP-in-IP on raw IP
      {"sipcapture__heplify/erspan_sip_ipv4_udp.pcapng", ""},        // GRE/ERSPAN
      {"arkime__arkime/gtp-iphone.pcap", ""},                        // GTP-U, SLL
      {"seladb__PcapPlusPlus/sip_reqs.pcap", ""},                    // PPPoE
      {"sipcapture__heplify/sip_sctp.pcap", ""},                     // SCTP PPID 0
      {"sipcapture__heplify/sip_ipv4_tcp_fragmented.pcap", "-d tcp.port==6060,sip"},
      {"sipcapture__heplify/sip_ipv4_tcp_retrans.pcap", ""},         // retransmissions, SLL
      {"omarhrc__CN-Trace-Analyzer/SIP_MT_offnet.pcap", ""},         // QinQ, TCP holes
      {"omarhrc__CN-Trace-Analyzer/volte_calls_2.pcapng",
       "-d tcp.port==6060,sip -o esp.enable_null_encryption_decode_heuristic:TRUE"},  // GTP-U+ESP
      {"OISF__suricata-verify/sip-body-large.pcap", ""},             // BSD NULL, big TCP body
  };
  for (const Case& k : cases) {
    const std::string path = dir + "/" + k.file;
    auto ours = our_sip_frames(path);
    auto theirs = tshark_sip_frames(path, k.opts);
    EXPECT_FALSE(theirs.empty()) << k.file;
    EXPECT_EQ(ours, theirs) << k.file;
    std::printf("%-55s tshark %4zu sigprobe %4zu\n", k.file, theirs.size(), ours.size());
  }
}

}  // namespace
}  // namespace sigprobe
