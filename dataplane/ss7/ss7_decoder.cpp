#include "dataplane/ss7/ss7_decoder.hpp"

#include <algorithm>
#include <cstring>

#include "dataplane/core/country_code.hpp"
#include "dataplane/ss7/ber.hpp"
#include "dataplane/ss7/cap.hpp"
#include "dataplane/ss7/isup.hpp"
#include "dataplane/ss7/map.hpp"
#include "dataplane/ss7/reassembly.hpp"
#include "dataplane/ss7/sccp.hpp"
#include "dataplane/ss7/sigtran.hpp"
#include "dataplane/ss7/sms.hpp"
#include "dataplane/ss7/tcap.hpp"
#include "dataplane/ss7/text.hpp"

namespace sigprobe::ss7 {
namespace {

constexpr uint32_t kPpidM2ua = 2, kPpidM3ua = 3, kPpidSua = 4, kPpidM2pa = 5;
constexpr uint8_t kSiSccp = 3, kSiIsup = 5;
constexpr size_t kInvokeSlots = 4096;
constexpr size_t kCapDialogueSlots = 4096;  // dialogue_slot() takes the top 12 bits
constexpr size_t kMaxTextBytes = 16 * SmsConcatenator::kPartCap;
constexpr size_t kMaxOidText = 64;

struct InvokeSlot {
  uint32_t tid = 0;
  uint8_t tid_len = 0;
  int16_t invoke_id = -1;
  int16_t opcode = -1;
};

uint32_t tid_value(Bytes t) {
  uint32_t v = 0;
  for (uint8_t b : t) v = v << 8 | b;
  return v;
}

// A dialogue end's transaction id as the key of the CAP dialogue table: the
// point code that owns the id, the id and its length (never 0).
uint64_t dialogue_key(uint32_t pc, Bytes tid) {
  return uint64_t(pc & 0xFFFFFF) << 40 | uint64_t(tid.size()) << 32 | tid_value(tid);
}
size_t dialogue_slot(uint64_t key) { return size_t((key * 0x9E3779B97F4A7C15ull) >> 52); }  // 12 bits

size_t invoke_slot(uint32_t tid, int16_t invoke_id) {
  uint64_t h = hash_bytes({reinterpret_cast<const uint8_t*>(&tid), sizeof tid});
  h = (h ^ uint8_t(invoke_id)) * 1099511628211ull;
  return size_t(h % kInvokeSlots);
}

void copy_tid(Bytes src, std::array<uint8_t, 4>& dst, uint8_t& len) {
  len = uint8_t(std::min<size_t>(src.size(), 4));
  std::copy_n(src.begin(), len, dst.begin());
}

// Digits into the arena: TBCD (MAP) or n BCD signals (SCCP, ISUP).
std::string_view arena_tbcd(Bytes b, EventBatch& out) {
  if (b.empty()) return {};
  char* p = out.alloc(b.size() * 2);
  if (!p) return {};
  size_t n = tbcd_digits(b, p, b.size() * 2);
  out.shrink_last(p, n);
  return {p, n};
}

std::string_view arena_bcd(Bytes b, size_t n_digits, EventBatch& out) {
  if (!n_digits) return {};
  char* p = out.alloc(n_digits);
  if (!p) return {};
  size_t n = bcd_digits(b, n_digits, p, n_digits);
  // ISUP ST (end of pulsing) is a terminator, not a digit.
  if (n && p[n - 1] == 'f') --n;
  out.shrink_last(p, n);
  return {p, n};
}

// A national number in international form: the country code cc
// (Ss7Config::country_code), then the digits the other arena_* would give,
// counted; no digits give no number, not a bare country code. Out of line:
// the common numbers take the functions above unchanged.
[[gnu::noinline]] std::string_view arena_national(std::string_view cc, Bytes b, size_t n_digits, bool tbcd,
                                                  EventBatch& out, DecodeCounters& c) {
  size_t room = tbcd ? b.size() * 2 : n_digits;
  if (!room) return {};
  char* p = out.alloc(cc.size() + room);
  if (!p) return {};
  char* d = p + cc.size();
  size_t n = tbcd ? tbcd_digits(b, d, room) : bcd_digits(b, n_digits, d, room);
  if (!tbcd && n && d[n - 1] == 'f') --n;  // ISUP ST
  if (!n) {
    out.shrink_last(p, 0);
    return {p, 0};
  }
  std::memcpy(p, cc.data(), cc.size());
  out.shrink_last(p, cc.size() + n);
  ++c.national_numbers;
  return {p, cc.size() + n};
}

// The nature of address that says "national (significant) number": an
// AddressString's or a TS 24.008 BCD number's first octet (nature 010,
// numbering plan 0001 E.164), a Q.763 party number's or a Q.713 global
// title's NAI 3.
bool national_address(uint8_t ton_npi) { return ((ton_npi >> 4) & 0x07) == 2 && (ton_npi & 0x0F) == 1; }
constexpr uint8_t kNpE164 = 1;
bool national_gt(const SccpAddress& a) {
  return a.nai == kNaiNationalNumber && (a.gti == 1 || (a.gti == 4 && a.np == kNpE164));
}

void fill_sccp_addr(const SccpAddress& a, SccpAddr& o, EventBatch& out, std::string_view cc, DecodeCounters& c) {
  o.ri = a.ri;
  o.gti = a.gti;
  o.tt = a.tt;
  o.np = a.np;
  o.nai = a.nai;
  o.pc = a.pc;
  o.ssn = a.ssn;
  o.has_pc = a.has_pc;
  o.has_ssn = a.has_ssn;
  if (!a.gti) return;
  o.gt = cc.empty() || !national_gt(a) ? arena_bcd(a.digits, a.n_digits, out)
                                       : arena_national(cc, a.digits, a.n_digits, false, out, c);
}

}  // namespace

struct Ss7Decoder::State {
  explicit State(const Ss7Config& cfg)
      : invokes(kInvokeSlots),
        cap_dialogues(kCapDialogueSlots),
        sccp(cfg.sccp_reassembly_timeout_ns),
        concat(cfg.sms_concat_timeout_ns),
        text(kMaxTextBytes),
        cc(is_country_code(cfg.country_code) ? cfg.country_code : std::string{}) {}

