#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "host/out/report_html.hpp"

namespace sigprobe {
namespace {
namespace fs = std::filesystem;

// Two alerts and the events of a small SIP scene written for this test: the
// subject 8613800138000 calls twice (call-a, call-c), an unrelated call-b, and
// a MAP mo-forwardSM (TCAP otid 0a1b2c3d, its End) from the same number.
ReportInput scene() {
  ReportInput in;
  in.alert_lines = {
      R"({"ts":1700000003.5,"id":"a-1","rule":"wangiri","severity":"high","subject":{"type":"msisdn","value":"8613800138000"},"evidence":{"calls":25,"threshold":20},"frames":[1,3],"victims":["491720000001","491720000003"],"action":"mirror"})",
      "",
      R"({"ts":1700000009,"id":"a-2","rule":"sms_spam <b>","severity":"medium","subject":{"type":"ip","value":"<script>x</script>"},"evidence":{},"frames":[],"victims":[],"action":"alert"})"};
  in.event_lines = {
      R"({"frame":1,"ts":1700000000.0,"proto":"sip","src":"10.0.0.1:5060","dst":"10.0.0.2:5060","transport":"udp","sip":{"method":"INVITE","call_id":"call-a","from_user":"8613800138000","to_user":"491720000001"}})",
      R"({"frame":2,"ts":1700000001.0,"proto":"sip","src":"10.0.0.5:5060","dst":"10.0.0.2:5060","transport":"udp","sip":{"method":"INVITE","call_id":"call-b","from_user":"441234567890","to_user":"491720000002"}})",
      R"({"frame":3,"ts":1700000002.0,"proto":"sip","src":"10.0.0.2:5060","dst":"10.0.0.1:5060","transport":"udp","sip":{"status":180,"reason":"Ringing","call_id":"call-a"}})",
      R"({"frame":4,"ts":1700000003.0,"proto":"sip","src":"10.0.0.2:5060","dst":"10.0.0.1:5060","transport":"udp","sip":{"status":487,"reason":"Request Terminated","call_id":"call-a"}})",
      R"({"frame":5,"ts":1700000004.0,"proto":"map","src":"10.2.0.1:2905","dst":"10.2.0.2:2905","transport":"sctp","m3ua":{"opc":1201,"dpc":2302,"si":3},"tcap":{"type":"begin","otid":"0a1b2c3d"},"map":{"opcode":46,"op":"mo-forwardSM","component":"invoke","sms":{"oa":"8613800138000","da":"10086","dcs":8,"text":"hi"}}})",
      R"({"frame":6,"ts":1700000004.5,"proto":"map","src":"10.2.0.2:2905","dst":"10.2.0.1:2905","transport":"sctp","m3ua":{"opc":2302,"dpc":1201,"si":3},"tcap":{"type":"end","dtid":"0a1b2c3d"},"map":{"component":"returnResult"}})"};
  return in;
}

std::string section(const std::string& html, const std::string& id) {
  size_t a = html.find("id=\"alert-" + id + "\"");
  if (a == std::string::npos) return {};
  return html.substr(a, html.find("</section>", a) - a);
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(Report, LadderHoldsTheSubjectsDialogsAndTransactionsOnly) {
  std::string err;
  std::string html = render_report(scene(), err);
  ASSERT_TRUE(err.empty()) << err;
  std::string a1 = section(html, "a-1");
  ASSERT_FALSE(a1.empty());
  EXPECT_EQ(count(a1, "<line class=\"msg\""), 5u) << "call-a (3 messages) and the MAP transaction (2), not call-b";
  for (const char* f : {"data-frame=\"1\"", "data-frame=\"3\"", "data-frame=\"4\"", "data-frame=\"5\"", "data-frame=\"6\""})
    EXPECT_NE(a1.find(f), std::string::npos) << f;
  EXPECT_EQ(a1.find("data-frame=\"2\""), std::string::npos);
  EXPECT_NE(a1.find("mo-forwardSM (invoke)"), std::string::npos);
  EXPECT_NE(a1.find("180 Ringing"), std::string::npos);
  EXPECT_NE(a1.find("491720000003"), std::string::npos) << "victims listed";
  EXPECT_NE(a1.find("threshold"), std::string::npos) << "evidence listed";
}

// SIM-box subjects the INVITEs name: an IMEI family (the INVITE carries a
// whole IMEI of it) and a cell. The alerts list no frames; the ladder finds
// the INVITE by the subject and its dialog by Call-ID.
TEST(Report, LadderOfAnImeiFamilyOrCellSubjectHoldsItsCalls) {
  ReportInput in;
  in.alert_lines = {
      R"({"ts":1700000009,"id":"fam-1","rule":"simbox_imei_family","severity":"high","subject":{"type":"imei","value":"864512034417"},"evidence":{},"frames":[],"victims":[],"action":"alert"})",
      R"({"ts":1700000009,"id":"cell-1","rule":"simbox_cell","severity":"high","subject":{"type":"cell","value":"460002B170C3D402"},"evidence":{},"frames":[],"victims":[],"action":"alert"})"};
  in.event_lines = {
      R"({"frame":1,"ts":1700000000.0,"proto":"sip","src":"10.0.0.1:5060","dst":"10.0.0.2:5060","transport":"udp","sip":{"method":"INVITE","call_id":"box-1","from_user":"8613600000101","to_user":"491720000001","imei":"864512034417039","cell":"460002B170C3D402"}})",
      R"({"frame":2,"ts":1700000001.0,"proto":"sip","src":"10.0.0.5:5060","dst":"10.0.0.2:5060","transport":"udp","sip":{"method":"INVITE","call_id":"other","from_user":"441234567890","to_user":"491720000002","imei":"353456789012345","cell":"460002B170C3D403"}})",
      R"({"frame":3,"ts":1700000002.0,"proto":"sip","src":"10.0.0.2:5060","dst":"10.0.0.1:5060","transport":"udp","sip":{"status":180,"reason":"Ringing","call_id":"box-1"}})"};
  std::string err;
  std::string html = render_report(in, err);
  ASSERT_TRUE(err.empty()) << err;
  for (const char* id : {"fam-1", "cell-1"}) {
    std::string a = section(html, id);
    ASSERT_FALSE(a.empty()) << id;
    EXPECT_EQ(count(a, "<line class=\"msg\""), 2u) << id << ": the box's INVITE and its 180, not the other call";
    EXPECT_EQ(a.find("data-frame=\"2\""), std::string::npos) << id;
  }
}

// A 2G SIM box's cell, seen in CAMEL InitialDP: the ladder holds the box's
// dialogue (the InitialDP by its cell, the reports by the transaction), not
// another subscriber's call on another cell.
TEST(Report, LadderOfACellSubjectHoldsItsCamelDialogues) {
  ReportInput in;
  in.alert_lines = {
      R"({"ts":1700000009,"id":"cell-2","rule":"simbox_cell","severity":"high","subject":{"type":"cell","value":"460005A213E07"},"evidence":{},"frames":[],"victims":[],"action":"alert"})"};
  in.event_lines = {
      R"({"frame":1,"ts":1700000000.0,"proto":"cap","src":"10.20.0.1:2905","dst":"10.20.0.2:2905","transport":"sctp","m3ua":{"opc":1205,"dpc":2305,"si":3},"tcap":{"type":"begin","otid":"16000001"},"cap":{"opcode":0,"op":"initialDP","component":"invoke","event":"collectedInfo","calling":"8617012340100","called":"8613900001000","cell":"460005A213E07"}})",
      R"({"frame":2,"ts":1700000000.1,"proto":"cap","src":"10.20.0.1:2905","dst":"10.20.0.2:2905","transport":"sctp","m3ua":{"opc":1205,"dpc":2305,"si":3},"tcap":{"type":"begin","otid":"16000002"},"cap":{"opcode":0,"op":"initialDP","component":"invoke","event":"collectedInfo","calling":"8613812340001","called":"8613900001001","cell":"460005A301B02"}})",
      R"({"frame":3,"ts":1700000008.0,"proto":"cap","src":"10.20.0.1:2905","dst":"10.20.0.2:2905","transport":"sctp","m3ua":{"opc":1205,"dpc":2305,"si":3},"tcap":{"type":"continue","otid":"16000001","dtid":"26000001"},"cap":{"opcode":24,"op":"eventReportBCSM","component":"invoke","event":"oAbandon"}})"};
  std::string err;
  std::string html = render_report(in, err);
  ASSERT_TRUE(err.empty()) << err;
  std::string a = section(html, "cell-2");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(count(a, "<line class=\"msg\""), 2u) << "the box's InitialDP and its report, not the other cell's call";
  EXPECT_EQ(a.find("data-frame=\"2\""), std::string::npos);
  EXPECT_NE(a.find("eventReportBCSM oAbandon"), std::string::npos);
}

TEST(Report, EscapesEverythingFromTheLines) {
  std::string err;
  std::string html = render_report(scene(), err);
  EXPECT_EQ(html.find("<script>x</script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;x&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("sms_spam &lt;b&gt;"), std::string::npos);
}

TEST(Report, NeedsNoNetwork) {
  std::string err;
  std::string html = render_report(scene(), err);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("src=\""), std::string::npos) << "no external scripts or images";
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(Report, NamesTheBadLine) {
  ReportInput in = scene();
  in.alert_lines.push_back("{not json");
  std::string err;
  EXPECT_TRUE(render_report(in, err).empty());
  EXPECT_EQ(err, "alerts:4: not a JSON object");
}

// Renders the page in headless Chromium (Debian package chromium) and reads
// the DOM after its script ran.
TEST(Report, ChromiumShowsRulesSubjectsAndLadderArrows) {
  if (std::system("command -v chromium > /dev/null 2>&1") != 0) GTEST_SKIP() << "chromium not installed";
  std::string err;
  std::string html = render_report(scene(), err);
  fs::path dir = fs::temp_directory_path() / ("sigprobe-report-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path page = dir / "report.html";
  std::ofstream(page) << html;
  std::string cmd = "timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir=" + (dir / "profile").string() +
                    " --dump-dom file://" + page.string() + " 2>/dev/null";
  std::string dom;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) dom.append(buf, n);
  pclose(p);
  ASSERT_FALSE(dom.empty()) << "chromium printed nothing";
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the page's script ran";
  EXPECT_NE(dom.find("2 alert(s) shown"), std::string::npos) << "filled in by the script";
  EXPECT_NE(dom.find("wangiri"), std::string::npos);
  EXPECT_NE(dom.find("sms_spam &lt;b&gt;"), std::string::npos);
  EXPECT_NE(dom.find("8613800138000"), std::string::npos);
  EXPECT_EQ(count(dom, "class=\"msg\""), 5u);
  EXPECT_EQ(count(dom, "class=\"alert-dot\""), 2u);
  EXPECT_EQ(count(dom, "marker-end=\"url(#arrowhead)\""), 5u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sigprobe
