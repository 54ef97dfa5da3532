#include "host/out/hep_sender.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "host/out/l4_view.hpp"

namespace sigprobe {

HepSender::~HepSender() {
  if (fd_ >= 0) ::close(fd_);
}

bool HepSender::init(const HepOptions& opts, std::string& err) {
  opts_ = opts;
  std::string t = opts.target;
  if (t.rfind("tcp:", 0) == 0) { tcp_ = true; t = t.substr(4); }
  else if (t.rfind("udp:", 0) == 0) t = t.substr(4);
  size_t colon = t.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == t.size()) {
    err = "--hep: expected [udp:|tcp:]HOST:PORT, got '" + opts.target + "'";
    return false;
  }
  std::string host = t.substr(0, colon), port = t.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = tcp_ ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
    err = "--hep: cannot resolve '" + opts.target + "'";
    return false;
  }
  std::memcpy(addr_.data(), res->ai_addr, std::min<size_t>(res->ai_addrlen, addr_.size()));
  addr_len_ = uint32_t(res->ai_addrlen);
  family_ = res->ai_family;
  freeaddrinfo(res);
  if (tcp_) {
    if (!connect_tcp()) {
      err = "--hep: cannot connect to " + opts.target;
      return false;
    }
  } else {
    fd_ = ::socket(family_, SOCK_DGRAM, 0);
    if (fd_ < 0) {
      err = "--hep: cannot open a UDP socket";
      return false;
    }
  }
  return true;
}

bool HepSender::connect_tcp() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::socket(family_, SOCK_STREAM, 0);
  if (fd_ < 0) return false;
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(addr_.data()), addr_len_) != 0) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

void HepSender::send_one(const hep::Message& m) {
  buf_.clear();
  if (!hep::encode(buf_, m, opts_.id)) { ++stats_.too_big; return; }
  if (tcp_) {
    // A stream of HEP3 frames; one reconnect attempt when the collector went away.
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0) {
        ++stats_.reconnects;
        if (!connect_tcp()) break;
      }
      size_t done = 0;
      while (done < buf_.size()) {
        ssize_t n = ::send(fd_, buf_.data() + done, buf_.size() - done, MSG_NOSIGNAL);
        if (n <= 0) break;
        done += size_t(n);
      }
      if (done == buf_.size()) { ++stats_.sent; stats_.bytes += done; return; }
      ::close(fd_);
      fd_ = -1;
    }
    ++stats_.send_errors;
    return;
  }
  ssize_t n = ::sendto(fd_, buf_.data(), buf_.size(), 0, reinterpret_cast<const sockaddr*>(addr_.data()), addr_len_);
  if (n != ssize_t(buf_.size())) { ++stats_.send_errors; return; }
  ++stats_.sent;
  stats_.bytes += buf_.size();
}

void HepSender::write(uint32_t, const MirrorPacket& p) {
  uint64_t id = (uint64_t(p.port) << 48) ^ p.frame ^ (p.ts_ns * 0x9E3779B97F4A7C15ull);
  uint64_t& seen = recent_[id % recent_.size()];
  if (seen == id) return;
  seen = id;

  L4View v;
  if (!find_l4({p.data, p.caplen}, p.link, v)) { ++stats_.not_ip; return; }
  hep::Message m;
  m.family = v.family;
  m.ip_proto = v.ip_proto;
  m.src = v.src.data();
  m.dst = v.dst.data();
  m.sport = v.sport;
  m.dport = v.dport;
  m.ts_ns = p.ts_ns;
  m.correlation = p.correlation;
  if (v.ip_proto == 132) {
    for_each_sctp_data(v.payload, [&](uint32_t ppid, Bytes data) {
      uint8_t type = hep::proto_type_for_ppid(ppid);
      if (!type) { ++stats_.no_type; return; }
      m.proto_type = type;
      m.payload = data;
      send_one(m);
    });
    return;
  }
  if (v.payload.empty()) return;
  m.proto_type = hep::kSip;
  m.payload = v.payload;
  send_one(m);
}

void HepSender::finish() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace sigprobe
