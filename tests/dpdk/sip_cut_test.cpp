// Cutting an answered call (host/dp/sip_cut): what the link shows of a SIP
// dialog is kept, and each party gets the BYE the other would send (RFC 3261
// 12.2.1.1, 15.1.1): its remote target, the route set beyond the link, the
// dialog's tags, a CSeq above every CSeq of the dialog, in the envelope of the
// dialog's last message that way, with valid checksums.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "dataplane/sip/sip_parser.hpp"
#include "host/dp/sip_cut.hpp"
#include "host/out/l4_view.hpp"
#include "host/track/call_tracker.hpp"
#include "tests/dpdk/pcap_files.hpp"
#include "tests/support/kamailio_process.hpp"
#include "tests/support/loopback_udp.hpp"

namespace sigprobe::dp {
namespace {

using test::udp_frame;

constexpr uint32_t kCallerSide = 0x0a000009;  // the last proxy before the link (10.0.0.9)
constexpr uint32_t kCalleeSide = 0x0a010001;  // the first one after it (10.1.0.1)
constexpr const char* kCallId = "a84b4c76e66710@10.0.0.1";

// The INVITE as it crosses the link: one proxy on the caller's side
// record-routed it.
std::string invite(const std::string& extra = "") {
  return "INVITE sip:8613700000010@10.1.0.1 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKproxy\r\n"
         "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKcaller;rport=5062\r\n"
         "Max-Forwards: 69\r\n"
         "Record-Route: <sip:p1.caller.example;lr>\r\n"
         "From: \"Bank Service\" <sip:8613800138000@10.0.0.1>;tag=1928301774\r\n"
         "To: <sip:8613700000010@callee.example>\r\n"
         "Call-ID: " + std::string(kCallId) + "\r\n"
         "CSeq: 314159 INVITE\r\n"
         "Contact: \"Bank\" <sip:8613800138000@10.0.0.1:5062;transport=udp>;+sip.instance=\"<urn:x>\"\r\n" +
         extra + "Content-Length: 0\r\n\r\n";
}

// Its 200: a proxy beyond the link record-routed too (on top), in two lines.
std::string ok200(const std::string& status = "200 OK") {
  return "SIP/2.0 " + status + "\r\n"
         "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKproxy\r\n"
         "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKcaller;rport=5062\r\n"
         "Record-Route: <sip:p3.callee.example;lr>, <sip:p2.callee.example;lr;ftag=x>\r\n"
         "Record-Route: <sip:p1.caller.example;lr>\r\n"
         "From: \"Bank Service\" <sip:8613800138000@10.0.0.1>;tag=1928301774\r\n"
         "To: <sip:8613700000010@callee.example>;tag=as6151ad25\r\n"
         "Call-ID: " + std::string(kCallId) + "\r\n"
         "CSeq: 314159 INVITE\r\n"
         "Contact: sip:8613700000010@10.1.7.7:5080;ob\r\n"
         "Content-Length: 0\r\n\r\n";
}

// A request within the dialog from the callee (a re-INVITE, CSeq 7).
std::string from_callee(const std::string& method, int cseq) {
  return method + " sip:8613800138000@10.0.0.1:5062 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.1.0.1:5060;branch=z9hG4bKre\r\n"
         "From: <sip:8613700000010@callee.example>;tag=as6151ad25\r\n"
         "To: \"Bank Service\" <sip:8613800138000@10.0.0.1>;tag=1928301774\r\n"
         "Call-ID: " + std::string(kCallId) + "\r\n"
         "CSeq: " + std::to_string(cseq) + " " + method + "\r\n"
         "Content-Length: 0\r\n\r\n";
}

// What decode would give the dialog store: the message parsed back.
struct Msg {
  std::vector<uint8_t> frame;
  std::string text;
  SipInfo sip;
};

Msg message(uint32_t src, uint32_t dst, const std::string& text) {
  Msg m{udp_frame(src, dst, 5060, 5060, text), text, {}};
  sip::AnomalySet a;
  auto p = sip::parse_sip(m.text, a);
  EXPECT_TRUE(p);
  auto value = [&](sip::HeaderId id) { return p->first(id) ? std::string_view(p->first(id)->value) : ""; };
  auto tag = [](std::string_view v) {
    const size_t t = v.find(";tag=");
    return t == std::string_view::npos ? std::string_view{} : v.substr(t + 5);
  };
  m.sip.status = p->status;
  m.sip.method = !p->is_request ? SipMethod::None
                 : p->method == "INVITE" ? SipMethod::Invite
                 : p->method == "BYE"    ? SipMethod::Bye
                                         : SipMethod::Update;
  m.sip.call_id = value(sip::HeaderId::CallId);
  m.sip.from_tag = tag(value(sip::HeaderId::From));
  m.sip.to_tag = tag(value(sip::HeaderId::To));
  const std::string_view cseq = value(sip::HeaderId::CSeq);
  m.sip.cseq_num = uint32_t(std::stoul(std::string(cseq.substr(0, cseq.find(' ')))));
  m.sip.cseq_method = cseq.ends_with("INVITE")   ? SipMethod::Invite
                       : cseq.ends_with("UPDATE") ? SipMethod::Update
                                                  : SipMethod::Bye;
  return m;
}

// The INVITE came in on port 0 and went out on 1; the 200 the other way.
void learn(SipDialogs& ds, const Msg& m, uint16_t out_port) { ds.learn(m.frame, m.sip, out_port); }

struct Bye {
  std::vector<uint8_t> frame;
  L4View v;
  std::string text;
  std::optional<sip::SipMessage> m;
  std::string_view header(sip::HeaderId id) const {
    return m && m->first(id) ? std::string_view(m->first(id)->value) : "";
  }
};

Bye bye(const SipDialog& d, CutSide side) {
  Bye b;
  b.frame.resize(2048);
  b.frame.resize(build_sip_bye(d, side, b.frame));
  if (b.frame.empty() || !find_l4(Bytes{b.frame.data(), b.frame.size()}, LinkType::Ethernet, b.v)) return b;
  b.text.assign(reinterpret_cast<const char*>(b.v.payload.data()), b.v.payload.size());
  sip::AnomalySet a;
  b.m = sip::parse_sip(b.text, a);
  EXPECT_TRUE(a.empty());
  return b;
}

uint16_t folded(const uint8_t* p, size_t n, uint32_t acc) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += uint32_t(p[i] << 8 | p[i + 1]);
  if (n & 1) acc += uint32_t(p[n - 1]) << 8;
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  return uint16_t(acc);
}

const SipDialog* answered_dialog(SipDialogs& ds) {
  Msg inv = message(kCallerSide, kCalleeSide, invite());
  Msg ok = message(kCalleeSide, kCallerSide, ok200());
  ok.frame[0] = 0x02;  // the other way: other MACs
  ok.frame[6] = 0x04;
  learn(ds, inv, 1);
  EXPECT_EQ(ds.find(track::call_id_hash(kCallId)), nullptr) << "not answered yet";
  learn(ds, ok, 0);
  learn(ds, message(kCalleeSide, kCallerSide, from_callee("INVITE", 7)), 0);
  return ds.find(track::call_id_hash(kCallId));
}

TEST(SipCut, TheCalleeGetsTheCallersByeInTheInvitesEnvelope) {
  SipDialogs ds;
  const SipDialog* d = answered_dialog(ds);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->callee_port, 1);
  EXPECT_EQ(d->caller_port, 0);
  Bye b = bye(*d, CutSide::Callee);
  ASSERT_TRUE(b.m) << b.text;
  EXPECT_TRUE(b.m->is_request);
  EXPECT_EQ(b.m->method, "BYE");
  EXPECT_EQ(b.m->ruri, "sip:8613700000010@10.1.7.7:5080");  // the 200's Contact, an addr-spec without its ;ob
  // The hops beyond the link, nearest first: the 200's entries above the INVITE's, reversed.
  EXPECT_EQ(b.header(sip::HeaderId::Route), "<sip:p2.callee.example;lr;ftag=x>, <sip:p3.callee.example;lr>");
  EXPECT_EQ(b.header(sip::HeaderId::From), "\"Bank Service\" <sip:8613800138000@10.0.0.1>;tag=1928301774");
  EXPECT_EQ(b.header(sip::HeaderId::To), "<sip:8613700000010@callee.example>;tag=as6151ad25");
  EXPECT_EQ(b.header(sip::HeaderId::CallId), kCallId);
  EXPECT_EQ(b.header(sip::HeaderId::CSeq), "314160 BYE");
  EXPECT_EQ(b.header(sip::HeaderId::MaxForwards), "70");
  EXPECT_EQ(b.header(sip::HeaderId::Reason), "Q.850;cause=21;text=\"cut by the anti-fraud probe\"");
  EXPECT_EQ(b.m->content_length, 0u);
  // From where the INVITE came, with a branch of its own.
  const std::string_view via = b.header(sip::HeaderId::Via);
  EXPECT_TRUE(via.starts_with("SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKsigprobe")) << via;
  EXPECT_TRUE(via.ends_with("b;rport")) << via;
  EXPECT_EQ(b.m->count(sip::HeaderId::Via), 1u);
  // The INVITE's envelope: MACs, addresses, ports.
  const auto inv = udp_frame(kCallerSide, kCalleeSide, 5060, 5060, invite());
  EXPECT_TRUE(std::equal(b.frame.begin(), b.frame.begin() + 14, inv.begin()));
  EXPECT_EQ(b.v.src, (std::array<uint8_t, 16>{10, 0, 0, 9}));
  EXPECT_EQ(b.v.dst, (std::array<uint8_t, 16>{10, 1, 0, 1}));
  EXPECT_EQ(b.v.sport, 5060);
  EXPECT_EQ(b.v.dport, 5060);
  // Checksums verify.
  const uint8_t* ip = b.frame.data() + 14;
  EXPECT_EQ(folded(ip, 20, 0), 0xFFFF);
  const size_t udp_len = size_t(ip[24] << 8 | ip[25]);
  EXPECT_EQ(udp_len, b.frame.size() - 34);
  EXPECT_EQ(folded(ip + 20, udp_len, folded(ip + 12, 8, 0) + 17 + uint32_t(udp_len)), 0xFFFF);
}

