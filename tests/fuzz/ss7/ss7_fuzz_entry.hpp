// One function per SS7 decoder entry point, shared by the libFuzzer targets
// (*_fuzz.cpp, clang + -DSIGPROBE_FUZZ=ON) and the g++ seed replay test.
// Each runs the parser and everything that renders its result, so a finding
// anywhere on that path shows up.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/core/signal_event.hpp"
#include "dataplane/ss7/cap.hpp"
#include "dataplane/ss7/isup.hpp"
#include "dataplane/ss7/map.hpp"
#include "dataplane/ss7/sccp.hpp"
#include "dataplane/ss7/sigtran.hpp"
#include "dataplane/ss7/sms.hpp"
#include "dataplane/ss7/ss7_decoder.hpp"
#include "dataplane/ss7/tcap.hpp"

namespace sigprobe::ss7::fuzz {

inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "ss7 fuzz: %s\n", what);
  std::abort();
}

inline void feed(Ss7Decoder& dec, uint8_t entry, Bytes b, EventBatch& out, DecodeCounters& c) {
  PacketRef pkt;
  MsgContext ctx;
  ctx.pkt = &pkt;
  out.clear();
  switch (entry & 7) {
    case 0: ctx.sctp_ppid = 3; dec.on_sctp_message(b, ctx, out, c); break;
    case 1: ctx.sctp_ppid = 5; dec.on_sctp_message(b, ctx, out, c); break;
    case 2: ctx.sctp_ppid = 2; dec.on_sctp_message(b, ctx, out, c); break;
    case 3: ctx.sctp_ppid = 4; dec.on_sctp_message(b, ctx, out, c); break;
    case 4: ctx.sctp_ppid = 0; dec.on_sctp_message(b, ctx, out, c); break;
    case 5: dec.on_mtp2(b, ctx, out, c); break;
    case 6: dec.on_mtp2_with_phdr(b, ctx, out, c); break;
    default: dec.on_mtp3(b, ctx, out, c); break;
  }
}

// Every number of the event decoded with a country code is the one decoded
// without it, or the code and that number (never a bare code); the counter
// counts no more prefixed numbers than there are.
inline void same_numbers(const SignalEvent& a, const SignalEvent& b, std::string_view cc, uint64_t counted) {
  auto pairs = {
      std::pair{a.isup.calling, b.isup.calling}, {a.isup.called, b.isup.called}, {a.isup.redirecting, b.isup.redirecting},
      {a.sccp.calling.gt, b.sccp.calling.gt},
      {a.sccp.called.gt, b.sccp.called.gt}, {a.map.msisdn, b.map.msisdn}, {a.map.vlr, b.map.vlr}, {a.map.msc, b.map.msc},
      {a.map.sgsn, b.map.sgsn}, {a.map.hlr, b.map.hlr}, {a.map.service_centre, b.map.service_centre},
      {a.map.roaming_number, b.map.roaming_number}, {a.map.gsm_scf, b.map.gsm_scf},
      {a.map.forwarded_to, b.map.forwarded_to}, {a.map.sms.da, b.map.sms.da}, {a.cap.calling, b.cap.calling},
      {a.cap.called, b.cap.called}, {a.cap.msc, b.cap.msc}, {a.cap.vlr, b.cap.vlr},
      {a.cap.service_centre, b.cap.service_centre}};
  uint64_t prefixed = 0;
  for (const auto& [plain, with] : pairs) {
    if (with == plain) continue;
    require(!plain.empty() && with.size() == cc.size() + plain.size() && with.substr(0, cc.size()) == cc &&
                with.substr(cc.size()) == plain,
            "a number decoded with the country code is neither the same nor the code and the same digits");
    ++prefixed;
  }
  require(a.map.imsi == b.map.imsi && a.map.imei == b.map.imei && a.cap.imsi == b.cap.imsi && a.cap.imei == b.cap.imei,
          "an identity changed with the country code");
  require(counted >= prefixed, "national_numbers counts fewer than were given the code");
}

