#include "dataplane/l2l4/tcp_stream.hpp"

namespace sigprobe::l2l4 {

TcpStreams::TcpStreams(const L2L4Config& cfg) : cfg_(cfg), table_(cfg.tcp_max_streams) {}

TcpStreams::Stream* TcpStreams::open(const FlowKey& k, uint64_t now_ns, DecodeCounters& c) {
  if (table_.full()) {
    table_.erase(table_.oldest());
    ++c.reasm.tcp_evictions;
    c.anomaly(Anomaly::TcpStreamTableFull);
  }
  Stream* s = table_.insert(k, now_ns);
  s->state = State::Undecided;
  s->next = 0;
  s->buf.clear();
  s->ooo_bytes.clear();
  s->ooo.clear();
  s->ooo_since_ns = 0;
  ++c.reasm.tcp_streams;
  return s;
}

long TcpStreams::buffered(const FlowKey& k) const {
  const Stream* s = table_.find(k);
  if (!s || s->state == State::Ignored) return -1;
  return long(s->buf.size() + s->ooo_bytes.size());
}

void TcpStreams::deliver(Stream& s, Bytes b, bool in_packet, const MsgContext& ctx, L4Handler& h,
                         DecodeCounters& c) {
  if (s.state == State::Undecided) {
    if (!h.want_tcp_stream(ctx, b)) {
      s.state = State::Ignored;
      s.buf.clear();
      s.ooo.clear();
      s.ooo_bytes.clear();
      return;
    }
    s.state = State::Active;
  }
  s.next += uint32_t(b.size());
  if (s.buf.empty()) {
    // Zero copy: the handler reads the segment where it lies.
    size_t used = h.on_tcp_data(ctx, b, in_packet, 0);
    if (used < b.size()) s.buf.assign(b.begin() + long(used), b.end());
  } else {
    size_t carried = s.buf.size();
    s.buf.insert(s.buf.end(), b.begin(), b.end());
    size_t used = h.on_tcp_data(ctx, {s.buf.data(), s.buf.size()}, false, carried);
    s.buf.erase(s.buf.begin(), s.buf.begin() + long(used));
  }
  if (s.buf.size() > cfg_.tcp_max_buffer) {
    c.anomaly(Anomaly::TcpStreamOverflow);
    s.buf.clear();
  }
}

void TcpStreams::drain_waiting(Stream& s, const MsgContext& ctx, L4Handler& h, DecodeCounters& c) {
  bool progress = true;
  while (progress && !s.ooo.empty() && s.state != State::Ignored) {
    progress = false;
    for (size_t i = 0; i < s.ooo.size(); ++i) {
      const Waiting w = s.ooo[i];
      const int32_t d = int32_t(w.seq - s.next);
      if (d > 0) continue;
      s.ooo[i] = s.ooo.back();
      s.ooo.pop_back();
      const uint32_t behind = s.next - w.seq;
      if (behind < w.len) {
        deliver(s, Bytes{s.ooo_bytes.data() + w.off + behind, w.len - behind}, false, ctx, h, c);
      }
      progress = true;
      break;
    }
  }
  if (s.ooo.empty()) {
    s.ooo_bytes.clear();
    s.ooo_since_ns = 0;
  }
}

void TcpStreams::skip_gap(Stream& s, const MsgContext& ctx, L4Handler& h, DecodeCounters& c) {
  if (s.ooo.empty()) return;
  uint32_t first = s.ooo[0].seq;
  for (const Waiting& w : s.ooo) {
    if (int32_t(w.seq - first) < 0) first = w.seq;
  }
  ++c.reasm.tcp_gaps;
  c.anomaly(Anomaly::TcpGap);
  s.buf.clear();  // the message in progress ran into the hole
  s.next = first;
  drain_waiting(s, ctx, h, c);
}

void TcpStreams::on_segment(const TcpSegment& seg, const MsgContext& ctx, uint64_t now_ns,
                            L4Handler& h, DecodeCounters& c) {
  if (now_ns > cfg_.tcp_idle_timeout_ns) {
    table_.expire(now_ns - cfg_.tcp_idle_timeout_ns, [&](Stream&) { ++c.reasm.tcp_evictions; });
  }
  Stream* s = table_.find(seg.key);
  if (seg.syn) {
    if (!s) {
      s = open(seg.key, now_ns, c);
    } else {
      table_.touch(s, now_ns);
      // A SYN at or shortly behind what we expect is a retransmission; any
      // other is a new connection on the same addresses: start over.
      const int32_t behind = int32_t(s->next - (seg.seq + 1));
      if (behind >= 0 && behind < (1 << 20)) return;
      {
        s->state = State::Undecided;
        s->buf.clear();
        s->ooo.clear();
        s->ooo_bytes.clear();
        s->ooo_since_ns = 0;
      }
    }
    s->next = seg.seq + 1;
    return;
  }
  if (!s) {
    if (seg.payload.empty() || seg.rst) return;
    if (!h.want_tcp_stream(ctx, seg.payload)) return;
    s = open(seg.key, now_ns, c);
    s->state = State::Active;
    s->next = seg.seq;
  } else {
    table_.touch(s, now_ns);
  }
  if (s->state == State::Ignored) {
    if (seg.fin || seg.rst) table_.erase(s);
    return;
  }

  const Bytes p = seg.payload;
  if (!p.empty()) {
    const int32_t d = int32_t(seg.seq - s->next);
    if (d > 0) {
      bool repeat = false;
      for (const Waiting& w : s->ooo) {
        if (w.seq == seg.seq && w.len >= p.size()) repeat = true;
      }
      if (repeat) {
        ++c.reasm.tcp_retransmissions;
      } else if (s->state == State::Active && s->buf.empty() && s->ooo.empty() && h.starts_message(p)) {
        // Nothing of a message is pending and this segment starts one: the
        // hole holds nothing we could finish, so skip it now.
        ++c.reasm.tcp_gaps;
        c.anomaly(Anomaly::TcpGap);
        s->next = seg.seq;
        deliver(*s, p, seg.in_packet, ctx, h, c);
      } else {
        if (s->ooo.empty()) s->ooo_since_ns = now_ns;
        s->ooo.push_back({seg.seq, uint32_t(s->ooo_bytes.size()), uint32_t(p.size())});
        s->ooo_bytes.insert(s->ooo_bytes.end(), p.begin(), p.end());
        ++c.reasm.tcp_segments_ooo;
        if (s->ooo.size() > kMaxOooSegments ||
            s->buf.size() + s->ooo_bytes.size() > cfg_.tcp_max_buffer) {
          skip_gap(*s, ctx, h, c);
        }
      }
    } else if (s->next - seg.seq >= p.size()) {
      ++c.reasm.tcp_retransmissions;
      if (ctx.wire.l4_len) h.on_tcp_repeat(ctx);
    } else {
      // Bytes delivered before ahead of new ones (a sender that cut its
      // retransmission at other bounds, a copy the probe saw only in part):
      // the new bytes are delivered, and the segment is a repeat all the same.
      if (s->next != seg.seq && ctx.wire.l4_len) h.on_tcp_repeat(ctx);
      deliver(*s, p.subspan(s->next - seg.seq), seg.in_packet, ctx, h, c);
      drain_waiting(*s, ctx, h, c);
    }
  }
  if (!s->ooo.empty() && now_ns - s->ooo_since_ns > cfg_.tcp_gap_timeout_ns) {
    skip_gap(*s, ctx, h, c);
  }
  if (seg.fin || seg.rst) {
    if (seg.fin) skip_gap(*s, ctx, h, c);  // nothing more will fill the hole
    table_.erase(s);
  }
}

}  // namespace sigprobe::l2l4
