#include "host/out/flow_mirror.hpp"

#include <algorithm>

namespace sigprobe {

FlowMirror::FlowMirror(const MirrorOptions& opts, std::vector<std::unique_ptr<FlowOutput>> outputs)
    : opts_(opts), outputs_(std::move(outputs)), ring_(opts.lookback_packets, opts.lookback_bytes) {
  flows_.resize(std::max<size_t>(opts_.max_active, 1));
  burst_keys_.resize(kBurstMax);
  corr_buf_.resize(kBurstMax);
  corr_.resize(kBurstMax);
}

size_t FlowMirror::active() const { return live_; }

// Does a packet with keys `ks` belong to flow f? With `learn`, a packet that
// names the subject adds its dialogs and transactions to the flow.
bool FlowMirror::belongs(Flagged& f, const KeySet& ks, bool learn) {
  if (f.subject != 0 && ks.has_who(f.subject)) {
    if (learn)
      for (uint8_t i = 0; i < ks.n_flow; ++i)
        if (std::find(f.flow.begin(), f.flow.end(), ks.flow[i]) == f.flow.end()) f.flow.push_back(ks.flow[i]);
    return true;
  }
  for (uint8_t i = 0; i < ks.n_flow; ++i)
    if (std::find(f.flow.begin(), f.flow.end(), ks.flow[i]) != f.flow.end()) return true;
  return false;
}

void FlowMirror::emit(uint32_t slot, const MirrorPacket& p) {
  ++stats_.packets;
  for (auto& o : outputs_) o->write(slot, p);
}

void FlowMirror::close(uint32_t slot) {
  if (flows_[slot].live) --live_;
  flows_[slot].live = false;
  flows_[slot].flow.clear();
  for (auto& o : outputs_) o->close(slot);
}

void FlowMirror::on_burst(std::span<const PacketRef> pkts, std::span<const SignalEvent> events) {
  if (pkts.size() > burst_keys_.size()) {
    burst_keys_.resize(pkts.size());
    corr_buf_.resize(pkts.size());
    corr_.resize(pkts.size());
  }
  for (size_t i = 0; i < pkts.size(); ++i) {
    burst_keys_[i].clear();
    corr_[i] = {};
  }
  // Events name the packet that completed them by (port, frame); both are in order.
  size_t at = 0;
  for (const SignalEvent& ev : events) {
    size_t j = at;
    while (j < pkts.size() && !(pkts[j].frame == ev.frame && pkts[j].port == ev.port)) ++j;
    if (j == pkts.size()) {
      j = 0;
      while (j < pkts.size() && !(pkts[j].frame == ev.frame && pkts[j].port == ev.port)) ++j;
      if (j == pkts.size()) continue;
    }
    at = j;
    collect_keys(ev, burst_keys_[j]);
    if (corr_[j].empty()) corr_[j] = correlation_id(ev, corr_buf_[j]);
  }
  for (size_t i = 0; i < pkts.size(); ++i) {
    const PacketRef& p = pkts[i];
    const KeySet& ks = burst_keys_[i];
    if (ks.overflow) ++stats_.key_overflows;
    ring_.push(p, ks, corr_[i]);
    MirrorPacket m{p.data, p.caplen, p.wirelen, p.ts_ns, p.frame, p.link, p.port, &ks, corr_[i]};
    for (uint32_t s = 0; live_ > 0 && s < flows_.size(); ++s) {
      Flagged& f = flows_[s];
      if (!f.live) continue;
      if (p.ts_ns > f.until_ns) { close(s); continue; }
      if (belongs(f, ks, true)) emit(s, m);
    }
  }
  stats_.ring_evictions = ring_.evicted();
  for (auto& o : outputs_) o->end_burst();
}

void FlowMirror::on_alert(const Alert& a) {
  uint32_t slot = 0;
  auto free_it = std::find_if(flows_.begin(), flows_.end(), [](const Flagged& f) { return !f.live; });
  if (free_it == flows_.end()) {
    auto oldest = std::min_element(flows_.begin(), flows_.end(),
                                   [](const Flagged& x, const Flagged& y) { return x.until_ns < y.until_ns; });
    slot = uint32_t(oldest - flows_.begin());
    close(slot);
    ++stats_.ended_early;
  } else {
    slot = uint32_t(free_it - flows_.begin());
  }
  Flagged& f = flows_[slot];
  f.live = true;
  ++live_;
  f.until_ns = a.ts_ns + opts_.after_ns;
  f.subject = a.mirror_subject ? subject_key(a.subject_type, a.subject) : 0;
  f.flow.clear();
  for (const std::string& c : a.call_ids) f.flow.push_back(flow_key(KeyKind::CallId, c));
  for (const std::string& t : a.tcap_tids) f.flow.push_back(flow_key(KeyKind::TcapTid, t));
  auto is_alert_frame = [&](const MirrorPacket& p) {
    for (size_t i = 0; i < a.frames.size(); ++i)
      if (a.frames[i] == p.frame && (i >= a.frame_ports.size() || a.frame_ports[i] == p.port)) return true;
    return false;
  };
  ++stats_.flows;
  for (auto& o : outputs_) o->open(slot, a);
  // Learn the flows first, so that earlier packets of a dialog that names the
  // subject only later (a 200 OK before the re-INVITE, say) come along too.
  ring_.for_each([&](const MirrorPacket& p) {
    if (is_alert_frame(p))
      for (uint8_t i = 0; i < p.keys->n_flow; ++i)
        if (std::find(f.flow.begin(), f.flow.end(), p.keys->flow[i]) == f.flow.end()) f.flow.push_back(p.keys->flow[i]);
    belongs(f, *p.keys, true);
  });
  ring_.for_each([&](const MirrorPacket& p) {
    if (p.ts_ns > f.until_ns) return;
    if (is_alert_frame(p) || belongs(f, *p.keys, false)) {
      ++stats_.lookback_packets;
      emit(slot, p);
    }
  });
  for (auto& o : outputs_) o->end_burst();
}

void FlowMirror::finish() {
  for (uint32_t s = 0; s < flows_.size(); ++s)
    if (flows_[s].live) close(s);
  for (auto& o : outputs_) o->finish();
}

}  // namespace sigprobe
