// Replays every labelled scenario of pcaps/scenarios (scripts/gen_scenarios.py) through
// `sigprobe replay` with the default rules and scores the alerts against the labels:
// per scenario and rule, recall over the labelled (rule, subject) pairs and precision over
// the alerts (an alert is right when its subject is a fraud subject of the scenario).
// The bar: every fraud subject caught, no benign or background subject flagged. It also
// measures the capture time from each fraud subject's first message to its first verdict.
// The table goes to stdout, and to $SIGPROBE_BINARY_DIR/scenario_results.md when every
// bundled scenario ran in the process (build/tests/scenarios/test_scenarios alone; CTest runs
// one scenario per process, whose table would overwrite the whole one).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* kScenarios[] = {"calls", "simbox", "sip_attack", "ss7_sms", "night"};

size_t scenarios_run = 0;

struct RuleScore {
  int labels = 0, caught = 0, alerts = 0, wrong = 0;
};

std::string& table() {
  static std::string t =
      "| scenario | rule | labelled | caught | alerts | false alerts | precision | recall |\n"
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  return t;
}
std::string& latency_table() {
  static std::string t =
      "| scenario | subject | rule | first fraudulent message → verdict (capture time) |\n| --- | --- | --- | ---: |\n";
  return t;
}

class Scenario : public ::testing::TestWithParam<const char*> {};

