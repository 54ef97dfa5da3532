// The answer to a blocked INVITE (host/dp/sip_reject): what RFC 3261 8.2.6.2
// asks of a UAS's final response, addressed back to the caller, with valid
// checksums, and a refusal for whatever it must not answer.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "dataplane/sip/sip_parser.hpp"
#include "host/dp/sip_reject.hpp"
#include "host/out/l4_view.hpp"
#include "tests/dpdk/pcap_files.hpp"

namespace sigprobe::dp {
namespace {

using test::udp_frame;

// An INVITE in the shape of RFC 3261 section 24.2, with two Via lines (one in
// compact form, one with two values) and a folded Subject.
std::string invite(const std::string& to_params = "") {
  return "INVITE sip:8613700000010@10.1.0.1 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKproxy, SIP/2.0/UDP 10.0.0.8;branch=z9hG4bKedge\r\n"
         "v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKcaller;rport\r\n"
         "Max-Forwards: 69\r\n"
         "From: \"Bank Service\" <sip:8613800138000@10.0.0.1>;tag=1928301774\r\n"
         "To: <sip:8613700000010@10.1.0.1>" + to_params + "\r\n"
         "Call-ID: a84b4c76e66710@10.0.0.1\r\n"
         "CSeq: 314159 INVITE\r\n"
         "Subject: refund\r\n  of your order\r\n"
         "Content-Type: application/sdp\r\n"
         "Content-Length: 4\r\n\r\nv=0\n";
}

struct Built {
  RejectResult res;
  std::vector<uint8_t> frame;
};

Built build(const std::vector<uint8_t>& req, uint16_t status = 603, size_t room = 2048) {
  std::vector<uint8_t> out(room);
  size_t len = 0;
  RejectResult r = build_sip_reject(req, status, out, len);
  out.resize(len);
  return {r, out};
}

std::string_view payload_of(const std::vector<uint8_t>& frame, L4View& v) {
  if (!find_l4(Bytes{frame.data(), frame.size()}, LinkType::Ethernet, v)) return {};
  return {reinterpret_cast<const char*>(v.payload.data()), v.payload.size()};
}

uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += uint32_t(p[i] << 8 | p[i + 1]);
  if (n & 1) acc += uint32_t(p[n - 1]) << 8;
  return acc;
}
uint16_t folded(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  return uint16_t(acc);
}

TEST(SipReject, AnswersTheCallerWithEveryViaAndTheDialogHeadersCopied) {
  auto req = udp_frame(0x0a000001, 0x0a010001, 5062, 5060, invite());
  Built b = build(req);
  ASSERT_EQ(b.res, RejectResult::Built);
  L4View v;
  std::string_view sip = payload_of(b.frame, v);
  ASSERT_FALSE(sip.empty());
  sip::AnomalySet a;
  auto m = sip::parse_sip(sip, a);
  ASSERT_TRUE(m);
  EXPECT_TRUE(a.empty());
  EXPECT_FALSE(m->is_request);
  EXPECT_EQ(m->status, 603);
  EXPECT_EQ(m->reason, "Decline");
  // Via lines in order, values as sent (the compact one under its long name).
  std::vector<std::string_view> vias;
  for (auto* h = m->first(sip::HeaderId::Via); h; h = m->next(*h)) vias.push_back(h->value);
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[0], "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKproxy, SIP/2.0/UDP 10.0.0.8;branch=z9hG4bKedge");
  EXPECT_EQ(vias[1], "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKcaller;rport");
  EXPECT_EQ(m->first(sip::HeaderId::From)->value, "\"Bank Service\" <sip:8613800138000@10.0.0.1>;tag=1928301774");
  EXPECT_EQ(m->first(sip::HeaderId::CallId)->value, "a84b4c76e66710@10.0.0.1");
  EXPECT_EQ(m->first(sip::HeaderId::CSeq)->value, "314159 INVITE");
  // To gets a tag of ours; no body, nothing else of the request.
  std::string_view to = m->first(sip::HeaderId::To)->value;
  EXPECT_EQ(to.substr(0, 31), "<sip:8613700000010@10.1.0.1>;ta");
  EXPECT_EQ(to.size(), std::string_view("<sip:8613700000010@10.1.0.1>;tag=sp").size() + 8);
  EXPECT_EQ(m->content_length, 0u);
  EXPECT_TRUE(m->body.empty());
  EXPECT_EQ(m->first(sip::HeaderId::Subject), nullptr);
  EXPECT_EQ(m->first(sip::HeaderId::ContentType), nullptr);
  EXPECT_EQ(m->first(sip::HeaderId::MaxForwards), nullptr);
  // Back to where the INVITE came from.
  EXPECT_EQ(v.family, 4);
  EXPECT_EQ(v.src, (std::array<uint8_t, 16>{10, 1, 0, 1}));
  EXPECT_EQ(v.dst, (std::array<uint8_t, 16>{10, 0, 0, 1}));
  EXPECT_EQ(v.sport, 5060);
  EXPECT_EQ(v.dport, 5062);
  EXPECT_TRUE(std::equal(b.frame.begin(), b.frame.begin() + 6, req.begin() + 6));
  EXPECT_TRUE(std::equal(b.frame.begin() + 6, b.frame.begin() + 12, req.begin()));
}

