// SIP parser + field extraction speed over in-memory messages of about 750
// bytes. Bar (issue 2): ~1.7 M SIP messages/s on one core (10 GbE line rate).
//   ninja -C build-sip bench_sip && build-sip/bench/sip/bench_sip
// BM_SipParse/BM_SipDecode: three messages written for this benchmark in the
// shape of a VoLTE/SIP trunk flow (RFC 3261 24.2 INVITE with SDP, its 200 OK,
// a REGISTER). BM_SipCaptures*: every SIP message over UDP and SCTP of the
// captures bench_dpdk replays, as the DPDK worker meets them.
#include <benchmark/benchmark.h>

#include <array>
#include <string>
#include <vector>

#include "bench/l2l4/dpdk_workload.hpp"
#include "dataplane/io/packet_source.hpp"
#include "dataplane/l2l4/walk.hpp"
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

// ---- messages from captures ----------------------------------------------
// The three messages above repeat, so the branch predictor learns them; the
// captures have varied lengths, header orders and line lengths.

// Collects SIP over UDP and SCTP (TCP streams are not followed) as copies.
class SipCollector final : public l2l4::L4Handler {
 public:
  std::vector<std::string> msgs;
  void on_udp(const MsgContext&, Bytes payload, bool) override { keep(payload); }
  bool want_tcp_stream(const MsgContext&, Bytes) override { return false; }
  size_t on_tcp_data(const MsgContext&, Bytes data, bool, size_t) override { return data.size(); }
  void on_sctp_message(const MsgContext& ctx, Bytes msg, bool) override {
    if (ctx.sctp_ppid == 0 || ctx.sctp_ppid > 5) keep(msg);  // 2-5: M2UA, M3UA, SUA, M2PA
  }

 private:
  void keep(Bytes b) {
    if (sip::looks_like_sip(b)) msgs.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
  }
};

// The captures of bench_dpdk's workload (bench/l2l4/dpdk_workload.hpp).
std::vector<std::string> capture_messages() {
  const std::vector<std::string> files = bench::dpdk_workload_captures(SIGPROBE_SOURCE_DIR);
  SipCollector collect;
  DecodeCounters c;
  for (size_t i = 0; i < files.size(); ++i) {
    std::string err;
    auto src = open_pcap_file(files[i], uint16_t(i), err);
    if (!src) continue;
    l2l4::Walker walker;
    std::array<PacketRef, 32> burst;
    while (uint16_t n = src->rx_burst(burst))
      for (uint16_t k = 0; k < n; ++k) walker.walk(burst[k], collect, c);
  }
  return std::move(collect.msgs);
}

const std::vector<std::string>& captured() {
  static const std::vector<std::string> msgs = capture_messages();
  return msgs;
}

void report(benchmark::State& state, const std::vector<std::string>& msgs) {
  size_t bytes = 0;
  for (auto& m : msgs) bytes += m.size();
  state.SetItemsProcessed(int64_t(state.iterations() * msgs.size()));
  state.SetBytesProcessed(int64_t(state.iterations() * bytes));
  state.counters["msgs"] = double(msgs.size());
  state.counters["avg_msg_bytes"] = double(bytes) / double(msgs.size());
}

void BM_SipCapturesParse(benchmark::State& state) {
  const auto& msgs = captured();
  if (msgs.empty()) return state.SkipWithError("no SIP message in the captures");
  for (auto _ : state) {
    for (auto& m : msgs) {
      sip::AnomalySet a;
      auto parsed = sip::parse_sip(m, a);
      benchmark::DoNotOptimize(parsed);
    }
  }
  report(state, msgs);
}
BENCHMARK(BM_SipCapturesParse);

// looks_like_sip + decode_sip, as Decoder::on_udp calls them.
void BM_SipCapturesDecode(benchmark::State& state) {
  const auto& msgs = captured();
  if (msgs.empty()) return state.SkipWithError("no SIP message in the captures");
  PacketRef pkt;
  MsgContext ctx;
  ctx.pkt = &pkt;
  ctx.transport = Transport::Udp;
  EventBatch out(kBurstMax, 1 << 20);
  DecodeCounters c;
  for (auto _ : state) {
    for (auto& m : msgs) {
      if (out.full()) out.clear();
      if (sip::looks_like_sip(as_bytes(m))) sip::decode_sip(as_bytes(m), ctx, out, c);
    }
  }
  benchmark::DoNotOptimize(out.events().data());
  report(state, msgs);
}
BENCHMARK(BM_SipCapturesDecode);

}  // namespace
