// The one fuzz entry point for the rules file, shared by the libFuzzer target
// (rules_fuzz.cpp) and the g++ replay test (rules_fuzz_replay_test.cpp). A
// rules file is operator input: whatever the bytes, loading either gives a
// rule set or an error that names the file and a line ("FILE:LINE: ..."),
// never a crash. A rule set that loads must also compile, build the cpu and
// the csim pattern engines (Hyperscan and the kernel's C++), and the two must
// report the same matches: the keywords and list entries of the file are
// scanned as every field they may appear in. The same bytes are read as a
// list file too (list files are operator input: police and regulators'
// exports): either every entry is one that can match (no blank, comma, quote
// or invisible character, a number written as digits alone, 1-64 bytes, also
// after settings.national_forms) or the error names the file and a line of
// the text. Aborts when an invariant breaks.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "host/detect/compiled_rules.hpp"
#include "host/offload/engines.hpp"
#include "host/rules/rule_set.hpp"

namespace sigprobe::rules::fuzz {

inline void require(bool ok, const char* what, const std::string& detail = "") {
  if (ok) return;
  std::fprintf(stderr, "rules fuzz: %s %s\n", what, detail.c_str());
  std::abort();
}

// The file name messages start with (the loader names the file, not its folder).
inline std::string fuzzed_file() { return "fuzzed_rules.yaml"; }

// Where the fuzzed text claims to live: next to the default rules, so that
// `file: lists/...` entries of a seed resolve to the shipped list files.
inline std::string fuzzed_path() { return std::string(SIGPROBE_SOURCE_DIR) + "/host/rules/" + fuzzed_file(); }

// err is "FILE:LINE: message" with LINE a positive number and a message.
inline bool names_a_line(std::string_view err, std::string_view file) {
  if (err.size() <= file.size() + 1 || err.substr(0, file.size()) != file || err[file.size()] != ':')
    return false;
  size_t i = file.size() + 1, digits = 0;
  while (i < err.size() && err[i] >= '0' && err[i] <= '9') ++i, ++digits;
  return digits > 0 && err[file.size() + 1] != '0' && i + 2 < err.size() && err[i] == ':' &&
         err[i + 1] == ' ';
}

inline void check_entry(std::string_view e, const char* what) {
  require(!e.empty() && e.size() <= kMaxListEntry, what, std::string(e));
  for (unsigned char c : e)
    require(c > 0x20 && c != 0x7F && c != ',' && c != ';' && c != '"' && c != '\'', what, std::string(e));
  for (std::string_view mark : {"\xC2\xA0", "\xE2\x80\x8B", "\xEF\xBB\xBF", "\xE3\x80\x80"})
    require(e.find(mark) == std::string_view::npos, what, std::string(e));
  if (e.find_first_not_of("0123456789+-()") == std::string_view::npos)
    require(e.find_first_not_of("0123456789") == std::string_view::npos, "a number entry kept a mark:", std::string(e));
}

inline void run_list(std::string_view text) {
  const std::string file = "fuzzed_list.txt";
  NumberList l;
  std::string err;
  if (!parse_list_text(text, file, false, l, err)) {
    require(names_a_line(err, file), "a list error names no line:", err);
    const size_t lines = size_t(std::count(text.begin(), text.end(), '\n')) + 1;
    require(std::stoul(err.substr(file.size() + 1)) <= lines, "a list error names a line past the end:", err);
    return;
  }
  for (const auto* v : {&l.exact, &l.prefixes})
    for (const std::string& e : *v) check_entry(e, "a loaded list entry could never match:");
  Settings st;
  st.national_forms = {{"00", ""}, {"1", "861"}, {"0", "86"}};
  add_national_forms(st, l);
  for (const auto* v : {&l.exact, &l.prefixes})
    for (const std::string& e : *v) check_entry(e, "a national form could never match:");
}

inline int run_one(const uint8_t* data, size_t size) {
  run_list(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string err;
  auto rs = parse_rules(std::string_view(reinterpret_cast<const char*>(data), size), fuzzed_path(), err);
  if (!rs) {
    require(names_a_line(err, fuzzed_file()), "a load error names no line:", err);
    return 0;
  }
  require(err.empty(), "loaded with an error:", err);

  detect::SpecRegistry reg;
  auto compiled = detect::compile_rules(rs, reg, err);
  if (!compiled) {
    require(names_a_line(err, fuzzed_file()), "a compile error names no line:", err);
    return 0;
  }
  std::string cpu_err, csim_err;
  auto cpu = offload::make_cpu_pattern_engine(compiled->patterns, cpu_err);
  auto csim = offload::make_csim_pattern_engine(compiled->patterns, csim_err);
  // What loads must run: an engine that refuses a loaded file would stop the
  // probe at start-up with a message that names no line of the file.
  require(cpu != nullptr, "the cpu pattern engine refused a loaded file:", cpu_err);
  require(csim != nullptr, "the csim pattern engine refused a loaded file:", csim_err);

  // Every pattern's text, whole, cut and embedded, in every field.
  std::vector<std::string> texts;
  for (const auto& p : compiled->patterns) {
    texts.push_back(p.text);
    texts.push_back("x" + p.text + "9");
    if (p.text.size() > 1) texts.push_back(p.text.substr(0, p.text.size() - 1));
  }
  texts.emplace_back(reinterpret_cast<const char*>(data), size);
  std::vector<offload::ScanItem> items;
  for (size_t i = 0; i < texts.size(); ++i)
    for (uint32_t f = 0; f < uint32_t(offload::FieldTag::Count_); ++f)
      items.push_back({uint32_t(i), offload::FieldTag(f), texts[i]});
  std::vector<offload::PatternMatch> a, b;
  cpu->scan(items, a);
  csim->scan(items, b);
  require(a == b, "the cpu and csim pattern engines disagree");
  return 0;
}

}  // namespace sigprobe::rules::fuzz
