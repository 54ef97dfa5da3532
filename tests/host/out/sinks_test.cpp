#include "host/out/sinks.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sigprobe {
namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OutputSinks, EachAlertIsOnDiskBeforeTheNextOne) {
  fs::path f = fs::temp_directory_path() / ("sigprobe-alerts-" + std::to_string(getpid()) + ".jsonl");
  OutputOptions o;
  o.alerts_path = f.string();
  o.progress = false;
  std::string err;
  auto sinks = make_output_sinks(o, err);
  ASSERT_TRUE(err.empty()) << err;
  ASSERT_EQ(sinks.size(), 1u);
  Alert a;
  a.id = "x1";
  a.rule = "r";
  sinks[0]->on_alert(a);
  // Read by another reader (as `tail -f` would) before finish(): the line is whole.
  std::string text = slurp(f);
  EXPECT_EQ(text.substr(0, 1), "{");
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("\"id\":\"x1\""), std::string::npos);
  a.id = "x2";
  sinks[0]->on_alert(a);
  EXPECT_NE(slurp(f).find("\"id\":\"x2\""), std::string::npos);
  sinks.clear();
  fs::remove(f);
}

TEST(OutputSinks, BadOptionsAreOneLineErrors) {
  std::string err;
  OutputOptions o;
  o.progress = false;
  o.hep = "nohost";
  EXPECT_TRUE(make_output_sinks(o, err).empty());
  EXPECT_NE(err.find("--hep"), std::string::npos);
  o = OutputOptions{};
  o.metrics = "127.0.0.1";
  err.clear();
  EXPECT_TRUE(make_output_sinks(o, err).empty());
  EXPECT_NE(err.find("--metrics"), std::string::npos);
  o = OutputOptions{};
  o.mirror_dir = "/proc/sigprobe-cannot-create";
  err.clear();
  EXPECT_TRUE(make_output_sinks(o, err).empty());
  EXPECT_NE(err.find("--mirror-dir"), std::string::npos);
  EXPECT_EQ(err.find('\n'), std::string::npos);
}

TEST(OutputSinks, BuildsMirrorHepMetricsAndSyslogTogether) {
  fs::path dir = fs::temp_directory_path() / ("sigprobe-sinks-" + std::to_string(getpid()));
  OutputOptions o;
  o.progress = false;
  o.syslog = true;
  o.mirror_dir = dir.string();
  o.mirror_lookback_packets = 128;
  o.hep = "udp:127.0.0.1:9";
  o.metrics = "127.0.0.1:0";
  std::string err;
  auto sinks = make_output_sinks(o, err);
  ASSERT_TRUE(err.empty()) << err;
  EXPECT_EQ(sinks.size(), 3u) << "syslog, flow mirror (pcap + HEP), metrics";
  EXPECT_TRUE(fs::exists(dir / "index.tsv"));
  sinks.clear();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sigprobe
