// The JSON Schemas of the event and alert lines (host/out/schema) checked
// with python3-jsonschema through tests/host/out/validate_schema.py: lines
// our writers produce, a line that must fail, every golden line under
// tests/golden, and what `sigprobe decode --json` prints for the corpus.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "host/out/alert_json.hpp"
#include "host/out/event_json.hpp"

namespace sigprobe {
namespace {
namespace fs = std::filesystem;

const fs::path kSource = SIGPROBE_SOURCE_DIR;
const fs::path kBinary = SIGPROBE_BINARY_DIR;

bool have_validator() {
  return std::system("/usr/bin/python3 -c 'import jsonschema' > /dev/null 2>&1") == 0;
}

struct Result {
  int status = -1;
  std::string output;
};

// files: one path, or several already quoted for the shell.
Result validate(const std::string& schema, const std::string& files) {
  std::string cmd = "/usr/bin/python3 " + (kSource / "tests/host/out/validate_schema.py").string() + " " +
                    (kSource / "host/out/schema" / (schema + ".schema.json")).string() + " " + files + " 2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

fs::path write_temp(const std::string& name, const std::string& text) {
  fs::path f = fs::temp_directory_path() / ("sigprobe-" + name + "-" + std::to_string(getpid()) + ".jsonl");
  std::ofstream(f) << text;
  return f;
}

SignalEvent sip_event() {
  SignalEvent ev;
  ev.frame = 3;
  ev.ts_ns = 1'700'000'000'250'000'000ull;
  ev.proto = Proto::Sip;
  ev.transport = Transport::Udp;
  ev.layers = kLayerSip;
  ev.src = {{10, 1, 1, 5}, 4, 5060};
  ev.dst = {{10, 1, 1, 9}, 4, 5060};
  ev.sip.status = 486;
  ev.sip.reason = "Busy Here";
  ev.sip.call_id = "a84b4c76e66710";
  ev.sip.to_user = "8613900139000";
  ev.sip.user_agent = "GoIP \"x\"";
  return ev;
}

// A MAP mo-forwardSM with an SMS, as the SS7 decoder reports it (values from
// the DESIGN.md example line).
SignalEvent map_event() {
  SignalEvent ev;
  ev.frame = 42;
  ev.ts_ns = 1'700'000'001'500'000'000ull;
  ev.proto = Proto::Map;
  ev.transport = Transport::Sctp;
  ev.layers = kLayerMtp3 | kLayerSccp | kLayerTcap | kLayerMap;
  ev.src = {{10, 2, 0, 1}, 4, 2905};
  ev.dst = {{10, 2, 0, 2}, 4, 2905};
  ev.mtp3 = {1201, 2302, 3, 2, 0, 5};
  ev.sccp.msg_type = 0x09;
  ev.sccp.calling.gt = "8613800000";
  ev.sccp.calling.gti = 4;
  ev.sccp.calling.ssn = 8;
  ev.sccp.calling.has_ssn = true;
  ev.sccp.called.gt = "491720000000";
  ev.sccp.called.gti = 4;
  ev.tcap.type = TcapType::Begin;
  ev.tcap.otid = {0x0a, 0x1b, 0x2c, 0x3d};
  ev.tcap.otid_len = 4;
  ev.tcap.component_count = 1;
  ev.map.component = MapComponent::Invoke;
  ev.map.invoke_id = 1;
  ev.map.opcode = 46;
  ev.map.sms.present = true;
  ev.map.sms.tpdu_type = 1;
  ev.map.sms.oa = "8613800138000";
  ev.map.sms.da = "10086";
  ev.map.sms.dcs = 8;
  ev.map.sms.text = "您的医保卡已停用";
  ev.map.sms.concat_total = 2;
  ev.map.sms.concat_seq = 1;
  return ev;
}

SignalEvent isup_event() {
  SignalEvent ev;
  ev.frame = 51;
  ev.ts_ns = 1'700'000'002'000'000'000ull;
  ev.proto = Proto::Isup;
  ev.transport = Transport::Sctp;
  ev.layers = kLayerMtp3 | kLayerIsup;
  ev.mtp3 = {1201, 2302, 5, 2, 0, 1};
  ev.isup.msg_type = 0x01;
  ev.isup.cic = 17;
  ev.isup.calling = "8613800138000";
  ev.isup.called = "8613900139000";
  return ev;
}

Alert sample_alert() {
  Alert a;
  a.ts_ns = 1'700'000'003'000'000'000ull;
  a.id = "replay-1";
  a.rule = "wangiri";
  a.severity = Severity::High;
  a.subject = "8613800138000";
  a.evidence = {{"calls", 25}, {"threshold", 20}, {"window_s", 60}};
  a.frames = {1, 3, 7};
  a.victims = {{"491720000001", true, 0, {}}};
  a.action = Action::Mirror;
  return a;
}

TEST(Schema, EventLinesOfEveryLayerAreValid) {
  if (!have_validator()) GTEST_SKIP() << "python3-jsonschema not installed";
  std::string lines;
  for (const SignalEvent& ev : {sip_event(), map_event(), isup_event()}) append_event_json(lines, ev);
  fs::path f = write_temp("events", lines);
  Result r = validate("event", f.string());
  EXPECT_EQ(r.status, 0) << r.output << lines;
  fs::remove(f);
}

TEST(Schema, AlertLinesAreValidAndBrokenOnesAreNot) {
  if (!have_validator()) GTEST_SKIP() << "python3-jsonschema not installed";
  std::string good;
  append_alert_json(good, sample_alert());
  Alert empty_rule = sample_alert();
  empty_rule.rule.clear();
  std::string bad;
  append_alert_json(bad, empty_rule);
  fs::path fg = write_temp("alert-good", good), fb = write_temp("alert-bad", bad);
  Result rg = validate("alert", fg.string()), rb = validate("alert", fb.string());
  EXPECT_EQ(rg.status, 0) << rg.output << good;
  EXPECT_EQ(rb.status, 1) << rb.output;
  EXPECT_NE(rb.output.find("rule"), std::string::npos) << rb.output;
  fs::remove(fg);
  fs::remove(fb);
}

TEST(Schema, EveryGoldenLineIsValid) {
  if (!have_validator()) GTEST_SKIP() << "python3-jsonschema not installed";
  fs::path golden = kSource / "tests/golden";
  if (!fs::is_directory(golden)) GTEST_SKIP() << "no tests/golden yet";
  std::string events, alerts;  // one validator run per schema
  for (auto& e : fs::recursive_directory_iterator(golden)) {
    if (!e.is_regular_file() || e.path().extension() != ".jsonl") continue;
    std::string name = e.path().filename().string();
    if (name.find("victim") != std::string::npos) continue;  // victims lines have no schema here
    (name.find("alert") != std::string::npos ? alerts : events) += " '" + e.path().string() + "'";
  }
  if (events.empty() && alerts.empty()) GTEST_SKIP() << "no golden .jsonl files yet";
  if (!events.empty()) {
    Result r = validate("event", events);
    EXPECT_EQ(r.status, 0) << r.output.substr(0, 4000);
  }
  if (!alerts.empty()) {
    Result r = validate("alert", alerts);
    EXPECT_EQ(r.status, 0) << r.output.substr(0, 4000);
  }
}

TEST(Schema, DecodeOfTheCorpusPrintsValidEventLines) {
  if (!have_validator()) GTEST_SKIP() << "python3-jsonschema not installed";
  fs::path corpus = kSource / "../shared/corpus";
  fs::path sigprobe = kBinary / "sigprobe";
  if (!fs::is_directory(corpus)) GTEST_SKIP() << "no shared corpus";
  if (!fs::exists(sigprobe)) GTEST_SKIP() << "sigprobe not built";
  fs::path out = fs::temp_directory_path() / ("sigprobe-corpus-events-" + std::to_string(getpid()) + ".jsonl");
  std::string cmd = ": > " + out.string();
  for (auto& e : fs::recursive_directory_iterator(corpus)) {
    std::string ext = e.path().extension().string();
    if (ext != ".pcap" && ext != ".pcapng" && ext != ".cap") continue;
    cmd += "; " + sigprobe.string() + " decode --json '" + e.path().string() + "' >> " + out.string() + " 2>/dev/null";
  }
  ASSERT_EQ(std::system(("{ " + cmd + "; } ; true").c_str()), 0);
  ASSERT_GT(fs::file_size(out), 0u) << "decode printed nothing";
  Result r = validate("event", out.string());
  EXPECT_EQ(r.status, 0) << r.output.substr(0, 4000);
  fs::remove(out);
}

}  // namespace
}  // namespace sigprobe
