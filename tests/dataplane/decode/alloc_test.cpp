// No allocation per packet in the steady state: after one warm-up pass has
// created the reassembly slots, decoding more traffic over the same flows
// (UDP SIP, in-order TCP SIP, SIP over SCTP, fragmented UDP SIP) allocates
// nothing. Counted by replacing the global operator new in this test binary.
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

// One pass of traffic; `round` changes the content, not the flows.
std::vector<Buf> traffic(int round, uint32_t& tcp_seq) {
  std::vector<Buf> v;
  for (int i = 0; i < 16; ++i) {
    const int n = round * 100 + i;
    v.push_back(eth_udp4(text(options(n))));
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
  Decoder dec;
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
  EXPECT_EQ(c.messages[size_t(Proto::Sip)] - events_before, 16u * 4);  // UDP, TCP, SCTP, fragments
  EXPECT_EQ(allocs, 0u);
}

}  // namespace
}  // namespace sigprobe