  PcFormat pcf = PcFormat::Itu;
  bool result_opcode_from_invoke = true;
  std::vector<InvokeSlot> invokes;
  // Dialogue ends known to be CAP, each with the other end once seen
  // (direct-mapped, a collision forgets the older): the ACN travels only in a
  // dialogue's first messages.
  struct CapDialogue {
    uint64_t key = 0, other = 0;
  };
  std::vector<CapDialogue> cap_dialogues;
  size_t cap_live = 0;  // slots of cap_dialogues in use
  SccpReassembler sccp;
  SmsConcatenator concat;
  std::vector<char> text;  // scratch for one SMS part's text
  TcapMsg tcap;            // the message being decoded, reused
  SignalEvent spare;       // the first event when the batch is full (still decoded and counted)
  Ss7Stats stats;
  std::string cc;  // Ss7Config::country_code

  // A MAP/CAP address or identity, an ISUP-format party number: its digits
  // in the arena, in international form when national (Ss7Config::country_code).
  std::string_view number(const MapNumber& m, EventBatch& out, DecodeCounters& c) const {
    if (!m.present()) return {};
    if (cc.empty() || !national_address(m.ton_npi)) [[likely]] return arena_tbcd(m.tbcd, out);
    return arena_national(cc, m.tbcd, 0, true, out, c);
  }
  std::string_view number(const IsupNumber& n, EventBatch& out, DecodeCounters& c) const {
    if (!n.present) return {};
    if (cc.empty() || n.nai != kNaiNationalNumber) [[likely]] return arena_bcd(n.digits, n.n_digits, out);
    return arena_national(cc, n.digits, n.n_digits, false, out, c);
  }

