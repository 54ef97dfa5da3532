// HEPv3 against a real collector: Kamailio's sipcapture module (Debian
// package kamailio) listening on 127.0.0.1, storing what it receives through
// db_text. The test mirrors two SIP dialogs with FlowMirror + HepSender over
// UDP and TCP and compares the stored rows with what was sent.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "host/out/flow_mirror.hpp"
#include "host/out/hep_sender.hpp"
#include "tests/host/out/synth_packets.hpp"
#include "tests/support/kamailio_process.hpp"

namespace sigprobe {
namespace {
namespace fs = std::filesystem;

constexpr const char* kModules = testing::kKamailioModules;
constexpr const char* kVersionTable = "/usr/share/kamailio/dbtext/kamailio/version";
constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;
constexpr uint64_t kSec = 1'000'000'000ull;

// The sip_capture columns sipcapture (Kamailio 5.6) inserts, as a db_text header.
constexpr const char* kSipCaptureTable =
    "id(int,auto) date(int,null) micro_ts(int,null) method(str,null) reply_reason(str,null) ruri(str,null) "
    "ruri_user(str,null) ruri_domain(str,null) from_user(str,null) from_domain(str,null) from_tag(str,null) "
    "to_user(str,null) to_domain(str,null) to_tag(str,null) pid_user(str,null) contact_user(str,null) "
    "auth_user(str,null) callid(str,null) callid_aleg(str,null) via_1(str,null) via_1_branch(str,null) "
    "cseq(str,null) diversion(str,null) reason(str,null) content_type(str,null) auth(str,null) "
    "user_agent(str,null) source_ip(str,null) source_port(int,null) destination_ip(str,null) "
    "destination_port(int,null) contact_ip(str,null) contact_port(int,null) originator_ip(str,null) "
    "originator_port(int,null) expires(int,null) correlation_id(str,null) custom_field1(str,null) "
    "custom_field2(str,null) custom_field3(str,null) proto(int,null) family(int,null) rtp_stat(str,null) "
    "type(int,null) node(str,null) msg(str,null)\n";

class Kamailio {
 public:
  // HEP over TCP in Kamailio 5.6 needs the core to accept HEP3 frames (and no
  // Content-Length) and sipcapture's non-SIP hook, whose event route hands the
  // message on (return 1) to be unpacked and stored.
  bool start(const fs::path& dir, uint16_t port, bool tcp) {
    dir_ = dir;
    fs::create_directories(dir / "db");
    fs::copy_file(kVersionTable, dir / "db" / "version", fs::copy_options::overwrite_existing);
    std::ofstream(dir / "db" / "sip_capture") << kSipCaptureTable;
    std::ostringstream cfg;
    cfg << "#!KAMAILIO\nfork=yes\nchildren=1\ntcp_children=1\nlog_stderror=yes\n"
        << "listen=udp:127.0.0.1:" << port << "\nlisten=tcp:127.0.0.1:" << port << "\n"
        << "mpath=\"" << kModules << "/\"\n"
        << "loadmodule \"db_text.so\"\nloadmodule \"sipcapture.so\"\nloadmodule \"xlog.so\"\n"
        << "modparam(\"sipcapture\", \"db_url\", \"text://" << (dir / "db").string() << "\")\n"
        << "modparam(\"sipcapture\", \"capture_on\", 1)\nmodparam(\"sipcapture\", \"hep_capture_on\", 1)\n"
        << "modparam(\"sipcapture\", \"capture_node\", \"collector\")\n"
        << "request_route { sip_capture(); xlog(\"L_ALERT\", \"sigprobe-test stored\\n\"); exit; }\n"
        << "onreply_route { sip_capture(); xlog(\"L_ALERT\", \"sigprobe-test stored\\n\"); }\n";
    if (tcp)
      cfg << "tcp_accept_hep3=yes\ntcp_accept_no_cl=yes\nmodparam(\"sipcapture\", \"nonsip_hook\", 1)\n"
          << "event_route[sipcapture:request] { return 1; }\n";
    return proc_.start(dir, cfg.str(), port);
  }
  // db_text writes its tables out when Kamailio exits.
  void stop() { proc_.stop(); }
  // Messages its routes have stored so far (the log line after sip_capture()).
  size_t stored() const {
    const std::string text = log(), line = "sigprobe-test stored";
    size_t n = 0;
    for (size_t at = text.find(line); at != std::string::npos; at = text.find(line, at + 1)) ++n;
    return n;
  }
  // Stored rows of sip_capture as column -> value (db_text escapes undone).
  std::vector<std::map<std::string, std::string>> rows() const {
    std::ifstream in(dir_ / "db" / "sip_capture");
    std::string header, line;
    std::getline(in, header);
    std::vector<std::string> names;
    std::istringstream hs(header);
    for (std::string col; hs >> col;) names.push_back(col.substr(0, col.find('(')));
    std::vector<std::map<std::string, std::string>> out;
    while (std::getline(in, line)) {
      std::map<std::string, std::string> row;
      std::string cur;
      size_t col = 0;
      for (size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          char e = line[++i];
          cur += e == 'r' ? '\r' : e == 'n' ? '\n' : e == 't' ? '\t' : e == '0' ? '\0' : e;
        } else if (line[i] == ':') {
          if (col < names.size()) row[names[col]] = cur;
          ++col;
          cur.clear();
        } else {
          cur += line[i];
        }
      }
      if (col < names.size()) row[names[col]] = cur;
      out.push_back(row);
    }
    return out;
  }
  std::string log() const { return proc_.log(); }

