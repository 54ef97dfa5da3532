#include "host/dp/sip_cut.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>

#include "dataplane/core/table_memory.hpp"
#include "dataplane/sip/sip_parser.hpp"
#include "host/track/call_tracker.hpp"

namespace sigprobe::dp {
namespace {

// A name-addr's URI (between < and >), else an addr-spec up to its header
// parameters (RFC 3261 20.10: without <>, a ';' ends the URI).
std::string_view uri_of(std::string_view v) {
  v = sip::trim(v);
  const size_t lt = v.find('<');
  if (lt != std::string_view::npos) {
    const size_t gt = v.find('>', lt);
    return gt == std::string_view::npos ? std::string_view{} : v.substr(lt + 1, gt - lt - 1);
  }
  return sip::trim(v.substr(0, v.find(';')));
}

// A header's values one by one (comma-separated, RFC 3261 7.3.1), across all
// its lines; false from f stops.
template <class F>
void for_each_value(const sip::SipMessage& m, sip::HeaderId id, F&& f) {
  for (const sip::SipHeader* h = m.first(id); h; h = m.next(*h)) {
    sip::ValueSplitter vs(h->value);
    std::string_view v;
    while (vs.next(v))
      if (!f(sip::trim(v))) return;
  }
}

size_t count_values(const sip::SipMessage& m, sip::HeaderId id) {
  size_t n = 0;
  for_each_value(m, id, [&](std::string_view) { return ++n, true; });
  return n;
}

// The envelope of a datagram that came in IP fragments: the L2 header of
// the fragment's frame (the same for every fragment of it), its IPv4 TOS,
// the datagram's addresses and ports. False when the frame is not
// Ethernet + IP of those addresses (a fragment inside a tunnel, say).
bool fragment_envelope(std::span<const uint8_t> frame, const SipDialogs::Reassembled& re, UdpEnvelope& env) {
  const size_t l2 = ethernet_header_len(frame);
  const uint8_t family = re.src.family;
  const size_t alen = family == 4 ? 4 : 16, addr_at = family == 4 ? 12 : 8;
  if (l2 == 0 || l2 > UdpEnvelope::kMaxL2 || (family != 4 && family != 6) || re.dst.family != family ||
      frame.size() < l2 + addr_at + 2 * alen || frame[l2] >> 4 != family ||
      std::memcmp(frame.data() + l2 + addr_at, re.src.addr.data(), alen) != 0 ||
      std::memcmp(frame.data() + l2 + addr_at + alen, re.dst.addr.data(), alen) != 0)
    return false;
  env = UdpEnvelope{};
  std::memcpy(env.l2.data(), frame.data(), l2);
  env.l2_len = uint8_t(l2);
  env.family = family;
  env.tclass = family == 4 ? frame[l2 + 1] : 0;
  std::memcpy(env.src.data(), re.src.addr.data(), alen);
  std::memcpy(env.dst.data(), re.dst.addr.data(), alen);
  env.sport = re.src.port;
  env.dport = re.dst.port;
  return true;
}

// The message and its envelope: from the frame, or from the reassembled datagram.
std::optional<sip::SipMessage> parse(std::span<const uint8_t> frame, const SipDialogs::Reassembled& re,
                                     UdpEnvelope& env) {
  std::string_view text = re.text;
  Bytes payload;
  if (text.empty() ? !udp_envelope_of(frame, env, payload) : !fragment_envelope(frame, re, env))
    return std::nullopt;
  if (text.empty()) text = {reinterpret_cast<const char*>(payload.data()), payload.size()};
  sip::AnomalySet anomalies;
  return sip::parse_sip(text, anomalies);
}

// A header value on one line (a folded one is refused: it is rare enough).
bool one_line(const sip::SipHeader* h) { return h && !h->folded; }

void put_host_port(TextOut& t, const UdpEnvelope& env) {
  char ip[INET6_ADDRSTRLEN] = {};
  if (env.family == 4) {
    inet_ntop(AF_INET, env.src.data(), ip, sizeof ip);
    t.put(ip);
  } else {
    inet_ntop(AF_INET6, env.src.data(), ip, sizeof ip);
    t.put("[");
    t.put(ip);
    t.put("]");
  }
  t.put(":");
  t.number(env.sport);
}

}  // namespace

bool SipDialog::keep(std::string_view s, Span& out) {
  if (s.size() > kTextBytes - used) return false;
  if (!s.empty()) std::memcpy(text.data() + used, s.data(), s.size());  // an empty view may have no data
  out = {used, uint16_t(s.size())};
  used = uint16_t(used + s.size());
  return true;
}

static_assert(std::is_trivially_destructible_v<SipDialog>);

SipDialogs::~SipDialogs() {
  if (slots_) unmap_table(slots_, (mask_ + 1) * sizeof(SipDialog));
}

bool SipDialogs::reserve() {
  if (slots_) return true;
  void* p = map_zeroed_table((mask_ + 1) * sizeof(SipDialog));
  if (!p) return false;
  slots_ = static_cast<SipDialog*>(p);
  std::uninitialized_value_construct_n(slots_, mask_ + 1);
  return true;
}

void SipDialogs::learn(std::span<const uint8_t> frame, const SipInfo& sip, uint16_t out_port,
                       const Reassembled& reassembled) {
  if (sip.call_id.empty() || !reserve()) return;
  const uint64_t key = track::call_id_hash(sip.call_id);
  SipDialog& d = slots_[key & mask_];
  const bool mine = d.key == key;

  if (sip.status == 0 && sip.method == SipMethod::Invite && sip.to_tag.empty()) {
    if (mine) return;  // a retransmission: the first is kept (a challenge's 407 freed the slot)
    UdpEnvelope env;
    auto m = parse(frame, reassembled, env);
    if (!m || !m->is_request) {
      ++counters_.not_one_frame;
      return;
    }
    if (d.key != 0 && d.answered) ++counters_.replaced;
    d.key = 0;
    d.answered = false;
    d.used = 0;
    d.n_routes = 0;
    const sip::SipHeader* from = m->first(sip::HeaderId::From);
    const sip::SipHeader* contact = m->first(sip::HeaderId::Contact);
    const std::string_view target = contact ? uri_of(contact->value) : std::string_view{};
    const size_t routes = count_values(*m, sip::HeaderId::RecordRoute);
    if (!one_line(from) || !one_line(contact) || target.empty() || routes > SipDialog::kMaxRoutes ||
        !d.keep(sip.call_id, d.call_id) || !d.keep(from->value, d.from) || !d.keep(sip.from_tag, d.caller_tag) ||
        !d.keep(target, d.caller_target)) {
      ++counters_.too_long;
      return;
    }
    d.invite_routes = uint8_t(routes);
    d.caller_cseq = sip.cseq_num;
    d.callee_cseq = 0;
    d.toward_callee = env;
    d.callee_port = out_port;
    d.key = key;
    ++counters_.learned;
    counters_.reassembled += !reassembled.text.empty();
    return;
  }
  if (!mine) return;
  if (sip.status != 0 && d.answered) {
    // The 2xx to a target refresh (a re-INVITE or UPDATE, RFC 3261 12.2,
    // RFC 3311): the answerer's Contact is its target from now on, and the
    // sender's new one, kept from its request, becomes the sender's.
    const Side sender = side_of(d, sip.from_tag, sip.to_tag);
    const bool refresh = sip.cseq_method == SipMethod::Invite || sip.cseq_method == SipMethod::Update;
    if (sender == Side::None || !refresh || sip.status < 200 || sip.status >= 300) return;
    refresh_from(frame, reassembled, d, sender == Side::Caller ? Side::Callee : Side::Caller, true);
    if (d.refresh_side == sender && d.refresh_cseq == sip.cseq_num) {
      (sender == Side::Caller ? d.caller_target : d.callee_target) = d.refresh_target;
      d.refresh_side = Side::None;
      ++counters_.refreshed;
    }
    return;
  }
  if (sip.status != 0) {
    if (sip.cseq_method != SipMethod::Invite || sip.status < 200) return;
    if (sip.status >= 300) {  // the call failed: nothing to cut
      d.key = 0;
      return;
    }
    UdpEnvelope env;
    auto m = parse(frame, reassembled, env);
    if (!m || m->is_request) {
      ++counters_.not_one_frame;
      d.key = 0;
      return;
    }
    const sip::SipHeader* to = m->first(sip::HeaderId::To);
    const sip::SipHeader* contact = m->first(sip::HeaderId::Contact);
    const std::string_view target = contact ? uri_of(contact->value) : std::string_view{};
    bool ok = one_line(to) && one_line(contact) && !target.empty() && !sip.to_tag.empty() &&
              d.keep(to->value, d.to) && d.keep(sip.to_tag, d.callee_tag) && d.keep(target, d.callee_target);
    for_each_value(*m, sip::HeaderId::RecordRoute, [&](std::string_view rr) {
      // The name-addr, without header parameters (RFC 3261 12.1.2).
      const size_t gt = rr.find('>');
      ok = ok && d.n_routes < SipDialog::kMaxRoutes &&
           d.keep(gt == std::string_view::npos ? rr : rr.substr(0, gt + 1), d.routes[d.n_routes++]);
      return ok;
    });
    if (!ok || d.n_routes < d.invite_routes) {
      ++counters_.too_long;
      d.key = 0;
      return;
    }
    d.toward_caller = env;
    d.caller_port = out_port;
    d.answered = true;
    ++counters_.answered;
    counters_.reassembled += !reassembled.text.empty();
    return;
  }
  // A request within the dialog: its sender's CSeq; a BYE ends it.
  if (sip.method == SipMethod::Bye) {
    d.key = 0;
    return;
  }
  if (sip.from_tag == d.str(d.caller_tag)) d.caller_cseq = std::max(d.caller_cseq, sip.cseq_num);
  else if (d.answered && sip.from_tag == d.str(d.callee_tag)) d.callee_cseq = std::max(d.callee_cseq, sip.cseq_num);
  // A target refresh request: its sender's new Contact waits for the 2xx.
  const Side sender = d.answered ? side_of(d, sip.from_tag, sip.to_tag) : Side::None;
  if (sender != Side::None && (sip.method == SipMethod::Invite || sip.method == SipMethod::Update)) {
    d.refresh_side = Side::None;
    if (refresh_from(frame, reassembled, d, sender, false)) {
      d.refresh_side = sender;
      d.refresh_cseq = sip.cseq_num;
    }
  }
}

SipDialogs::Side SipDialogs::side_of(const SipDialog& d, std::string_view from_tag, std::string_view to_tag) {
  if (from_tag == d.str(d.caller_tag) && to_tag == d.str(d.callee_tag)) return Side::Caller;
  if (from_tag == d.str(d.callee_tag) && to_tag == d.str(d.caller_tag)) return Side::Callee;
  return Side::None;
}

bool SipDialogs::refresh_from(std::span<const uint8_t> frame, const Reassembled& reassembled, SipDialog& d,
                              Side side, bool commit) {
  UdpEnvelope env;
  auto m = parse(frame, reassembled, env);
  const sip::SipHeader* contact = m ? m->first(sip::HeaderId::Contact) : nullptr;
  const std::string_view target = one_line(contact) ? uri_of(contact->value) : std::string_view{};
  SipDialog::Span& now = side == Side::Caller ? d.caller_target : d.callee_target;
  if (target.empty() || target == d.str(now)) return false;  // no Contact, or the same: nothing changes
  SipDialog::Span& into = commit ? now : d.refresh_target;
  if (commit && target.size() <= now.len) {  // in place: the text store does not grow
    std::memcpy(d.text.data() + now.off, target.data(), target.size());
    now.len = uint16_t(target.size());
  } else if (!d.keep(target, into)) {
    ++counters_.refresh_not_kept;
    return false;
  }
  if (commit) ++counters_.refreshed;
  return true;
}

const SipDialog* SipDialogs::find(uint64_t key) const {
  if (!slots_ || key == 0) return nullptr;
  const SipDialog& d = slots_[key & mask_];
  return d.key == key && d.answered ? &d : nullptr;
}

size_t build_sip_bye(const SipDialog& d, CutSide to, std::span<uint8_t> out) {
  const bool callee = to == CutSide::Callee;
  const UdpEnvelope& env = callee ? d.toward_callee : d.toward_caller;
  const size_t hdr = env.header_len();
  if (!d.answered || out.size() <= hdr) return 0;
  TextOut t(out.data() + hdr, out.size() - hdr);
  t.put("BYE ");
  t.put(d.str(callee ? d.callee_target : d.caller_target));
  t.put(" SIP/2.0\r\nVia: SIP/2.0/UDP ");
  put_host_port(t, env);
  // A branch of this probe's own (RFC 3261 8.1.1.7), one per call and side.
  t.put(";branch=z9hG4bKsigprobe");
  t.hex32(uint32_t(d.key >> 32));
  t.hex32(uint32_t(d.key));
  t.put(callee ? "b" : "a");
  t.put(";rport\r\nMax-Forwards: 70\r\n");
  // The hops beyond the link towards the party: to the callee the entries
  // added after the link, nearest first (reversed); to the caller the INVITE's.
  const size_t beyond = d.n_routes - d.invite_routes;
  const size_t first = callee ? 0 : beyond, last = callee ? beyond : d.n_routes;
  for (size_t k = first; k < last; ++k) {
    t.put(k == first ? "Route: " : ", ");
    t.put(d.str(d.routes[callee ? last - 1 - (k - first) : k]));
    if (k + 1 == last) t.put("\r\n");
  }
  t.put("From: ");
  t.put(d.str(callee ? d.from : d.to));
  t.put("\r\nTo: ");
  t.put(d.str(callee ? d.to : d.from));
  t.put("\r\nCall-ID: ");
  t.put(d.str(d.call_id));
  // A number above every CSeq of the dialog, either way: above the sender's
  // last (RFC 3261 12.2.1.1; the callee's first request may take any), and
  // never the number of a response the same way. tshark pairs a request's
  // retransmissions per direction by CSeq, and a BYE numbered as the 200 to
  // the INVITE before it (the callee's "1 BYE" after "200 OK, 1 INVITE")
  // was never paired: its resends read as new requests.
  t.put("\r\nCSeq: ");
  t.number(std::max(d.caller_cseq, d.callee_cseq) + 1);
  t.put(" BYE\r\nReason: Q.850;cause=21;text=\"cut by the anti-fraud probe\"\r\nContent-Length: 0\r\n\r\n");
  return t.ok() ? write_udp_frame(env, t.size(), out) : 0;
}

bool ByeResends::add(const SipDialog& d, std::span<const uint8_t> to_callee, uint16_t callee_port,
                     std::span<const uint8_t> to_caller, uint16_t caller_port, uint64_t now_ns) {
  reserve();
  // A call cut again (its BYEs anew) takes its own place; else a free one.
  auto at = std::find_if(calls_.begin(), calls_.end(), [&](const Call& c) { return c.key == d.key; });
  const bool again = at != calls_.end();
  if (!again) at = std::find_if(calls_.begin(), calls_.end(), [](const Call& c) { return c.key == 0; });
  if (at == calls_.end() || to_callee.size() > kFrameBytes || to_caller.size() > kFrameBytes) {
    ++counters_.not_kept;
    return false;
  }
  Call& c = *at;
  c.key = d.key;
  c.caller_tag = track::hash_bytes(d.str(d.caller_tag));
  c.callee_tag = track::hash_bytes(d.str(d.callee_tag));
  c.first_ns = now_ns;
  c.interval_ns = kT1Ns;
  c.due_ns = now_ns + kT1Ns;
  c.port = {callee_port, caller_port};
  c.len = {uint16_t(to_callee.size()), uint16_t(to_caller.size())};
  c.answered = {false, false};
  std::memcpy(c.frame[0].data(), to_callee.data(), to_callee.size());
  std::memcpy(c.frame[1].data(), to_caller.data(), to_caller.size());
  active_ += again ? 0 : 1;
  update_next_due();
  return true;
}

void ByeResends::on_sip(const SipInfo& sip) {
  if (active_ == 0 || sip.call_id.empty()) return;
  const bool bye = sip.status == 0 && sip.method == SipMethod::Bye;
  const bool bye_answer = sip.status >= 200 && sip.cseq_method == SipMethod::Bye;
  if (!bye && !bye_answer) return;
  const uint64_t key = track::call_id_hash(sip.call_id);
  for (Call& c : calls_) {
    if (c.key != key) continue;
    if (bye) {  // a party ends the call itself: its peer gets that BYE, it needs none
      answer(c, 0);
      answer(c, 1);
    } else {
      // A response keeps the request's From: a BYE from the caller's side
      // (From: the caller's tag) was answered by the callee, and so on.
      const uint64_t from = track::hash_bytes(sip.from_tag);
      if (from == c.caller_tag) answer(c, 0);
      else if (from == c.callee_tag) answer(c, 1);
    }
    if (c.answered[0] && c.answered[1]) release(c);
    update_next_due();
    return;
  }
}

void ByeResends::answer(Call& c, int side) {
  if (c.answered[size_t(side)]) return;
  c.answered[size_t(side)] = true;
  ++counters_.answered;
}

void ByeResends::release(Call& c) {
  c.key = 0;
  --active_;
}

void ByeResends::update_next_due() {
  next_due_ns_ = UINT64_MAX;
  if (active_ == 0) return;
  for (const Call& c : calls_)
    if (c.key != 0) next_due_ns_ = std::min(next_due_ns_, c.due_ns);
}

}  // namespace sigprobe::dp
