// Replays the rules fuzz seeds (seeds/, the shipped default rules) and the
// inputs the fuzzer once stopped on (regressions/) through the fuzz entry
// point, with g++: each file whole and cut after every line, so a plain build
// catches what the fuzzer found.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/fuzz/rules/rules_fuzz_entry.hpp"
#include "tests/support/fuzz_inputs.hpp"

namespace {

namespace fs = std::filesystem;
using sigprobe::rules::fuzz::names_a_line;

std::vector<fs::path> inputs_in(const char* sub) { return sigprobe::testing::fuzz_inputs("rules", sub); }

std::string read_file(const fs::path& p) { return sigprobe::testing::file_bytes(p); }

void run(std::string_view text) {
  sigprobe::rules::fuzz::run_one(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// The file whole, then each of its first lines alone (a rules file cut short).
void replay_every_line_prefix(const fs::path& p) {
  std::string data = read_file(p);
  run(data);
  for (size_t nl = data.find('\n'); nl != std::string::npos; nl = data.find('\n', nl + 1))
    run(std::string_view(data).substr(0, nl + 1));
}

TEST(RulesFuzzReplay, SeedsAndTheDefaultRulesLoadAndBothEnginesAgree) {
  auto seeds = inputs_in("seeds");
  ASSERT_GE(seeds.size(), 2u);
  seeds.push_back(fs::path(SIGPROBE_SOURCE_DIR) / "host/rules/default_rules.yaml");
  for (const auto& p : seeds) {
    std::string err;
    std::string text = read_file(p);
    EXPECT_NE(sigprobe::rules::parse_rules(text, sigprobe::rules::fuzz::fuzzed_path(), err), nullptr)
        << p << ": " << err;
    replay_every_line_prefix(p);
  }
}

// The list seeds (list_seeds/, and the shipped lists) load as list files,
// whole; each of their line prefixes runs through the entry point too.
TEST(RulesFuzzReplay, ListSeedsAndTheShippedListsLoadAsLists) {
  auto seeds = inputs_in("list_seeds");
  ASSERT_GE(seeds.size(), 2u);
  for (const auto& e : fs::directory_iterator(fs::path(SIGPROBE_SOURCE_DIR) / "host/rules/lists")) seeds.push_back(e.path());
  for (const auto& p : seeds) {
    sigprobe::rules::NumberList l;
    std::string err;
    EXPECT_TRUE(sigprobe::rules::parse_list_text(read_file(p), "fuzzed_list.txt", false, l, err)) << p << ": " << err;
    EXPECT_GT(l.size(), 0u) << p;
    replay_every_line_prefix(p);
  }
}

TEST(RulesFuzzReplay, RegressionInputsRunCleanly) {
  for (const auto& p : inputs_in("regressions")) replay_every_line_prefix(p);
}

TEST(RulesFuzzReplay, ErrorsMustNameTheFileAndALine) {
  EXPECT_TRUE(names_a_line("r.yaml:12: unknown key 'treshold'", "r.yaml"));
  EXPECT_FALSE(names_a_line("r.yaml: unknown key", "r.yaml"));
  EXPECT_FALSE(names_a_line("r.yaml:0: unknown key", "r.yaml"));
  EXPECT_FALSE(names_a_line("r.yaml:12:", "r.yaml"));
  EXPECT_FALSE(names_a_line("pattern id 3: empty text", "r.yaml"));
  EXPECT_FALSE(names_a_line("other.yaml:3: bad", "r.yaml"));
}

}  // namespace
