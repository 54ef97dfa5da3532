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

}  // namespace sigprobe::ss7::testing
