// The files a fuzz target's replay test runs: tests/fuzz/AREA/SUB (seeds/,
// regressions/), every regular file but the .keep that holds an empty folder.
#pragma once
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace sigprobe::testing {

inline std::vector<std::filesystem::path> fuzz_inputs(const char* area, const char* sub) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  fs::path dir = fs::path(SIGPROBE_SOURCE_DIR) / "tests/fuzz" / area / sub;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != ".keep") out.push_back(e.path());
  return out;
}

inline std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

}  // namespace sigprobe::testing
