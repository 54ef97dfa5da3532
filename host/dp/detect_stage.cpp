#include "host/dp/detect_stage.hpp"

#include "dataplane/sip/sip_decode.hpp"
#include "host/dp/hold_in_place.hpp"
#include "host/dp/sip_reject.hpp"
#include "host/dp/udp_frame.hpp"

#include <algorithm>
#include <cstring>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace sigprobe::dp {
namespace {

// The set of a TCP connection's held values: its ports, mixed.
size_t set_of_ports(uint32_t ports, size_t sets) {
  return size_t(((uint64_t(ports) * 0x9E3779B97F4A7C15ull) >> 32) % sets);
}

}  // namespace

DetectStage::DetectStage(Analyzer* analyzer, std::vector<Sink*> sinks, bool enforce, bool mirror,
                         DetectStats& stats)
    : analyzer_(analyzer), sinks_(std::move(sinks)), enforce_(enforce), mirror_(mirror), stats_(stats) {
  pending_.reserve(64);
}

void DetectStage::process_run(BurstSlot& s, uint16_t first, uint16_t last) {
  if (first >= last) return;
  const uint64_t base = frame_;
  for (uint16_t i = first; i < last; ++i) {
    s.pkts[i].frame = ++frame_;
    s.verdict[i] = kVerdictPass;
  }
  std::span<SignalEvent> ev = s.batch.events().subspan(s.ev_begin[first], s.ev_begin[last] - s.ev_begin[first]);
  // Decode numbered the events by burst position + 1; make them capture frames.
  for (SignalEvent& e : ev) e.frame = base + e.frame - first;
  last_ts_ns_ = s.pkts[last - 1].ts_ns;
  stats_.packets.add(last - first);
  stats_.events.add(ev.size());

  std::span<const PacketRef> pkts(s.pkts.data() + first, last - first);
  for (Sink* k : sinks_) k->on_burst(pkts, ev);
  if (!analyzer_) return;
  stats_.offload_fallbacks.set(analyzer_->offload_fallbacks());
  if (!enforce_ && !mirror_) {
    // No per-packet verdict to give: the whole run in one call, so that the
    // analyzer batches its pattern scan and rate updates. The alerts and
    // their order are the same as packet by packet.
    pending_.clear();
    analyzer_->on_events(ev, pending_);
    dispatch_alerts();
    return;
  }
  // Read here, on the lcore that owns the analyzer: a reload may change it.
  // Inline only: a tap cannot answer anyone.
  const uint16_t reject_status = enforce_ && !peer_.empty() ? analyzer_->sip_reject_status() : 0;
  // Packet by packet, so that a verdict is due on the message that crosses
  // the threshold whatever the burst boundaries: the same packets are
  // blocked or mirrored with one worker or many, and burst sizes do not matter.
  auto all = s.batch.events();
  const bool cutting = enforce_ && !peer_.empty() && analyzer_->cuts_calls();
  for (uint16_t i = first; i < last; ++i) {
    if (cutting && resends_.due(s.pkts[i].ts_ns)) resend_byes(s, i);
    const uint16_t e0 = s.ev_begin[i], e1 = s.ev_begin[i + 1];
    if (e0 == e1) continue;
    if (cutting) learn_dialogs(s, i);
    pending_.clear();
    analyzer_->on_events(all.subspan(e0, e1 - e0), pending_);
    dispatch_alerts();
    if (enforce_)
      for (uint64_t call : analyzer_->calls_to_cut()) cut(s, i, call);
    const bool check_mirror = mirror_ && !flagged_.empty();
    if (!enforce_ && !check_mirror) continue;
    uint8_t v = kVerdictPass;
    for (uint16_t e = e0; e < e1; ++e) {
      const SignalEvent& x = all[e];
      if (enforce_ && analyzer_->blocked(x)) {
        if (x.transport == Transport::Sctp || x.transport == Transport::Tcp) {
          hold(s, i, x);  // never dropped: see hold_in_place.hpp
        } else {
          v |= kVerdictDrop;
          if (reject_status != 0 && x.proto == Proto::Sip && x.sip.method == SipMethod::Invite &&
              x.sip.status == 0 && !s.answer[i])
            answer(s, i, reject_status);
        }
      }
      if (check_mirror && flagged_.matches(x)) v |= kVerdictMirror;
    }
    s.verdict[i] = v;
  }
  if (n_sent_ != 0) tell_sent();
  if (enforce_) hold_repeats(s, first, last);
}

