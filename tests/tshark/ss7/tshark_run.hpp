// What the SS7 differential tests share: running tshark and splitting its
// -T fields output.
#pragma once
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace sigprobe::ss7::testing {

// The standard output of a shell command.
inline std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// s cut at sep; a trailing separator gives a last empty part.
inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> v;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) v.push_back(cur);
  if (!s.empty() && s.back() == sep) v.push_back("");
  return v;
}

// tshark -T fields over a capture: one row per frame that matches filter, the
// columns' values in order (several occurrences joined by 0x1F), every row as
// wide as cols. opts: more tshark options (decode-as, preferences).
inline std::vector<std::vector<std::string>> tshark_fields(const std::string& path, const std::string& opts,
                                                           const std::string& filter,
                                                           const std::vector<std::string>& cols) {
  std::string cmd = "tshark -n -r '" + path + "' " + opts + " -Y " + filter +
                    " -T fields -E occurrence=a -E aggregator=$'\\x1f'";
  for (const auto& c : cols) cmd += " -e " + c;
  std::vector<std::vector<std::string>> rows;
  for (const std::string& line : split(run("bash -c \"" + cmd + "\" 2>/dev/null"), '\n')) {
    if (line.empty()) continue;
    rows.push_back(split(line, '\t'));
    rows.back().resize(cols.size());
  }
  return rows;
}

}  // namespace sigprobe::ss7::testing
