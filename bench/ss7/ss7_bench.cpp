// SS7 chain speed: M3UA -> MTP3 label -> SCCP UDT -> TCAP Begin -> MAP
// mo-forwardSM -> SMS-SUBMIT text (GSM 7-bit, 160 characters), about 250
// bytes per message, decoded in bursts of 64 into a caller-owned batch on
// one core. The per-layer benchmarks show where the time goes.
// Messages are hand-built from the specs (tests/dataplane/ss7/ss7_builders.hpp).
#include <benchmark/benchmark.h>

#include "dataplane/ss7/map.hpp"
#include "dataplane/ss7/sccp.hpp"
#include "dataplane/ss7/sigtran.hpp"
#include "dataplane/ss7/sms.hpp"
#include "dataplane/ss7/ss7_decoder.hpp"
#include "dataplane/ss7/tcap.hpp"
#include "tests/dataplane/ss7/ss7_builders.hpp"

namespace sigprobe::ss7 {
namespace {
using namespace testing;

constexpr int kBurst = 64;
constexpr size_t kTextChars = 110;  // gives a 250-byte M3UA message

Buf pack7(const std::string& s) {
  Buf out((s.size() * 7 + 7) / 8, 0);
  for (size_t i = 0; i < s.size(); ++i)
    for (int bit = 0; bit < 7; ++bit)
      if (uint8_t(s[i]) >> bit & 1) out[(i * 7 + bit) / 8] |= uint8_t(1 << ((i * 7 + bit) % 8));
  return out;
}

Buf sms_submit() {
  std::string text =
      "Your account is locked. Verify at secure-bank.example now or call 4008899 to avoid "
      "suspension today. Ref 7731 code 55 ok thanks for banking with us";
  text.resize(kTextChars, 'x');
  Buf ud = pack7(text);
  return cat({Buf{0x01, 0x2A, 0x05, 0x81}, tbcd("10086"), Buf{0x00, 0x00, uint8_t(text.size())}, ud});
}

Buf tcap_msg() {
  Buf arg = tlv(0x30, cat({tlv(0x84, isdn("8613800500000")), tlv(0x82, isdn("8613800138000")),
                           tlv(0x04, sms_submit())}));
  return tcap_begin({0x0A, 0x1B, 0x2C, 0x3D}, tcap_dialogue(map_acn(21, 3)), invoke(1, 46, arg));
}
Buf sccp_msg() { return sccp_udt(sccp_gt("8613800500000", 8), sccp_gt("8613900000011", 8), tcap_msg()); }
Buf m3ua_msg() { return m3ua_data(1201, 2302, 3, sccp_msg()); }

void BM_Ss7Chain_MoForwardSm(benchmark::State& state) {
  Buf msg = m3ua_msg();
  Ss7Decoder dec;
  EventBatch out(4 * kBurst, 1 << 20);
  DecodeCounters c;
  PacketRef pkt;
  MsgContext ctx;
  ctx.pkt = &pkt;
  ctx.transport = Transport::Sctp;
  ctx.sctp_ppid = 3;
  for (auto _ : state) {
    out.clear();
    for (int i = 0; i < kBurst; ++i) {
      pkt.frame = uint64_t(i);
      dec.on_sctp_message(msg, ctx, out, c);
    }
    benchmark::DoNotOptimize(out.events().data());
  }
  if (out.size() != kBurst || out.events()[0].map.sms.text.size() != kTextChars) state.SkipWithError("wrong decode");
  state.SetItemsProcessed(int64_t(state.iterations()) * kBurst);
  state.SetBytesProcessed(int64_t(state.iterations()) * kBurst * int64_t(msg.size()));
  state.counters["msg_bytes"] = double(msg.size());
}
BENCHMARK(BM_Ss7Chain_MoForwardSm);

void BM_Layer_M3ua(benchmark::State& state) {
  Buf msg = m3ua_msg();
  DecodeCounters c;
  for (auto _ : state) benchmark::DoNotOptimize(parse_m3ua(msg, PcFormat::Itu, c));
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(BM_Layer_M3ua);

void BM_Layer_Sccp(benchmark::State& state) {
  Buf msg = sccp_msg();
  DecodeCounters c;
  for (auto _ : state) benchmark::DoNotOptimize(parse_sccp(msg, PcFormat::Itu, c));
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(BM_Layer_Sccp);

void BM_Layer_Tcap(benchmark::State& state) {
  Buf msg = tcap_msg();
  DecodeCounters c;
  TcapMsg m;  // reused across messages, as the decoder does
  for (auto _ : state) {
    benchmark::DoNotOptimize(parse_tcap(msg, m, c));
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(BM_Layer_Tcap);

void BM_Layer_MapArgument(benchmark::State& state) {
  DecodeCounters c;
  Buf msg = tcap_msg();
  auto t = parse_tcap(msg, c);
  Bytes param = t->components[0].param;
  for (auto _ : state) benchmark::DoNotOptimize(decode_map(46, false, param, c));
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(BM_Layer_MapArgument);

void BM_Layer_SmsTpduAndText(benchmark::State& state) {
  DecodeCounters c;
  Buf tpdu = sms_submit();
  char out[1024];
  for (auto _ : state) {
    auto t = parse_sms_tpdu(tpdu, true, c);
    benchmark::DoNotOptimize(sms_text_utf8(*t, out, sizeof out, c));
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(BM_Layer_SmsTpduAndText);

}  // namespace
}  // namespace sigprobe::ss7
