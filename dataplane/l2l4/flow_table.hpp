// FlowTable: a bounded, preallocated key -> slot table with least-recently-used
// order, shared by the IP fragment, TCP stream and SCTP tables of the walk.
//
// - capacity is fixed at construction; the index (open addressing, linear
//   probing, backward-shift deletion) never grows, so lookups and inserts do
//   not allocate;
// - slots are created on first use and then recycled through a free list, so
//   buffers a slot owns (std::vector) keep their capacity between flows;
// - the LRU list lets the owner expire idle entries in capture time and evict
//   the oldest one when the table is full.
#pragma once
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

namespace sigprobe::l2l4 {

// A flow key as plain bytes (addresses, ports, ids), compared and hashed as a
// whole. Builders zero it first, so unused bytes never differ.
struct FlowKey {
  std::array<uint8_t, 40> b{};
  bool operator==(const FlowKey&) const = default;
};

inline uint64_t flow_hash(const FlowKey& k) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < k.b.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, k.b.data() + i, 8);
    h ^= w;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h;
}

template <class Slot>
class FlowTable {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  explicit FlowTable(uint32_t capacity)
      : cap_(capacity ? capacity : 1),
        mask_(std::bit_ceil(uint64_t(cap_) * 2) - 1),
        index_(mask_ + 1, kNone) {
    entries_.reserve(cap_);
    slots_.reserve(cap_);
  }

  uint32_t size() const { return live_; }
  uint32_t capacity() const { return cap_; }
  bool full() const { return live_ == cap_; }

  Slot* find(const FlowKey& k) {
    for (uint64_t i = flow_hash(k) & mask_;; i = (i + 1) & mask_) {
      uint32_t s = index_[i];
      if (s == kNone) return nullptr;
      if (entries_[s].key == k) return &slots_[s];
    }
  }

  // A fresh slot for k (k must not be present). The caller evicts first when
  // full(); returns nullptr if it did not. The slot keeps whatever its
  // previous user left (buffers with their capacity): the caller resets it.
  Slot* insert(const FlowKey& k, uint64_t now_ns) {
    if (full()) return nullptr;
    uint32_t s;
    if (free_ != kNone) {
      s = free_;
      free_ = entries_[s].next;
    } else {
      s = uint32_t(entries_.size());
      entries_.emplace_back();
      slots_.emplace_back();
    }
    Entry& e = entries_[s];
    e.key = k;
    e.last_ns = now_ns;
    uint64_t i = flow_hash(k) & mask_;
    while (index_[i] != kNone) i = (i + 1) & mask_;
    index_[i] = s;
    link_front(s);
    ++live_;
    return &slots_[s];
  }

  // Mark as most recently used at capture time now_ns.
  void touch(Slot* p, uint64_t now_ns) {
    uint32_t s = id_of(p);
    entries_[s].last_ns = now_ns;
    if (s == head_) return;  // the usual case: the flow of the last packet again
    unlink(s);
    link_front(s);
  }

  void erase(Slot* p) {
    uint32_t s = id_of(p);
    uint64_t i = flow_hash(entries_[s].key) & mask_;
    while (index_[i] != s) i = (i + 1) & mask_;
    // Backward-shift deletion keeps every probe chain unbroken.
    for (uint64_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      uint32_t t = index_[j];
      if (t == kNone) break;
      uint64_t home = flow_hash(entries_[t].key) & mask_;
      // t may move to i when its home is not cyclically within (i, j].
      bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        index_[i] = t;
        i = j;
      }
    }
    index_[i] = kNone;
    unlink(s);
    entries_[s].next = free_;
    free_ = s;
    --live_;
  }

  // The least recently used slot, or nullptr when empty.
  Slot* oldest() { return tail_ == kNone ? nullptr : &slots_[tail_]; }
  uint64_t last_ns(const Slot* p) const { return entries_[id_of(p)].last_ns; }
  const FlowKey& key_of(const Slot* p) const { return entries_[id_of(p)].key; }

  // Calls fn(slot) and erases every slot last used before cutoff_ns.
  template <class Fn>
  void expire(uint64_t cutoff_ns, Fn&& fn) {
    while (tail_ != kNone && entries_[tail_].last_ns < cutoff_ns) {
      Slot* p = &slots_[tail_];
      fn(*p);
      erase(p);
    }
  }

 private:
  struct Entry {
    FlowKey key{};
    uint64_t last_ns = 0;
    uint32_t prev = kNone, next = kNone;
  };

  uint32_t id_of(const Slot* p) const {
    return uint32_t(p - slots_.data());
  }
  void unlink(uint32_t s) {
    Entry& e = entries_[s];
    if (e.prev != kNone) entries_[e.prev].next = e.next; else head_ = e.next;
    if (e.next != kNone) entries_[e.next].prev = e.prev; else tail_ = e.prev;
    e.prev = e.next = kNone;
  }
  void link_front(uint32_t s) {
    Entry& e = entries_[s];
    e.prev = kNone;
    e.next = head_;
    if (head_ != kNone) entries_[head_].prev = s; else tail_ = s;
    head_ = s;
  }

  uint32_t cap_;
  uint64_t mask_;
  std::vector<uint32_t> index_;
  std::vector<Entry> entries_;  // key, LRU links; reserved to cap_
  std::vector<Slot> slots_;     // reserved to cap_: slot addresses stay valid
  uint32_t head_ = kNone, tail_ = kNone, free_ = kNone;
  uint32_t live_ = 0;
};

}  // namespace sigprobe::l2l4
