// --hep [udp:|tcp:]HOST:PORT: the SIP and SIGTRAN messages of flagged flows
// as HEPv3 to a Homer collector (or anything that speaks HEP: Kamailio
// sipcapture, heplify-server). One HEP packet per SIP message (UDP/TCP
// payload) or per SCTP DATA chunk of M2UA/M3UA/M2PA. A packet in several
// flagged flows is sent once.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "host/out/flow_mirror.hpp"
#include "host/out/hep.hpp"

namespace sigprobe {

struct HepOptions {
  std::string target;  // [udp:|tcp:]HOST:PORT
  hep::Identity id;
};

struct HepStats {
  uint64_t sent = 0;          // HEP packets sent
  uint64_t bytes = 0;
  uint64_t not_ip = 0;        // packets without an IP/L4 header HEP can describe (MTP links, fragments)
  uint64_t no_type = 0;       // SCTP chunks of a protocol HEP has no type for
  uint64_t too_big = 0;       // messages over HEP's 64 KiB
  uint64_t send_errors = 0;
  uint64_t reconnects = 0;
};

class HepSender final : public FlowOutput {
 public:
  HepSender() = default;
  ~HepSender() override;
  HepSender(const HepSender&) = delete;
  HepSender& operator=(const HepSender&) = delete;

  // Resolves the target and, for TCP, connects. false and err set otherwise.
  bool init(const HepOptions& opts, std::string& err);

  void open(uint32_t, const Alert&) override {}
  void write(uint32_t slot, const MirrorPacket& p) override;
  void close(uint32_t) override {}
  void finish() override;

  const HepStats& stats() const { return stats_; }

 private:
  void send_one(const hep::Message& m);
  bool connect_tcp();

  HepOptions opts_;
  bool tcp_ = false;
  int fd_ = -1;
  std::array<uint8_t, 128> addr_{};  // sockaddr_storage bytes
  uint32_t addr_len_ = 0;
  int family_ = 0;
  std::string buf_;
  std::array<uint64_t, 8192> recent_{};  // (port, frame, ts) of packets already sent
  HepStats stats_;
};

}  // namespace sigprobe
