#include "host/out/metrics.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "dataplane/io/packet_source.hpp"
#include "host/out/progress.hpp"
#include "tests/host/out/synth_packets.hpp"

namespace sigprobe {
namespace {

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;

// GET path from 127.0.0.1:port over a plain socket; the whole response.
std::string http_get(uint16_t port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) { close(fd); return {}; }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  send(fd, req.data(), req.size(), 0);
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) resp.append(buf, size_t(n));
  close(fd);
  return resp;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Metrics, ServesCountsOverLoopbackInPrometheusText) {
  DecodeCounters dc;
  dc.malformed_packets = 1;
  dc.anomaly(Anomaly(0));
  dc.reasm.ip_frag_evictions = 3;
  dc.national_numbers = 5;
  RunInfo run;
  run.decode = &dc;
  run.offload = "auto: no Alveo device found, using cpu";
  run.extra = [](std::vector<std::pair<std::string, double>>& out) {
    out.emplace_back("sigprobe_table_occupancy{table=\"calls\"}", 12);
  };
  MetricsSink m;
  std::string err;
  ASSERT_TRUE(m.start("127.0.0.1:0", &run, err)) << err;
  ASSERT_NE(m.port(), 0);

  testing::SynthCapture c;
  c.add_sip(kT0, "c1", "111", "222");
  c.add_sip(kT0 + 1, "c1", "111", "222", 180);
  c.add_sip(kT0 + 2, "c2", "333", "444");
  m.on_burst({c.pkts.data(), 2}, {c.events.data(), 2});
  m.on_burst({c.pkts.data() + 2, 1}, {c.events.data() + 2, 1});
  Alert a;
  a.rule = "wangiri \"short\"";
  a.severity = Severity::High;
  m.on_alert(a);
  m.on_alert(a);
  m.finish();

  std::string resp = http_get(m.port(), "/metrics");
  ASSERT_EQ(resp.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << resp;
  EXPECT_NE(resp.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  std::string body = resp.substr(resp.find("\r\n\r\n") + 4);
  uint64_t bytes = c.pkts[0].caplen + c.pkts[1].caplen + c.pkts[2].caplen;
  EXPECT_TRUE(has_line(body, "sigprobe_packets_total 3")) << body;
  EXPECT_TRUE(has_line(body, "sigprobe_bytes_total " + std::to_string(bytes)));
  EXPECT_TRUE(has_line(body, "sigprobe_messages_total{proto=\"sip\"} 3"));
  EXPECT_TRUE(has_line(body, "sigprobe_messages_total{proto=\"map\"} 0"));
  EXPECT_TRUE(has_line(body, std::string("sigprobe_anomalies_total{name=\"") +
                                 std::string(kAnomalyCatalogue[0].id) + "\"} 1"));
  EXPECT_TRUE(has_line(body, "sigprobe_table_evictions_total{table=\"ip_fragments\"} 3"));
  EXPECT_TRUE(has_line(body, "sigprobe_national_numbers_total 5"));
  EXPECT_TRUE(has_line(body, "sigprobe_alerts_total{rule=\"wangiri \\\"short\\\"\",severity=\"high\"} 2"));
  EXPECT_TRUE(has_line(body, "sigprobe_offload_info{backend=\"auto: no Alveo device found, using cpu\"} 1"));
  EXPECT_TRUE(has_line(body, "sigprobe_table_occupancy{table=\"calls\"} 12"));
  EXPECT_TRUE(has_line(body, "sigprobe_batch_seconds_count 1")) << "one interval between two bursts";
  EXPECT_TRUE(has_line(body, "sigprobe_batch_seconds_bucket{le=\"+Inf\"} 1"));
  EXPECT_TRUE(has_line(body, "# TYPE sigprobe_batch_seconds histogram"));

  EXPECT_EQ(http_get(m.port(), "/other").rfind("HTTP/1.1 404", 0), 0u);
}

// The exposition format wants each family's lines as one group, its TYPE
// line (at most one) first. The detector's table samples come interleaved
// (entries, capacity, evictions of one table, then the next), and one family
// (table evictions) is also the page's own for the reassembly tables.
TEST(Metrics, EveryFamilyIsOneGroupUnderAtMostOneTypeLine) {
  MetricsSnapshot s;
  s.have_decode = true;
  s.decode.reasm.ip_frag_evictions = 3;
  for (const char* t : {"calls", "contacts"}) {
    const std::string l = std::string("{table=\"") + t + "\"}";
    s.extra.emplace_back("sigprobe_table_entries" + l, 2);
    s.extra.emplace_back("sigprobe_table_capacity" + l, 8);
    s.extra.emplace_back("sigprobe_table_evictions_total" + l, 1);
  }
  s.extra.emplace_back("sigprobe_detect_calls_on_watch", 4);
  const std::string page = render_metrics(s);
  std::map<std::string, int> types;
  std::set<std::string> closed;  // families whose group has ended
  std::string current;
  std::istringstream in(page);
  for (std::string line; std::getline(in, line);) {
    std::string family;
    if (line.rfind("# TYPE ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      ++types[family];
    } else if (line.rfind("# HELP ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
    } else {
      family = line.substr(0, line.find_first_of("{ "));
      for (const char* suffix : {"_bucket", "_sum", "_count"})  // a histogram's series
        if (family.ends_with(suffix) && types.count(family.substr(0, family.size() - strlen(suffix))))
          family = family.substr(0, family.size() - strlen(suffix));
    }
    if (family != current) {
      EXPECT_FALSE(closed.count(family)) << family << " comes back after other families:\n" << page;
      if (!current.empty()) closed.insert(current);
      current = family;
    }
  }
  for (const auto& [f, n] : types) EXPECT_EQ(n, 1) << f;
  EXPECT_EQ(types["sigprobe_table_entries"], 1);
  EXPECT_EQ(types["sigprobe_detect_calls_on_watch"], 1);
  EXPECT_NE(page.find("# TYPE sigprobe_table_entries gauge\n"), std::string::npos) << page;
  EXPECT_NE(page.find("# TYPE sigprobe_table_evictions_total counter\n"), std::string::npos);
  EXPECT_TRUE(has_line(page, "sigprobe_table_evictions_total{table=\"contacts\"} 1")) << page;
  EXPECT_TRUE(has_line(page, "sigprobe_table_entries{table=\"contacts\"} 2"));
  EXPECT_TRUE(has_line(page, "sigprobe_detect_calls_on_watch 4"));
}

TEST(Metrics, RefusesAnAddressWithoutPort) {
  MetricsSink m;
  std::string err;
  EXPECT_FALSE(m.start("127.0.0.1", nullptr, err));
  EXPECT_NE(err.find("ADDR:PORT"), std::string::npos);
}

// A source that only reports how far it is.
class HalfwaySource final : public PacketSource {
 public:
  uint16_t rx_burst(std::span<PacketRef>) override { return 0; }
  bool at_end() const override { return true; }
  const std::string& error() const override { return err_; }
  std::string describe() const override { return "big.pcap"; }
  double progress() const override { return 0.5; }

 private:
  std::string err_;
};

TEST(Progress, DrawsPacketsPercentAndAlertsWhenForced) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* mem = open_memstream(&buf, &len);
  {
    ProgressSink p(mem, true);
    HalfwaySource src;
    p.on_source_start(src, 0);
    testing::SynthCapture c;
    c.add_sip(kT0, "c1", "111", "222");
    p.on_alert(Alert{});
    p.on_burst(c.pkts, c.events);
    EXPECT_NE(p.line().find("big.pcap  50.0%  1 packets"), std::string::npos) << p.line();
    EXPECT_NE(p.line().find("1 alerts"), std::string::npos);
    p.finish();
  }
  std::fclose(mem);
  std::string out(buf, len);
  free(buf);
  EXPECT_EQ(out.front(), '\r');
  EXPECT_EQ(out.back(), '\n');
}

TEST(Progress, StaysQuietWhenNotATerminal) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* mem = open_memstream(&buf, &len);
  {
    ProgressSink p(mem);
    EXPECT_FALSE(p.enabled());
    testing::SynthCapture c;
    c.add_sip(kT0, "c1", "111", "222");
    p.on_burst(c.pkts, c.events);
    p.finish();
  }
  std::fclose(mem);
  EXPECT_EQ(len, 0u);
  free(buf);
}

}  // namespace
}  // namespace sigprobe
