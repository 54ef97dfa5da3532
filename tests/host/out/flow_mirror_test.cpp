#include "host/out/flow_mirror.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "host/out/pcap_mirror.hpp"
#include "tests/host/out/synth_packets.hpp"

namespace sigprobe {
namespace {
namespace fs = std::filesystem;
using testing::SynthCapture;

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;
constexpr uint64_t kSec = 1'000'000'000ull;

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("sigprobe-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(d);
  return d;
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  pclose(p);
  return out;
}

bool have_tshark() { return std::system("tshark -v > /dev/null 2>&1") == 0; }

// Feeds a capture to the sink in bursts of `burst` packets, with an alert
// raised after packet index `alert_after` (0-based).
void feed(Sink& s, SynthCapture& c, size_t alert_after, const Alert& a, size_t burst = 2) {
  size_t ev = 0;
  for (size_t i = 0; i < c.pkts.size(); i += burst) {
    size_t n = std::min(burst, c.pkts.size() - i);
    size_t ev0 = ev;
    while (ev < c.events.size() && c.events[ev].frame <= c.pkts[i + n - 1].frame) ++ev;
    s.on_burst({c.pkts.data() + i, n}, {c.events.data() + ev0, ev - ev0});
    if (alert_after >= i && alert_after < i + n) s.on_alert(a);
  }
  s.finish();
}

MirrorOptions small_ring() {
  MirrorOptions o;
  o.lookback_packets = 1024;
  o.lookback_bytes = 1 << 20;
  return o;
}

Alert msisdn_alert(const std::string& id, const std::string& number, uint64_t ts_ns) {
  Alert a;
  a.id = id;
  a.rule = "wangiri";
  a.subject_type = SubjectType::Msisdn;
  a.subject = number;
  a.ts_ns = ts_ns;
  return a;
}

// Records what a FlowMirror hands its outputs.
class Recorder final : public FlowOutput {
 public:
  void open(uint32_t slot, const Alert& a) override { opened.push_back({slot, a.id}); }
  void write(uint32_t slot, const MirrorPacket& p) override { frames.push_back({slot, p.frame}); }
  void close(uint32_t slot) override { closed.push_back(slot); }
  std::vector<std::pair<uint32_t, std::string>> opened;
  std::vector<std::pair<uint32_t, uint64_t>> frames;
  std::vector<uint32_t> closed;
};

SynthCapture two_dialogs() {
  SynthCapture c;
  c.add_sip(kT0 + 0 * kSec, "call-a", "8613800138000", "491720000001");  // frame 1: the subject calls
  c.add_sip(kT0 + 1 * kSec, "call-b", "441234567890", "491720000002");   // frame 2: unrelated
  c.add_sip(kT0 + 2 * kSec, "call-a", "8613800138000", "491720000001", 180);  // frame 3
  c.add_sip(kT0 + 3 * kSec, "call-b", "441234567890", "491720000002", 180);   // frame 4
  c.add_sip(kT0 + 4 * kSec, "call-c", "8613800138000", "491720000003");  // frame 5: second call, after the alert
  c.add_sip(kT0 + 5 * kSec, "call-c", "8613800138000", "491720000003", 200);  // frame 6
  c.add_sip(kT0 + 60 * kSec, "call-d", "8613800138000", "491720000004");  // frame 7: past the window
  return c;
}

// Runs two_dialogs() through a FlowMirror with an alert after frame 4 and
// returns the frames its output received, in order.
struct Mirrored {
  std::vector<uint64_t> frames;
  size_t opened = 0, closed = 0;
  MirrorStats stats;
};
// mark (optional) edits the capture's events first, e.g. to put a cell or an IMEI on some.
Mirrored mirror_two_dialogs(const MirrorOptions& o, const Alert& a,
                            const std::function<void(SignalEvent&)>& mark = {}) {
  SynthCapture c = two_dialogs();
  if (mark)
    for (SignalEvent& e : c.events) mark(e);
  auto rec = std::make_unique<Recorder>();
  Recorder* r = rec.get();
  std::vector<std::unique_ptr<FlowOutput>> outs;
  outs.push_back(std::move(rec));
  FlowMirror m(o, std::move(outs));
  feed(m, c, 3, a);
  Mirrored out;
  for (auto& [slot, f] : r->frames) out.frames.push_back(f);
  out.opened = r->opened.size();
  out.closed = r->closed.size();
  out.stats = m.stats();
  return out;
}

TEST(FlowMirror, MirrorsTheSubjectsDialogsFromBeforeAndAfterTheAlert) {
  MirrorOptions o = small_ring();
  o.after_ns = 10 * kSec;
  Mirrored got = mirror_two_dialogs(o, msisdn_alert("a1", "8613800138000", kT0 + 3 * kSec));
  EXPECT_EQ(got.opened, 1u);
  EXPECT_EQ(got.frames, (std::vector<uint64_t>{1, 3, 5, 6}))
      << "call-a from the look-back, call-c after; not call-b, not past the window";
  EXPECT_EQ(got.closed, 1u);
  EXPECT_EQ(got.stats.lookback_packets, 2u);
}

TEST(FlowMirror, FollowsTheAlertsCallIdsEvenWithoutTheSubject) {
  Alert a = msisdn_alert("a2", "0000", kT0 + 3 * kSec);
  a.call_ids = {"call-b"};
  EXPECT_EQ(mirror_two_dialogs(small_ring(), a).frames, (std::vector<uint64_t>{2, 4}));
}

TEST(FlowMirror, ASpoofedNumbersAlertFollowsItsCallNotTheNumbersOtherCalls) {
  // cli_spoof: the subject is a real subscriber's number; call-c after the
  // alert is the subscriber's own.
  MirrorOptions o = small_ring();
  o.after_ns = 10 * kSec;
  Alert a = msisdn_alert("a9", "8613800138000", kT0 + 3 * kSec);
  a.call_ids = {"call-a"};
  a.mirror_subject = false;
  EXPECT_EQ(mirror_two_dialogs(o, a).frames, (std::vector<uint64_t>{1, 3}));
}

TEST(FlowMirror, LookBackIsBoundedByTheRing) {
  MirrorOptions o = small_ring();
  o.lookback_packets = 2;  // only frames 3 and 4 remain when the alert comes
  o.after_ns = 0;
  EXPECT_EQ(mirror_two_dialogs(o, msisdn_alert("a3", "8613800138000", kT0 + 3 * kSec)).frames,
            (std::vector<uint64_t>{3}));
}

TEST(FlowMirror, FollowsAnIpSubjectAcrossDialogs) {
  Alert a = msisdn_alert("a4", "10.0.0.1", kT0 + 3 * kSec);
  a.subject_type = SubjectType::Ip;
  MirrorOptions o = small_ring();
  o.after_ns = 1 * kSec;
  EXPECT_EQ(mirror_two_dialogs(o, a).frames, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

// SIM-box subjects that only the INVITEs name (their responses do not): the
// mirror finds the INVITEs by the subject and follows their dialogs by Call-ID.
TEST(FlowMirror, FollowsACellOrImeiFamilySubjectIntoItsDialogs) {
  struct Case {
    const char* why;
    SubjectType type;
    const char* subject;
    void (*mark)(SignalEvent&);
  };
  const Case cases[] = {
      {"a cell (P-Access-Network-Info) on call-a's and call-c's INVITEs", SubjectType::Cell, "460002B170C3D402",
       [](SignalEvent& e) {
         if (e.sip.call_id != "call-b" && e.sip.status == 0) e.sip.cell = "460002B170C3D402";
       }},
      {"an IMEI family (TAC + 4 serial digits, as simbox by imei_family names it): two IMEIs of it on "
       "call-a and call-c, one of another family on call-b",
       SubjectType::Imei, "864512034417",
       [](SignalEvent& e) {
         if (e.sip.status != 0) return;
         e.sip.imei = e.sip.call_id == "call-b" ? "353456789012345"
                      : e.sip.call_id == "call-a" ? "864512034417039" : "864512034417203";
       }},
  };
  MirrorOptions o = small_ring();
  o.after_ns = 10 * kSec;
  for (const Case& c : cases) {
    Alert a = msisdn_alert("box", c.subject, kT0 + 3 * kSec);
    a.subject_type = c.type;
    EXPECT_EQ(mirror_two_dialogs(o, a, c.mark).frames, (std::vector<uint64_t>{1, 3, 5, 6})) << c.why;
  }
}

TEST(FlowMirror, EndsTheOldestFlowWhenTooManyAreFollowed) {
  auto rec = std::make_unique<Recorder>();
  Recorder* r = rec.get();
  std::vector<std::unique_ptr<FlowOutput>> outs;
  outs.push_back(std::move(rec));
  MirrorOptions o = small_ring();
  o.max_active = 1;
  FlowMirror m(o, std::move(outs));
  m.on_alert(msisdn_alert("first", "1", kT0));
  m.on_alert(msisdn_alert("second", "2", kT0 + kSec));
  EXPECT_EQ(m.active(), 1u);
  EXPECT_EQ(m.stats().ended_early, 1u);
  ASSERT_EQ(r->closed.size(), 1u);
  EXPECT_EQ(r->opened.size(), 2u);
  EXPECT_EQ(r->closed[0], r->opened[0].first) << "the first flow's slot was closed";
  m.finish();
  EXPECT_EQ(m.active(), 0u);
}

TEST(PcapMirror, WritesOnePcapPerAlertThatTsharkReadsWithOriginalTimes) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  fs::path dir = temp_dir("mirror");
  auto pm = std::make_unique<PcapMirror>();
  std::string err;
  ASSERT_TRUE(pm->init({dir.string(), 1 << 20, 10}, err)) << err;
  std::vector<std::unique_ptr<FlowOutput>> outs;
  outs.push_back(std::move(pm));
  MirrorOptions o = small_ring();
  o.after_ns = 10 * kSec;
  FlowMirror m(o, std::move(outs));
  SynthCapture c = two_dialogs();
  feed(m, c, 3, msisdn_alert("run1/alert-7", "8613800138000", kT0 + 3 * kSec));

  fs::path file = dir / "run1_alert-7.pcapng";
  ASSERT_TRUE(fs::exists(file));
  std::string out = run("tshark -r " + file.string() +
                        " -o sip.display_raw_text:FALSE -T fields -e frame.time_epoch -e sip.Call-ID -e frame.encap_type 2>/dev/null");
  EXPECT_EQ(out,
            "1700000000.000000000\tcall-a\t1\n"
            "1700000002.000000000\tcall-a\t1\n"
            "1700000004.000000000\tcall-c\t1\n"
            "1700000005.000000000\tcall-c\t1\n");
  std::string comment = run("capinfos -k " + file.string() + " 2>/dev/null");
  EXPECT_NE(comment.find("\"rule\":\"wangiri\""), std::string::npos) << comment;

  std::ifstream idx(dir / "index.tsv");
  std::stringstream ss;
  ss << idx.rdbuf();
  EXPECT_NE(ss.str().find("run1_alert-7.pcapng\trun1/alert-7\twangiri\tmsisdn\t8613800138000\t1700000003.0\t4\t"),
            std::string::npos)
      << ss.str();
  fs::remove_all(dir);
}

TEST(PcapMirror, RotatesTheOldestFileOutAtTheFileLimit) {
  fs::path dir = temp_dir("rotate");
  PcapMirror pm;
  std::string err;
  ASSERT_TRUE(pm.init({dir.string(), 1 << 20, 2}, err)) << err;
  for (int i = 1; i <= 3; ++i) pm.open(uint32_t(i), msisdn_alert("a" + std::to_string(i), "1", kT0));
  EXPECT_FALSE(fs::exists(dir / "a1.pcapng"));
  EXPECT_TRUE(fs::exists(dir / "a2.pcapng"));
  EXPECT_TRUE(fs::exists(dir / "a3.pcapng"));
  EXPECT_EQ(pm.stats().rotated, 1u);
  pm.finish();
  std::ifstream idx(dir / "index.tsv");
  std::string line;
  int lines = 0;
  while (std::getline(idx, line)) ++lines;
  EXPECT_EQ(lines, 3) << "header and two files";
  fs::remove_all(dir);
}

TEST(PcapMirror, KeepsTotalBytesUnderTheLimitByRotating) {
  fs::path dir = temp_dir("bytes");
  PcapMirror pm;
  std::string err;
  const uint64_t limit = 4000;
  ASSERT_TRUE(pm.init({dir.string(), limit, 100}, err)) << err;
  std::vector<uint8_t> pkt(1000, 0xab);
  KeySet ks;
  MirrorPacket p{pkt.data(), uint32_t(pkt.size()), uint32_t(pkt.size()), kT0, 1, LinkType::Ethernet, 0, &ks, {}};
  for (uint32_t slot = 0; slot < 3; ++slot) {
    pm.open(slot, msisdn_alert("b" + std::to_string(slot), "1", kT0));
    pm.write(slot, p);
    pm.write(slot, p);
    pm.close(slot);
    EXPECT_LE(pm.total_bytes(), limit);
  }
  EXPECT_GE(pm.stats().rotated, 1u);
  EXPECT_FALSE(fs::exists(dir / "b0.pcapng"));
  EXPECT_TRUE(fs::exists(dir / "b2.pcapng"));
  uint64_t on_disk = 0;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".pcapng") on_disk += fs::file_size(e.path());
  EXPECT_LE(on_disk, limit);
  fs::remove_all(dir);
}

TEST(PcapMirror, FileNamesKeepOnlySafeCharacters) {
  EXPECT_EQ(PcapMirror::file_name("a/../b c"), "a_.._b_c.pcapng");
  EXPECT_EQ(PcapMirror::file_name(".hidden"), "_.hidden.pcapng");
}

}  // namespace
}  // namespace sigprobe