TEST(SipCut, TheCallerGetsTheCalleesByeInTheAnswersEnvelope) {
  SipDialogs ds;
  const SipDialog* d = answered_dialog(ds);
  ASSERT_NE(d, nullptr);
  Bye b = bye(*d, CutSide::Caller);
  ASSERT_TRUE(b.m) << b.text;
  EXPECT_EQ(b.m->method, "BYE");
  EXPECT_EQ(b.m->ruri, "sip:8613800138000@10.0.0.1:5062;transport=udp");  // the INVITE's Contact
  EXPECT_EQ(b.header(sip::HeaderId::Route), "<sip:p1.caller.example;lr>");  // the INVITE's entries
  EXPECT_EQ(b.header(sip::HeaderId::From), "<sip:8613700000010@callee.example>;tag=as6151ad25");
  EXPECT_EQ(b.header(sip::HeaderId::To), "\"Bank Service\" <sip:8613800138000@10.0.0.1>;tag=1928301774");
  // Above the callee's re-INVITE (7), and above the caller's INVITE (314159),
  // whose 200 went the same way.
  EXPECT_EQ(b.header(sip::HeaderId::CSeq), "314160 BYE");
  EXPECT_TRUE(b.header(sip::HeaderId::Via).starts_with("SIP/2.0/UDP 10.1.0.1:5060;branch=z9hG4bKsigprobe"));
  EXPECT_EQ(b.frame[0], 0x02);
  EXPECT_EQ(b.frame[6], 0x04);
  EXPECT_EQ(b.v.src, (std::array<uint8_t, 16>{10, 1, 0, 1}));
  EXPECT_EQ(b.v.dst, (std::array<uint8_t, 16>{10, 0, 0, 9}));
  // The two BYEs are different transactions.
  EXPECT_NE(bye(*d, CutSide::Callee).header(sip::HeaderId::Via), b.header(sip::HeaderId::Via));
}

