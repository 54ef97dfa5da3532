// `sigprobe replay --offload csim` and `--offload cpu` on every capture
// (pcaps/, its labelled scenarios, and ../shared/corpus when present) must
// write identical alert lines and exit the same way.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "tests/host/offload/capture_list.hpp"

namespace {

namespace fs = std::filesystem;

struct ReplayRun {
  int status = -1;
  std::string alerts;
};

ReplayRun replay(const fs::path& bin, const fs::path& cap, const char* backend, const fs::path& tmp) {
  const fs::path alerts = tmp / (std::string("alerts_") + backend + ".jsonl");
  fs::remove(alerts);
  const std::string cmd = "'" + bin.string() + "' replay '" + cap.string() + "' --offload " + backend +
                          " --alerts '" + alerts.string() + "' >/dev/null 2>&1";
  ReplayRun r;
  r.status = std::system(cmd.c_str());
  std::ifstream in(alerts);
  std::stringstream ss;
  ss << in.rdbuf();
  r.alerts = ss.str();
  return r;
}

TEST(OffloadReplay, CsimAndCpuWriteIdenticalAlertsForEveryCapture) {
  const fs::path bin = fs::path(SIGPROBE_BINARY_DIR) / "sigprobe";
  if (!fs::exists(bin)) GTEST_SKIP() << "no sigprobe binary at " << bin;
  const std::vector<fs::path> caps = sigprobe::offload::testing::all_captures();
  if (caps.empty()) GTEST_SKIP() << "no captures";
  const fs::path tmp = fs::temp_directory_path() / ("sigprobe_offload_replay_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  size_t alert_lines = 0;
  for (const fs::path& cap : caps) {
    const ReplayRun cpu = replay(bin, cap, "cpu", tmp);
    const ReplayRun csim = replay(bin, cap, "csim", tmp);
    EXPECT_EQ(cpu.status, csim.status) << cap;
    EXPECT_EQ(cpu.alerts, csim.alerts) << cap;
    alert_lines += static_cast<size_t>(std::count(cpu.alerts.begin(), cpu.alerts.end(), '\n'));
  }
  fs::remove_all(tmp);
  RecordProperty("alert_lines", static_cast<int>(alert_lines));
  if (alert_lines == 0) GTEST_SKIP() << "no capture raised an alert: the comparison was vacuous";
}

}  // namespace
