// Test helpers: hand-built packets and events for the output sinks. The
// packets are Ethernet II / IPv4 (RFC 791, header checksum left 0) / UDP
// (RFC 768, checksum 0 = none) carrying a SIP text written here, or SCTP
// (RFC 4960) DATA chunks with an M3UA payload given by the test.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/core/signal_event.hpp"

namespace sigprobe::testing {

inline void put16(std::vector<uint8_t>& b, uint16_t v) { b.push_back(uint8_t(v >> 8)); b.push_back(uint8_t(v)); }
inline void put32(std::vector<uint8_t>& b, uint32_t v) { put16(b, uint16_t(v >> 16)); put16(b, uint16_t(v)); }

inline std::vector<uint8_t> ether_ipv4(const std::array<uint8_t, 4>& src, const std::array<uint8_t, 4>& dst,
                                       uint8_t proto, const std::vector<uint8_t>& l4) {
  std::vector<uint8_t> b = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00};
  b.push_back(0x45);
  b.push_back(0);
  put16(b, uint16_t(20 + l4.size()));
  put16(b, 1);       // id
  put16(b, 0x4000);  // DF, offset 0
  b.push_back(64);
  b.push_back(proto);
  put16(b, 0);
  b.insert(b.end(), src.begin(), src.end());
  b.insert(b.end(), dst.begin(), dst.end());
  b.insert(b.end(), l4.begin(), l4.end());
  return b;
}

inline std::vector<uint8_t> udp_packet(const std::array<uint8_t, 4>& src, uint16_t sport,
                                       const std::array<uint8_t, 4>& dst, uint16_t dport, std::string_view payload) {
  std::vector<uint8_t> u;
  put16(u, sport);
  put16(u, dport);
  put16(u, uint16_t(8 + payload.size()));
  put16(u, 0);
  u.insert(u.end(), payload.begin(), payload.end());
  return ether_ipv4(src, dst, 17, u);
}

// One SCTP DATA chunk (PPID 3 = M3UA) carrying `m3ua`.
inline std::vector<uint8_t> sctp_m3ua_packet(const std::array<uint8_t, 4>& src, const std::array<uint8_t, 4>& dst,
                                             const std::vector<uint8_t>& m3ua) {
  std::vector<uint8_t> s;
  put16(s, 2905);
  put16(s, 2905);
  put32(s, 0x01020304);  // verification tag
  put32(s, 0);           // checksum (not checked by readers of this test)
  s.push_back(0);        // DATA
  s.push_back(0x03);     // B and E: unfragmented
  put16(s, uint16_t(16 + m3ua.size()));
  put32(s, 1);  // TSN
  put16(s, 1);  // stream
  put16(s, 0);  // SSN
  put32(s, 3);  // PPID M3UA
  s.insert(s.end(), m3ua.begin(), m3ua.end());
  while (s.size() % 4) s.push_back(0);
  return ether_ipv4(src, dst, 132, s);
}

inline std::string sip_invite(std::string_view call_id, std::string_view from, std::string_view to) {
  std::string m = "INVITE sip:" + std::string(to) + "@10.0.0.2 SIP/2.0\r\n";
  m += "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-" + std::string(call_id) + "\r\n";
  m += "From: <sip:" + std::string(from) + "@10.0.0.1>;tag=1\r\n";
  m += "To: <sip:" + std::string(to) + "@10.0.0.2>\r\n";
  m += "Call-ID: " + std::string(call_id) + "\r\n";
  m += "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  return m;
}

inline std::string sip_response(std::string_view call_id, std::string_view from, std::string_view to, int code) {
  std::string m = "SIP/2.0 " + std::to_string(code) + (code == 200 ? " OK" : " Ringing") + "\r\n";
  m += "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-" + std::string(call_id) + "\r\n";
  m += "From: <sip:" + std::string(from) + "@10.0.0.1>;tag=1\r\n";
  m += "To: <sip:" + std::string(to) + "@10.0.0.2>;tag=2\r\n";
  m += "Call-ID: " + std::string(call_id) + "\r\n";
  m += "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  return m;
}

// A stream of packets that keeps the bytes alive for the PacketRefs.
struct SynthCapture {
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<PacketRef> pkts;
  std::vector<SignalEvent> events;

  // Adds a SIP packet and its event; the event's users carry the numbers
  // (a response has no method, as the decoder would report it).
  void add_sip(uint64_t ts_ns, std::string_view call_id, std::string_view from, std::string_view to,
               int status = 0) {
    std::string text = status ? sip_response(call_id, from, to, status) : sip_invite(call_id, from, to);
    bytes.push_back(udp_packet({10, 0, 0, 1}, 5060, {10, 0, 0, 2}, 5060, text));
    add_packet(ts_ns);
    SignalEvent ev;
    ev.frame = pkts.back().frame;
    ev.ts_ns = ts_ns;
    ev.proto = Proto::Sip;
    ev.transport = Transport::Udp;
    ev.layers = kLayerSip;
    ev.src.family = ev.dst.family = 4;
    ev.src.addr = {10, 0, 0, 1};
    ev.dst.addr = {10, 0, 0, 2};
    ev.src.port = ev.dst.port = 5060;
    ev.sip.method = status ? SipMethod::None : SipMethod::Invite;
    ev.sip.status = uint16_t(status);
    ev.sip.call_id = keep(call_id);
    ev.sip.from_user = keep(from);
    ev.sip.to_user = keep(to);
    events.push_back(ev);
  }
  void add_packet(uint64_t ts_ns) {
    PacketRef p;
    p.data = bytes.back().data();
    p.caplen = p.wirelen = uint32_t(bytes.back().size());
    p.ts_ns = ts_ns;
    p.frame = pkts.size() + 1;
    p.link = LinkType::Ethernet;
    pkts.push_back(p);
  }
  std::string_view keep(std::string_view s) {
    strings.emplace_back(new std::string(s));
    return *strings.back();
  }
  std::vector<std::unique_ptr<std::string>> strings;
};

}  // namespace sigprobe::testing
