// Test helpers: write and read pcap files with libpcap, build small Ethernet
// frames, split a capture by an IP-pair hash the way RSS would, run the
// sigprobe binary. Header-only; used by the DPDK dataplane tests.
#pragma once
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sigprobe::test {

struct Frame {
  uint64_t ts_us = 0;
  std::vector<uint8_t> bytes;
  bool operator==(const Frame&) const = default;
};

inline bool write_pcap(const std::string& path, const std::vector<Frame>& frames, int dlt = DLT_EN10MB) {
  pcap_t* dead = pcap_open_dead(dlt, 65535);
  if (!dead) return false;
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  if (!d) { pcap_close(dead); return false; }
  for (const Frame& f : frames) {
    pcap_pkthdr h{};
    h.ts.tv_sec = time_t(f.ts_us / 1000000);
    h.ts.tv_usec = suseconds_t(f.ts_us % 1000000);
    h.caplen = h.len = uint32_t(f.bytes.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, f.bytes.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
  return true;
}

// Frames of a capture; `dlt` gets its link type. Empty on error.
inline std::vector<Frame> read_pcap(const std::string& path, int* dlt = nullptr) {
  std::vector<Frame> out;
  char ebuf[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), ebuf);
  if (!p) return out;
  if (dlt) *dlt = pcap_datalink(p);
  pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(p, &h, &data) == 1)
    out.push_back({uint64_t(h->ts.tv_sec) * 1000000 + uint64_t(h->ts.tv_usec), {data, data + h->caplen}});
  pcap_close(p);
  return out;
}

inline void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) { b[at] = uint8_t(v >> 8); b[at + 1] = uint8_t(v); }