TEST(SipCut, WithoutRecordRouteNoRouteAndBothByesAboveEveryCSeqOfTheDialog) {
  SipDialogs ds;
  std::string inv = invite(), ok = ok200();
  inv.erase(inv.find("Record-Route"), inv.find("From:") - inv.find("Record-Route"));
  ok.erase(ok.find("Record-Route"), ok.find("From:") - ok.find("Record-Route"));
  learn(ds, message(kCallerSide, kCalleeSide, inv), 1);
  learn(ds, message(kCalleeSide, kCallerSide, ok), 0);
  // The caller's own UPDATE raises its CSeq; the callee sent nothing.
  std::string update = inv;
  update.replace(0, 6, "UPDATE");
  update.replace(update.find("To: <sip:8613700000010@callee.example>"), 38,
                 "To: <sip:8613700000010@callee.example>;tag=as6151ad25");
  update.replace(update.find("314159 INVITE"), 13, "314161 UPDATE");
  learn(ds, message(kCallerSide, kCalleeSide, update), 1);
  const SipDialog* d = ds.find(track::call_id_hash(kCallId));
  ASSERT_NE(d, nullptr);
  Bye to_callee = bye(*d, CutSide::Callee), to_caller = bye(*d, CutSide::Caller);
  ASSERT_TRUE(to_callee.m && to_caller.m);
  EXPECT_EQ(to_callee.m->first(sip::HeaderId::Route), nullptr);
  EXPECT_EQ(to_caller.m->first(sip::HeaderId::Route), nullptr);
  EXPECT_EQ(to_callee.header(sip::HeaderId::CSeq), "314162 BYE");
  // The callee sent no request: its BYE may take any number (RFC 3261
  // 12.2.1.1), and takes one no response on its way carried.
  EXPECT_EQ(to_caller.header(sip::HeaderId::CSeq), "314162 BYE");
  // A callee whose requests count higher than the caller's: both BYEs above them.
  learn(ds, message(kCalleeSide, kCallerSide, from_callee("INFO", 900000)), 0);
  EXPECT_EQ(bye(*d, CutSide::Callee).header(sip::HeaderId::CSeq), "900001 BYE");
  EXPECT_EQ(bye(*d, CutSide::Caller).header(sip::HeaderId::CSeq), "900001 BYE");
}

TEST(SipCut, OnlyAnAnsweredDialogNotEndedIsThereToCut) {
  const uint64_t key = track::call_id_hash(kCallId);
  {  // refused
    SipDialogs ds;
    learn(ds, message(kCallerSide, kCalleeSide, invite()), 1);
    learn(ds, message(kCalleeSide, kCallerSide, ok200("486 Busy Here")), 0);
    learn(ds, message(kCalleeSide, kCallerSide, ok200()), 0);  // a stray 200 after it: no dialog
    EXPECT_EQ(ds.find(key), nullptr);
  }
  {  // ended by a BYE on the link
    SipDialogs ds;
    ASSERT_NE(answered_dialog(ds), nullptr);
    learn(ds, message(kCalleeSide, kCallerSide, from_callee("BYE", 8)), 0);
    EXPECT_EQ(ds.find(key), nullptr);
    EXPECT_EQ(ds.counters().learned, 1u);
    EXPECT_EQ(ds.counters().answered, 1u);
  }
  {  // forked: the first 2xx is the dialog
    SipDialogs ds;
    learn(ds, message(kCallerSide, kCalleeSide, invite()), 1);
    learn(ds, message(kCalleeSide, kCallerSide, ok200()), 0);
    std::string other = ok200();
    other.replace(other.find("as6151ad25"), 10, "fork222222");
    learn(ds, message(kCalleeSide, kCallerSide, other), 0);
    const SipDialog* d = ds.find(key);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(bye(*d, CutSide::Callee).header(sip::HeaderId::To), "<sip:8613700000010@callee.example>;tag=as6151ad25");
  }
}

Endpoint endpoint(uint32_t ip, uint16_t port) {
  Endpoint e;
  for (int i = 0; i < 4; ++i) e.addr[size_t(i)] = uint8_t(ip >> (24 - 8 * i));
  e.family = 4;
  e.port = port;
  return e;
}

