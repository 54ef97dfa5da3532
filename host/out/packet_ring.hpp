// A bounded look-back of recent packets: copies of their bytes in one
// circular byte buffer plus their flow keys, oldest evicted first. Sized once
// at construction; push() never allocates.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "dataplane/core/packet.hpp"
#include "host/out/flow_keys.hpp"

namespace sigprobe {

// A packet as the mirror outputs see it: a view of its (copied) bytes, its
// keys and its HEP correlation id.
struct MirrorPacket {
  const uint8_t* data = nullptr;
  uint32_t caplen = 0, wirelen = 0;
  uint64_t ts_ns = 0, frame = 0;
  LinkType link = LinkType::Ethernet;
  uint16_t port = 0;
  const KeySet* keys = nullptr;
  std::string_view correlation;
};

class PacketRing {
 public:
  static constexpr size_t kCorrMax = 96;

  PacketRing(size_t max_packets, size_t max_bytes);

  // Copies the packet (caplen capped to the buffer size / 4) and its keys.
  void push(const PacketRef& p, const KeySet& keys, std::string_view correlation);

  size_t size() const { return count_; }
  uint64_t evicted() const { return evicted_; }

  // Oldest first.
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < count_; ++i) f(view(slots_[(head_ + i) % slots_.size()]));
  }

 private:
  struct Slot {
    size_t off = 0;
    uint32_t caplen = 0, wirelen = 0;
    uint64_t ts_ns = 0, frame = 0;
    LinkType link = LinkType::Ethernet;
    uint16_t port = 0;
    KeySet keys;
    uint8_t corr_len = 0;
    char corr[kCorrMax] = {};
  };
  MirrorPacket view(const Slot& s) const;
  void evict_oldest();
  bool oldest_overlaps(size_t from, size_t to) const;

  std::vector<Slot> slots_;
  std::vector<uint8_t> bytes_;
  size_t head_ = 0, count_ = 0, write_ = 0;
  uint64_t evicted_ = 0;
};

}  // namespace sigprobe