TEST_P(Scenario, EveryFraudSubjectCaughtAndNoBenignSubjectFlagged) {
  const std::string name = GetParam();
  ++scenarios_run;
  const fs::path src = SIGPROBE_SOURCE_DIR;
  const fs::path pcap = src / "pcaps/scenarios" / (name + ".pcap");
  const fs::path labels_path = src / "pcaps/scenarios" / (name + ".labels.json");
  ASSERT_TRUE(fs::exists(pcap)) << pcap << ": run scripts/gen_scenarios.py";
  const fs::path out = fs::path(SIGPROBE_BINARY_DIR) / "scenario_out";
  fs::create_directories(out);
  const fs::path alerts_path = out / (name + ".alerts.jsonl");
  const fs::path victims_path = out / (name + ".victims.jsonl");
  std::string cmd = std::string(SIGPROBE_BINARY_DIR) + "/sigprobe replay " + pcap.string() +
                    " --offload cpu --alerts " + alerts_path.string() + " --victims " + victims_path.string() +
                    " --rules " + (src / "host/rules/default_rules.yaml").string() + " > " +
                    (out / (name + ".summary.txt")).string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  json labels = json::parse(std::ifstream(labels_path));
  std::map<std::string, json> fraud;
  for (auto& f : labels["fraud"]) fraud[f["subject"]] = f;
  // Victims a rule must raise (victim_on_line: on the line with a flagged
  // number): scored like the fraud subjects, for their rules.
  for (auto& f : labels.value("victims", json::array())) fraud[f["subject"]] = f;
  std::set<std::string> benign;
  for (auto& b : labels["benign"]) benign.insert(b["subject"]);

  std::map<std::string, RuleScore> score;
  std::map<std::pair<std::string, std::string>, double> first_verdict;  // (subject, rule) -> ts
  std::ifstream in(alerts_path);
  std::string line;
  while (std::getline(in, line)) {
    json a = json::parse(line);
    std::string rule = a["rule"], subject = a["subject"]["value"];
    double ts = a["ts"];
    ++score[rule].alerts;
    EXPECT_FALSE(benign.count(subject)) << name << ": benign subject " << subject << " flagged by " << rule;
    if (!fraud.count(subject)) {
      ++score[rule].wrong;
      ADD_FAILURE() << name << ": " << rule << " flagged " << subject << ", which is neither a fraud subject nor a labelled victim";
    }
    auto key = std::make_pair(subject, rule);
    if (!first_verdict.count(key) || ts < first_verdict[key]) first_verdict[key] = ts;
  }
  for (auto& [subject, f] : fraud) {
    for (const std::string rule : f["rules"]) {
      ++score[rule].labels;
      auto it = first_verdict.find({subject, rule});
      if (it == first_verdict.end()) {
        ADD_FAILURE() << name << ": " << rule << " missed " << subject << " (" << f["what"] << ")";
        continue;
      }
      ++score[rule].caught;
      double dt = it->second - double(f["first_ts"]);
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f s", dt);
      latency_table() += "| " + name + " | " + subject + " | " + rule + " | " + buf + " |\n";
    }
  }
  for (auto& [rule, s] : score) {
    char row[256];
    double precision = s.alerts ? double(s.alerts - s.wrong) / s.alerts : 1.0;
    double recall = s.labels ? double(s.caught) / s.labels : 1.0;
    std::snprintf(row, sizeof row, "| %s | %s | %d | %d | %d | %d | %.2f | %.2f |\n", name.c_str(), rule.c_str(),
                  s.labels, s.caught, s.alerts, s.wrong, precision, recall);
    table() += row;
  }
  // Victims file: a flagged group's line (a SIM box by IP, IMEI family, cell) names the calling
  // numbers of its calls, and each of its victims is a number one of them called in the capture.
  std::ifstream vin(victims_path);
  ASSERT_TRUE(vin.good());
  // (caller, callee) of every INVITE and every CAMEL InitialDP (a circuit-switched call)
  std::set<std::pair<std::string, std::string>> called;
  {
    const std::string events = (out / (name + ".events.jsonl")).string();
    const std::string dec = std::string(SIGPROBE_BINARY_DIR) + "/sigprobe decode --json " + pcap.string() + " > " +
                            events + " 2>/dev/null";
    ASSERT_EQ(std::system(dec.c_str()), 0) << dec;
    std::ifstream ev(events);
    while (std::getline(ev, line)) {
      json e = json::parse(line);
      if (e.contains("cap") && e["cap"].value("op", "") == "initialDP" && e["tcap"].value("type", "") == "begin")
        called.insert({e["cap"].value("calling", ""), e["cap"].value("called", "")});
      if (!e.contains("sip") || e["sip"].value("method", "") != "INVITE") continue;
      const json& sip = e["sip"];
      for (const char* a : {"from_user", "pai_user"})
        for (const char* b : {"ruri_user", "to_user"}) called.insert({sip.value(a, ""), sip.value(b, "")});
    }
  }
  size_t group_lines = 0;
  while (std::getline(vin, line)) {
    json v = json::parse(line);
    std::string subject = v["subject"];
    EXPECT_TRUE(fraud.count(subject)) << name << ": victims listed for " << subject << ", not a fraud subject";
    if (!v.contains("numbers")) continue;
    ++group_lines;
    EXPECT_FALSE(v["numbers"].empty()) << name << ": " << subject;
    EXPECT_FALSE(v["victims"].empty()) << name << ": group " << subject << " without victims";
    for (const json& victim : v["victims"]) {
      bool by_member = false;
      for (const std::string n : v["numbers"]) by_member = by_member || called.count({n, victim["number"]});
      EXPECT_TRUE(by_member) << name << ": " << victim["number"] << " listed as a victim of " << subject
                             << " but none of its numbers called it";
    }
  }
  if (name == "simbox") {
    EXPECT_GE(group_lines, 4u) << "the GoIP, the slow box, the IMEI family and the cell";
  }
}

INSTANTIATE_TEST_SUITE_P(Bundled, Scenario, ::testing::ValuesIn(kScenarios),
                         [](const auto& info) { return std::string(info.param); });

class Report : public ::testing::Environment {
 public:
  void TearDown() override {
    std::string text = "### Detection on the labelled scenarios\n\n" + table() +
                       "\n### Time from the first fraudulent message to the verdict\n\n" + latency_table();
    std::printf("\n%s\n", text.c_str());
    if (scenarios_run == std::size(kScenarios))
      std::ofstream(fs::path(SIGPROBE_BINARY_DIR) / "scenario_results.md") << text;
  }
};
const auto* const kReport = ::testing::AddGlobalTestEnvironment(new Report);

}  // namespace