TEST(SipReject, KeepsTheCalleesTagAndGivesRetransmissionsTheSameAnswer) {
  auto tagged = build(udp_frame(0x0a000001, 0x0a010001, 5060, 5060, invite(";tag=callee77")));
  ASSERT_EQ(tagged.res, RejectResult::Built);
  L4View v;
  std::string_view sip = payload_of(tagged.frame, v);
  EXPECT_NE(sip.find("\r\nTo: <sip:8613700000010@10.1.0.1>;tag=callee77\r\n"), std::string_view::npos);
  EXPECT_EQ(sip.find(";tag=sp"), std::string_view::npos);
  auto req = udp_frame(0x0a000001, 0x0a010001, 5060, 5060, invite());
  EXPECT_EQ(build(req).frame, build(req).frame);
}

TEST(SipReject, ChecksumsVerifyAndLengthsMatchTheFrame) {
  auto req = udp_frame(0x0a000001, 0x0a010001, 5060, 5060, invite());
  req[15] = 0x68;  // DSCP CS3 (signaling): kept
  Built b = build(req, 486);
  ASSERT_EQ(b.res, RejectResult::Built);
  const uint8_t* ip = b.frame.data() + 14;
  EXPECT_EQ(ip[1], 0x68);
  EXPECT_EQ(size_t(ip[2] << 8 | ip[3]), b.frame.size() - 14);
  EXPECT_EQ(folded(sum16(ip, 20)), 0xFFFF);
  const uint8_t* udp = ip + 20;
  const size_t udp_len = size_t(udp[4] << 8 | udp[5]);
  EXPECT_EQ(udp_len, b.frame.size() - 34);
  uint32_t pseudo = sum16(ip + 12, 8) + 17 + uint32_t(udp_len);
  EXPECT_EQ(folded(sum16(udp, udp_len, pseudo)), 0xFFFF);
  L4View v;
  EXPECT_EQ(payload_of(b.frame, v).substr(0, 22), "SIP/2.0 486 Busy Here\r");
}

