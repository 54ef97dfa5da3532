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
  explicit CallTable(size_t capacity) : index_(capacity) {}

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
    auto evict = [&](uint32_t old) {
      on_evict(record(old));
      erase(meta_[old].key);
    };
    auto take = [&](uint64_t k, uint64_t gen) {
      const uint32_t idx = take_record();
      record(idx) = V{};
      meta_[idx] = {k, gen};
      return idx;
    };
    const auto [e, fresh] = index_.emplace(key, gen_of(), evict, take);
    return {&record(e), fresh};
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
  }

  // f(key, value) -> true to erase the entry; entries in insertion order.
  template <class F>
  void erase_if(F&& f) {
    index_.order().filter(gen_of(), [&](uint32_t e) {
      if (!f(meta_[e].key, record(e))) return true;
      erase(meta_[e].key);
      return false;
    });
  }
  // f(key, value) for every entry, in insertion order.
  template <class F>
  void for_each(F&& f) const {
    index_.order().for_each(gen_of(), [&](uint32_t e) { f(meta_[e].key, record(e)); });
  }

  // Records erased since the last recycle() become free for new entries.
  void recycle() {
    free_.insert(free_.end(), retired_.begin(), retired_.end());
    retired_.clear();
  }

  size_t size() const { return index_.size(); }
  size_t capacity() const { return index_.capacity(); }
  const TableCounters& counters() const { return index_.counters(); }

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

  BoundedIndex index_;
  std::vector<std::unique_ptr<V[]>> blocks_;  // records, never moved
  std::vector<Meta> meta_;                    // per record: key and generation
  std::vector<uint32_t> free_;                // reusable records
  std::vector<uint32_t> retired_;             // erased since the last recycle()
};

}  // namespace sigprobe::track