void DetectStage::injected(BurstSlot& s, uint16_t i, rte_mbuf* m, uint16_t port) {
  s.inject_mirror[s.n_inject] = false;
  sent(m, port, s.pkts[i].ts_ns, &s.inject_mirror[s.n_inject]);
  s.inject_port[s.n_inject] = port;
  s.inject[s.n_inject++] = m;
}

void DetectStage::answer(BurstSlot& s, uint16_t i, uint16_t status) {
  const PacketRef& pkt = s.pkts[i];
  rte_mbuf* r = s.mbufs[i] ? rte_pktmbuf_alloc(s.mbufs[i]->pool) : nullptr;
  size_t len = 0;
  if (!r || build_sip_reject(pkt.bytes(), status, {rte_pktmbuf_mtod(r, uint8_t*), size_t(rte_pktmbuf_tailroom(r))},
                             len) != RejectResult::Built) {
    if (r) rte_pktmbuf_free(r);
    ++s.answers_failed;
    return;
  }
  r->data_len = uint16_t(len);
  r->pkt_len = uint32_t(len);
  s.answer[i] = r;
  sent(r, pkt.port, pkt.ts_ns, nullptr);  // the worker mirrors it with its INVITE
}

void DetectStage::sent(const rte_mbuf* m, uint16_t port, uint64_t ts_ns, bool* mirror) {
  if (n_sent_ < sent_list_.size()) sent_list_[n_sent_++] = {m, port, ts_ns, mirror};
}

void DetectStage::tell_sent() {
  const size_t n = n_sent_;
  n_sent_ = 0;
  if (sinks_.empty() && !mirror_) return;
  sent_events_.clear();
  for (size_t k = 0; k < n; ++k) {
    const Sent& x = sent_list_[k];
    PacketRef& p = sent_refs_[k];
    p = PacketRef{};
    p.data = rte_pktmbuf_mtod(x.m, const uint8_t*);
    p.caplen = p.wirelen = x.m->data_len;
    p.ts_ns = x.ts_ns;
    p.frame = kSentFrame + ++sent_frames_;
    p.port = x.port;
    // A frame of ours: Ethernet, IP, UDP, one SIP message.
    UdpEnvelope env;
    Bytes payload;
    if (!udp_envelope_of(p.bytes(), env, payload)) continue;
    MsgContext ctx;
    ctx.pkt = &p;
    ctx.transport = Transport::Udp;
    ctx.src = {env.src, env.family, env.sport};
    ctx.dst = {env.dst, env.family, env.dport};
    const size_t before = sent_events_.size();
    sip::decode_sip(payload, ctx, sent_events_, sent_counters_);
    if (x.mirror && mirror_ && sent_events_.size() > before && flagged_.matches(sent_events_.events()[before]))
      *x.mirror = true;
  }
  const std::span<const PacketRef> pkts(sent_refs_.data(), n);
  for (Sink* k : sinks_) k->on_sent(pkts, sent_events_.events());
}

void DetectStage::learn_dialogs(const BurstSlot& s, uint16_t i) {
  const PacketRef& p = s.pkts[i];
  if (p.link != LinkType::Ethernet || p.port >= peer_.size()) return;
  auto all = s.batch.events();
  for (uint16_t e = s.ev_begin[i]; e < s.ev_begin[i + 1]; ++e) {
    const SignalEvent& x = all[e];
    if (x.proto != Proto::Sip || x.transport != Transport::Udp) continue;
    // Over UDP a message not in its packet came in IP fragments.
    const std::string_view copied = s.batch.copied_message(e);
    dialogs_.learn({p.data, p.caplen}, x.sip, peer_[p.port],
                   copied.empty() ? SipDialogs::Reassembled{} : SipDialogs::Reassembled{copied, x.src, x.dst});
    resends_.on_sip(x.sip);
  }
  count_resends();
  stats_.dialogs.set(dialogs_.counters().learned);
  stats_.dialogs_answered.set(dialogs_.counters().answered);
  stats_.dialogs_not_kept.set(dialogs_.counters().too_long + dialogs_.counters().not_one_frame);
}

