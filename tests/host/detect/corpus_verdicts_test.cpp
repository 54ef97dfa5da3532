// Verdicts of the default rules on real captures of ../shared/corpus (skipped
// when the corpus is absent): where a capture shows that a rule's reading of
// the traffic was wrong, the capture wins and a test here keeps it.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "dataplane/io/packet_source.hpp"
#include "host/detect/analyzer.hpp"
#include "host/pipeline.hpp"
#include "host/track/call_tracker.hpp"

namespace sigprobe {
namespace {

namespace fs = std::filesystem;

fs::path corpus(const std::string& rel) {
  const char* src = std::getenv("SIGPROBE_SOURCE_DIR");
  return fs::path(src ? src : SIGPROBE_SOURCE_DIR) / ".." / "shared" / "corpus" / rel;
}

struct Collect : Sink {
  std::vector<Alert> alerts;
  std::set<std::string> sip_callers;  // distinct From users of INVITEs
  void on_burst(std::span<const PacketRef>, std::span<const SignalEvent> events) override {
    for (const SignalEvent& e : events)
      if (e.has(kLayerSip) && e.sip.method == SipMethod::Invite) sip_callers.emplace(e.sip.from_user);
  }
  void on_alert(const Alert& a) override { alerts.push_back(a); }
};

// Replays one capture through decode and the default rules (cpu backend).
bool replay(const fs::path& file, Collect& out, std::string& err) {
  AnalyzerOptions o;
  o.offload.backend = offload::Backend::Cpu;
  auto a = make_analyzer(o, err);
  if (!a) return false;
  auto src = open_pcap_file(file.string(), 0, err);
  if (!src) return false;
  Pipeline p(DecoderConfig{}, a.get(), {&out});
  if (!p.run(*src, 0, err)) return false;
  p.finish();
  return true;
}

// sipcapture/heplify's sip_ipv4_tcp_fragmented.pcap: an SBC ("ES FS SBC")
// hands a region's calls to the next hop over TCP, callers with 6-digit local
// numbers. Many numbers behind one address, none of them mobile: a trunk, not
// a SIM box. Before simbox_ip counted only mobile callers (only_callers_in),
// the default rules raised two high-severity SIM-box alerts on it, one on
// each end.
TEST(CorpusVerdicts, SbcTrunkOfLocalNumbersIsNotASimBox) {
  const fs::path f = corpus("sipcapture__heplify/sip_ipv4_tcp_fragmented.pcap");
  if (!fs::exists(f)) GTEST_SKIP() << f << " absent";
  Collect c;
  std::string err;
  ASSERT_TRUE(replay(f, c, err)) << err;
  EXPECT_GE(c.sip_callers.size(), 8u);  // what simbox_ip's min_distinct_numbers would count
  for (const Alert& a : c.alerts) EXPECT_NE(a.rule.rfind("simbox", 0), 0u) << a.rule << " " << a.subject;
}

// The call tracker alone over one capture: which calls started (Call-ID's first
// 6 characters, later leg or not) and its counters.
struct TrackedCalls : Sink {
  track::CallTracker t;
  std::vector<track::CallFact> facts;
  std::vector<std::pair<std::string, bool>> started;
  void on_burst(std::span<const PacketRef>, std::span<const SignalEvent> events) override {
    t.new_burst();
    facts.clear();
    for (uint32_t i = 0; i < events.size(); ++i) t.on_event(events[i], i, facts);
    for (const track::CallFact& cf : facts)
      if (cf.kind == track::CallFactKind::Started)
        started.emplace_back(std::string(cf.rec->call_id.view().substr(0, 6)), cf.rec->later_leg);
  }
};
using Started = std::vector<std::pair<std::string, bool>>;

bool track_calls(const fs::path& file, TrackedCalls& out, std::string& err) {
  auto src = open_pcap_file(file.string(), 0, err);
  if (!src) return false;
  Pipeline p(DecoderConfig{}, nullptr, {&out});
  return p.run(*src, 0, err);
}

// sipcapture/heplify's erspan_sip_ipv4_udp.pcapng: desk phones behind an SBC
// (VSBC, 101.231.48.19 outside, 192.168.1.222 inside) registered to an
// OmniPCX. 20008909 calls 20008910: its INVITE (Call-ID bf3880...) is
// challenged (407) and resent with credentials, then the PBX, a B2BUA, calls
// 20008910 in a dialog of its own (cdfef7...). Every message crosses the SBC
// twice (same Call-ID). Three calls in all, not five: before, the challenge
// was a rejected call and the PBX's dialog a call of its own.
TEST(CorpusVerdicts, PbxLegAndAuthChallengeAreNotCallsOfTheirOwn) {
  const fs::path f = corpus("sipcapture__heplify/erspan_sip_ipv4_udp.pcapng");
  if (!fs::exists(f)) GTEST_SKIP() << f << " absent";
  TrackedCalls calls;
  std::string err;
  ASSERT_TRUE(track_calls(f, calls, err)) << err;
  EXPECT_EQ(calls.started, (Started{{"ddd141", false}, {"bf3880", false}, {"cdfef7", true}}));
  EXPECT_EQ(calls.t.counters().challenged, 1u);
  EXPECT_EQ(calls.t.counters().rejected, 0u);
  EXPECT_EQ(calls.t.counters().answered, 3u);
}

// irontec/sngrep's aaa.pcap: a softphone behind NAT whose user types the
// password when challenged: three calls challenged (407) and resent 32.5 s,
// 51.2 s and 17.3 s later (then 403, 403 and 480), one call cancelled. Four
// calls: a resend however late (within the setup timeout) is the same call.
TEST(CorpusVerdicts, ASoftphoneResendingLateAfterAChallengeIsOneCall) {
  const fs::path f = corpus("irontec__sngrep/aaa.pcap");
  if (!fs::exists(f)) GTEST_SKIP() << f << " absent";
  TrackedCalls calls;
  std::string err;
  ASSERT_TRUE(track_calls(f, calls, err)) << err;
  EXPECT_EQ(calls.started, (Started{{"105090", false}, {"852166", false}, {"244873", false}, {"118942", false}}));
  EXPECT_EQ(calls.t.counters().challenged, 3u);
  EXPECT_EQ(calls.t.counters().rejected, 3u);
}

}  // namespace
}  // namespace sigprobe