  void on_mtp2_unit(Bytes su, bool annex_a, const MsgContext& ctx, EventBatch& out,
                    DecodeCounters& c);
  void on_mtp3_msg(const Mtp3Msg& m, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);
  void on_sccp(const Mtp3Msg& m, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);
  // base: the first event of the message, in its batch slot (in_batch) or
  // in `spare` when the batch is full.
  void on_tcap(Bytes data, SignalEvent& base, bool in_batch, EventBatch& out, DecodeCounters& c);
  void on_isup(const Mtp3Msg& m, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);
  void fill_isup(const IsupMsg& i, IsupInfo& ii, EventBatch& out, DecodeCounters& c);
  bool is_cap_dialogue(const TcapMsg& t, const SignalEvent& base);
  void fill_map(const TcapMsg& t, const TcapComponent& comp, SignalEvent& e, EventBatch& out,
                DecodeCounters& c);
  void fill_open_info(const TcapMsg& t, SignalEvent& e, EventBatch& out, DecodeCounters& c);
  void fill_cap(const TcapComponent& comp, SignalEvent& e, EventBatch& out, DecodeCounters& c);
  void fill_sms(Bytes tpdu, bool mt, SignalEvent& e, EventBatch& out, DecodeCounters& c);
};

namespace {

// The layers every SS7 event shares, into a default-constructed event.
void fill_base(SignalEvent& e, Proto p, const Mtp3Msg& m, const MsgContext& ctx) {
  if (ctx.pkt) {
    e.frame = ctx.pkt->frame;
    e.ts_ns = ctx.pkt->ts_ns;
    e.port = ctx.pkt->port;
  }
  e.proto = p;
  e.transport = ctx.transport;
  e.src = ctx.src;
  e.dst = ctx.dst;
  e.wire = ctx.wire;
  e.layers = kLayerMtp3;
  e.mtp3 = Mtp3Info{m.opc, m.dpc, m.si, m.ni, m.mp, m.sls};
}

bool emit(const SignalEvent& e, EventBatch& out, DecodeCounters& c) {
  SignalEvent* slot = out.push();
  if (!slot) {
    ++c.events_dropped;
    return false;
  }
  *slot = e;
  return true;
}

}  // namespace

void Ss7Decoder::State::on_mtp2_unit(Bytes su, bool annex_a, const MsgContext& ctx,
                                     EventBatch& out, DecodeCounters& c) {
  auto u = parse_mtp2(su, annex_a, c);
  if (!u) return;
  switch (u->kind) {
    case Mtp2Kind::Fisu: ++stats.mtp2_fisu; return;
    case Mtp2Kind::Lssu: ++stats.mtp2_lssu; return;
    case Mtp2Kind::Msu: ++stats.mtp2_msu; break;
  }
  if (auto m = parse_mtp3(u->msu, pcf, c)) on_mtp3_msg(*m, ctx, out, c);
}

void Ss7Decoder::State::on_mtp3_msg(const Mtp3Msg& m, const MsgContext& ctx, EventBatch& out,
                                    DecodeCounters& c) {
  ++stats.mtp3_si[m.si & 0x0F];
  if (m.si == kSiSccp) on_sccp(m, ctx, out, c);
  else if (m.si == kSiIsup) on_isup(m, ctx, out, c);
}

void Ss7Decoder::State::on_sccp(const Mtp3Msg& m, const MsgContext& ctx, EventBatch& out,
                                DecodeCounters& c) {
  SccpMsg sm;
  if (!parse_sccp(m.user, pcf, sm, c)) return;
  const SccpMsg* s = &sm;
  c.message(Proto::Sccp);
  ++stats.sccp_type[s->type & 0x1F];
  if (!s->connectionless || s->data.empty()) return;
  Bytes data = s->data;
  if (s->seg.present && !(s->seg.first && s->seg.remaining == 0)) {
    uint64_t key = hash_bytes(s->calling.digits, s->seg.local_ref ^ (uint64_t(m.opc) << 32));
    uint64_t now = ctx.pkt ? ctx.pkt->ts_ns : 0;
    data = sccp.add(key, s->seg.first, s->seg.remaining, data, now, c);
    if (data.empty()) return;  // waiting for more segments
  }
  if (!looks_like_itu_tcap(data)) {
    if (looks_like_ansi_tcap(data)) {
      ++stats.tcap_ansi;
      c.anomaly(Anomaly::TcapAnsiUnsupported);
    }
    return;  // SCCP management or another user: counted only
  }
  // Built in its batch slot: the shared layers are written once, not built
  // on the stack, cleared in the slot and copied (measured: a fifth of the
  // per-message glue).
  SignalEvent* slot = out.push();
  SignalEvent& base = slot ? *slot : (spare = SignalEvent{});
  fill_base(base, Proto::Tcap, m, ctx);
  base.layers |= kLayerSccp | kLayerTcap;
  base.sccp.msg_type = s->type;
  fill_sccp_addr(s->called, base.sccp.called, out, cc, c);
  fill_sccp_addr(s->calling, base.sccp.calling, out, cc, c);
  on_tcap(data, base, slot != nullptr, out, c);
}

void Ss7Decoder::State::on_tcap(Bytes data, SignalEvent& base, bool in_batch, EventBatch& out,
                                DecodeCounters& c) {
  if (!parse_tcap(data, tcap, c)) {
    if (in_batch) out.pop();
    return;
  }
  const TcapMsg* t = &tcap;
  c.message(Proto::Tcap);
  TcapInfo& ti = base.tcap;
  ti.type = t->type;
  copy_tid(t->otid, ti.otid, ti.otid_len);
  copy_tid(t->dtid, ti.dtid, ti.dtid_len);
  ti.component_count = t->n_components;
  if (!t->acn.empty()) {
    char* p = out.alloc(kMaxOidText);
    if (p) {
      size_t n = ber_oid_text(t->acn, p, kMaxOidText);
      if (!n) c.anomaly(Anomaly::TcapDialogueInvalid);
      out.shrink_last(p, n);
      ti.acn = {p, n};
    }
  }
  if (t->n_components == 0) {
    // An empty TC-END or TC-ABORT still closes a CAP dialogue the table holds.
    if (cap_live != 0 && (t->type == TcapType::End || t->type == TcapType::Abort)) is_cap_dialogue(*t, base);
    if (!in_batch) ++c.events_dropped;
    return;
  }
  // A MAP-only link (no CAP dialogue open, no CAP context or subsystem) skips the table.
  bool cap = cap_live == 0 && (t->acn.empty() ? base.sccp.called.ssn != kSsnCap && base.sccp.calling.ssn != kSsnCap
                                              : !acn_is_cap(t->acn))
                 ? false
                 : is_cap_dialogue(*t, base);
  base.proto = cap ? Proto::Cap : Proto::Map;
  base.layers |= cap ? kLayerCap : kLayerMap;
  for (size_t i = 0; i < t->n_components; ++i) {
    c.message(base.proto);
    // The first component's event is base; the others copy its shared layers.
    SignalEvent* e = i == 0 ? (in_batch ? &base : nullptr) : out.push();
    if (!e) {
      ++c.events_dropped;
      continue;
    }
    if (i > 0) {
      *e = base;
      e->map = MapInfo{};
      e->cap = CapInfo{};
    }
    if (cap) {
      fill_cap(t->components[i], *e, out, c);
    } else {
      fill_map(*t, t->components[i], *e, out, c);
      fill_open_info(*t, *e, out, c);
    }
  }
}

// CAMEL dialogues (CAP) share TCAP with MAP and reuse its operation codes (24
// is eventReportBCSM in CAP, sendRoutingInfoForGPRS in MAP). The ACN says
// which, but only a dialogue's first messages carry it: the ends of a CAP
// dialogue are remembered, by the point code that owns each transaction id,
// so that its later messages are CAP too. A message of an unknown dialogue
// without an ACN is CAP when it is addressed to or from SSN 146 (TS 23.003
// 8.2). Real networks use other SSNs for CAP (the corpus capture
// sage-s11__sigcorr/camel.pcap: 152 and 200), hence the table.
bool Ss7Decoder::State::is_cap_dialogue(const TcapMsg& t, const SignalEvent& base) {
  bool to_cap_ssn = base.sccp.called.ssn == kSsnCap || base.sccp.calling.ssn == kSsnCap;
  uint64_t own = t.otid.empty() ? 0 : dialogue_key(base.mtp3.opc, t.otid);    // the sender's id
  uint64_t peer = t.dtid.empty() ? 0 : dialogue_key(base.mtp3.dpc, t.dtid);  // the receiver's id
  auto known = [&](uint64_t k) { return k && cap_dialogues[dialogue_slot(k)].key == k; };
  bool cap = t.acn.empty() ? known(own) || known(peer) || to_cap_ssn : acn_is_cap(t.acn);
  auto remember = [&](uint64_t k, uint64_t other) {
    CapDialogue& d = cap_dialogues[dialogue_slot(k)];
    if (!d.key) ++cap_live;
    d = {k, other};
  };
  auto clear = [&](CapDialogue& d) {
    if (d.key) --cap_live;
    d = CapDialogue{};
  };
  auto forget = [&](uint64_t k) {
    CapDialogue& d = cap_dialogues[dialogue_slot(k)];
    if (d.key != k) return;
    uint64_t other = d.other;
    clear(d);
    if (other) {
      CapDialogue& o = cap_dialogues[dialogue_slot(other)];
      if (o.key == other) clear(o);
    }
  };
  if (cap && t.type != TcapType::End && t.type != TcapType::Abort) {
    if (own) remember(own, peer);
    if (peer) remember(peer, own);
  } else {  // ended (both ends go), or the ids now name a MAP dialogue
    if (own) forget(own);
    if (peer) forget(peer);
  }
  return cap;
}

void Ss7Decoder::State::fill_cap(const TcapComponent& comp, SignalEvent& e, EventBatch& out,
                                 DecodeCounters& c) {
  CapInfo& ci = e.cap;
  ci.component = comp.type;
  ci.invoke_id = comp.invoke_id;
  ci.opcode = int16_t(comp.opcode);
  if (comp.type != MapComponent::Invoke || !comp.has_param || ci.opcode < 0) return;
  CapFields f = decode_cap(ci.opcode, comp.param, c);
  ci.service_key = f.service_key;
  ci.has_service_key = f.has_service_key;
  ci.event_type = f.event_type;
  ci.cause = f.cause;
  ci.has_cause = f.has_cause;
  if (f.calling.present) ci.calling = number(f.calling, out, c);
  else if (f.calling_sms.present()) ci.calling = number(f.calling_sms, out, c);
  if (f.called_bcd.present()) ci.called = number(f.called_bcd, out, c);
  else if (f.called.present) ci.called = number(f.called, out, c);
  ci.imsi = number(f.imsi, out, c);
  ci.msc = number(f.msc, out, c);
  ci.vlr = number(f.vlr, out, c);
  ci.service_centre = number(f.service_centre, out, c);
  ci.imei = number(f.imei, out, c);
  if (!f.cell.empty()) {
    if (char* p = out.alloc(kCellTextMax)) {
      size_t n = cgi_text(f.cell, p);
      if (!n) c.anomaly(Anomaly::CapParamMalformed);
      out.shrink_last(p, n);
      ci.cell = {p, n};
    }
  }
}

void Ss7Decoder::State::fill_map(const TcapMsg& t, const TcapComponent& comp, SignalEvent& e,
                                 EventBatch& out, DecodeCounters& c) {
  MapInfo& mi = e.map;
  mi.component = comp.type;
  mi.invoke_id = comp.invoke_id;
  mi.opcode = int16_t(comp.opcode);
  if (comp.type == MapComponent::ReturnError && comp.error_code >= 0)
    mi.error_code = uint16_t(comp.error_code);
  bool is_result = comp.type == MapComponent::ReturnResult ||
                   comp.type == MapComponent::ReturnResultNotLast;
  // Remember invokes by (sender's transaction, invoke id); a result travels
  // back with that transaction as its destination id.
  if (comp.type == MapComponent::Invoke && comp.opcode >= 0 && !t.otid.empty()) {
    uint32_t tid = tid_value(t.otid);
    InvokeSlot& s = invokes[invoke_slot(tid, comp.invoke_id)];
    s = InvokeSlot{tid, uint8_t(t.otid.size()), comp.invoke_id, int16_t(comp.opcode)};
  } else if (comp.type != MapComponent::Invoke && !t.dtid.empty()) {
    uint32_t tid = tid_value(t.dtid);
    const InvokeSlot& s = invokes[invoke_slot(tid, comp.invoke_id)];
    bool match = s.tid == tid && s.tid_len == t.dtid.size() && s.invoke_id == comp.invoke_id;
    if (match && mi.opcode < 0 && is_result && result_opcode_from_invoke) {
      mi.opcode = s.opcode;
      ++stats.results_opcode_from_table;
    }
  }
  if (!comp.has_param || mi.opcode < 0 ||
      (comp.type != MapComponent::Invoke && !is_result))
    return;
  MapFields f = decode_map(mi.opcode, is_result, comp.param, c);
  mi.imsi = number(f.imsi, out, c);
  mi.msisdn = number(f.msisdn, out, c);
  mi.vlr = number(f.vlr, out, c);
  mi.msc = number(f.msc, out, c);
  mi.sgsn = number(f.sgsn, out, c);
  mi.hlr = number(f.hlr, out, c);
  mi.imei = number(f.imei, out, c);
  mi.service_centre = number(f.service_centre, out, c);
  mi.roaming_number = number(f.roaming_number, out, c);
  mi.gsm_scf = number(f.gsm_scf, out, c);
  mi.forwarded_to = number(f.forwarded_to, out, c);
  mi.ss_code = f.ss_code;
  if (f.has_ussd) {
    if (f.ussd_ia5) {
      mi.ussd = out.store(as_chars(f.ussd));
    } else {
      size_t cap = f.ussd.size() * 8 / 7 * kUtf8PerSeptet + 4;
      char* p = out.alloc(cap);
      if (p) {
        size_t n = ussd_text_utf8(f.ussd_dcs, f.ussd, p, cap, c);
        out.shrink_last(p, n);
        mi.ussd = {p, n};
      }
    }
  }
  if (f.has_sms) {
    bool mt = mi.opcode == kOpMtForwardSm || f.sms_mt;
    fill_sms(f.sm_rp_ui, mt, e, out, c);
  }
}

void Ss7Decoder::State::fill_open_info(const TcapMsg& t, SignalEvent& e, EventBatch& out,
                                       DecodeCounters& c) {
  if (t.user_info.empty() || !e.map.imsi.empty()) return;
  MapOpenInfo o = decode_map_open(t.user_info, c);
  if (o.destination.present() && (o.destination.ton_npi & 0x0F) == kNpE212)
    e.map.imsi = number(o.destination, out, c);
  else if (o.origination.present() && (o.origination.ton_npi & 0x0F) == kNpE212)
    e.map.imsi = number(o.origination, out, c);
}

void Ss7Decoder::State::fill_sms(Bytes tpdu, bool mt, SignalEvent& e, EventBatch& out,
                                 DecodeCounters& c) {
  SmsTpdu tpdu_msg;
  if (!parse_sms_tpdu(tpdu, !mt, tpdu_msg, c)) return;
  const SmsTpdu* t = &tpdu_msg;
  SmsInfo& s = e.map.sms;
  s.present = true;
  s.tpdu_type = t->mti;
  switch (t->kind) {
    case SmsKind::StatusReport: ++stats.sms_status_reports; return;
    case SmsKind::Command: ++stats.sms_commands; return;
    case SmsKind::DeliverReport:
    case SmsKind::SubmitReport: ++stats.sms_reports; return;
    default: break;
  }
  s.pid = t->pid;
  s.dcs = t->dcs;
  // TP-OA/TP-DA: a national number (type of number 010, E.164) in
  // international form, as its SM-RP-OA/DA AddressString would be.
  char addr[64];
  size_t pre = 0;
  if (!cc.empty() && !t->addr.alphanumeric() && t->addr.ton == 2 && t->addr.npi == kNpE164) {
    pre = cc.size();
    std::memcpy(addr, cc.data(), pre);
  }
  size_t an = sms_address_utf8(t->addr, addr + pre, sizeof addr - pre);
  if (an && pre) {
    an += pre;
    ++c.national_numbers;
  }
  if (t->kind == SmsKind::Deliver) {
    s.oa = out.store({addr, an});
  } else {
    s.da = out.store({addr, an});
    s.oa = e.map.msisdn;  // SM-RP-OA: the submitting subscriber
  }
  if (!t->concat) {
    // Straight into the arena (no scratch copy), in the room the scratch
    // would have given; a full arena falls back to the scratch and store().
    size_t room = std::min(sms_text_utf8_bound(*t), text.size());
    if (char* p = out.alloc(room)) {
      size_t n = sms_text_utf8(*t, p, room, c);
      out.shrink_last(p, n);
      s.text = {p, n};
      return;
    }
  }
  size_t n = sms_text_utf8(*t, text.data(), text.size(), c);
  std::string_view part{text.data(), n};
  if (t->concat) {
    s.concat_ref = t->concat_ref;
    s.concat_total = t->concat_total;
    s.concat_seq = t->concat_seq;
    uint64_t key = hash_bytes(as_bytes({addr, an}), (uint64_t(t->concat_ref) << 8) | t->concat_total);
    key = hash_bytes(as_bytes(e.map.imsi), key);
    uint64_t now = e.ts_ns;
    char* whole = out.alloc(kMaxTextBytes);
    if (whole) {
      long w = concat.add(key, t->concat_seq, t->concat_total, part, now, whole, kMaxTextBytes, c);
      if (w >= 0) {
        out.shrink_last(whole, size_t(w));
        s.text = {whole, size_t(w)};
        return;
      }
      out.shrink_last(whole, 0);
    }
  }
  s.text = out.store(part);
}

void Ss7Decoder::State::on_isup(const Mtp3Msg& m, const MsgContext& ctx, EventBatch& out,
                                DecodeCounters& c) {
  auto i = parse_isup(m.user, c);
  if (!i) return;
  c.message(Proto::Isup);
  SignalEvent e;
  fill_base(e, Proto::Isup, m, ctx);
  e.layers |= kLayerIsup;
  fill_isup(*i, e.isup, out, c);
  emit(e, out, c);
}

void Ss7Decoder::State::fill_isup(const IsupMsg& i, IsupInfo& ii, EventBatch& out, DecodeCounters& c) {
  ii.msg_type = i.type;
  ii.cic = i.cic;
  if (i.called.present) {
    ii.called = number(i.called, out, c);
    ii.called_nai = i.called.nai;
  }
  if (i.calling.present) {
    ii.calling = number(i.calling, out, c);
    ii.calling_nai = i.calling.nai;
  }
  ii.calling_category = i.calling_category;
  ii.cause = i.cause;
  ii.has_cause = i.has_cause;
  const IsupNumber& from = i.redirecting.present ? i.redirecting : i.original_called;
  if (from.present) ii.redirecting = number(from, out, c);
}

void Ss7Decoder::on_sip_isup(Bytes body, SignalEvent& e, EventBatch& out, DecodeCounters& c) {
  auto i = parse_isup_body(body, c);
  if (!i) return;
  st_->fill_isup(*i, e.isup, out, c);
  e.layers |= kLayerSipIsup;
  // A diverted SIP-I call names its diverting subscriber in the IAM where SIP
  // has no Diversion or History-Info.
  if (e.sip.diversion_user.empty() && e.sip.method == SipMethod::Invite)
    e.sip.diversion_user = e.isup.redirecting;
}

Ss7Decoder::Ss7Decoder(const Ss7Config& cfg) : st_(std::make_unique<State>(cfg)), cfg_(cfg) {
  st_->pcf = cfg.japan_point_codes ? PcFormat::Japan
             : cfg.ansi_point_codes ? PcFormat::Ansi
                                    : PcFormat::Itu;
  st_->result_opcode_from_invoke = cfg.result_opcode_from_invoke;
}
Ss7Decoder::~Ss7Decoder() = default;

const Ss7Stats& Ss7Decoder::stats() const { return st_->stats; }
std::string_view Ss7Decoder::country_code() const { return st_->cc; }

void Ss7Decoder::on_sctp_message(Bytes msg, const MsgContext& ctx, EventBatch& out,
                                 DecodeCounters& c) {
  uint32_t ppid = ctx.sctp_ppid;
  if (ppid != kPpidM3ua && ppid != kPpidM2pa && ppid != kPpidM2ua && ppid != kPpidSua)
    ppid = sniff_sigtran(msg);
  State& s = *st_;
  if (msg.size() >= 3 && msg[0] == 1) ++s.stats.sigtran_class[msg[2] & 0x0F];
  switch (ppid) {
    case kPpidM3ua: {
      M3uaMsg mm;
      if (!parse_m3ua(msg, s.pcf, mm, c)) return;
      const M3uaMsg* m = &mm;
      c.message(Proto::M3ua);
      if (m->is_data) s.on_mtp3_msg(m->data, ctx, out, c);
      return;
    }
    case kPpidM2pa: {
      auto m = parse_m2pa(msg, s.pcf, c);
      if (m && m->data) s.on_mtp3_msg(*m->data, ctx, out, c);
      return;
    }
    case kPpidM2ua: {
      auto m = parse_m2ua(msg, s.pcf, c);
      if (m && m->data) s.on_mtp3_msg(*m->data, ctx, out, c);
      return;
    }
    case kPpidSua:
      ++s.stats.sua;
      c.anomaly(Anomaly::SuaUnsupported);
      return;
    default:
      c.anomaly(Anomaly::SigtranUnknownContent);
      return;
  }
}

void Ss7Decoder::on_mtp3(Bytes msu, const MsgContext& ctx, EventBatch& out, DecodeCounters& c) {
  auto m = parse_mtp3(msu, st_->pcf, c);
  if (m) st_->on_mtp3_msg(*m, ctx, out, c);
}

void Ss7Decoder::on_mtp2(Bytes frame, const MsgContext& ctx, EventBatch& out, DecodeCounters& c) {
  st_->on_mtp2_unit(frame, false, ctx, out, c);
}

void Ss7Decoder::on_mtp2_with_phdr(Bytes frame, const MsgContext& ctx, EventBatch& out,
                                   DecodeCounters& c) {
  // Pseudo-header (LINKTYPE_MTP2_WITH_PHDR): sent (1), annex_a_used (1), link_number (2).
  ByteReader r{frame};
  auto sent = r.u8();
  auto annex_a = r.u8();
  if (!sent || !annex_a || !r.skip(2)) {
    c.anomaly(Anomaly::Mtp2Truncated);
    return;
  }
  st_->on_mtp2_unit(r.rest(), *annex_a != 0, ctx, out, c);
}

}  // namespace sigprobe::ss7