void DetectStage::cut(BurstSlot& s, uint16_t i, uint64_t call) {
  const SipDialog* d = dialogs_.find(call);
  rte_mempool* pool = s.mbufs[i] ? s.mbufs[i]->pool : nullptr;
  if (!d || !pool || d->callee_port == kNoPort || d->caller_port == kNoPort ||
      size_t(s.n_inject) + 2 > BurstSlot::kMaxInject) {
    stats_.cut_failed.add(1);
    return;
  }
  rte_mbuf* bye[2] = {rte_pktmbuf_alloc(pool), rte_pktmbuf_alloc(pool)};
  size_t len[2] = {0, 0};
  for (int k = 0; k < 2; ++k)
    if (bye[k])
      len[k] = build_sip_bye(*d, k == 0 ? CutSide::Callee : CutSide::Caller,
                             {rte_pktmbuf_mtod(bye[k], uint8_t*), size_t(rte_pktmbuf_tailroom(bye[k]))});
  if (len[0] == 0 || len[1] == 0) {
    for (rte_mbuf* m : bye)
      if (m) rte_pktmbuf_free(m);
    stats_.cut_failed.add(1);
    return;
  }
  for (int k = 0; k < 2; ++k) {
    bye[k]->data_len = uint16_t(len[k]);
    bye[k]->pkt_len = uint32_t(len[k]);
    injected(s, i, bye[k], k == 0 ? d->callee_port : d->caller_port);
  }
  resends_.add(*d, {rte_pktmbuf_mtod(bye[0], const uint8_t*), len[0]}, d->callee_port,
               {rte_pktmbuf_mtod(bye[1], const uint8_t*), len[1]}, d->caller_port, s.pkts[i].ts_ns);
  stats_.cuts.add(1);
  count_resends();
}

void DetectStage::resend_byes(BurstSlot& s, uint16_t i) {
  rte_mempool* pool = s.mbufs[i] ? s.mbufs[i]->pool : nullptr;
  if (!pool) return;  // due still: the next packet's pool
  resends_.resend(s.pkts[i].ts_ns, BurstSlot::kMaxInject - s.n_inject,
                  [&](std::span<const uint8_t> frame, uint16_t port) {
                    rte_mbuf* m = rte_pktmbuf_alloc(pool);
                    if (!m || rte_pktmbuf_tailroom(m) < frame.size()) {
                      if (m) rte_pktmbuf_free(m);
                      stats_.resend_failed.add(1);
                      return;
                    }
                    std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), frame.data(), frame.size());
                    m->data_len = uint16_t(frame.size());
                    m->pkt_len = uint32_t(frame.size());
                    injected(s, i, m, port);
                  });
  count_resends();
}

void DetectStage::count_resends() {
  const ResendCounters& c = resends_.counters();
  stats_.byes_resent.set(c.resent);
  stats_.byes_answered.set(c.answered);
  stats_.byes_unanswered.set(c.unanswered);
  stats_.resends_not_kept.set(c.not_kept);
}

void DetectStage::hold(BurstSlot& s, uint16_t i, const SignalEvent& x) {
  const HoldKind kind = x.proto != Proto::Sip               ? HoldKind::M3ua
                        : x.transport == Transport::Sctp ? HoldKind::SipSctp
                                                         : HoldKind::SipTcp;
  hold_at(s, i, &x, x.wire, kind);
}