// SCTP payload into the whole decoder: the first byte picks the ppid and the
// entry (M3UA, M2PA, M2UA, SUA, sniffed, MTP2, MTP2+phdr, MTP3). A second
// decoder with a country code decodes the same input: the same events, each
// number the same or in international form.
inline void sigtran(const uint8_t* d, size_t n) {
  static Ss7Decoder dec;
  static Ss7Decoder dec_cc(Ss7Config{.country_code = "86"});
  static EventBatch out(64, 1 << 16), out_cc(64, 1 << 16);
  if (n == 0) return;
  Bytes b{d + 1, n - 1};
  DecodeCounters c, c_cc;
  uint64_t overflows = out.arena_overflows() + out_cc.arena_overflows();
  feed(dec, d[0], b, out, c);
  feed(dec_cc, d[0], b, out_cc, c_cc);
  require(out.size() == out_cc.size(), "a different number of events with the country code");
  if (out.arena_overflows() + out_cc.arena_overflows() != overflows) return;  // strings may be cut short
  for (size_t i = 0; i < out.size(); ++i)
    same_numbers(out.events()[i], out_cc.events()[i], "86", c_cc.national_numbers);
  require(c.national_numbers == 0, "national numbers counted without a country code");
}

// SCCP message alone, then behind an MTP3 label through the decoder.
inline void sccp(const uint8_t* d, size_t n) {
  DecodeCounters c;
  Bytes b{d, n};
  for (PcFormat f : {PcFormat::Itu, PcFormat::Japan}) (void)parse_sccp(b, f, c);
  static Ss7Decoder dec;
  static EventBatch out(64, 1 << 16);
  static uint8_t msu[4096];
  if (n + 5 > sizeof msu) return;
  const uint8_t label[5] = {0x83, 0x01, 0x40, 0x00, 0x00};
  for (size_t i = 0; i < 5; ++i) msu[i] = label[i];
  for (size_t i = 0; i < n; ++i) msu[5 + i] = d[i];
  PacketRef pkt;
  MsgContext ctx;
  ctx.pkt = &pkt;
  out.clear();
  dec.on_mtp3({msu, n + 5}, ctx, out, c);
}

// BER/TCAP and the MAP argument and result decoders of every operation.
inline void tcap_map(const uint8_t* d, size_t n) {
  DecodeCounters c;
  auto t = parse_tcap({d, n}, c);
  if (!t) return;
  (void)decode_map_open(t->user_info, c);
  (void)acn_is_cap(t->acn);
  for (size_t i = 0; i < t->n_components; ++i) {
    const TcapComponent& comp = t->components[i];
    int op = comp.opcode >= 0 ? comp.opcode : 0;
    for (int o : {op, int(kOpMoForwardSm), int(kOpSendRoutingInfo), int(kOpUpdateLocation)}) {
      (void)decode_map(o, false, comp.param, c);
      (void)decode_map(o, true, comp.param, c);
    }
    // CAMEL shares TCAP: the same parameter as each CAP argument decoded.
    for (int o : {int(cap_op::kInitialDp), int(cap_op::kEventReportBcsm), int(cap_op::kReleaseCall)}) {
      CapFields f = decode_cap(o, comp.param, c);
      char cell[kCellTextMax];
      (void)cgi_text(f.cell, cell);
    }
  }
}

// SMS TPDU in both directions with its text and address, and a USSD string.
inline void sms(const uint8_t* d, size_t n) {
  DecodeCounters c;
  static char text[4096];
  for (bool mo : {false, true}) {
    auto t = parse_sms_tpdu({d, n}, mo, c);
    if (!t) continue;
    (void)sms_text_utf8(*t, text, sizeof text, c);
    (void)sms_address_utf8(t->addr, text, sizeof text);
  }
  if (n) (void)ussd_text_utf8(d[0], {d + 1, n - 1}, text, sizeof text, c);
}

inline void isup(const uint8_t* d, size_t n) {
  DecodeCounters c;
  (void)parse_isup({d, n}, c);
}

}  // namespace sigprobe::ss7::fuzz
