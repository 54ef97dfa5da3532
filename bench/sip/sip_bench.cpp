// SIP parser + field extraction speed over in-memory messages of about 750
// bytes. Bar (issue 2): ~1.7 M SIP messages/s on one core (10 GbE line rate).
//   ninja -C build-sip bench_sip && build-sip/bench/sip/bench_sip
// The messages are written for this benchmark in the shape of a VoLTE/SIP
// trunk flow (RFC 3261 24.2 INVITE with SDP, its 200 OK, a REGISTER).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "dataplane/sip/sip_decode.hpp"
#include "dataplane/sip/sip_fields.hpp"
#include "dataplane/sip/sip_parser.hpp"

namespace {

using namespace sigprobe;

const char kSdp[] =
    "v=0\r\n"
    "o=- 3710239402 3710239402 IN IP4 10.20.30.40\r\n"
    "s=SIP Call\r\n"
    "c=IN IP4 10.20.30.40\r\n"
    "t=0 0\r\n"
    "m=audio 40376 RTP/AVP 8 0 101\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=sendrecv\r\n";

std::string with_body(std::string head, const std::string& body) {
  return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::vector<std::string> messages() {
  std::string invite = with_body(
      "INVITE sip:+8613900139000@ims.mnc001.mcc460.3gppnetwork.org;user=phone SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 10.20.30.40:5060;branch=z9hG4bK-524287-1---5b4a0c1c9f;rport\r\n"
      "Max-Forwards: 70\r\n"
      "Contact: <sip:8613800138000@10.20.30.40:5060>;+sip.instance=\"<urn:gsma:imei:35209900-176148-1>\"\r\n"
      "To: <sip:+8613900139000@ims.mnc001.mcc460.3gppnetwork.org>\r\n"
      "From: \"8613800138000\" <sip:+8613800138000@ims.mnc001.mcc460.3gppnetwork.org>;tag=6a1f2c3d\r\n"
      "Call-ID: ZTk4MzQ1ZjU0YzA2NmIxNDc4Y2E0Njc2ZDZhZjk5MDk.\r\n"
      "CSeq: 1 INVITE\r\n"
      "Content-Type: application/sdp\r\n"
      "User-Agent: Z 5.4.12 v2.10.13.1\r\n"
      "P-Asserted-Identity: <tel:+8613800138000>\r\n",
      kSdp);
  std::string ok = with_body(
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 10.20.30.40:5060;branch=z9hG4bK-524287-1---5b4a0c1c9f;rport=5060\r\n"
      "Contact: <sip:8613900139000@10.50.60.70:5060>\r\n"
      "To: <sip:+8613900139000@ims.mnc001.mcc460.3gppnetwork.org>;tag=as5c1e7a9b\r\n"
      "From: \"8613800138000\" <sip:+8613800138000@ims.mnc001.mcc460.3gppnetwork.org>;tag=6a1f2c3d\r\n"
      "Call-ID: ZTk4MzQ1ZjU0YzA2NmIxNDc4Y2E0Njc2ZDZhZjk5MDk.\r\n"
      "CSeq: 1 INVITE\r\n"
      "Server: Asterisk PBX 18.15.0\r\n"
      "Supported: replaces, timer\r\n"
      "Content-Type: application/sdp\r\n",
      kSdp);
  std::string reg = with_body(
      "REGISTER sip:ims.mnc001.mcc460.3gppnetwork.org SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 10.20.30.40:5060;branch=z9hG4bK-524287-1---a1b2c3d4e5;rport\r\n"
      "Max-Forwards: 70\r\n"
      "Contact: <sip:8613800138000@10.20.30.40:5060>;expires=3600;"
      "+sip.instance=\"<urn:gsma:imei:35209900-176148-1>\"\r\n"
      "To: <sip:+8613800138000@ims.mnc001.mcc460.3gppnetwork.org>\r\n"
      "From: <sip:+8613800138000@ims.mnc001.mcc460.3gppnetwork.org>;tag=0f9e8d7c\r\n"
      "Call-ID: MzY5ZjE0NDg2YjVmNDI0YjhmNzA0ZTc0OGE1NmZiZDQ.\r\n"
      "CSeq: 2 REGISTER\r\n"
      "Expires: 3600\r\n"
      "User-Agent: Z 5.4.12 v2.10.13.1\r\n"
      "Authorization: Digest username=\"460011234567890@ims.mnc001.mcc460.3gppnetwork.org\","
      "realm=\"ims.mnc001.mcc460.3gppnetwork.org\",nonce=\"d8b2f1e0c3a4\",uri=\"sip:ims.mnc001."
      "mcc460.3gppnetwork.org\",response=\"6629fae49393a05397450978507c4ef1\",algorithm=MD5\r\n",
      "");
  return {invite, ok, reg};
}

void BM_SipParse(benchmark::State& state) {
  auto msgs = messages();
  size_t bytes = 0;
  for (auto& m : msgs) bytes += m.size();
  for (auto _ : state) {
    for (auto& m : msgs) {
      sip::AnomalySet a;
      auto parsed = sip::parse_sip(m, a);
      benchmark::DoNotOptimize(parsed);
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations() * msgs.size()));
  state.SetBytesProcessed(int64_t(state.iterations() * bytes));
  state.counters["avg_msg_bytes"] = double(bytes) / double(msgs.size());
}
BENCHMARK(BM_SipParse);

// parse_sip + fill_sip_info through decode_sip, as the L2-L4 walk calls it.
void BM_SipDecode(benchmark::State& state) {
  auto msgs = messages();
  size_t bytes = 0;
  for (auto& m : msgs) bytes += m.size();
  PacketRef pkt;
  MsgContext ctx;
  ctx.pkt = &pkt;
  ctx.transport = Transport::Udp;
  EventBatch out(4 * kBurstMax, 1 << 20);
  DecodeCounters c;
  for (auto _ : state) {
    if (out.size() + msgs.size() > 4 * kBurstMax) out.clear();
    for (auto& m : msgs) sip::decode_sip(as_bytes(m), ctx, out, c);
  }
  benchmark::DoNotOptimize(out.events().data());
  state.SetItemsProcessed(int64_t(state.iterations() * msgs.size()));
  state.SetBytesProcessed(int64_t(state.iterations() * bytes));
  state.counters["avg_msg_bytes"] = double(bytes) / double(msgs.size());
}
BENCHMARK(BM_SipDecode);

}  // namespace