HoldResult DetectStage::hold_at(BurstSlot& s, uint16_t i, const SignalEvent* x, const WireSpot& spot,
                                HoldKind kind) {
  rte_mbuf* m = s.mbufs[i];
  // The frame must be the mbuf's own bytes: a chained mbuf was gathered into
  // a copy for decoding.
  const bool own = m && m->nb_segs == 1 && rte_pktmbuf_mtod(m, const uint8_t*) == s.pkts[i].data;
  const std::span<uint8_t> frame = own ? std::span<uint8_t>{rte_pktmbuf_mtod(m, uint8_t*), s.pkts[i].caplen}
                                       : std::span<uint8_t>{};
  // With a mirror port, the packet as it came in (once) for the mirror; kept
  // only if the hold changes the packet. A repeat (no event) is not mirrored.
  rte_mbuf* copy =
      own && x && mirror_ && !s.as_received[i] ? rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX) : nullptr;
  const HoldResult r = !own                         ? HoldResult::NotInPlace
                       : kind == HoldKind::M3ua    ? hold_m3ua(frame, spot)
                       : kind == HoldKind::SipSctp ? hold_sip_sctp(frame, spot)
                                                   : hold_sip_tcp(frame, spot);
  if (copy && r == HoldResult::Held) s.as_received[i] = copy;
  else if (copy) rte_pktmbuf_free(copy);
  if (r == HoldResult::NotInPlace) stats_.not_held.add(1);
  if (r != HoldResult::Held) return r;
  stats_.held.add(1);
  if (!x) return r;
  if (kind == HoldKind::SipTcp) {
    const TcpSegment seg = tcp_segment_of(frame, spot);
    if (!seg.valid) return r;
    if (held_values_.empty()) {
      held_values_.assign(kHeldValueSets * kHeldValueWays, HeldValue{});
      held_values_next_.assign(kHeldValueSets, 0);
    }
    const size_t set = set_of_ports(seg.ports, kHeldValueSets);
    uint8_t& next = held_values_next_[set];
    held_values_[set * kHeldValueWays + next] = {seg.ports, seg.seq + uint32_t(spot.msg_off - seg.data_off),
                                                 spot.msg_len};
    next = uint8_t((next + 1) % kHeldValueWays);
    return r;
  }
  if (held_chunks_.empty()) held_chunks_.assign(kHeldChunks, Held{});
  if (kind == HoldKind::M3ua) {
    if (const uint64_t k = sctp_chunk_key(frame, spot)) held_chunks_[k % kHeldChunks] = {k, 0, 0};
  } else {  // SIP over SCTP: spot is the Max-Forwards value; the key names its chunk
    WireSpot chunk = spot;
    chunk.msg_off = sctp_data_start(frame, spot, spot.msg_off);
    if (const uint64_t k = chunk.msg_off ? sctp_chunk_key(frame, chunk) : 0)
      held_chunks_[k % kHeldChunks] = {k, uint16_t(spot.msg_off - chunk.msg_off), spot.msg_len};
  }
  return r;
}

void DetectStage::hold_repeats(BurstSlot& s, uint16_t first, uint16_t last) {
  if (held_chunks_.empty() && held_values_.empty()) return;
  for (const Repeat& rp : s.batch.repeats()) {
    // Decode numbered the packet by its burst position + 1.
    if (rp.frame <= first || rp.frame > last) continue;
    const uint16_t i = uint16_t(rp.frame - 1);
    const std::span<const uint8_t> bytes{s.pkts[i].data, s.pkts[i].caplen};
    bool held = false;
    if (rp.transport == Transport::Sctp) {  // rp.wire.msg_off: the chunk's user data
      const uint64_t k = held_chunks_.empty() ? 0 : sctp_chunk_key(bytes, rp.wire);
      if (k == 0 || held_chunks_[k % kHeldChunks].key != k) continue;
      const Held& h = held_chunks_[k % kHeldChunks];
      WireSpot spot = rp.wire;
      spot.msg_off = uint16_t(rp.wire.msg_off + h.value_off);
      spot.msg_len = h.value_len;
      held = hold_at(s, i, nullptr, spot, h.value_len == 0 ? HoldKind::M3ua : HoldKind::SipSctp) == HoldResult::Held;
    } else {  // every value held of the connection, or the part of it, that lies in the segment
      const TcpSegment seg = held_values_.empty() ? TcpSegment{} : tcp_segment_of(bytes, rp.wire);
      if (!seg.valid) continue;
      const size_t set = set_of_ports(seg.ports, kHeldValueSets);
      for (size_t w = 0; w < kHeldValueWays; ++w) {
        const HeldValue& v = held_values_[set * kHeldValueWays + w];
        if (v.len == 0 || v.ports != seg.ports) continue;
        // The value's place in the payload (serial arithmetic: negative when
        // it starts before the segment). A resend cut inside the value gets
        // its part zeroed, so whichever copies the receiver keeps, it reads zeros.
        const int64_t at = int32_t(v.seq - seg.seq);
        const int64_t from = std::max<int64_t>(at, 0), to = std::min<int64_t>(at + v.len, seg.data_len);
        if (from >= to) continue;
        WireSpot spot = rp.wire;
        spot.msg_off = uint16_t(seg.data_off + from);
        spot.msg_len = uint16_t(to - from);
        if (hold_at(s, i, nullptr, spot, HoldKind::SipTcp) == HoldResult::Held) held = true;
      }
    }
    if (held) stats_.held_repeats.add(1);
  }
}