// An INVITE and its 200 that came in IP fragments are read from the datagram
// decode reassembled, in the envelope of the fragment that completed it: the
// same dialog, and the same BYEs byte for byte, as from whole frames. A
// fragment whose IP addresses are not the datagram's (a tunnel's outer
// header, say) is not taken for its envelope.
TEST(SipCut, AMessageThatCameInIpFragmentsIsReadFromItsDatagram) {
  SipDialogs whole(64), split(64), tunnel(64);
  const SipDialog* d = answered_dialog(whole);
  ASSERT_NE(d, nullptr);
  Msg inv = message(kCallerSide, kCalleeSide, invite());
  Msg ok = message(kCalleeSide, kCallerSide, ok200());
  ok.frame[0] = 0x02;  // as answered_dialog() has it
  ok.frame[6] = 0x04;
  const auto inv_frags = test::ipv4_fragments(inv.frame, 96, 1), ok_frags = test::ipv4_fragments(ok.frame, 96, 2);
  ASSERT_GE(inv_frags.size(), 3u);
  const SipDialogs::Reassembled inv_re{inv.text, endpoint(kCallerSide, 5060), endpoint(kCalleeSide, 5060)};
  const SipDialogs::Reassembled ok_re{ok.text, endpoint(kCalleeSide, 5060), endpoint(kCallerSide, 5060)};
  split.learn(inv_frags.back(), inv.sip, 1, inv_re);
  split.learn(ok_frags.front(), ok.sip, 0, ok_re);  // the first fragment completed it (out of order)
  split.learn(message(kCalleeSide, kCallerSide, from_callee("INVITE", 7)).frame,
              message(kCalleeSide, kCallerSide, from_callee("INVITE", 7)).sip, 0);
  const SipDialog* s = split.find(track::call_id_hash(kCallId));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(split.counters().reassembled, 2u);
  EXPECT_EQ(bye(*s, CutSide::Callee).frame, bye(*d, CutSide::Callee).frame);
  EXPECT_EQ(bye(*s, CutSide::Caller).frame, bye(*d, CutSide::Caller).frame);

  // Without the datagram, or with a datagram of other addresses, not kept.
  tunnel.learn(inv_frags.back(), inv.sip, 1);
  SipDialogs::Reassembled other = inv_re;
  other.dst = endpoint(0x0a0a0a0a, 5060);
  tunnel.learn(inv_frags.back(), inv.sip, 1, other);
  EXPECT_EQ(tunnel.counters().not_one_frame, 2u);
  EXPECT_EQ(tunnel.counters().learned, 0u);
}

TEST(SipCut, WhatCannotBeKeptIsCountedAndANewerCallTakesTheSlot) {
  {  // no Contact in the INVITE: no remote target for the callee's BYE
    SipDialogs ds;
    std::string inv = invite();
    inv.erase(inv.find("Contact:"), inv.find("Content-Length") - inv.find("Contact:"));
    learn(ds, message(kCallerSide, kCalleeSide, inv), 1);
    EXPECT_EQ(ds.counters().too_long, 1u);
    EXPECT_EQ(ds.counters().learned, 0u);
  }
  {  // an INVITE in IP fragments: the frame that completes it holds no whole datagram
    SipDialogs ds;
    Msg inv = message(kCallerSide, kCalleeSide, invite());
    inv.frame[20] = 0x20;  // IPv4 flags: more fragments
    learn(ds, inv, 1);
    EXPECT_EQ(ds.counters().not_one_frame, 1u);
    EXPECT_EQ(ds.counters().learned, 0u);
  }
  {  // more than kMaxRoutes Record-Route entries
    SipDialogs ds;
    std::string rr = "Record-Route: ";
    for (size_t k = 0; k <= SipDialog::kMaxRoutes; ++k) rr += (k ? ", <sip:p" : "<sip:p") + std::to_string(k) + ";lr>";
    learn(ds, message(kCallerSide, kCalleeSide, invite(rr + "\r\n")), 1);
    EXPECT_EQ(ds.counters().too_long, 1u);
  }
  {  // texts beyond kTextBytes
    SipDialogs ds;
    std::string inv = invite();
    inv.replace(inv.find("Bank Service"), 12, std::string(SipDialog::kTextBytes, 'B'));
    learn(ds, message(kCallerSide, kCalleeSide, inv), 1);
    EXPECT_EQ(ds.counters().too_long, 1u);
  }
  {  // one slot: a newer call takes it from an answered one
    SipDialogs ds(1);
    ASSERT_NE(answered_dialog(ds), nullptr);
    std::string inv = invite();
    inv.replace(inv.find(kCallId), 5, "zzzzz");
    learn(ds, message(kCallerSide, kCalleeSide, inv), 1);
    EXPECT_EQ(ds.find(track::call_id_hash(kCallId)), nullptr);
    EXPECT_EQ(ds.counters().replaced, 1u);
    EXPECT_EQ(ds.counters().learned, 2u);
  }
}

// ---- against a real SIP server ---------------------------------------------
// Kamailio as a record-routing proxy that tracks dialogs (dialog module,
// matched by Call-ID and tags only: dlg_match_mode 2, so a BYE with the
// wrong tags is an unknown dialog) between a caller and a callee played by
// sockets. The link is on one side of the proxy, then on the other: the BYE
// to the callee crosses it first (Route: the proxy's entry, beyond the
// link), the BYE to the caller second (Route: the INVITE's entry, before the
// link). Each time the proxy must loose-route the BYE, take it as a request
// of the call's dialog, relay it to the party's Contact and end the dialog
// when the party's 200 comes.

