#include "dataplane/l2l4/sctp.hpp"

#include <cstring>

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

}  // namespace

SctpReassembly::SctpReassembly(const L2L4Config& cfg)
    : cfg_(cfg), assocs_(cfg.sctp_max_assocs), partial_(cfg.sctp_max_partial) {}

void SctpReassembly::on_packet(Bytes sctp, bool in_packet, MsgContext ctx, uint64_t now_ns,
                               L4Handler& h, DecodeCounters& c) {
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
  FlowKey ak;
  ak.b[0] = 1;
  put16(ak, 1, ctx.src.port);
  put16(ak, 3, ctx.dst.port);
  put32(ak, 5, vtag);
  Assoc* a = assocs_.find(ak);
  if (!a) {
    if (assocs_.full()) assocs_.erase(assocs_.oldest());
    a = assocs_.insert(ak, now_ns);
    if (!a) return;  // unreachable: the erase above made room
    a->seen.fill(0);
    a->base = *tsn - kTsnWindow / 2;
  } else {
    assocs_.touch(a, now_ns);
  }
  // Fingerprint of the chunk: stream, SSN, PPID, length...
  uint32_t mix = uint32_t(*stream) * 0x9e3779b1u ^ uint32_t(*ssn) * 0x85ebca6bu ^ *ppid * 0xc2b2ae35u ^
                 uint32_t(data.size()) * 0x27d4eb2fu;
  // and a few payload bytes from either end, where identifiers and numbers sit
  const size_t tail = data.size() > 24 ? data.size() - 16 : 8;
  for (size_t i = 0; i < data.size(); i = (i + 1 == 8 && tail > 8) ? tail : i + 1) {
    mix = (mix ^ data[i]) * 0x01000193u;
  }
  mix ^= mix >> 16;
  mix ^= mix >> 8;
  const uint8_t fingerprint = uint8_t(mix) ? uint8_t(mix) : 1;
  if (seen_before(*a, *tsn, fingerprint, c)) {
    ++c.reasm.sctp_duplicate_tsns;
    return;
  }

  ctx.sctp_stream = *stream;
  ctx.sctp_ppid = *ppid;
  if ((flags & (kSctpFlagBegin | kSctpFlagEnd)) == (kSctpFlagBegin | kSctpFlagEnd)) {
    h.on_sctp_message(ctx, data, in_packet);
    return;
  }
  ++c.reasm.sctp_fragments;
  FlowKey pk = ak;
  pk.b[0] = 2;
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
