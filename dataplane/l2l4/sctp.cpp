#include "dataplane/l2l4/sctp.hpp"

#include <bit>
#include <cstring>
#include <utility>

namespace sigprobe::l2l4 {
namespace {

void put16(FlowKey& k, size_t at, uint16_t v) {
  k.b[at] = uint8_t(v >> 8);
  k.b[at + 1] = uint8_t(v);
}
void put32(FlowKey& k, size_t at, uint32_t v) {
  put16(k, at, uint16_t(v >> 16));
  put16(k, at + 2, uint16_t(v));
}

// A direction of an association (kind 1: TSNs seen; 2: a stream's
// fragments, bytes 9-11 added by the caller): ports and the receiver's tag.
FlowKey direction_key(uint8_t kind, const MsgContext& ctx, uint32_t vtag) {
  FlowKey k;
  k.b[0] = kind;
  put16(k, 1, ctx.src.port);
  put16(k, 3, ctx.dst.port);
  put32(k, 5, vtag);
  return k;
}

// Fingerprint of a DATA chunk (never 0): stream, SSN, PPID, length and the
// payload's first 8 and last 16 bytes (all of it when shorter), where
// identifiers and numbers sit. Three independent 64-bit products instead of
// a byte-serial hash: the byte loop was a 24-step multiply chain, ~4 % of
// the DPDK worker's time.
uint8_t chunk_fingerprint(uint16_t stream, uint16_t ssn, uint32_t ppid, Bytes data) {
  uint64_t w[3] = {0, 0, 0};
  if (data.size() >= 24) {
    std::memcpy(&w[0], data.data(), 8);
    std::memcpy(&w[1], data.data() + data.size() - 16, 16);
  } else {
    std::memcpy(w, data.data(), data.size());
  }
  const uint64_t meta = (uint64_t(stream) << 48 | uint64_t(ssn) << 32 | ppid) ^ uint64_t(data.size()) << 20;
  uint64_t x = (w[0] ^ meta) * 0x9e3779b97f4a7c15ull;
  x ^= std::rotl((w[1] ^ 0x2545f4914f6cdd1dull) * 0xff51afd7ed558ccdull, 21);
  x ^= std::rotl((w[2] ^ 0x94d049bb133111ebull) * 0xc4ceb9fe1a85ec53ull, 42);
  x = (x ^ x >> 29) * 0xbf58476d1ce4e5b9ull;
  const uint8_t f = uint8_t(x >> 56);
  return f ? f : 1;
}

}  // namespace

SctpReassembly::SctpReassembly(const L2L4Config& cfg)
    : cfg_(cfg), assocs_(cfg.sctp_max_assocs), partial_(cfg.sctp_max_partial) {}

void SctpReassembly::on_packet(Bytes sctp, bool in_packet, MsgContext ctx, uint64_t now_ns,
                               L4Handler& h, DecodeCounters& c, bool holdable) {
  ByteReader r{sctp};
  auto sport = r.u16be();
  auto dport = r.u16be();
  auto vtag = r.u32be();
  if (!sport || !dport || !vtag || !r.skip(4)) {
    c.anomaly(Anomaly::SctpTruncated);
    return;
  }
  ctx.src.port = *sport;
  ctx.dst.port = *dport;
  ctx.transport = Transport::Sctp;
  ctx.wire = WireSpot{};
  if (holdable && in_packet && ctx.pkt && sctp.data() >= ctx.pkt->data &&
      sctp.data() + sctp.size() <= ctx.pkt->data + ctx.pkt->caplen && ctx.pkt->caplen <= 0xFFFF) {
    ctx.wire.l4_off = uint16_t(sctp.data() - ctx.pkt->data);
    ctx.wire.l4_len = uint16_t(sctp.size());
  }
  if (now_ns > cfg_.sctp_partial_timeout_ns) {
    partial_.expire(now_ns - cfg_.sctp_partial_timeout_ns,
                    [&](Partial&) { c.anomaly(Anomaly::SctpFragTimeout); });
  }
  while (!r.empty()) {
    auto type = r.u8();
    auto flags = r.u8();
    auto len = r.u16be();
    if (!type || !flags || !len || *len < 4 || r.remaining() < size_t(*len - 4)) {
      c.anomaly(Anomaly::SctpChunkLenInvalid);
      return;
    }
    Bytes body = *r.bytes(*len - 4);
    // The padding of the last chunk may be missing from the capture.
    r.skip(std::min(pad4(*len), r.remaining()));
    if (*type == kSctpChunkData) on_data(body, *flags, *vtag, in_packet, ctx, now_ns, h, c);
  }
}

bool SctpReassembly::seen_before(Assoc& a, uint32_t tsn, uint8_t fingerprint, DecodeCounters& c) {
  uint32_t off = tsn - a.base;
  if (off >= 0x80000000u) return true;  // behind the window: long acknowledged
  if (off >= kTsnWindow) {
    const uint32_t new_base = tsn - kTsnWindow / 2;
    const uint32_t shift = new_base - a.base;
    if (shift >= kTsnWindow) {
      a.seen.fill(0);
    } else {
      for (uint32_t t = a.base; t != new_base; ++t) a.seen[t % kTsnWindow] = 0;
    }
    a.base = new_base;
  }
  uint8_t& slot = a.seen[tsn % kTsnWindow];
  if (slot == fingerprint) return true;
  if (slot != 0) c.anomaly(Anomaly::SctpTsnReused);
  slot = fingerprint;
  return false;
}

void SctpReassembly::on_data(Bytes chunk, uint8_t flags, uint32_t vtag, bool in_packet,
                             MsgContext& ctx, uint64_t now_ns, L4Handler& h, DecodeCounters& c) {
  ByteReader r{chunk};
  auto tsn = r.u32be();
  auto stream = r.u16be();
  auto ssn = r.u16be();
  auto ppid = r.u32be();
  if (!tsn || !stream || !ssn || !ppid) {
    c.anomaly(Anomaly::SctpDataTooShort);
    return;
  }
  Bytes data = r.rest();
  if (data.empty()) {
    c.anomaly(Anomaly::SctpDataEmpty);
    return;
  }

  // Duplicate suppression per direction: ports and the receiver's tag.
  // Chunks bundled in a packet, and the requests and answers of an
  // association, mostly come from the last two directions seen: those are
  // remembered (no key, hash or probe), the last one first.
  const uint64_t dir = uint64_t(ctx.src.port) << 48 | uint64_t(ctx.dst.port) << 32 | vtag;
  Assoc* a = nullptr;
  if (recent_[0].assoc && recent_[0].dir == dir) {
    a = recent_[0].assoc;
  } else if (recent_[1].assoc && recent_[1].dir == dir) {
    a = recent_[1].assoc;
    std::swap(recent_[0], recent_[1]);
  }
  if (a) {
    assocs_.touch(a, now_ns);
  } else {
    const FlowKey ak = direction_key(1, ctx, vtag);
    a = assocs_.find(ak);
    if (!a) {
      if (assocs_.full()) {
        Assoc* old = assocs_.oldest();
        for (RecentDir& r : recent_)
          if (r.assoc == old) r = RecentDir{};
        assocs_.erase(old);
      }
      a = assocs_.insert(ak, now_ns);
      if (!a) return;  // unreachable: the erase above made room
      a->seen.fill(0);
      a->base = *tsn - kTsnWindow / 2;
    } else {
      assocs_.touch(a, now_ns);
    }
    recent_[1] = recent_[0];
    recent_[0] = RecentDir{dir, a};
  }
  if (seen_before(*a, *tsn, chunk_fingerprint(*stream, *ssn, *ppid, data), c)) {
    ++c.reasm.sctp_duplicate_tsns;
    if (ctx.wire.l4_len && (flags & (kSctpFlagBegin | kSctpFlagEnd)) == (kSctpFlagBegin | kSctpFlagEnd)) {
      ctx.sctp_stream = *stream;
      ctx.sctp_ppid = *ppid;
      ctx.wire.msg_off = uint16_t(data.data() - ctx.pkt->data);
      h.on_sctp_repeat(ctx, data);
      ctx.wire.msg_off = 0;
    }
    return;
  }

  ctx.sctp_stream = *stream;
  ctx.sctp_ppid = *ppid;
  if ((flags & (kSctpFlagBegin | kSctpFlagEnd)) == (kSctpFlagBegin | kSctpFlagEnd)) {
    ctx.wire.msg_off = ctx.wire.l4_len ? uint16_t(data.data() - ctx.pkt->data) : 0;
    h.on_sctp_message(ctx, data, in_packet);
    ctx.wire.msg_off = 0;
    return;
  }
  ++c.reasm.sctp_fragments;
  FlowKey pk = direction_key(2, ctx, vtag);
  put16(pk, 9, *stream);
  pk.b[11] = flags & kSctpFlagUnordered;
  add_fragment(pk, *tsn, flags, *ppid, data, ctx, now_ns, h, c);
}

void SctpReassembly::add_fragment(const FlowKey& k, uint32_t tsn, uint8_t flags, uint32_t ppid,
                                  Bytes data, MsgContext& ctx, uint64_t now_ns, L4Handler& h,
                                  DecodeCounters& c) {
  Partial* p = partial_.find(k);
  if (!p) {
    if (partial_.full()) {
      partial_.erase(partial_.oldest());
      c.anomaly(Anomaly::SctpFragTableFull);
    }
    p = partial_.insert(k, now_ns);
    p->bytes.clear();
    p->frags.clear();
    p->ppids.clear();
  }
  if (p->frags.size() >= kMaxFragments || p->bytes.size() + data.size() > cfg_.sctp_max_message) {
    c.anomaly(Anomaly::SctpFragTooBig);
    partial_.erase(p);
    return;
  }
  // Sorted insert, TSNs compared relative to the first one kept (serial arithmetic).
  const uint32_t ref = p->frags.empty() ? tsn : p->frags[0].tsn;
  size_t at = p->frags.size();
  while (at > 0 && int32_t(p->frags[at - 1].tsn - ref) > int32_t(tsn - ref)) --at;
  if (at > 0 && p->frags[at - 1].tsn == tsn) return;  // already have it
  p->frags.insert(p->frags.begin() + long(at),
                  Fragment{tsn, uint32_t(p->bytes.size()), uint32_t(data.size()), flags});
  p->ppids.insert(p->ppids.begin() + long(at), ppid);
  p->bytes.insert(p->bytes.end(), data.begin(), data.end());

  // A message is complete when a B fragment is followed by consecutive TSNs up to an E.
  const size_t n = p->frags.size();
  for (size_t i = 0; i < n; ++i) {
    if (!(p->frags[i].flags & kSctpFlagBegin)) continue;
    size_t j = i;
    while (!(p->frags[j].flags & kSctpFlagEnd) && j + 1 < n &&
           p->frags[j + 1].tsn == p->frags[j].tsn + 1 && !(p->frags[j + 1].flags & kSctpFlagBegin)) {
      ++j;
    }
    if (!(p->frags[j].flags & kSctpFlagEnd)) continue;
    message_.clear();
    for (size_t f = i; f <= j; ++f) {
      const Fragment& fr = p->frags[f];
      message_.insert(message_.end(), p->bytes.begin() + fr.off, p->bytes.begin() + fr.off + fr.len);
    }
    ctx.sctp_ppid = p->ppids[i];
    ++c.reasm.sctp_reassembled;
    p->frags.erase(p->frags.begin() + long(i), p->frags.begin() + long(j) + 1);
    p->ppids.erase(p->ppids.begin() + long(i), p->ppids.begin() + long(j) + 1);
    if (p->frags.empty()) partial_.erase(p);
    h.on_sctp_message(ctx, {message_.data(), message_.size()}, false);
    return;
  }
}

}  // namespace sigprobe::l2l4