TEST(SipReject, AnswersOverIpv6BehindVlanTagsWithTheTagsKept) {
  const std::string msg = invite();
  std::vector<uint8_t> f(14 + 8 + 40 + 8 + msg.size(), 0);
  const uint8_t head[] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01,  // MACs
                          0x88, 0xA8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xC8, 0x86, 0xDD};
  std::copy(std::begin(head), std::end(head), f.begin());
  uint8_t* ip = f.data() + 22;
  ip[0] = 0x60;
  ip[4] = uint8_t((8 + msg.size()) >> 8);
  ip[5] = uint8_t(8 + msg.size());
  ip[6] = 17;
  ip[7] = 64;
  ip[8] = 0x20; ip[9] = 0x01; ip[23] = 0x01;   // 2001::1
  ip[24] = 0x20; ip[25] = 0x01; ip[39] = 0x02;  // 2001::2
  uint8_t* udp = ip + 40;
  udp[0] = 0x13; udp[1] = 0xC4;  // 5060
  udp[2] = 0x13; udp[3] = 0xC4;
  udp[4] = uint8_t((8 + msg.size()) >> 8);
  udp[5] = uint8_t(8 + msg.size());
  std::copy(msg.begin(), msg.end(), udp + 8);

  Built b = build(f);
  ASSERT_EQ(b.res, RejectResult::Built);
  EXPECT_TRUE(std::equal(b.frame.begin() + 12, b.frame.begin() + 22, f.begin() + 12));
  L4View v;
  ASSERT_FALSE(payload_of(b.frame, v).empty());
  EXPECT_EQ(v.family, 6);
  EXPECT_EQ(v.src[15], 0x02);
  EXPECT_EQ(v.dst[15], 0x01);
  const uint8_t* rip = b.frame.data() + 22;
  const size_t udp_len = size_t(rip[4] << 8 | rip[5]);
  uint32_t pseudo = sum16(rip + 8, 32) + 17 + uint32_t(udp_len);
  EXPECT_EQ(folded(sum16(rip + 40, udp_len, pseudo)), 0xFFFF);
}

TEST(SipReject, AnswersOnlyInvitesOverUdpThatCarryTheHeadersItMustCopy) {
  const std::string ack = "ACK" + invite().substr(6);
  EXPECT_EQ(build(udp_frame(1, 2, 5060, 5060, ack)).res, RejectResult::NotInvite);
  EXPECT_EQ(build(udp_frame(1, 2, 5060, 5060, "SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n")).res,
            RejectResult::NotInvite);
  EXPECT_EQ(build(udp_frame(1, 2, 40000, 9999, std::string(200, 'x'))).res, RejectResult::NotInvite);

  std::string no_cseq = invite();
  no_cseq.erase(no_cseq.find("CSeq:"), std::string("CSeq: 314159 INVITE\r\n").size());
  EXPECT_EQ(build(udp_frame(1, 2, 5060, 5060, no_cseq)).res, RejectResult::Malformed);

  auto tcp = udp_frame(1, 2, 5060, 5060, invite());
  tcp[23] = 6;  // the same bytes said to be TCP
  EXPECT_EQ(build(tcp).res, RejectResult::Unsupported);
  auto frag = udp_frame(1, 2, 5060, 5060, invite());
  frag[20] = 0x20;  // more fragments
  EXPECT_EQ(build(frag).res, RejectResult::Unsupported);
  EXPECT_EQ(build(std::vector<uint8_t>(10, 0)).res, RejectResult::Unsupported);
}

TEST(SipReject, RefusesWhenTheResponseDoesNotFit) {
  auto req = udp_frame(0x0a000001, 0x0a010001, 5060, 5060, invite());
  EXPECT_EQ(build(req, 603, 40).res, RejectResult::NoRoom);
  EXPECT_EQ(build(req, 603, 120).res, RejectResult::NoRoom);
  Built whole = build(req);
  ASSERT_EQ(whole.res, RejectResult::Built);
  EXPECT_EQ(build(req, 603, whole.frame.size()).res, RejectResult::Built);
  EXPECT_EQ(build(req, 603, whole.frame.size() - 1).res, RejectResult::NoRoom);
}

TEST(SipReject, NamesTheRegisteredReasonPhrases) {
  EXPECT_EQ(sip_reason_phrase(603), "Decline");
  EXPECT_EQ(sip_reason_phrase(607), "Unwanted");
  EXPECT_EQ(sip_reason_phrase(403), "Forbidden");
  EXPECT_EQ(sip_reason_phrase(499), "Rejected");
}

}  // namespace
}  // namespace sigprobe::dp
