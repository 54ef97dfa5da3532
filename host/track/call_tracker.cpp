#include "host/track/call_tracker.hpp"

#include <array>
#include <cstring>
#include <string_view>

namespace sigprobe::track {
namespace {

// Kinds of call leg (CallTracker::started): one call shows at most one of each.
// A SIP leg's kind is its hop's (LegWindow::hop_kind), from kLegSipHops on.
constexpr unsigned kLegIsup = 0, kLegCamelOriginating = 1, kLegCamelTerminating = 2, kLegSipHops = 3;

// Q.763 message type codes.
constexpr uint8_t kIsupIam = 0x01, kIsupAcm = 0x06, kIsupCon = 0x07, kIsupAnm = 0x09,
                  kIsupRel = 0x0C, kIsupRlc = 0x10, kIsupCpg = 0x2C;

// Final responses to an INVITE after which the caller's side sends it again on
// the same Call-ID with a higher CSeq, as the same call: 3xx, a redirect to
// the Contact targets (RFC 3261 8.1.3.4); 401/407, credentials (22.2); 413,
// 415, 416, 420, the request changed as the response says (8.1.3.5); 421, the
// extension it requires (21.4.16); 422, a longer session interval (RFC 4028);
// 494, a security agreement first (RFC 3329). Not 488 nor 503: a session or a
// server that will not take the call ends most calls that get them.
bool asks_for_retry(uint16_t st) {
  if (st >= 300 && st < 400) return true;
  switch (st) {
    case 401: case 407: case 413: case 415: case 416: case 420: case 421: case 422: case 494: return true;
    default: return false;
  }
}

}  // namespace

void format_source(const Endpoint& e, FixedStr<48>& out) {
  char buf[64];
  size_t n = 0;
  format_ip(e, buf, sizeof buf, n);
  buf[n++] = ':';
  n += write_dec(buf + n, e.port);
  out.assign({buf, n});
}

const char* call_end_name(CallEnd e) {
  static constexpr const char* kNames[] = {"open",      "completed", "cancelled_before_answer", "rejected",
                                           "timed_out", "evicted",   "unseen"};
  return kNames[size_t(e)];
}


namespace {
// The decimal text of each byte value, padded to 3 chars, and its length:
// an IPv4 address is four copies, no divisions (callgrind: write_dec was
// ~130 instructions per SIP event in bench_dpdk).
struct ByteDec {
  char text[3];
  uint8_t len;
};
constexpr std::array<ByteDec, 256> make_byte_dec() {
  std::array<ByteDec, 256> t{};
  for (unsigned v = 0; v < 256; ++v) {
    ByteDec& d = t[v];
    d.len = v >= 100 ? 3 : v >= 10 ? 2 : 1;
    unsigned x = v;
    for (int i = d.len - 1; i >= 0; --i, x /= 10) d.text[i] = char('0' + x % 10);
  }
  return t;
}
constexpr std::array<ByteDec, 256> kByteDec = make_byte_dec();
}  // namespace

void format_ip(const Endpoint& e, char* out, size_t cap, size_t& len) {
  len = 0;
  if (cap < 48) return;  // "[" + 8 groups of 4 + 7 ":" + "]" = 41
  size_t n = 0;
  if (e.family == 4) {
    for (size_t i = 0; i < 4; ++i) {
      const ByteDec& d = kByteDec[e.addr[i]];
      std::memcpy(out + n, d.text, 3);  // room: cap >= 48
      n += d.len;
      out[n] = '.';
      n += i < 3;
    }
  } else if (e.family == 6) {
    out[n++] = '[';
    for (size_t i = 0; i < 16; i += 2) {
      if (i) out[n++] = ':';
      n += write_hex(out + n, unsigned(e.addr[i] << 8 | e.addr[i + 1]));
    }
    out[n++] = ']';
  }
  len = n;
}

uint64_t CallTracker::sip_key(std::string_view call_id) { return hash_key(call_id, 1); }
uint64_t CallTracker::isup_key(uint32_t opc, uint32_t dpc, uint16_t cic) {
  uint32_t lo = opc < dpc ? opc : dpc, hi = opc < dpc ? dpc : opc;
  return hash_u64(uint64_t(lo) << 32 | hi, hash_u64(uint64_t(cic) << 8 | 2));
}
uint64_t CallTracker::cap_key(uint32_t ssf_pc, const std::array<uint8_t, 4>& tid, uint8_t len) {
  uint64_t v = 0;
  for (uint8_t k = 0; k < len && k < 4; ++k) v = v << 8 | tid[k];
  return hash_u64(uint64_t(ssf_pc) << 32 | v, hash_u64(uint64_t(len) << 8 | 4));
}

CallTracker::CallTracker(const CallTrackerConfig& cfg)
    : cfg_(cfg), table_(cfg.max_calls), legs_(cfg.same_call_window_ns) {}

const CallRecord* CallTracker::find_sip(std::string_view call_id) const { return table_.find(sip_key(call_id)); }
const CallRecord* CallTracker::find_isup(uint32_t opc, uint32_t dpc, uint16_t cic) const {
  return table_.find(isup_key(opc, dpc, cic));
}

void CallTracker::on_event(const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts) {
  if (ev.ts_ns >= last_sweep_ns_ + cfg_.sweep_every_ns) {
    if (last_sweep_ns_ != 0) expire(ev.ts_ns, facts);
    last_sweep_ns_ = ev.ts_ns;
  }
  if (ev.has(kLayerSip)) on_sip(ev, i, facts);
  else if (ev.has(kLayerIsup)) on_isup(ev, i, facts);
  else if (ev.has(kLayerCap) || (ev.proto == Proto::Tcap && ev.has(kLayerTcap))) on_cap(ev, i, facts);
}

CallRecord* CallTracker::open_call(uint64_t key, const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts) {
  auto evict = [&](CallRecord& old) {  // the table is full: the oldest call goes
    old.state = CallState::Ended;
    old.end = CallEnd::Evicted;
    old.end_ns = ev.ts_ns;
    facts.push_back({CallFactKind::Ended, i, &old});
  };
  CallRecord* r = table_.emplace(key, evict).first;
  r->key = key;
  r->setup_ns = ev.ts_ns;
  r->first_frame = ev.frame;
  r->first_port = ev.port;
  return r;
}

void CallTracker::started(CallRecord& r, uint32_t leg, uint32_t i, std::vector<CallFact>& facts) {
  ++counters_.calls;
  if (legs_.later_leg(r.a.view(), r.b.view(), r.setup_ns, leg)) {
    r.later_leg = true;
    ++counters_.later_legs;
  }
  facts.push_back({CallFactKind::Started, i, &r});
}

void CallTracker::end_call(CallRecord& r, CallEnd how, uint64_t ts, uint16_t cause, uint32_t i,
                           std::vector<CallFact>& facts) {
  r.state = CallState::Ended;
  r.end = how;
  r.end_ns = ts;
  if (cause) r.release_cause = cause;
  switch (how) {
    case CallEnd::Completed: ++counters_.completed; break;
    case CallEnd::CancelledBeforeAnswer: ++counters_.cancelled; break;
    case CallEnd::Rejected: ++counters_.rejected; break;
    case CallEnd::Unseen: ++counters_.unseen; break;
    default: ++counters_.timed_out; break;
  }
  facts.push_back({CallFactKind::Ended, i, &r});
  table_.erase(r.key);  // the record stays readable until new_burst()
}

void CallTracker::on_sip(const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts) {
  const SipInfo& s = ev.sip;
  if (s.call_id.empty()) return;
  uint64_t key = sip_key(s.call_id);
  CallRecord* r = table_.find(key);
  if (s.method == SipMethod::Invite) {
    if (r) {
      if (!s.to_tag.empty()) ++counters_.reinvites;  // re-INVITE in the dialog
      else if (r->retry_ns) r->retry_ns = 0;  // resent as asked (credentials, new target): the call goes on
      else ++counters_.retransmissions;
      return;
    }
    if (!s.to_tag.empty()) { ++counters_.orphan_messages; return; }  // re-INVITE of a call we never saw
    CallRecord* nr = open_call(key, ev, i, facts);
    nr->proto = CallProto::Sip;
    nr->a.assign(sip_calling(s));
    nr->b.assign(sip_called(s));
    format_source(ev.src, nr->source);
    nr->user_agent.assign(s.user_agent);
    nr->imei.assign(s.imei);
    nr->cell.assign(s.cell);
    nr->call_id.assign(s.call_id);
    started(*nr, LegWindow::hop_kind(kLegSipHops, ev.src, ev.dst), i, facts);
    return;
  }
  if (!r) {
    if (s.method == SipMethod::Bye || s.method == SipMethod::Cancel ||
        (s.method == SipMethod::None && s.cseq_method == SipMethod::Invite))
      ++counters_.orphan_messages;
    return;
  }
  switch (s.method) {
    case SipMethod::Cancel:
      if (!r->answered()) end_call(*r, CallEnd::CancelledBeforeAnswer, ev.ts_ns, 487, i, facts);
      return;
    case SipMethod::Bye:
      if (r->answered()) end_call(*r, CallEnd::Completed, ev.ts_ns, 0, i, facts);
      else end_call(*r, CallEnd::CancelledBeforeAnswer, ev.ts_ns, 0, i, facts);
      return;
    case SipMethod::None:
      break;
    default:
      return;  // ACK, INFO, UPDATE, PRACK... inside the dialog
  }
  // A 2xx to a BYE the link did not show (lost on the way, or an inline
  // probe's own that cut the call) ends the call all the same.
  if (s.cseq_method == SipMethod::Bye && s.status >= 200 && s.status < 300 && r->answered()) {
    end_call(*r, CallEnd::Completed, ev.ts_ns, 0, i, facts);
    return;
  }
  if (s.cseq_method != SipMethod::Invite) return;
  uint16_t st = s.status;
  if (st >= 180 && st < 200) {
    ringing(*r, ev.ts_ns, i, facts);
  } else if (st >= 200 && st < 300) {
    if (!r->answered()) r->release_cause = st;  // forking: the first 2xx answers the call
    answer(*r, ev.ts_ns, i, facts);
  } else if (asks_for_retry(st) && !r->answered()) {
    // Not an outcome: the caller's UA (or a proxy for it) sends the INVITE
    // again, same Call-ID, higher CSeq, and that is still this call.
    if (!r->retry_ns) ++(st == 401 || st == 407 ? counters_.challenged : counters_.retry_asked);
    r->retry_ns = ev.ts_ns;
    r->release_cause = st;
  } else if (st >= 300 && !r->answered()) {
    end_call(*r, st == 487 ? CallEnd::CancelledBeforeAnswer : CallEnd::Rejected, ev.ts_ns, st, i, facts);
  }
}

void CallTracker::ringing(CallRecord& r, uint64_t ts, uint32_t i, std::vector<CallFact>& facts) {
  if (r.state != CallState::Setup) return;
  r.state = CallState::Ringing;
  r.ring_ns = ts;
  facts.push_back({CallFactKind::Ringing, i, &r});
}

void CallTracker::answer(CallRecord& r, uint64_t ts, uint32_t i, std::vector<CallFact>& facts) {
  if (r.answered()) return;
  r.state = CallState::Answered;
  r.answer_ns = ts;
  r.retry_ns = 0;  // another fork answered after one asked for a retry
  ++counters_.answered;
  facts.push_back({CallFactKind::Answered, i, &r});
}

void CallTracker::on_isup(const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts) {
  const IsupInfo& m = ev.isup;
  uint64_t key = isup_key(ev.mtp3.opc, ev.mtp3.dpc, m.cic);
  CallRecord* r = table_.find(key);
  if (m.msg_type == kIsupIam) {
    if (r) { ++counters_.retransmissions; return; }
    CallRecord* nr = open_call(key, ev, i, facts);
    nr->proto = CallProto::Isup;
    nr->a.assign(m.calling);
    nr->b.assign(m.called);
    // "opc:OPC" and "isup:OPC-DPC-CIC", written as format_source() writes IPs.
    char buf[64];
    size_t n = 0;
    for (char c : std::string_view("opc:")) buf[n++] = c;
    n += write_dec(buf + n, ev.mtp3.opc);
    nr->source.assign({buf, n});
    n = 0;
    for (char c : std::string_view("isup:")) buf[n++] = c;
    n += write_dec(buf + n, ev.mtp3.opc);
    buf[n++] = '-';
    n += write_dec(buf + n, ev.mtp3.dpc);
    buf[n++] = '-';
    n += write_dec(buf + n, m.cic);
    nr->call_id.assign({buf, n});
    nr->orig_pc = ev.mtp3.opc;
    started(*nr, kLegIsup, i, facts);
    return;
  }
  if (!r) {
    if (m.msg_type == kIsupRel || m.msg_type == kIsupAnm) ++counters_.orphan_messages;
    return;
  }
  switch (m.msg_type) {
    case kIsupAcm:
    case kIsupCpg:
      ringing(*r, ev.ts_ns, i, facts);
      break;
    case kIsupAnm:
    case kIsupCon:
      answer(*r, ev.ts_ns, i, facts);
      break;
    case kIsupRel: {
      uint16_t cause = m.has_cause ? m.cause : 0;
      CallEnd how = CallEnd::Completed;
      if (!r->answered())  // released by the caller's side before answer = cancelled
        how = ev.mtp3.opc == r->orig_pc ? CallEnd::CancelledBeforeAnswer : CallEnd::Rejected;
      end_call(*r, how, ev.ts_ns, cause, i, facts);
      break;
    }
    case kIsupRlc:
    default:
      break;
  }
}

// CAMEL: the gsmSSF opens a dialogue with InitialDP for each call of a CAMEL
// subscriber (collectedInfo: the subscriber calls; termAttemptAuthorized: is
// called) and reports the events the gsmSCF armed with eventReportBCSM in
// that dialogue. The call is the SSF's dialogue: its point code and its
// transaction id, which the SSF sends as otid and the SCF as dtid.
void CallTracker::on_cap(const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts) {
  const CapInfo& k = ev.cap;
  const TcapInfo& t = ev.tcap;
  const bool closes = t.type == TcapType::End || t.type == TcapType::Abort;
  // A TCAP message without components (proto tcap) matters only when it
  // closes a CAMEL call's dialogue.
  if (!ev.has(kLayerCap) && !closes) return;
  if (ev.has(kLayerCap) && k.component == MapComponent::Invoke && k.opcode == cap_op::kInitialDp) {
    if (t.type != TcapType::Begin || !t.otid_len || k.calling.empty() || k.called.empty()) return;
    uint64_t key = cap_key(ev.mtp3.opc, t.otid, t.otid_len);
    if (table_.find(key)) { ++counters_.retransmissions; return; }
    CallRecord* nr = open_call(key, ev, i, facts);
    nr->proto = CallProto::Cap;
    nr->a.assign(k.calling);
    nr->b.assign(k.called);
    // An originating call's location is the caller's cell; a terminating
    // one (termAttemptAuthorized) names the called subscriber's.
    if (k.event_type < cap_event::kTermAttemptAuthorized) nr->cell.assign(k.cell);
    // "msc:GT" (the serving MSC's address, else the SSF's global title) and
    // "cap:OPC-OTID".
    std::string_view msc = k.msc.empty() ? ev.sccp.calling.gt : k.msc;
    char buf[64];
    size_t n = 0;
    for (char c : std::string_view("msc:")) buf[n++] = c;
    for (char c : msc.substr(0, 32)) buf[n++] = c;
    nr->source.assign({buf, n});
    n = 0;
    for (char c : std::string_view("cap:")) buf[n++] = c;
    n += write_dec(buf + n, ev.mtp3.opc);
    buf[n++] = '-';
    for (uint8_t b = 0; b < t.otid_len; ++b) {
      buf[n++] = "0123456789abcdef"[t.otid[b] >> 4];
      buf[n++] = "0123456789abcdef"[t.otid[b] & 0xF];
    }
    nr->call_id.assign({buf, n});
    nr->orig_pc = ev.mtp3.opc;
    started(*nr, k.event_type < cap_event::kTermAttemptAuthorized ? kLegCamelOriginating : kLegCamelTerminating, i,
            facts);
    return;
  }
  // The SCF's first answer names both ids (otid its own, dtid the SSF's):
  // remember its id for the SSF's TC-END and TC-ABORT, which carry only that.
  if (t.otid_len && t.dtid_len && t.type == TcapType::Continue) {
    const uint64_t ssf_key = cap_key(ev.mtp3.dpc, t.dtid, t.dtid_len);
    if (table_.find(ssf_key)) {
      if (scf_ids_.empty()) scf_ids_.resize(kScfIdSlots);
      const uint64_t scf_key = cap_key(ev.mtp3.opc, t.otid, t.otid_len);
      scf_ids_[scf_key % kScfIdSlots] = {scf_key, ssf_key};
    }
  }
  const bool reports = ev.has(kLayerCap) && k.component == MapComponent::Invoke &&
                       (k.opcode == cap_op::kEventReportBcsm || k.opcode == cap_op::kReleaseCall);
  if (!reports && !closes) return;
  // From the SSF its own id is the otid; from the SCF the SSF's id is the
  // dtid; the SSF's TC-END or TC-ABORT names only the SCF's id.
  CallRecord* r = t.otid_len ? table_.find(cap_key(ev.mtp3.opc, t.otid, t.otid_len)) : nullptr;
  if (!r && t.dtid_len) r = table_.find(cap_key(ev.mtp3.dpc, t.dtid, t.dtid_len));
  if (!r && t.dtid_len && !t.otid_len && !scf_ids_.empty()) {
    const uint64_t scf_key = cap_key(ev.mtp3.dpc, t.dtid, t.dtid_len);
    const ScfId& s = scf_ids_[scf_key % kScfIdSlots];
    if (s.scf_key == scf_key) r = table_.find(s.ssf_key);
  }
  if (!r) {
    if (reports) ++counters_.orphan_messages;
    return;
  }
  if (reports) report(*r, ev, i, facts);
  // The dialogue is over; a call still open will never report its outcome.
  if (closes && r->state != CallState::Ended) end_call(*r, CallEnd::Unseen, ev.ts_ns, 0, i, facts);
}

void CallTracker::report(CallRecord& r, const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts) {
  const CapInfo& k = ev.cap;
  uint16_t cause = k.has_cause ? k.cause : 0;
  if (k.opcode == cap_op::kReleaseCall) {  // the SCF ends the call (no credit, barred, ...)
    end_call(r, r.answered() ? CallEnd::Completed : CallEnd::Rejected, ev.ts_ns, cause, i, facts);
    return;
  }
  switch (k.event_type) {
    case cap_event::kOTermSeized:
    case cap_event::kCallAccepted:
      ringing(r, ev.ts_ns, i, facts);
      break;
    case cap_event::kOAnswer:
    case cap_event::kTAnswer:
      answer(r, ev.ts_ns, i, facts);
      break;
    case cap_event::kODisconnect:
    case cap_event::kTDisconnect:
    case cap_event::kOAbandon:
    case cap_event::kTAbandon:
      end_call(r, r.answered() ? CallEnd::Completed : CallEnd::CancelledBeforeAnswer, ev.ts_ns, cause, i,
               facts);
      break;
    case cap_event::kRouteSelectFailure:
    case cap_event::kOCalledPartyBusy:
    case cap_event::kONoAnswer:
    case cap_event::kTBusy:
    case cap_event::kTNoAnswer:
      if (!r.answered()) end_call(r, CallEnd::Rejected, ev.ts_ns, cause, i, facts);
      break;
    default:
      break;
  }
}

void CallTracker::expire(uint64_t now_ns, std::vector<CallFact>& facts) {
  table_.erase_if([&](uint64_t, CallRecord& r) {
    uint64_t limit = r.answered() ? r.answer_ns + cfg_.call_timeout_ns : r.setup_ns + cfg_.setup_timeout_ns;
    if (now_ns < limit) return false;
    if (r.retry_ns) {  // never resent: the answer that asked for it was its rejection
      end_unretried(r, facts);
      return true;
    }
    r.state = CallState::Ended;
    r.end = CallEnd::TimedOut;
    r.end_ns = r.answered() ? now_ns : limit;
    ++counters_.timed_out;
    facts.push_back({CallFactKind::Ended, UINT32_MAX, &r});
    return true;
  });
}

void CallTracker::end_unretried(CallRecord& r, std::vector<CallFact>& facts) {
  r.state = CallState::Ended;
  r.end = CallEnd::Rejected;
  r.end_ns = r.retry_ns;
  ++counters_.rejected;
  facts.push_back({CallFactKind::Ended, UINT32_MAX, &r});
}

void CallTracker::finish(uint64_t now_ns, std::vector<CallFact>& facts) {
  table_.erase_if([&](uint64_t, CallRecord& r) {
    if (r.retry_ns) {
      end_unretried(r, facts);
      return true;
    }
    r.state = CallState::Ended;
    r.end = CallEnd::TimedOut;
    r.end_ns = now_ns > r.setup_ns ? now_ns : r.setup_ns;
    ++counters_.timed_out;
    facts.push_back({CallFactKind::Ended, UINT32_MAX, &r});
    return true;
  });
}

}  // namespace sigprobe::track
