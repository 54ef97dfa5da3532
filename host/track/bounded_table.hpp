// BoundedTable<V>: a hash table keyed by a 64-bit hash with a fixed bound.
// When full, the oldest inserted entry is evicted (FIFO); the bound and the
// evictions are counted. Erased keys leave a stale queue entry that the
// generation number makes harmless.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>

namespace sigprobe::track {

struct TableCounters {
  uint64_t capacity = 0;
  uint64_t inserts = 0;
  uint64_t evictions = 0;
  uint64_t peak = 0;
};

template <class V>
class BoundedTable {
 public:
  explicit BoundedTable(size_t capacity) : capacity_(capacity ? capacity : 1) {
    map_.reserve(capacity_ < 65536 ? capacity_ : 65536);
    counters_.capacity = capacity_;
  }

  V* find(uint64_t key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second.value;
  }
  const V* find(uint64_t key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second.value;
  }

  // The entry for key, created (value-initialised) when absent. evicted, when
  // given, receives the entry pushed out to make room.
  template <class OnEvict>
  std::pair<V*, bool> emplace(uint64_t key, OnEvict&& on_evict) {
    auto it = map_.find(key);
    if (it != map_.end()) return {&it->second.value, false};
    while (map_.size() >= capacity_ && !order_.empty()) {
      auto [old_key, gen] = order_.front();
      order_.pop_front();
      auto old = map_.find(old_key);
      if (old == map_.end() || old->second.gen != gen) continue;
      on_evict(old->second.value);
      map_.erase(old);
      ++counters_.evictions;
    }
    uint64_t gen = ++gen_;
    auto [ins, ok] = map_.try_emplace(key, Slot{V{}, gen});
    order_.emplace_back(key, gen);
    ++counters_.inserts;
    if (map_.size() > counters_.peak) counters_.peak = map_.size();
    compact();
    return {&ins->second.value, true};
  }
  std::pair<V*, bool> emplace(uint64_t key) {
    return emplace(key, [](V&) {});
  }

  void erase(uint64_t key) { map_.erase(key); }

  // f(key, value) -> true to erase the entry.
  template <class F>
  void erase_if(F&& f) {
    for (auto it = map_.begin(); it != map_.end();) {
      if (f(it->first, it->second.value)) it = map_.erase(it);
      else ++it;
    }
  }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [k, s] : map_) f(k, s.value);
  }

  size_t size() const { return map_.size(); }
  size_t capacity() const { return capacity_; }
  const TableCounters& counters() const { return counters_; }

 private:
  struct Slot {
    V value;
    uint64_t gen;
  };
  // Drop stale queue entries so the queue stays proportional to the table.
  void compact() {
    if (order_.size() < 2 * capacity_ + 1024) return;
    std::deque<std::pair<uint64_t, uint64_t>> live;
    for (auto& e : order_) {
      auto it = map_.find(e.first);
      if (it != map_.end() && it->second.gen == e.second) live.push_back(e);
    }
    order_.swap(live);
  }

  size_t capacity_;
  uint64_t gen_ = 0;
  std::unordered_map<uint64_t, Slot> map_;
  std::deque<std::pair<uint64_t, uint64_t>> order_;
  TableCounters counters_;
};

}  // namespace sigprobe::track