// Ethernet and IPv4 headers (no options, header checksum left zero) of a
// frame carrying `l4_len` bytes of protocol `proto`; the rest zeroed.
inline std::vector<uint8_t> ipv4_frame(uint8_t proto, uint32_t src_ip, uint32_t dst_ip, size_t l4_len) {
  std::vector<uint8_t> b(14 + 20 + l4_len, 0);
  const uint8_t mac[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  std::copy(mac, mac + 12, b.begin());
  put16(b, 12, 0x0800);
  b[14] = 0x45;
  put16(b, 16, uint16_t(20 + l4_len));
  b[22] = 64;
  b[23] = proto;
  for (int i = 0; i < 4; ++i) {
    b[26 + i] = uint8_t(src_ip >> (24 - 8 * i));
    b[30 + i] = uint8_t(dst_ip >> (24 - 8 * i));
  }
  return b;
}

// Ethernet / IPv4 / UDP with `payload`; checksums are left zero (UDP allows it).
inline std::vector<uint8_t> udp_frame(uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport,
                                      const std::string& payload) {
  std::vector<uint8_t> b = ipv4_frame(17, src_ip, dst_ip, 8 + payload.size());
  put16(b, 34, sport);
  put16(b, 36, dport);
  put16(b, 38, uint16_t(8 + payload.size()));
  std::copy(payload.begin(), payload.end(), b.begin() + 42);
  return b;
}

// An Ethernet / IPv4 frame (no options) as the IP fragments of its datagram
// (identification id), in order, each carrying at most max_payload bytes
// (rounded down to a multiple of 8) of the IP payload.
inline std::vector<std::vector<uint8_t>> ipv4_fragments(const std::vector<uint8_t>& frame, size_t max_payload,
                                                        uint16_t id) {
  const size_t hdr = 14 + 20, total = frame.size() - hdr, step = max_payload & ~size_t{7};
  std::vector<std::vector<uint8_t>> out;
  for (size_t off = 0; off < total; off += step) {
    const size_t n = std::min(step, total - off);
    std::vector<uint8_t> f(frame.begin(), frame.begin() + long(hdr));
    f.insert(f.end(), frame.begin() + long(hdr + off), frame.begin() + long(hdr + off + n));
    put16(f, 16, uint16_t(20 + n));
    put16(f, 18, id);
    put16(f, 20, uint16_t((off + n < total ? 0x2000 : 0) | off / 8));  // MF, offset in 8-byte units
    out.push_back(std::move(f));
  }
  return out;
}

// The TCP checksum of an Ethernet / IPv4 (no options) / TCP frame, computed
// in full over the pseudo-header and the segment (RFC 793), field as zero.
inline uint16_t tcp_checksum_ipv4(const std::vector<uint8_t>& b) {
  const size_t seg = 34, len = b.size() - seg;
  uint32_t sum = 6 + uint32_t(len);
  auto add = [&](size_t at, size_t end) {
    for (size_t i = at; i < end; i += 2)
      sum += uint32_t(b[i]) << 8 | (i + 1 < end ? b[i + 1] : 0u);
  };
  add(26, 34);  // source and destination addresses
  for (size_t i = seg; i < b.size(); i += 2)
    if (i != seg + 16) sum += uint32_t(b[i]) << 8 | (i + 1 < b.size() ? b[i + 1] : 0u);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return uint16_t(~sum);
}

// Ethernet / IPv4 / TCP (ACK|PSH, sequence number `seq`) with `payload` and a
// valid TCP checksum.
inline std::vector<uint8_t> tcp_frame(uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport,
                                      uint32_t seq, const std::string& payload) {
  std::vector<uint8_t> b = ipv4_frame(6, src_ip, dst_ip, 20 + payload.size());
  put16(b, 34, sport);
  put16(b, 36, dport);
  for (int i = 0; i < 4; ++i) b[38 + i] = uint8_t(seq >> (24 - 8 * i));
  b[46] = 0x50;  // 5 words of header
  b[47] = 0x18;  // ACK, PSH
  put16(b, 48, 65535);
  std::copy(payload.begin(), payload.end(), b.begin() + 54);
  put16(b, 50, tcp_checksum_ipv4(b));
  return b;
}

// A SIP INVITE in the RFC 3261 section 24.2 shape, with its own numbers and Call-ID.
inline std::string sip_invite(const std::string& from, const std::string& to, const std::string& call_id) {
  std::ostringstream s;
  s << "INVITE sip:" << to << "@10.0.0.2 SIP/2.0\r\n"
    << "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" << call_id << "\r\n"
    << "Max-Forwards: 70\r\n"
    << "From: <sip:" << from << "@10.0.0.1>;tag=1928301774\r\n"
    << "To: <sip:" << to << "@10.0.0.2>\r\n"
    << "Call-ID: " << call_id << "\r\n"
    << "CSeq: 314159 INVITE\r\n"
    << "User-Agent: test-ua\r\n"
    << "Content-Length: 0\r\n\r\n";
  return s.str();
}

// The IPv4 or IPv6 address pair of an Ethernet frame (VLAN tags skipped),
// XOR-folded: the same value both ways, like a symmetric RSS hash.
inline uint32_t ip_pair_hash(const std::vector<uint8_t>& b) {
  size_t off = 12;
  auto u16 = [&](size_t at) { return at + 1 < b.size() ? uint16_t(b[at] << 8 | b[at + 1]) : uint16_t(0); };
  uint16_t type = u16(off);
  while ((type == 0x8100 || type == 0x88a8) && off + 4 < b.size()) { off += 4; type = u16(off); }
  off += 2;
  uint32_t h = 0;
  if (type == 0x0800 && off + 20 <= b.size()) {
    for (size_t i = 0; i < 8; ++i) h ^= uint32_t(b[off + 12 + i]) << (8 * (i % 4));
  } else if (type == 0x86dd && off + 40 <= b.size()) {
    for (size_t i = 0; i < 32; ++i) h ^= uint32_t(b[off + 8 + i]) << (8 * (i % 4));
  }
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  return h;
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream f(path);
  for (std::string l; std::getline(f, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

// Runs a shell command, its output to `log`; the exit status.
inline int run_cmd(const std::string& cmd, const std::string& log) {
  int rc = std::system((cmd + " >" + log + " 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace sigprobe::test
