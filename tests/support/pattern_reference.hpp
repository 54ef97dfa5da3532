// The pattern stage's matching rules written out longhand (host/offload/
// engines.hpp): what every backend must report, for property tests and the
// pattern fuzz target.
#pragma once
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "host/offload/engines.hpp"

namespace sigprobe::testing {

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline bool reference_match(const offload::PatternSpec& p, std::string_view f) {
  using offload::PatternKind;
  switch (p.kind) {
    case PatternKind::Literal:
      return f.find(p.text) != std::string_view::npos;
    case PatternKind::LiteralNocase: {
      std::string a(f), b(p.text);
      for (char& c : a) c = ascii_lower(c);
      for (char& c : b) c = ascii_lower(c);
      return a.find(b) != std::string::npos;
    }
    case PatternKind::Prefix:
      return f.size() >= p.text.size() && f.substr(0, p.text.size()) == p.text;
    case PatternKind::Exact:
      return f == p.text;
  }
  return false;
}

// Each distinct (item, field, pattern id) once, sorted as the engines sort.
inline std::vector<offload::PatternMatch> reference_scan(const std::vector<offload::PatternSpec>& pats,
                                                         const std::vector<offload::ScanItem>& items) {
  std::set<std::tuple<uint32_t, offload::FieldTag, uint32_t>> s;
  for (const offload::ScanItem& it : items)
    for (const offload::PatternSpec& p : pats)
      if ((p.field_mask & offload::field_bit(it.field)) && reference_match(p, it.bytes))
        s.insert({it.item, it.field, p.id});
  std::vector<offload::PatternMatch> out;
  for (const auto& [item, field, id] : s) out.push_back({item, id, field});
  return out;
}

}  // namespace sigprobe::testing