void DetectStage::dispatch_alerts() {
  if (pending_.empty()) return;
  const size_t flagged_before = flagged_.size();
  for (const Alert& a : pending_) {
    ++alerts_;
    if (mirror_) flagged_.add(a);
    for (Sink* k : sinks_) k->on_alert(a);
  }
  stats_.alerts.add(pending_.size());
  stats_.flagged_flows.add(flagged_.size() - flagged_before);
}

void DetectStage::finish() {
  if (analyzer_) {
    pending_.clear();
    analyzer_->finish(last_ts_ns_, pending_);
    for (const Alert& a : pending_) {
      ++alerts_;
      for (Sink* k : sinks_) k->on_alert(a);
    }
    stats_.alerts.add(pending_.size());
    stats_.offload_fallbacks.set(analyzer_->offload_fallbacks());
  }
  for (Sink* k : sinks_) k->finish();
}

Merger::Merger(std::vector<MergeInput> inputs, DetectStage& stage, DetectStats& stats)
    : in_(std::move(inputs)),
      cur_(in_.size(), nullptr),
      pos_(in_.size(), 0),
      done_(in_.size(), false),
      stage_(stage),
      stats_(stats) {}

bool Merger::fill(size_t i) {
  if (cur_[i]) return true;
  void* p = nullptr;
  if (rte_ring_sc_dequeue(in_[i].ring, &p) != 0) return false;
  cur_[i] = static_cast<BurstSlot*>(p);
  pos_[i] = 0;
  return true;
}

bool Merger::step() {
  const size_t n = in_.size();
  size_t best = n;
  uint64_t best_ts = 0;
  for (size_t i = 0; i < n; ++i) {
    if (done_[i] || !fill(i)) continue;
    uint64_t ts = cur_[i]->pkts[pos_[i]].ts_ns;
    if (best == n || ts < best_ts) { best = i; best_ts = ts; }
  }
  if (best == n) {
    for (size_t i = 0; i < n; ++i)
      if (!done_[i] && in_[i].worker_done->load(std::memory_order_acquire) && !fill(i)) done_[i] = true;
    return false;
  }
  BurstSlot& s = *cur_[best];
  // The bound the other queues put on this run: their head (ts, queue).
  uint64_t bound_ts = UINT64_MAX;
  size_t bound_q = n;
  for (size_t i = 0; i < n; ++i) {
    if (i == best || done_[i]) continue;
    if (!cur_[i]) {
      // Empty ring: safe only if the queue is finished, or was polled empty
      // after this burst was handed over (anything it receives later is later).
      bool worker_done = in_[i].worker_done->load(std::memory_order_acquire);
      uint64_t polled = in_[i].empty_poll_tsc->load(std::memory_order_acquire);
      if (fill(i)) return true;  // a burst arrived meanwhile: choose again
      if (worker_done) { done_[i] = true; continue; }
      if (polled > s.enq_tsc) continue;
      stats_.merge_waits.add(1);
      return false;
    }
    uint64_t ts = cur_[i]->pkts[pos_[i]].ts_ns;
    if (ts < bound_ts || (ts == bound_ts && i < bound_q)) { bound_ts = ts; bound_q = i; }
  }
  uint16_t first = pos_[best], last = first;
  while (last < s.n) {
    uint64_t ts = s.pkts[last].ts_ns;
    if (ts > bound_ts || (ts == bound_ts && best > bound_q)) break;
    ++last;
  }
  if (last == first) ++last;  // best is the minimum: its head always goes
  const uint64_t t0 = rte_rdtsc();
  stage_.process_run(s, first, last);
  stats_.cycles.add(rte_rdtsc() - t0);
  pos_[best] = last;
  if (last == s.n) {
    cur_[best] = nullptr;
    // The give-back ring holds every slot of its worker: it cannot be full.
    rte_ring_sp_enqueue(in_[best].give_back, &s);
  }
  return true;
}

bool Merger::finished() const {
  for (size_t i = 0; i < in_.size(); ++i)
    if (!done_[i] || cur_[i]) return false;
  return true;
}

}  // namespace sigprobe::dp
