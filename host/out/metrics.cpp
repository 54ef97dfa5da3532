#include "host/out/metrics.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

namespace sigprobe {
namespace {

// Label values escape backslash, quote and newline (exposition format).
std::string label(std::string_view v) {
  std::string o;
  for (char c : v) {
    if (c == '\\' || c == '"') { o += '\\'; o += c; }
    else if (c == '\n') o += "\\n";
    else o += c;
  }
  return o;
}

void family(std::string& o, const char* name, const char* type, const char* help) {
  o += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void counter(std::string& o, const char* name, const char* help, uint64_t v) {
  family(o, name, "counter", help);
  o += fmt::format("{} {}\n", name, v);
}

// The other stages' samples (MetricsSnapshot::extra, "family{labels}") go out
// grouped by family, as the exposition format wants a family's lines: those
// of a family this page already writes right after its own samples, the rest
// each under a TYPE line (a counter when the name ends in _total).
class ExtraFamilies {
 public:
  explicit ExtraFamilies(const std::vector<std::pair<std::string, double>>& extra)
      : extra_(extra), done_(extra.size(), false) {}

  void samples(std::string& o, std::string_view family) {
    for (size_t i = 0; i < extra_.size(); ++i)
      if (!done_[i] && family_of(extra_[i].first) == family) {
        o += fmt::format("{} {}\n", extra_[i].first, extra_[i].second);
        done_[i] = true;
      }
  }

  void rest(std::string& o) {
    for (size_t i = 0; i < extra_.size(); ++i) {
      if (done_[i]) continue;
      const std::string_view f = family_of(extra_[i].first);
      o += fmt::format("# TYPE {} {}\n", f, f.ends_with("_total") ? "counter" : "gauge");
      samples(o, f);
    }
  }

 private:
  static std::string_view family_of(std::string_view name) { return name.substr(0, name.find('{')); }
  const std::vector<std::pair<std::string, double>>& extra_;
  std::vector<bool> done_;
};

}  // namespace

std::string render_metrics(const MetricsSnapshot& s) {
  std::string o;
  ExtraFamilies extra(s.extra);
  counter(o, "sigprobe_packets_total", "Packets seen by the outputs.", s.packets);
  counter(o, "sigprobe_bytes_total", "Captured bytes of those packets.", s.bytes);
  counter(o, "sigprobe_bursts_total", "Bursts processed.", s.bursts);
  family(o, "sigprobe_messages_total", "counter", "Decoded signaling messages by protocol.");
  for (size_t i = 0; i < s.messages.size(); ++i)
    o += fmt::format("sigprobe_messages_total{{proto=\"{}\"}} {}\n", proto_name(Proto(i)), s.messages[i]);
  if (s.have_decode) {
    const DecodeCounters& d = s.decode;
    counter(o, "sigprobe_malformed_packets_total", "Packets with at least one anomaly.", d.malformed_packets);
    counter(o, "sigprobe_events_dropped_total", "Events lost because the batch was full.", d.events_dropped);
    counter(o, "sigprobe_national_numbers_total",
            "SS7 numbers marked national, read with the country code in front (settings.country_code).",
            d.national_numbers);
    family(o, "sigprobe_anomalies_total", "counter", "Malformed-input anomalies by name.");
    for (size_t i = 0; i < d.anomalies.size(); ++i)
      if (d.anomalies[i])
        o += fmt::format("sigprobe_anomalies_total{{name=\"{}\"}} {}\n", kAnomalyCatalogue[i].id, d.anomalies[i]);
    const ReassemblyCounters& r = d.reasm;
    family(o, "sigprobe_table_evictions_total", "counter", "Table entries dropped because the table was full.");
    o += fmt::format("sigprobe_table_evictions_total{{table=\"ip_fragments\"}} {}\n", r.ip_frag_evictions);
    o += fmt::format("sigprobe_table_evictions_total{{table=\"tcp_streams\"}} {}\n", r.tcp_evictions);
    extra.samples(o, "sigprobe_table_evictions_total");  // the detector's tables
    family(o, "sigprobe_reassembly_total", "counter", "Reassembly work by kind.");
    const std::pair<const char*, uint64_t> kinds[] = {
        {"ip_fragments", r.ip_frag_fragments}, {"ip_datagrams", r.ip_frag_datagrams},
        {"ip_timeouts", r.ip_frag_timeouts},   {"tcp_streams", r.tcp_streams},
        {"tcp_gaps", r.tcp_gaps},              {"sctp_reassembled", r.sctp_reassembled},
        {"sccp_reassembled", r.sccp_reassembled}, {"sms_assembled", r.sms_assembled}};
    for (auto& [k, v] : kinds) o += fmt::format("sigprobe_reassembly_total{{kind=\"{}\"}} {}\n", k, v);
  }
  family(o, "sigprobe_alerts_total", "counter", "Alerts raised by rule and severity.");
  for (auto& [key, n] : s.alerts)
    o += fmt::format("sigprobe_alerts_total{{rule=\"{}\",severity=\"{}\"}} {}\n", label(key.first), key.second, n);
  if (!s.offload.empty()) {
    family(o, "sigprobe_offload_info", "gauge", "The offload backend in use, and why.");
    o += fmt::format("sigprobe_offload_info{{backend=\"{}\"}} 1\n", label(s.offload));
  }
  extra.rest(o);
  family(o, "sigprobe_batch_seconds", "histogram",
         "Wall time per burst at the outputs: from one burst to the next (read, decode, detect, act).");
  uint64_t cum = 0;
  for (size_t i = 0; i < kBatchBuckets.size(); ++i) {
    cum += s.batch_buckets[i];
    o += fmt::format("sigprobe_batch_seconds_bucket{{le=\"{}\"}} {}\n", kBatchBuckets[i], cum);
  }
  cum += s.batch_buckets.back();
  o += fmt::format("sigprobe_batch_seconds_bucket{{le=\"+Inf\"}} {}\n", cum);
  o += fmt::format("sigprobe_batch_seconds_sum {}\nsigprobe_batch_seconds_count {}\n", s.batch_sum_s, s.batch_count);
  if (s.have_mirror) {
    counter(o, "sigprobe_mirror_flows_total", "Flagged flows mirrored.", s.mirror.flows);
    counter(o, "sigprobe_mirror_packets_total", "Packets handed to the mirror outputs.", s.mirror.packets);
    counter(o, "sigprobe_mirror_ended_early_total", "Flagged flows cut short by the active-flow limit.",
            s.mirror.ended_early);
  }
  if (s.have_pcap) {
    counter(o, "sigprobe_mirror_files_total", "Mirror pcap files written.", s.pcap.files);
    counter(o, "sigprobe_mirror_files_rotated_total", "Mirror pcap files removed by the limits.", s.pcap.rotated);
    counter(o, "sigprobe_mirror_dropped_total", "Packets not written because the byte limit was reached.",
            s.pcap.dropped_full);
    family(o, "sigprobe_mirror_dir_bytes", "gauge", "Bytes in the mirror directory's files.");
    o += fmt::format("sigprobe_mirror_dir_bytes {}\n", s.pcap_bytes);
  }
  if (s.have_hep) {
    counter(o, "sigprobe_hep_sent_total", "HEP packets sent.", s.hep.sent);
    counter(o, "sigprobe_hep_send_errors_total", "HEP packets that could not be sent.", s.hep.send_errors);
    counter(o, "sigprobe_hep_skipped_total", "Mirrored packets HEP could not describe (not IP, unknown PPID, too big).",
            s.hep.not_ip + s.hep.no_type + s.hep.too_big);
  }
  return o;
}

MetricsSink::~MetricsSink() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool MetricsSink::start(const std::string& addr_port, const RunInfo* run, std::string& err) {
  run_ = run;
  size_t colon = addr_port.rfind(':');
  if (colon == std::string::npos) {
    err = "--metrics: expected ADDR:PORT, got '" + addr_port + "'";
    return false;
  }
  std::string host = addr_port.substr(0, colon), port = addr_port.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
    err = "--metrics: cannot resolve '" + addr_port + "'";
    return false;
  }
  listen_fd_ = ::socket(res->ai_family, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = listen_fd_ >= 0 && ::bind(listen_fd_, res->ai_addr, res->ai_addrlen) == 0 && ::listen(listen_fd_, 16) == 0;
  freeaddrinfo(res);
  if (!ok) {
    err = "--metrics: cannot listen on " + addr_port;
    return false;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  publish();
  thread_ = std::thread([this] { serve(); });
  return true;
}

void MetricsSink::on_burst(std::span<const PacketRef> pkts, std::span<const SignalEvent> events) {
  auto now = std::chrono::steady_clock::now();
  if (live_.bursts > 0) {
    double s = std::chrono::duration<double>(now - last_burst_).count();
    size_t b = 0;
    while (b < kBatchBuckets.size() && s > kBatchBuckets[b]) ++b;
    ++live_.batch_buckets[b];
    live_.batch_sum_s += s;
    ++live_.batch_count;
  }
  last_burst_ = now;
  ++live_.bursts;
  for (const PacketRef& p : pkts) {
    ++live_.packets;
    live_.bytes += p.caplen;
  }
  for (const SignalEvent& e : events) ++live_.messages[size_t(e.proto)];
  live_.events += events.size();
  if (now - last_publish_ >= std::chrono::milliseconds(50)) publish();
}

void MetricsSink::on_alert(const Alert& a) {
  ++live_.alerts[{a.rule, severity_name(a.severity)}];
  publish();
}

void MetricsSink::finish() { publish(); }

void MetricsSink::publish() {
  auto now = std::chrono::steady_clock::now();
  last_publish_ = now;
  if (run_) {
    if (run_->decode) { live_.have_decode = true; live_.decode = *run_->decode; }
    live_.offload = run_->offload;
    if (run_->extra && now - last_extra_ >= std::chrono::seconds(1)) {
      last_extra_ = now;
      live_.extra.clear();
      run_->extra(live_.extra);
    }
  }
  if (mirror_) { live_.have_mirror = true; live_.mirror = mirror_->stats(); }
  if (pcap_) { live_.have_pcap = true; live_.pcap = pcap_->stats(); live_.pcap_bytes = pcap_->total_bytes(); }
  if (hep_) { live_.have_hep = true; live_.hep = hep_->stats(); }
  std::lock_guard<std::mutex> lock(mu_);
  shared_ = live_;
}

std::string MetricsSink::text() const {
  std::lock_guard<std::mutex> lock(mu_);
  return render_metrics(shared_);
}

void MetricsSink::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    int c = ::accept(listen_fd_, nullptr, nullptr);
    if (c < 0) continue;
    // Read the request head (bounded, 2 s at most), answer, close.
    std::string req;
    char buf[1024];
    pollfd cp{c, POLLIN, 0};
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < 8192 && poll(&cp, 1, 2000) > 0) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      req.append(buf, size_t(n));
    }
    std::string body, status = "200 OK", type = "text/plain; version=0.0.4; charset=utf-8";
    if (req.rfind("GET /metrics", 0) == 0 || req.rfind("GET / ", 0) == 0) {
      body = text();
    } else {
      status = "404 Not Found";
      type = "text/plain";
      body = "try /metrics\n";
    }
    std::string resp = "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                       "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    size_t done = 0;
    while (done < resp.size()) {
      ssize_t n = ::send(c, resp.data() + done, resp.size() - done, MSG_NOSIGNAL);
      if (n <= 0) break;
      done += size_t(n);
    }
    ::close(c);
  }
}

}  // namespace sigprobe