 private:
  fs::path dir_;
  testing::KamailioProcess proc_;
};

class HepToKamailio : public ::testing::TestWithParam<const char*> {};

TEST_P(HepToKamailio, SipcaptureStoresTheFlaggedDialogAsSent) {
  if (!fs::exists(fs::path(kModules) / "sipcapture.so") || !fs::exists(kVersionTable))
    GTEST_SKIP() << "kamailio with sipcapture is not installed";
  const std::string transport = GetParam();
  uint16_t port = uint16_t(20000 + (getpid() * 7 + (transport == "tcp" ? 1 : 0)) % 20000);
  fs::path dir = fs::temp_directory_path() / ("sigprobe-kamailio-" + transport + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  Kamailio kam;
  ASSERT_TRUE(kam.start(dir, port, transport == "tcp")) << kam.log();

  testing::SynthCapture c;
  c.add_sip(kT0 + 1 * kSec, "call-a@10.0.0.1", "8613800138000", "491720000001");
  c.add_sip(kT0 + 2 * kSec, "call-b@10.0.0.1", "441234567890", "491720000002");
  c.add_sip(kT0 + 3 * kSec + 250'000, "call-a@10.0.0.1", "8613800138000", "491720000001", 180);
  {
    auto hs = std::make_unique<HepSender>();
    HepOptions ho;
    ho.target = transport + ":127.0.0.1:" + std::to_string(port);
    ho.id.capture_id = 4242;
    std::string err;
    ASSERT_TRUE(hs->init(ho, err)) << err;
    std::vector<std::unique_ptr<FlowOutput>> outs;
    outs.push_back(std::move(hs));
    MirrorOptions mo;
    mo.lookback_packets = 64;
    mo.lookback_bytes = 1 << 16;
    FlowMirror fm(mo, std::move(outs));
    fm.on_burst(c.pkts, c.events);
    Alert a;
    a.id = "k1";
    a.subject_type = SubjectType::Msisdn;
    a.subject = "8613800138000";
    a.ts_ns = kT0 + 3 * kSec;
    fm.on_alert(a);
    fm.finish();
  }
  // Stop it once it has stored what it was sent (its routes log each message
  // after sip_capture()): at most 2 here; give up waiting after 20 s.
  for (int i = 0; i < 400 && kam.stored() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kam.stop();
  auto rows = kam.rows();
  // db_text keeps no insertion order: order by the capture time sigprobe sent.
  std::sort(rows.begin(), rows.end(), [](auto& x, auto& y) { return x["date"] < y["date"]; });
  ASSERT_EQ(rows.size(), 2u) << "only call-a's INVITE and 180\n" << kam.log();
  for (size_t i = 0; i < rows.size(); ++i) {
    auto& r = rows[i];
    size_t pkt = i == 0 ? 0 : 2;
    std::string sent = i == 0 ? testing::sip_invite("call-a@10.0.0.1", "8613800138000", "491720000001")
                              : testing::sip_response("call-a@10.0.0.1", "8613800138000", "491720000001", 180);
    EXPECT_EQ(r["callid"], "call-a@10.0.0.1");
    EXPECT_EQ(r["correlation_id"], "call-a@10.0.0.1");
    EXPECT_EQ(r["source_ip"], "10.0.0.1");
    EXPECT_EQ(r["source_port"], "5060");
    EXPECT_EQ(r["destination_ip"], "10.0.0.2");
    EXPECT_EQ(r["destination_port"], "5060");
    EXPECT_EQ(r["node"], "collector:4242") << "capture node and the capture id sigprobe sent";
    EXPECT_EQ(r["date"], std::to_string(c.pkts[pkt].ts_ns / 1'000'000'000ull)) << "capture time, not arrival";
    EXPECT_EQ(r["msg"], sent);
  }
  EXPECT_EQ(rows[0]["method"], "INVITE");
  EXPECT_EQ(rows[1]["reply_reason"], "Ringing");
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Transports, HepToKamailio, ::testing::Values("udp", "tcp"));

}  // namespace
}  // namespace sigprobe
