// Every capture the offload equivalence tests run: pcaps/ (with its labelled
// scenarios) and ../shared/corpus when present, sorted.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace sigprobe::offload::testing {

inline std::filesystem::path source_root() {
  const char* src = std::getenv("SIGPROBE_SOURCE_DIR");
  return src ? std::filesystem::path(src) : std::filesystem::path(SIGPROBE_SOURCE_DIR);
}

inline std::vector<std::filesystem::path> all_captures() {
  namespace fs = std::filesystem;
  const fs::path root = source_root();
  std::vector<fs::path> out;
  for (const fs::path& dir : {root / "pcaps", root / ".." / "shared" / "corpus"}) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& f : fs::recursive_directory_iterator(dir, ec)) {
      const std::string ext = f.path().extension().string();
      if (ext == ".pcap" || ext == ".pcapng" || ext == ".cap") out.push_back(f.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sigprobe::offload::testing