class UdpPeer {
 public:
  UdpPeer() { fd_ = testing::bind_loopback_udp(port_); }
  ~UdpPeer() { close(fd_); }
  uint16_t port() const { return port_; }
  void send(uint16_t to, const std::string& text) const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(to);
    sendto(fd_, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  // The next datagram within 3 s ("" on none) and the port it came from.
  std::string receive(uint16_t* from = nullptr) const {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 3000) != 1) return "";
    char buf[4096];
    sockaddr_in a{};
    socklen_t n = sizeof a;
    const ssize_t got = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&a), &n);
    if (from) *from = ntohs(a.sin_port);
    return got > 0 ? std::string(buf, size_t(got)) : "";
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// Every line of a header kept as received (Via, Record-Route), as "Name: value\r\n".
std::string lines_of(const std::string& msg, const std::string& name) {
  std::string out;
  for (size_t at = msg.find("\r\n" + name + ":"); at != std::string::npos; at = msg.find("\r\n" + name + ":", at + 2))
    out += msg.substr(at + 2, msg.find("\r\n", at + 2) - at);
  return out;
}

// The parties of the dialog as its From and To name them.
const std::string kCallerNameAddr = "\"Bank Service\" <sip:8613800138000@10.0.0.1>;tag=1928301774";
const std::string kCalleeNameAddr = "<sip:8613700000010@callee.example>;tag=as6151ad25";

// A request or a response of the dialog (start line given). A response keeps
// its request's From and To: `caller_sent` says whose request it is.
std::string of_dialog(const std::string& start, bool caller_sent, const std::string& cseq,
                      const std::string& contact = "") {
  return start + "\r\n"
         "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKsigprobe0\r\n"
         "From: " + (caller_sent ? kCallerNameAddr : kCalleeNameAddr) + "\r\n"
         "To: " + (caller_sent ? kCalleeNameAddr : kCallerNameAddr) + "\r\n"
         "Call-ID: " + std::string(kCallId) + "\r\n"
         "CSeq: " + cseq + "\r\n" +
         (contact.empty() ? "" : "Contact: <" + contact + ">\r\n") +
         "Content-Length: 0\r\n\r\n";
}

// A final response to a BYE of the dialog: from the callee for a BYE the
// caller's side sent (ours to the callee), and the other way.
std::string bye_answer(bool by_callee, const std::string& status = "200 OK") {
  return of_dialog("SIP/2.0 " + status, by_callee, "314160 BYE");
}

constexpr uint64_t kSec = 1'000'000'000;

// What resend() passed on: (frame, port) in order.
struct Sent {
  std::vector<std::pair<std::vector<uint8_t>, uint16_t>> frames;
  size_t at(ByeResends& r, uint64_t now_ns, size_t room = 8) {
    return r.resend(now_ns, room, [&](std::span<const uint8_t> f, uint16_t port) {
      frames.push_back({{f.begin(), f.end()}, port});
    });
  }
};

// The answered dialog of answered_dialog() and its two BYEs.
struct CutCall {
  SipDialogs ds{64};
  const SipDialog* d = answered_dialog(ds);
  std::vector<uint8_t> to_callee = d ? bye(*d, CutSide::Callee).frame : std::vector<uint8_t>{};
  std::vector<uint8_t> to_caller = d ? bye(*d, CutSide::Caller).frame : std::vector<uint8_t>{};
  // Cut at t0: the BYE to the callee out of port 1, the caller's out of 0.
  bool add_to(ByeResends& r, uint64_t t0) const { return r.add(*d, to_callee, 1, to_caller, 0, t0); }
};

TEST(ByeResends, EachPartyGetsItsByeAgainOnTimerEUntilItAnswers) {
  const CutCall call;
  ASSERT_NE(call.d, nullptr);
  ByeResends r;
  const uint64_t t0 = 1000 * kSec;
  ASSERT_TRUE(call.add_to(r, t0));
  EXPECT_EQ(r.pending(), 1u);
  Sent sent;
  EXPECT_FALSE(r.due(t0 + ByeResends::kT1Ns - 1));
  ASSERT_TRUE(r.due(t0 + ByeResends::kT1Ns));
  EXPECT_EQ(sent.at(r, t0 + ByeResends::kT1Ns), 2u);
  ASSERT_EQ(sent.frames.size(), 2u);
  EXPECT_EQ(sent.frames[0], std::make_pair(call.to_callee, uint16_t{1}));  // the same bytes, the same port
  EXPECT_EQ(sent.frames[1], std::make_pair(call.to_caller, uint16_t{0}));
  // Timer E doubles: next at 0.5 + 1 s.
  EXPECT_FALSE(r.due(t0 + 3 * kSec / 2 - 1));
  EXPECT_EQ(sent.at(r, t0 + 3 * kSec / 2), 2u);
  // The callee answers (a 200 to the BYE its peer's side sent): only the caller's goes on.
  r.on_sip(message(kCalleeSide, kCallerSide, bye_answer(true)).sip);
  EXPECT_EQ(r.counters().answered, 1u);
  EXPECT_EQ(sent.at(r, t0 + 7 * kSec / 2), 1u);
  EXPECT_EQ(sent.frames.back().first, call.to_caller);
  // A 481 is an answer too: the caller's dialog is gone.
  r.on_sip(message(kCallerSide, kCalleeSide, bye_answer(false, "481 Call/Transaction Does Not Exist")).sip);
  EXPECT_EQ(r.pending(), 0u);
  EXPECT_FALSE(r.due(t0 + 100 * kSec));
  EXPECT_EQ(r.counters().resent, 5u);
  EXPECT_EQ(r.counters().answered, 2u);
  EXPECT_EQ(r.counters().unanswered, 0u);
}

