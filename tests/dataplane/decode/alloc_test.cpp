// No allocation per packet in the steady state: after one warm-up pass has
// created the reassembly slots, decoding more traffic over the same flows
// (UDP SIP, SIP-I with a multipart body, in-order TCP SIP, SIP over SCTP,
// fragmented UDP SIP) allocates nothing. Counted by replacing the global operator new in this test binary.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "dataplane/decode.hpp"
#include "tests/dataplane/l2l4/packet_builder.hpp"

#include "tests/support/count_allocations.hpp"  // this binary's one counting operator new

namespace sigprobe {
namespace {

using namespace testpkt;

std::string options(int i) {
  return "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass" + std::to_string(i) + "\r\n"
         "To: <sip:carol@chicago.example.com>\r\n"
         "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
         "Call-ID: alloc-" + std::to_string(i) + "\r\n"
         "CSeq: " + std::to_string(i + 1) + " OPTIONS\r\n"
         "Content-Length: 0\r\n\r\n";
}

// A SIP-I INVITE: a local number with a global phone-context in the
// Request-URI, a multipart body with the SDP and the IAM (national numbers).
std::string sip_i(int i) {
  std::string iam("\x01\x00\x60\x00\x0a\x03\x02\x09\x07\x03\x10\x29\x57\x98\x00\x00"
                  "\x0a\x07\x03\x13\x19\x17\x69\x19\x63\x00",
                  26);
  std::string body = "--b\r\nContent-Type: application/sdp\r\n\r\nc=IN IP4 10.9.9.1\r\nm=audio 4000 RTP/AVP 8\r\n"
                     "\r\n--b\r\nContent-Type: application/ISUP;version=itu-t92+\r\n\r\n" + iam + "\r\n--b--\r\n";
  return "INVITE tel:9275890000;phone-context=+7 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.9.9.1;branch=z9hG4bKi" + std::to_string(i) + "\r\n"
         "From: <sip:9171969136@ims.example.ru;user=phone>;tag=s1\r\n"
         "To: <sip:9275890000@ims.example.ru;user=phone>\r\n"
         "Call-ID: sip-i-" + std::to_string(i) + "\r\nCSeq: 1 INVITE\r\n"
         "Content-Type: multipart/mixed;boundary=b\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One pass of traffic; `round` changes the content, not the flows.
std::vector<Buf> traffic(int round, uint32_t& tcp_seq) {
  std::vector<Buf> v;
  for (int i = 0; i < 16; ++i) {
    const int n = round * 100 + i;
    v.push_back(eth_udp4(text(options(n))));
    v.push_back(eth_udp4(text(sip_i(n))));
    Buf m = text(options(n));
    v.push_back(eth_tcp4(tcp_seq, kAck, m));
    tcp_seq += uint32_t(m.size());
    v.push_back(eth_sctp4(sctp(5060, 5060, 9, {sctp_data(uint32_t(n), 0, 0, 0, 0x03, m)})));
    Buf dg = udp(5060, 5060, m);
    V4 a;
    a.id = uint16_t(n);
    a.more = true;
    V4 b = a;
    b.more = false;
    b.offset = 64;
    v.push_back(eth(0x0800, ipv4(a, Buf(dg.begin(), dg.begin() + 64))));
    v.push_back(eth(0x0800, ipv4(b, Buf(dg.begin() + 64, dg.end()))));
  }
  return v;
}

TEST(DecodeAllocation, SteadyStateDecodeAllocatesNothing) {
  DecoderConfig cfg;
  cfg.country_code = "7";  // SIP-I numbers read in international form too
  Decoder dec(cfg);
  EventBatch out;
  DecodeCounters c;
  uint32_t seq = 1000;
  std::vector<Buf> syn = {eth_tcp4(seq - 1, kSyn, {})};
  auto run = [&](const std::vector<Buf>& frames) {
    std::vector<PacketRef> refs;
    refs.reserve(frames.size());
    for (size_t i = 0; i < frames.size(); ++i) refs.push_back(ref(frames[i], i + 1));
    for (size_t i = 0; i < refs.size(); i += kBurstMax) {
      out.clear();
      dec.decode_burst({refs.data() + i, std::min<size_t>(kBurstMax, refs.size() - i)}, out, c);
    }
  };
  run(syn);
  run(traffic(0, seq));  // warm-up: slots and buffers are created here
  std::vector<Buf> second = traffic(1, seq);
  std::vector<PacketRef> refs;
  refs.reserve(second.size());
  for (size_t i = 0; i < second.size(); ++i) refs.push_back(ref(second[i], i + 1));
  const uint64_t events_before = c.messages[size_t(Proto::Sip)];
  const uint64_t before = test::allocation_count();
  for (size_t i = 0; i < refs.size(); i += kBurstMax) {
    out.clear();
    dec.decode_burst({refs.data() + i, std::min<size_t>(kBurstMax, refs.size() - i)}, out, c);
  }
  const uint64_t allocs = test::allocation_count() - before;
  EXPECT_EQ(c.messages[size_t(Proto::Sip)] - events_before, 16u * 5);  // UDP, SIP-I, TCP, SCTP, fragments
  EXPECT_EQ(allocs, 0u);
  EXPECT_GE(c.national_numbers, 2u * 16);  // the SIP-I IAMs' numbers were read, in international form
}

}  // namespace
}  // namespace sigprobe
