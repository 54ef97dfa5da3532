#include "host/offload/backend_detail.hpp"

#include <algorithm>
#include <tuple>

#include "hls_kernels/include/pattern_record.hpp"
#include "hls_kernels/include/rate_record.hpp"

namespace sigprobe::offload {

bool validate_patterns(std::span<const PatternSpec> patterns, std::string& err) {
  constexpr uint32_t kKnownFields = (1u << static_cast<uint32_t>(FieldTag::Count_)) - 1;
  for (const PatternSpec& p : patterns) {
    const std::string who = "pattern id " + std::to_string(p.id) + ": ";
    if (p.text.empty()) {
      err = who + "empty text";
      return false;
    }
    if ((p.kind == PatternKind::Prefix || p.kind == PatternKind::Exact) &&
        p.text.size() > hlsk::kListMaxLen) {
      err = who + "prefix/exact text longer than " + std::to_string(hlsk::kListMaxLen) + " bytes";
      return false;
    }
    if ((p.field_mask & ~kKnownFields) != 0) {
      err = who + "field mask names an unknown field";
      return false;
    }
  }
  return true;
}

bool validate_rates(std::span<const RateSpec> rates, std::string& err) {
  if (rates.size() > hlsk::kRateMaxSpecs) {
    err = "more than " + std::to_string(hlsk::kRateMaxSpecs) + " rate specs";
    return false;
  }
  std::vector<uint32_t> ids;
  ids.reserve(rates.size());
  for (const RateSpec& r : rates) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  auto dup = std::adjacent_find(ids.begin(), ids.end());
  if (dup != ids.end()) {
    err = "rate spec id " + std::to_string(*dup) + " appears twice";
    return false;
  }
  return true;
}

SpecIndex::SpecIndex(std::span<const RateSpec> rates) {
  sorted_.reserve(rates.size());
  for (size_t i = 0; i < rates.size(); ++i) sorted_.emplace_back(rates[i].id, static_cast<int32_t>(i));
  std::sort(sorted_.begin(), sorted_.end());
}

int32_t SpecIndex::find(uint32_t id) const {
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::pair<uint32_t, int32_t>{id, -1});
  return (it != sorted_.end() && it->first == id) ? it->second : -1;
}

std::string hyperscan_literal(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string e;
  e.reserve(text.size() * 4);
  for (unsigned char c : text) {
    e += "\\x";
    e += kHex[c >> 4];
    e += kHex[c & 15];
  }
  return e;
}

void finish_matches(std::vector<PatternMatch>& out, size_t from) {
  auto first = out.begin() + static_cast<std::ptrdiff_t>(from);
  auto key = [](const PatternMatch& m) { return std::tuple(m.item, m.field, m.pattern_id); };
  std::sort(first, out.end(), [&](const PatternMatch& a, const PatternMatch& b) { return key(a) < key(b); });
  out.erase(std::unique(first, out.end()), out.end());
}

}  // namespace sigprobe::offload