TEST(ByeResends, APartyThatNeverAnswersIsGivenUpAtTimerF) {
  const CutCall call;
  ASSERT_NE(call.d, nullptr);
  ByeResends r;
  const uint64_t t0 = 1000 * kSec;
  ASSERT_TRUE(call.add_to(r, t0));
  // A packet every 10 ms: the BYEs go out with the first one at or past each due time.
  std::vector<uint64_t> sends_ms;
  Sent sent;
  for (uint64_t t = t0; t <= t0 + 40 * kSec; t += 10'000'000)
    if (r.due(t) && sent.at(r, t) != 0) sends_ms.push_back((t - t0) / 1'000'000);
  // RFC 3261 17.1.2.2: T1 = 0.5 s doubling up to T2 = 4 s; Timer F at 64 * T1 = 32 s.
  EXPECT_EQ(sends_ms, (std::vector<uint64_t>{500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
  EXPECT_EQ(r.pending(), 0u);
  EXPECT_EQ(r.counters().unanswered, 2u);
  EXPECT_EQ(r.counters().resent, 20u);
}

TEST(ByeResends, APartysOwnByeEndsBothAndOtherMessagesEndNothing) {
  const CutCall call;
  ASSERT_NE(call.d, nullptr);
  ByeResends r;
  ASSERT_TRUE(call.add_to(r, 0));
  r.on_sip(message(kCalleeSide, kCallerSide, ok200()).sip);                      // a 200 to the INVITE
  r.on_sip(message(kCalleeSide, kCallerSide, from_callee("INVITE", 8)).sip);     // a re-INVITE
  Msg other = message(kCalleeSide, kCallerSide, from_callee("BYE", 9));
  other.sip.call_id = "another-call@10.0.0.1";                                   // another call's BYE
  r.on_sip(other.sip);
  EXPECT_EQ(r.pending(), 1u);
  EXPECT_EQ(r.counters().answered, 0u);
  r.on_sip(message(kCalleeSide, kCallerSide, from_callee("BYE", 9)).sip);        // the callee hangs up
  EXPECT_EQ(r.pending(), 0u);
  EXPECT_EQ(r.counters().answered, 2u);
}

TEST(ByeResends, ABurstWithoutRoomLeavesTheByesDueAndACutBeyondTheLimitIsSentOnce) {
  const CutCall call;
  ASSERT_NE(call.d, nullptr);
  const SipDialog* d = call.d;
  const std::vector<uint8_t>& b = call.to_caller;
  ByeResends r;
  ASSERT_TRUE(call.add_to(r, 0));
  Sent sent;
  EXPECT_EQ(sent.at(r, kSec, 1), 0u);  // two due, room for one: both wait
  EXPECT_TRUE(r.due(kSec));
  EXPECT_EQ(sent.at(r, kSec, 2), 2u);
  EXPECT_FALSE(r.add(*d, std::vector<uint8_t>(ByeResends::kFrameBytes + 1), 1, b, 0, 0));
  // The same call cut again takes its own place.
  EXPECT_TRUE(call.add_to(r, 0));
  EXPECT_EQ(r.pending(), 1u);
  SipDialog other = *d;
  for (size_t k = 1; k < ByeResends::kMaxCalls; ++k) {
    other.key = d->key + k;
    EXPECT_TRUE(r.add(other, call.to_callee, 1, b, 0, 0));
  }
  other.key = d->key + ByeResends::kMaxCalls;
  EXPECT_FALSE(r.add(other, call.to_callee, 1, b, 0, 0));
  EXPECT_EQ(r.counters().not_kept, 2u);
  EXPECT_EQ(r.pending(), ByeResends::kMaxCalls);
}

// A target refresh (RFC 3261 12.2: a re-INVITE or an UPDATE, RFC 3311) with a
// new Contact: the sender's target changes when the other party accepts it
// (2xx), the answerer's with its 2xx's own Contact; a refresh refused, or
// answered by another fork, changes nothing.
TEST(SipCut, ATargetRefreshChangesWhereThePartysByeGoes) {
  SipDialogs ds(64);
  const SipDialog* d = answered_dialog(ds);
  ASSERT_NE(d, nullptr);
  auto ruri = [&](CutSide side) {
    const Bye b = bye(*d, side);
    return b.m ? std::string(b.m->ruri) : std::string();
  };
  const std::string caller0 = ruri(CutSide::Caller), callee0 = ruri(CutSide::Callee);
  ASSERT_EQ(callee0, "sip:8613700000010@10.1.7.7:5080");  // ;ob: a header parameter (no <>)
  auto seen = [&](uint32_t src, uint32_t dst, const std::string& text) {
    const Msg m = message(src, dst, text);
    ds.learn(m.frame, m.sip, src == kCallerSide ? 1 : 0);
  };
  // The callee moves (a handover): its re-INVITE, refused first (491), then accepted.
  const std::string moved = "sip:8613700000010@10.1.9.9:5090";
  seen(kCalleeSide, kCallerSide, of_dialog("INVITE sip:8613800138000@10.0.0.1:5062 SIP/2.0", false, "8 INVITE", moved));
  EXPECT_EQ(ruri(CutSide::Callee), callee0) << "not before the 2xx";
  seen(kCallerSide, kCalleeSide, of_dialog("SIP/2.0 491 Request Pending", false, "8 INVITE"));
  EXPECT_EQ(ruri(CutSide::Callee), callee0);
  seen(kCalleeSide, kCallerSide, of_dialog("INVITE sip:8613800138000@10.0.0.1:5062 SIP/2.0", false, "9 INVITE", moved));
  seen(kCallerSide, kCalleeSide,
       of_dialog("SIP/2.0 200 OK", false, "9 INVITE", "sip:8613800138000@10.0.0.1:5062;transport=udp"));
  EXPECT_EQ(ruri(CutSide::Callee), moved);
  EXPECT_EQ(ruri(CutSide::Caller), caller0) << "the caller's Contact did not change";
  EXPECT_EQ(bye(*d, CutSide::Caller).header(sip::HeaderId::CSeq), "314160 BYE") << "above the callee's 9 and the caller's INVITE";
  // The caller's UPDATE, answered by the callee with yet another Contact of its own.
  const std::string caller1 = "sip:8613800138000@10.0.3.3", callee2 = "sip:8613700000010@10.1.2.2:5070";
  seen(kCallerSide, kCalleeSide, of_dialog("UPDATE " + moved + " SIP/2.0", true, "314160 UPDATE", caller1));
  seen(kCalleeSide, kCallerSide, of_dialog("SIP/2.0 200 OK", true, "314160 UPDATE", callee2));
  EXPECT_EQ(ruri(CutSide::Caller), caller1);
  EXPECT_EQ(ruri(CutSide::Callee), callee2);
  EXPECT_EQ(ds.counters().refreshed, 3u);
  // A 2xx of another fork (another To tag) is not this dialog's.
  std::string forked = of_dialog("SIP/2.0 200 OK", true, "314161 UPDATE", "sip:elsewhere@10.9.9.9");
  forked.replace(forked.find("as6151ad25"), 10, "other-fork");
  seen(kCalleeSide, kCallerSide, forked);
  EXPECT_EQ(ruri(CutSide::Callee), callee2);
}

TEST(SipCutKamailio, ARecordRoutingProxyTakesEachByeAsARequestOfTheCallsDialog) {
  namespace fs = std::filesystem;
  if (!fs::exists(fs::path(testing::kKamailioModules) / "dialog.so") || !fs::exists(fs::path(testing::kKamailioModules) / "textops.so")) GTEST_SKIP() << "kamailio is not installed";
  const uint16_t kp = uint16_t(20000 + (getpid() * 7 + 3) % 20000);
  std::ostringstream cfg;
  cfg << "#!KAMAILIO\nfork=yes\nchildren=1\ntcp_children=1\nlog_stderror=yes\n"
      << "listen=udp:127.0.0.1:" << kp << "\nlisten=tcp:127.0.0.1:" << kp << "\n"
      << "mpath=\"" << testing::kKamailioModules << "/\"\n";
  for (const char* m : {"tm", "sl", "rr", "pv", "xlog", "textops", "siputils", "dialog"}) cfg << "loadmodule \"" << m << ".so\"\n";
  cfg << "modparam(\"dialog\", \"dlg_match_mode\", 2)\n"
      << "request_route {\n"
      << "  if (has_totag()) {\n"
      << "    if (!loose_route()) { xlog(\"L_ALERT\", \"sigprobe-test $rm not loose-routed\\n\"); exit; }\n"
      << "    if (is_method(\"BYE\")) {\n"
      << "      if (is_known_dlg()) xlog(\"L_ALERT\", \"sigprobe-test BYE in dialog $ci\\n\");\n"
      << "      else xlog(\"L_ALERT\", \"sigprobe-test BYE of no dialog $ci\\n\");\n"
      << "    }\n"
      << "    t_relay();\n    exit;\n  }\n"
      << "  if (is_method(\"INVITE\")) { dlg_manage(); record_route(); }\n"
      << "  t_relay();\n}\n"
      << "event_route[dialog:end] { xlog(\"L_ALERT\", \"sigprobe-test dialog ended $ci\\n\"); }\n";
  char tmpl[] = "/tmp/sp_cut_kam_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  testing::KamailioProcess kam;
  ASSERT_TRUE(kam.start(tmpl, cfg.str(), kp)) << kam.log();
  UdpPeer caller, callee;
  const std::string loop = "127.0.0.1";
  const uint32_t lo = 0x7f000001;

  // One call through the proxy; the messages as each party sent and got them.
  struct Seen {
    std::string invite_out, invite_in, ok_out, ok_in;
  };
  auto call = [&](const std::string& id) {
    Seen s;
    s.invite_out = "INVITE sip:8613700000010@" + loop + ":" + std::to_string(callee.port()) + " SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP " + loop + ":" + std::to_string(caller.port()) + ";branch=z9hG4bK" + id + ";rport\r\n"
                   "Max-Forwards: 70\r\n"
                   "From: <sip:8613800138000@" + loop + ">;tag=from-" + id + "\r\n"
                   "To: <sip:8613700000010@" + loop + ">\r\n"
                   "Call-ID: " + id + "\r\nCSeq: 10 INVITE\r\n"
                   "Contact: <sip:8613800138000@" + loop + ":" + std::to_string(caller.port()) + ">\r\n"
                   "Content-Length: 0\r\n\r\n";
    caller.send(kp, s.invite_out);
    for (s.invite_in = callee.receive(); s.invite_in.rfind("INVITE", 0) != 0; s.invite_in = callee.receive())
      if (s.invite_in.empty()) return s;
    s.ok_out = "SIP/2.0 200 OK\r\n" + lines_of(s.invite_in, "Via") + lines_of(s.invite_in, "Record-Route") +
               "From: <sip:8613800138000@" + loop + ">;tag=from-" + id + "\r\n"
               "To: <sip:8613700000010@" + loop + ">;tag=to-" + id + "\r\n"
               "Call-ID: " + id + "\r\nCSeq: 10 INVITE\r\n"
               "Contact: <sip:8613700000010@" + loop + ":" + std::to_string(callee.port()) + ">\r\n"
               "Content-Length: 0\r\n\r\n";
    callee.send(kp, s.ok_out);
    for (s.ok_in = caller.receive(); s.ok_in.rfind("SIP/2.0 200", 0) != 0; s.ok_in = caller.receive())
      if (s.ok_in.empty()) return s;
    const std::string rr = lines_of(s.ok_in, "Record-Route");
    caller.send(kp, "ACK sip:8613700000010@" + loop + ":" + std::to_string(callee.port()) + " SIP/2.0\r\n"
                    "Via: SIP/2.0/UDP " + loop + ":" + std::to_string(caller.port()) + ";branch=z9hG4bKack" + id + "\r\n"
                    "Route: " + rr.substr(rr.find(':') + 2) +
                    "Max-Forwards: 70\r\nFrom: <sip:8613800138000@" + loop + ">;tag=from-" + id + "\r\n"
                    "To: <sip:8613700000010@" + loop + ">;tag=to-" + id + "\r\n"
                    "Call-ID: " + id + "\r\nCSeq: 10 ACK\r\nContent-Length: 0\r\n\r\n");
    callee.receive();  // the ACK
    return s;
  };
  auto wait_log = [&](const std::string& line) {
    for (int i = 0; i < 100 && kam.log().find(line) == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return kam.log().find(line) != std::string::npos;
  };

  // The link between the caller and the proxy: the BYE to the callee goes to the proxy.
  {
    Seen s = call("cut-a");
    ASSERT_FALSE(s.ok_in.empty()) << kam.log();
    ASSERT_NE(lines_of(s.ok_in, "Record-Route"), "") << s.ok_in;
    SipDialogs ds;
    learn(ds, message(lo, lo, s.invite_out), 1);
    learn(ds, message(lo, lo, s.ok_in), 0);
    const SipDialog* d = ds.find(track::call_id_hash("cut-a"));
    ASSERT_NE(d, nullptr);
    const std::string b = bye(*d, CutSide::Callee).text;
    ASSERT_NE(b.find("\r\nRoute: <sip:127.0.0.1:" + std::to_string(kp)), std::string::npos) << b;
    caller.send(kp, b);  // from the caller's address, as its envelope says
    const std::string got = callee.receive();
    ASSERT_EQ(got.rfind("BYE sip:8613700000010@127.0.0.1:" + std::to_string(callee.port()) + " ", 0), 0u)
        << got << kam.log();
    EXPECT_NE(got.find("CSeq: 11 BYE"), std::string::npos) << got;
    EXPECT_TRUE(wait_log("sigprobe-test BYE in dialog cut-a")) << kam.log();
    callee.send(kp, "SIP/2.0 200 OK\r\n" + lines_of(got, "Via") + lines_of(got, "From") + lines_of(got, "To") +
                        "Call-ID: cut-a\r\nCSeq: 11 BYE\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(caller.receive().rfind("SIP/2.0 200 OK", 0), 0u) << "the 200 to the BYE, back to its Via";
    EXPECT_TRUE(wait_log("sigprobe-test dialog ended cut-a")) << kam.log();
  }
  // The link between the proxy and the callee: the BYE to the caller goes to the proxy.
  {
    Seen s = call("cut-b");
    ASSERT_FALSE(s.ok_in.empty()) << kam.log();
    SipDialogs ds;
    learn(ds, message(lo, lo, s.invite_in), 1);
    learn(ds, message(lo, lo, s.ok_out), 0);
    const SipDialog* d = ds.find(track::call_id_hash("cut-b"));
    ASSERT_NE(d, nullptr);
    const std::string b = bye(*d, CutSide::Caller).text;
    ASSERT_NE(b.find("\r\nRoute: <sip:127.0.0.1:" + std::to_string(kp)), std::string::npos) << b;
    callee.send(kp, b);
    const std::string got = caller.receive();
    ASSERT_EQ(got.rfind("BYE sip:8613800138000@127.0.0.1:" + std::to_string(caller.port()) + " ", 0), 0u)
        << got << kam.log();
    EXPECT_NE(lines_of(got, "From").find(";tag=to-cut-b"), std::string::npos) << got;
    EXPECT_NE(lines_of(got, "To").find(";tag=from-cut-b"), std::string::npos) << got;
    EXPECT_NE(got.find("CSeq: 11 BYE"), std::string::npos) << "above the INVITE's 10: " << got;
    EXPECT_TRUE(wait_log("sigprobe-test BYE in dialog cut-b")) << kam.log();
    caller.send(kp, "SIP/2.0 200 OK\r\n" + lines_of(got, "Via") + lines_of(got, "From") + lines_of(got, "To") +
                        "Call-ID: cut-b\r\nCSeq: 11 BYE\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(callee.receive().rfind("SIP/2.0 200 OK", 0), 0u);
    EXPECT_TRUE(wait_log("sigprobe-test dialog ended cut-b")) << kam.log();
  }
  EXPECT_EQ(kam.log().find("of no dialog"), std::string::npos) << kam.log();
  EXPECT_EQ(kam.log().find("not loose-routed"), std::string::npos) << kam.log();
  kam.stop();
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace sigprobe::dp
