#include "host/out/packet_ring.hpp"

#include <algorithm>
#include <cstring>

namespace sigprobe {

PacketRing::PacketRing(size_t max_packets, size_t max_bytes)
    : slots_(std::max<size_t>(max_packets, 1)), bytes_(std::max<size_t>(max_bytes, 4096)) {}

MirrorPacket PacketRing::view(const Slot& s) const {
  MirrorPacket m;
  m.data = bytes_.data() + s.off;
  m.caplen = s.caplen;
  m.wirelen = s.wirelen;
  m.ts_ns = s.ts_ns;
  m.frame = s.frame;
  m.link = s.link;
  m.port = s.port;
  m.keys = &s.keys;
  m.correlation = {s.corr, s.corr_len};
  return m;
}

void PacketRing::evict_oldest() {
  head_ = (head_ + 1) % slots_.size();
  --count_;
  ++evicted_;
}

// Does the oldest packet's copy intersect bytes [from, to)?
bool PacketRing::oldest_overlaps(size_t from, size_t to) const {
  const Slot& s = slots_[head_];
  return s.off < to && from < s.off + s.caplen;
}

void PacketRing::push(const PacketRef& p, const KeySet& keys, std::string_view correlation) {
  size_t len = std::min<size_t>(p.caplen, bytes_.size() / 4);
  if (count_ == slots_.size()) evict_oldest();
  size_t at = write_;
  if (at + len > bytes_.size()) {
    // Wrap: the tail [write_, end) is given up, then [0, len) is claimed.
    while (count_ && oldest_overlaps(write_, bytes_.size())) evict_oldest();
    at = 0;
  }
  while (count_ && oldest_overlaps(at, at + len)) evict_oldest();
  if (len) std::memcpy(bytes_.data() + at, p.data, len);
  write_ = at + len;

  Slot& s = slots_[(head_ + count_) % slots_.size()];
  ++count_;
  s.off = at;
  s.caplen = uint32_t(len);
  s.wirelen = p.wirelen;
  s.ts_ns = p.ts_ns;
  s.frame = p.frame;
  s.link = p.link;
  s.port = p.port;
  s.keys = keys;
  s.corr_len = uint8_t(std::min(correlation.size(), kCorrMax));
  if (s.corr_len) std::memcpy(s.corr, correlation.data(), s.corr_len);  // an empty view may hold no pointer
}

}  // namespace sigprobe
