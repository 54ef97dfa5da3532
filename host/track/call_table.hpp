// CallTable<V>: the bounded table of BoundedTable (64-bit hash keys, oldest
// inserted entry evicted when full, bound, inserts, evictions and peak counted)
// laid out for the call tracker, whose call facts point at its records:
//  - an open-addressing index of {key, record} pairs (linear probing,
//    backward-shift erase, Fibonacci hashing) as in FlatTable: a lookup reads
//    one index line and then the record, with no node or bucket in between;
//  - records in fixed blocks that never move, and an erased record is neither
//    reused nor cleared until recycle(): a pointer from find()/emplace() stays
//    valid, and an erased record keeps its last contents, until the next
//    recycle() (the tracker calls it once per burst);
//  - erase_if() visits the entries in insertion order (the FIFO queue), so a
//    timeout sweep ends calls oldest first, whatever the hashes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "host/track/bounded_table.hpp"
#include "host/track/open_index.hpp"

namespace sigprobe::track {

template <class V>
class CallTable {
 public:
  explicit CallTable(size_t capacity) : capacity_(capacity ? capacity : 1), index_(capacity_) {
    counters_.capacity = capacity_;
  }

  V* find(uint64_t key) {
    const uint32_t e = index_.find(key);
    return e == kNone ? nullptr : &record(e);
  }
  const V* find(uint64_t key) const {
    const uint32_t e = index_.find(key);
    return e == kNone ? nullptr : &record(e);
  }

  // The entry for key, created (value-initialised) when absent. on_evict sees
  // each entry pushed out to make room (oldest inserted first); the evicted
  // record stays readable until recycle().
  template <class OnEvict>
  std::pair<V*, bool> emplace(uint64_t key, OnEvict&& on_evict) {
    size_t s = index_.slot_of(key);
    if (index_.entry_at(s) != kNone) return {&record(index_.entry_at(s)), false};
    bool moved = false;
    while (size_ >= capacity_) {
      const uint32_t old = order_.pop_oldest(gen_of());
      if (old == kNone) break;
      on_evict(record(old));
      erase(meta_[old].key);
      ++counters_.evictions;
      moved = true;
    }
    if (index_.make_room(size_)) moved = true;
    if (moved) s = index_.slot_of(key);
    const uint32_t idx = take_record();
    V& v = record(idx);
    v = V{};
    const uint64_t gen = ++gen_;
    meta_[idx] = {key, gen};
    index_.set(s, key, idx);
    order_.push(idx, gen);
    ++size_;
    ++counters_.inserts;
    if (size_ > counters_.peak) counters_.peak = size_;
    order_.compact(capacity_, gen_of());
    return {&v, true};
  }
  std::pair<V*, bool> emplace(uint64_t key) {
    return emplace(key, [](V&) {});
  }

  // The record leaves the index; it is reused only after the next recycle().
  void erase(uint64_t key) {
    const uint32_t e = index_.erase(key);
    if (e == kNone) return;
    meta_[e].gen = 0;
    retired_.push_back(e);
    --size_;
  }

  // f(key, value) -> true to erase the entry; entries in insertion order.
  template <class F>
  void erase_if(F&& f) {
    order_.filter(gen_of(), [&](uint32_t e) {
      if (!f(meta_[e].key, record(e))) return true;
      erase(meta_[e].key);
      return false;
    });
  }
  // f(key, value) for every entry, in insertion order.
  template <class F>
  void for_each(F&& f) const {
    order_.for_each(gen_of(), [&](uint32_t e) { f(meta_[e].key, record(e)); });
  }

  // Records erased since the last recycle() become free for new entries.
  void recycle() {
    free_.insert(free_.end(), retired_.begin(), retired_.end());
    retired_.clear();
  }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  const TableCounters& counters() const { return counters_; }

 private:
  static constexpr uint32_t kNone = OpenIndex::kNone;
  static constexpr unsigned kBlockBits = 8;  // records per block: 256
  struct Meta {
    uint64_t key = 0;
    uint64_t gen = 0;  // 0: not in the index
  };

  V& record(uint32_t e) { return blocks_[e >> kBlockBits][e & ((1u << kBlockBits) - 1)]; }
  const V& record(uint32_t e) const { return blocks_[e >> kBlockBits][e & ((1u << kBlockBits) - 1)]; }
  auto gen_of() const {
    return [this](uint32_t e) { return meta_[e].gen; };
  }

  uint32_t take_record() {
    if (!free_.empty()) {
      const uint32_t e = free_.back();
      free_.pop_back();
      return e;
    }
    const uint32_t e = uint32_t(meta_.size());
    if ((e >> kBlockBits) == blocks_.size()) blocks_.push_back(std::make_unique<V[]>(size_t(1) << kBlockBits));
    meta_.emplace_back();
    return e;
  }

  size_t capacity_;
  OpenIndex index_;
  size_t size_ = 0;
  uint64_t gen_ = 0;
  std::vector<std::unique_ptr<V[]>> blocks_;  // records, never moved
  std::vector<Meta> meta_;                    // per record: key and generation
  std::vector<uint32_t> free_;                // reusable records
  std::vector<uint32_t> retired_;             // erased since the last recycle()
  EntryQueue order_;                          // (record, gen) in insertion order
  TableCounters counters_;
};

}  // namespace sigprobe::track
