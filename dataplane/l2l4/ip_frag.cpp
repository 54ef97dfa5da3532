#include "dataplane/l2l4/ip_frag.hpp"

#include <algorithm>
#include <cstring>

namespace sigprobe::l2l4 {

IpFragTable::IpFragTable(uint32_t max_datagrams, uint64_t timeout_ns)
    : table_(max_datagrams), timeout_ns_(timeout_ns) {
  done_.reserve(kMaxDatagram);
}

Bytes IpFragTable::add(const FragIn& f, uint64_t now_ns, uint8_t& proto, DecodeCounters& c) {
  ++c.reasm.ip_frag_fragments;
  if (now_ns > timeout_ns_) {
    table_.expire(now_ns - timeout_ns_, [&](Slot&) {
      ++c.reasm.ip_frag_timeouts;
      c.anomaly(Anomaly::IpFragTimeout);
    });
  }
  const uint32_t off = f.offset;
  const uint32_t len = uint32_t(f.data.size());
  const uint32_t end = off + len;
  if (len == 0 || (f.more && (len & 7) != 0)) {
    c.anomaly(Anomaly::IpFragBadLen);
    return {};
  }
  if (end > kMaxDatagram) {
    c.anomaly(Anomaly::IpFragTooBig);
    return {};
  }

  Slot* s = table_.find(f.key);
  if (!s) {
    if (table_.full()) {
      table_.erase(table_.oldest());
      ++c.reasm.ip_frag_evictions;
      c.anomaly(Anomaly::IpFragTableFull);
    }
    s = table_.insert(f.key, now_ns);
    if (s->data.size() < kMaxDatagram) s->data.resize(kMaxDatagram);
    s->have.fill(0);
    s->units = s->total = s->max_end = 0;
    s->last_seen = false;
    s->proto = f.proto;
  }
  // Fragments keep their datagram alive from the first one: the timeout runs
  // from the first fragment, as RFC 791's reassembly timer does, so no touch().

  // Where does the datagram end? The last fragment says; nobody may go past it.
  if (!f.more) {
    if ((s->last_seen && s->total != end) || s->max_end > end) {
      c.anomaly(Anomaly::IpFragInconsistentEnd);
      table_.erase(s);
      return {};
    }
  } else if (s->last_seen && end > s->total) {
    c.anomaly(Anomaly::IpFragInconsistentEnd);
    table_.erase(s);
    return {};
  }

  const uint32_t u0 = off / 8, u1 = (end + 7) / 8;
  bool overlap = false, all_seen = true;
  for (uint32_t u = u0; u < u1; ++u) {
    if (!has(*s, u)) { all_seen = false; continue; }
    overlap = true;
    const uint32_t lo = std::max(off, u * 8), hi = std::min(end, u * 8 + 8);
    if (std::memcmp(s->data.data() + lo, f.data.data() + (lo - off), hi - lo) != 0) {
      c.anomaly(Anomaly::IpFragOverlap);
      table_.erase(s);
      return {};
    }
  }
  if (overlap && !all_seen) c.anomaly(Anomaly::IpFragOverlap);  // same bytes, partly new
  if (overlap && all_seen) return {};                            // a plain repeat

  std::memcpy(s->data.data() + off, f.data.data(), len);
  for (uint32_t u = u0; u < u1; ++u) {
    if (!has(*s, u)) {
      s->have[u >> 6] |= uint64_t(1) << (u & 63);
      ++s->units;
    }
  }
  s->max_end = std::max(s->max_end, end);
  if (!f.more) {
    s->last_seen = true;
    s->total = end;
  }
  if (off == 0) s->proto = f.proto;  // IPv6: the next header of the first fragment counts
  if (!s->last_seen || s->units != (s->total + 7) / 8) return {};

  done_.assign(s->data.begin(), s->data.begin() + s->total);
  proto = s->proto;
  table_.erase(s);
  ++c.reasm.ip_frag_datagrams;
  return {done_.data(), done_.size()};
}

}  // namespace sigprobe::l2l4
