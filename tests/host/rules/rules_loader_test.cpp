// The rules loader: the bundled default rules load, and every kind of mistake
// comes back as one line naming the file, the line and the field.
#include "host/rules/rule_set.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "host/detect/compiled_rules.hpp"

namespace sigprobe::rules {
namespace {

std::string load_err(const std::string& yaml) {
  std::string err;
  auto rs = parse_rules(yaml, "/tmp/rules.yaml", err);
  EXPECT_EQ(rs, nullptr);
  return err;
}

TEST(RulesLoader, DefaultRulesLoadAndCompile) {
  std::string err;
  auto rs = load_rules(std::string(SIGPROBE_SOURCE_DIR) + "/host/rules/default_rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_GE(rs->rules.size(), 20u);
  std::vector<bool> seen(size_t(RuleType::Count_));
  for (const auto& r : rs->rules) seen[size_t(r.type)] = true;
  for (size_t t = 0; t < seen.size(); ++t) EXPECT_TRUE(seen[t]) << rule_type_name(RuleType(t));
  detect::SpecRegistry reg;
  auto c = detect::compile_rules(rs, reg, err);
  ASSERT_NE(c, nullptr) << err;
  EXPECT_GE(c->patterns.size(), 100u);  // keywords, signatures, list entries (not the whitelists)
  EXPECT_FALSE(rs->settings.whitelists.empty());
}

// settings.country_code: an E.164 country code or an error naming its line.
TEST(RulesLoader, CountryCodeIsAnE164CountryCode) {
  std::string err;
  auto rs = parse_rules("settings:\n  country_code: 86\nrules: []\n", "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->settings.country_code, "86");
  rs = parse_rules("rules: []\n", "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->settings.country_code, "");
  for (const char* bad : {"\"+86\"", "\"0086\"", "\"1234\"", "\"8a\"", "\"\""})
    EXPECT_EQ(load_err(std::string("settings:\n  home_gt_prefixes: [\"86\"]\n  country_code: ") + bad + "\nrules: []\n")
                  .rfind("rules.yaml:3: 'country_code' must be the link's E.164 country code, 1 to 3 digits", 0),
              0u)
        << bad;
}

TEST(RulesLoader, MisspelledKeyNamesLineAndSuggestsTheField) {
  std::string yaml =
      "rules:\n"
      "  - name: bulk\n"
      "    type: caller_behaviour\n"
      "    min_attempts: 30\n"
      "    min_atempts: 5\n";
  EXPECT_EQ(load_err(yaml), "rules.yaml:5: unknown key 'min_atempts' in rule 'bulk' (expected 'min_attempts')");
}

TEST(RulesLoader, UnknownTopLevelKeyIsRejected) {
  EXPECT_EQ(load_err("rule:\n  - name: x\n"), "rules.yaml:1: unknown key 'rule' in top level (expected 'rules')");
}

TEST(RulesLoader, UnknownTypeSuggestsTheClosest) {
  std::string yaml = "rules:\n  - name: w\n    type: wangri\n    min_one_ring_calls: 3\n";
  EXPECT_EQ(load_err(yaml), "rules.yaml:3: rule 'w': unknown type 'wangri' (expected 'wangiri')");
}

TEST(RulesLoader, ThresholdOfAnotherRuleTypeIsAnUnknownKey) {
  std::string yaml = "rules:\n  - name: w\n    type: wangiri\n    min_requests: 3\n";
  EXPECT_NE(load_err(yaml).find("rules.yaml:4: unknown key 'min_requests'"), std::string::npos);
}

TEST(RulesLoader, BadValuesNameTheirField) {
  EXPECT_EQ(load_err("rules:\n  - name: a\n    type: wangiri\n    window: 10 minutes\n    min_one_ring_calls: 3\n"),
            "rules.yaml:4: 'window' must be a duration like 30s, 10m, 2h, got '10 minutes'");
  EXPECT_EQ(load_err("rules:\n  - name: a\n    type: caller_behaviour\n    max_answer_ratio: 1.5\n"),
            "rules.yaml:4: 'max_answer_ratio' is a ratio between 0 and 1");
  EXPECT_EQ(load_err("rules:\n  - name: a\n    type: number_list\n    lists: [nope]\n"),
            "rules.yaml:4: 'lists' names list 'nope', which is not defined under 'lists'");
  EXPECT_EQ(load_err("rules:\n  - name: a\n    type: caller_behaviour\n"),
            "rules.yaml:2: rule 'a' (caller_behaviour) needs at least one min_/max_ threshold");
  EXPECT_EQ(load_err("rules:\n  - name: a\n    type: ss7_security\n    category: 4\n    operations: [sendIMSI]\n"),
            "rules.yaml:4: 'category' must be 1, 2, 3 or location_burst, got '4'");
  EXPECT_EQ(load_err("rules:\n  - name: a\n    type: ss7_security\n    category: 1\n    operations: [sendIMS]\n"),
            "rules.yaml:5: 'operations' entry 'sendIMS' is not a MAP operation name or code");
  EXPECT_EQ(load_err("rules:\n  - name: a\n    type: signature\n    severity: urgent\n    user_agents: [x]\n"),
            "rules.yaml:4: 'severity' must be info, low, medium, high or critical, got 'urgent'");
}

// Numbers past what the setting can mean are refused where they are written
// (the fuzzer found each): a duration whose nanoseconds overflow, a table bound
// past 2^62 whose power-of-two rounding never ended (replay hung), an integer
// past int or past long long.
TEST(RulesLoader, OutOfRangeNumbersNameTheirField) {
  const std::string rule = "rules:\n  - name: a\n    type: wangiri\n    min_one_ring_calls: 3\n";
  EXPECT_EQ(load_err("rules:\n  - name: a\n    type: wangiri\n    window: 4e64h\n    min_one_ring_calls: 3\n"),
            "rules.yaml:4: 'window' must be at most 366d, got '4e64h'");
  EXPECT_EQ(load_err("settings:\n  call_timeout: 367d\n" + rule),
            "rules.yaml:2: 'call_timeout' must be at most 366d, got '367d'");
  EXPECT_EQ(load_err("settings:\n  max_subscribers: 9223372036854775807\n" + rule),
            "rules.yaml:2: 'max_subscribers' must be between 1 and 1073741824, got 9223372036854775807");
  EXPECT_EQ(load_err("settings:\n  max_calls: 0\n" + rule),
            "rules.yaml:2: 'max_calls' must be between 1 and 1073741824, got 0");
  EXPECT_EQ(load_err("settings:\n  max_transactions: 99999999999999999999\n" + rule),
            "rules.yaml:2: 'max_transactions' is out of range, got '99999999999999999999'");
  EXPECT_EQ(load_err("version: 4294967297\n" + rule), "rules.yaml:1: 'version' is too large, got 4294967297");
  std::string err;
  auto rs = parse_rules("settings:\n  max_calls: 1073741824\n  call_timeout: 366d\n" + rule, "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->settings.max_calls, 1073741824u);
}

TEST(RulesLoader, NumberListFieldsIncludeTheForwardingTarget) {
  std::string lists = "lists:\n  l: {entries: ['855'], match: prefix}\n";
  std::string err;
  auto rs = parse_rules(lists + "rules:\n  - name: a\n    type: number_list\n    lists: [l]\n"
                                "    fields: [forwarded_to, called]\n",
                        "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->rules[0].fields, kFieldForwardedTo | kFieldCalled);
  EXPECT_EQ(load_err(lists + "rules:\n  - name: a\n    type: number_list\n    lists: [l]\n"
                             "    fields: [forwarded]\n"),
            "rules.yaml:7: 'fields' entry 'forwarded' is not one of calling, called, pai, gt, imsi, forwarded_to");
}

TEST(RulesLoader, HoursAreLocalHoursFromToAndTheOffsetIsInQuarterHours) {
  std::string err;
  auto rs = parse_rules("settings:\n  utc_offset_hours: 5.75\nrules:\n"
                        "  - name: a\n    type: wangiri\n    hours: [0, 6]\n    min_one_ring_calls: 3\n"
                        "  - name: b\n    type: wangiri\n    hours: [22, 2]\n    min_one_ring_calls: 3\n"
                        "  - name: c\n    type: wangiri\n    hours: [0, 24]\n    min_one_ring_calls: 3\n",
                        "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->settings.utc_offset_s, 5 * 3600 + 45 * 60);
  EXPECT_EQ(rs->rules[0].hours_mask, 0x3Fu);
  EXPECT_EQ(rs->rules[1].hours_mask, (1u << 22) | (1u << 23) | 1u | 2u);
  EXPECT_EQ(rs->rules[2].hours_mask, (1u << 24) - 1);
  const std::string want = "'hours' must be [from, to], two different hours 0-24 (local time; from > to wraps midnight)";
  for (const char* bad : {"[6, 6]", "[0, 25]", "[1]", "[a, 3]", "[0, 24, 3]", "[-1, 3]"})
    EXPECT_EQ(load_err(std::string("rules:\n  - name: a\n    type: wangiri\n    hours: ") + bad +
                       "\n    min_one_ring_calls: 3\n"),
              "rules.yaml:4: " + want)
        << bad;
  EXPECT_EQ(load_err("settings:\n  utc_offset_hours: 5.3\n"),
            "rules.yaml:2: 'utc_offset_hours' must be between -12 and 14 in quarter hours, e.g. 8 or 5.5");
}

TEST(RulesLoader, ImeisPerNumberIsARatioOfAnImeiFamilyGroup) {
  const std::string head = "rules:\n  - name: f\n    type: simbox\n    min_distinct_numbers: 4\n";
  EXPECT_EQ(load_err(head + "    group_by: ip\n    max_imeis_per_number: 0.5\n"),
            "rules.yaml:6: 'max_imeis_per_number' needs 'group_by: imei_family'");
  EXPECT_EQ(load_err(head + "    group_by: imei_family\n    max_imeis_per_number: 2\n"),
            "rules.yaml:6: 'max_imeis_per_number' is a ratio between 0 and 1");
  std::string err;
  auto rs = parse_rules(head + "    group_by: imei_family\n    max_imeis_per_number: 0.5\n", "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  ASSERT_EQ(rs->rules[0].conditions.size(), 2u);
  EXPECT_EQ(rs->rules[0].conditions[1].metric, Metric::ImeisPerNumber);
  EXPECT_FALSE(rs->rules[0].conditions[1].is_min);
}

TEST(RulesLoader, SimBoxByCellTakesCallsPerNumberAndAnswerRatio) {
  const std::string head = "rules:\n  - name: c\n    type: simbox\n    min_distinct_numbers: 8\n";
  EXPECT_EQ(load_err(head + "    group_by: cel\n"),
            "rules.yaml:5: 'group_by' must be ip, user_agent, imei_family, cell or vlr, got 'cel'");
  EXPECT_EQ(load_err(head + "    group_by: vlr\n    max_answer_ratio: 0.3\n"),
            "rules.yaml:6: 'max_answer_ratio' reads calls; group_by vlr counts location updates");
  EXPECT_EQ(load_err(head + "    group_by: cell\n    max_answer_ratio: 3\n"),
            "rules.yaml:6: 'max_answer_ratio' is a ratio between 0 and 1");
  std::string err;
  // calls_per_number is a quotient, not a ratio: above 1 is its point.
  auto rs = parse_rules(head + "    group_by: cell\n    min_calls_per_number: 4\n    max_answer_ratio: 0.4\n",
                        "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->rules[0].group_by, GroupBy::Cell);
  ASSERT_EQ(rs->rules[0].conditions.size(), 3u);
  EXPECT_EQ(rs->rules[0].conditions[1].metric, Metric::CallsPerNumber);
  EXPECT_EQ(rs->rules[0].conditions[1].threshold, 4);
  EXPECT_EQ(rs->rules[0].conditions[2].metric, Metric::AnswerRatio);
}

TEST(RulesLoader, AnIpEntryMustBeAnAddressOrABlock) {
  EXPECT_EQ(load_err("lists:\n  infra: {entries: ['10.0.0.0/33']}\nrules:\n  - name: a\n    type: wangiri\n"
                     "    min_one_ring_calls: 3\n"),
            "rules.yaml:2: 'entries' of list 'infra': '10.0.0.0/33' is neither a number nor an IP address or "
            "CIDR block (192.0.2.0/24, 2001:db8::/32)");
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/infra.txt") << "# our SBCs\n10.255.0.0/16\n2001:db8::/32\n10.1.2.300\n";
  std::ofstream(dir + "/infra_rules.yaml")
      << "settings:\n  whitelists: [infra]\nlists:\n  infra: {file: infra.txt}\n"
         "rules:\n  - name: a\n    type: wangiri\n    min_one_ring_calls: 3\n";
  std::string err;
  EXPECT_EQ(load_rules(dir + "/infra_rules.yaml", err), nullptr);
  EXPECT_EQ(err, "infra_rules.yaml:4: list 'infra': infra.txt:4: '10.1.2.300' is neither a number nor an IP "
                 "address or CIDR block (192.0.2.0/24, 2001:db8::/32)");
}

// Inline entries read as a list file's lines do: numbers compare as digits,
// so "+86..." written in the rules file must find the number as decoded.
TEST(RulesLoader, InlineEntriesDropTheirPlusAsListFilesDo) {
  std::string err;
  auto rs = parse_rules("lists:\n  black: {entries: ['+8613800000002', '+855*', '8613800000001']}\nrules: []\n",
                        "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->lists[0].exact, (std::vector<std::string>{"8613800000002", "8613800000001"}));
  EXPECT_EQ(rs->lists[0].prefixes, (std::vector<std::string>{"855"}));
  // ... and are written as list files' lines may be.
  rs = parse_rules("lists:\n  black: {entries: ['138-0000-0002', '\xEF\xBC\x98\xEF\xBC\x95\xEF\xBC\x95*']}\nrules: []\n",
                   "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->lists[0].exact, (std::vector<std::string>{"13800000002"}));
  EXPECT_EQ(rs->lists[0].prefixes, (std::vector<std::string>{"855"}));
  EXPECT_EQ(load_err("lists:\n  black: {entries: ['861 38']}\nrules: []\n"),
            "rules.yaml:2: 'entries' of list 'black': one number, prefix or address per entry, got '861 38'");
}

// min_digits: how long a number must be for the list to match it, or an error
// naming the line and the field.
TEST(RulesLoader, MinDigitsIsANumberOfDigitsOfAList) {
  std::string err;
  auto rs = parse_rules("lists:\n  risky: {entries: ['95', '60'], match: prefix, min_digits: 9}\n"
                        "  other: {entries: ['95']}\nrules: []\n",
                        "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->lists[0].min_digits, 9u);
  EXPECT_EQ(rs->lists[1].min_digits, 0u);
  EXPECT_EQ(load_err("lists:\n  risky: {entries: ['95'], match: prefix,\n          min_digits: 0}\nrules: []\n"),
            "rules.yaml:3: 'min_digits' of list 'risky' must be 1 to 32, got 0");
  EXPECT_EQ(load_err("lists:\n  risky: {entries: ['95'], min_digits: nine}\nrules: []\n"),
            "rules.yaml:2: 'min_digits' must be an integer, got 'nine'");
  // The default rules' international prefixes take 9 digits and more.
  rs = load_rules(std::string(SIGPROBE_SOURCE_DIR) + "/host/rules/default_rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->lists[size_t(rs->list_index("high_risk_prefixes"))].min_digits, 9u);
}

TEST(RulesLoader, CallbackNumbersIsAContentRulesTrueOrFalse) {
  std::string err;
  const std::string content = "rules:\n  - name: scam\n    type: content\n    keywords: {money: [退款]}\n";
  auto rs = parse_rules(content + "    callback_numbers: true\n", "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_TRUE(rs->rules[0].callback_numbers);
  rs = parse_rules(content, "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_FALSE(rs->rules[0].callback_numbers);
  EXPECT_EQ(load_err(content + "    callback_numbers: yes\n"), "rules.yaml:5: 'callback_numbers' must be true or false");
  EXPECT_EQ(load_err("lists:\n  black: {entries: ['8617099990001']}\n"
                     "rules:\n  - name: black\n    type: number_list\n    lists: [black]\n"
                     "    callback_numbers: true\n"),
            "rules.yaml:7: unknown key 'callback_numbers' in rule 'black'");
}

// The pattern stage matches list texts of at most 64 bytes: a longer entry is
// refused where it is written, not by the engine at start-up ("pattern id 5").
TEST(RulesLoader, AListEntryLongerThanThePatternStageHoldsNamesItsLine) {
  const std::string long_domain(61, 'a');
  EXPECT_EQ(load_err("lists:\n  ok: {entries: ['" + std::string(64, '1') + "']}\n  domains: {entries: ['" +
                     long_domain + ".com']}\nrules: []\n"),
            "rules.yaml:3: 'entries' of list 'domains': '" + long_domain +
                ".com' is longer than the 64 bytes the pattern stage matches");
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/long.txt") << "8613800000001\n" << long_domain << ".com\n";
  std::ofstream(dir + "/long_rules.yaml") << "lists:\n  domains: {file: long.txt}\nrules: []\n";
  std::string err;
  EXPECT_EQ(load_rules(dir + "/long_rules.yaml", err), nullptr);
  EXPECT_EQ(err, "long_rules.yaml:2: list 'domains': long.txt:2: '" + long_domain +
                     ".com' is longer than the 64 bytes the pattern stage matches");
}

// A file of comments alone (or nothing) has no node to point at: its first line.
TEST(RulesLoader, AnEmptyRulesFileNamesItsFirstLine) {
  EXPECT_EQ(load_err("# sigprobe rules\n# (to be written)\n"),
            "rules.yaml:1: the rules file must be a mapping with 'rules:'");
  EXPECT_EQ(load_err(""), "rules.yaml:1: the rules file must be a mapping with 'rules:'");
}

TEST(RulesLoader, OnlyCallersInNamesListsOfACallGroup) {
  const std::string head = "lists:\n  mobile: {entries: ['8613'], match: prefix}\nrules:\n  - name: b\n"
                           "    type: simbox\n    min_distinct_numbers: 8\n";
  EXPECT_EQ(load_err(head + "    group_by: vlr\n    only_callers_in: [mobile]\n"),
            "rules.yaml:8: 'only_callers_in' counts calls; group_by vlr counts location updates");
  EXPECT_EQ(load_err(head + "    group_by: ip\n    only_callers_in: [mobiles]\n"),
            "rules.yaml:8: 'only_callers_in' names list 'mobiles', which is not defined under 'lists'");
  std::string err;
  auto rs = parse_rules(head + "    group_by: ip\n    only_callers_in: [mobile]\n", "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->rules[0].caller_lists, std::vector<uint32_t>{0});
  EXPECT_TRUE(rs->rules[0].lists.empty());  // not a pattern list
}

TEST(RulesLoader, ForeignOnlyIsABooleanOfAServiceCentreFlood) {
  const std::string head = "rules:\n  - name: f\n    type: sms_flood\n    min_sms: 100\n";
  EXPECT_EQ(load_err(head + "    group_by: sender\n    foreign_only: true\n"),
            "rules.yaml:6: 'foreign_only' applies to group_by service_centre");
  EXPECT_EQ(load_err(head + "    group_by: service_centre\n    foreign_only: yes please\n"),
            "rules.yaml:6: 'foreign_only' must be true or false");
  std::string err;
  auto rs = parse_rules(head + "    group_by: service_centre\n    foreign_only: true\n", "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_TRUE(rs->rules[0].foreign_only);
}

TEST(RulesLoader, VictimOnLineTakesMinTalkAndBlocksByCuttingTheCall) {
  const std::string head = "settings:\n  deep_victim_call: 7m\nrules:\n  - name: v\n    type: victim_on_line\n";
  EXPECT_EQ(load_err(head + "    min_talk: 0s\n"), "rules.yaml:6: 'min_talk' must be above 0");
  EXPECT_EQ(load_err(head + "    min_talk: soon\n"),
            "rules.yaml:6: 'min_talk' must be a duration like 30s, 10m, 2h, got 'soon'");
  EXPECT_EQ(load_err(head + "    lists: [x]\n"), "rules.yaml:6: unknown key 'lists' in rule 'v'");
  std::string err;
  auto rs = parse_rules(head, "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->rules[0].min_talk_ns, 420'000'000'000ull) << "settings.deep_victim_call unless given";
  rs = parse_rules(head + "    min_talk: 90s\n", "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->rules[0].min_talk_ns, 90'000'000'000ull);
  // Blocking cuts the call (the detector, host/dp): the victim is not blocked.
  rs = parse_rules(head + "    action: block\n", "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->rules[0].action, Action::Block);
}

TEST(RulesLoader, CliSpoofNamesWhereCallsFromAbroadComeInAndOurNumbers) {
  const std::string head =
      "settings:\n  home_gt_prefixes: ['8613']\n"
      "lists:\n  intl: {entries: ['192.0.2.0/24', '2001:db8::/32']}\n  ours: {entries: ['86'], match: prefix}\n"
      "  numbers: {entries: ['8613800000001']}\nrules:\n  - name: s\n    type: cli_spoof\n";
  EXPECT_EQ(load_err(head + "    international_sources: [intl]\n"),
            "rules.yaml:8: rule 's' (cli_spoof) needs 'cli': the lists of the numbers no call from abroad may present");
  EXPECT_EQ(load_err(head + "    cli: [ours]\n"),
            "rules.yaml:8: rule 's' (cli_spoof) needs 'international_sources' or 'international_opcs': where calls "
            "from abroad come in");
  EXPECT_EQ(load_err(head + "    cli: [ours]\n    international_sources: [numbers]\n"),
            "rules.yaml:11: 'international_sources' list 'numbers' holds '8613800000001', which is not an IP "
            "address or CIDR block (rules.yaml:6)");
  EXPECT_EQ(load_err(head + "    cli: [ours]\n    international_opcs: [2100, 16777216]\n"),
            "rules.yaml:11: 'international_opcs' entry 16777216 is above 16777215 (24 bits)");
  EXPECT_EQ(load_err(head + "    cli: [ours]\n    international_opcs: 2100\n"),
            "rules.yaml:11: 'international_opcs' must be a list of point codes, e.g. [2100, 2101]");
  EXPECT_EQ(load_err(head + "    cli: [ours]\n    international_opcs: [2100]\n    roaming_exempt: maybe\n"),
            "rules.yaml:12: 'roaming_exempt' must be true or false");
  EXPECT_EQ(load_err(head + "    cli: [ours]\n    international_opcs: [2100]\n    sms: texts\n"),
            "rules.yaml:12: 'sms' must be true or false");
  EXPECT_EQ(load_err(head + "    cli: [ours]\n    international_opcs: [2100]\n    min_attempts: 3\n"),
            "rules.yaml:12: unknown key 'min_attempts' in rule 's'");
  const std::string no_home = head.substr(head.find("lists:"));
  EXPECT_EQ(load_err(no_home + "    cli: [ours]\n    international_opcs: [2100]\n"),
            "rules.yaml:6: rule 's' (cli_spoof) needs settings.home_gt_prefixes to tell a VLR abroad, or "
            "'roaming_exempt: false'");
  std::string err;
  auto rs = parse_rules(no_home + "    cli: [ours]\n    international_opcs: [2100, 2101]\n    roaming_exempt: false\n"
                                  "    international_sources: [intl]\n    sms: false\n",
                        "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  const Rule& r = rs->rules[0];
  EXPECT_EQ(r.lists, std::vector<uint32_t>{1});
  EXPECT_EQ(r.source_lists, std::vector<uint32_t>{0});
  EXPECT_EQ(r.opcs, (std::vector<uint32_t>{2100, 2101}));
  EXPECT_FALSE(r.roaming_exempt);
  EXPECT_FALSE(r.sms);
  // Looked up per call, not scanned: the lists give the pattern stage nothing.
  detect::SpecRegistry reg;
  auto c = detect::compile_rules(rs, reg, err);
  ASSERT_NE(c, nullptr) << err;
  EXPECT_TRUE(c->patterns.empty());
  EXPECT_TRUE(c->compiled[0].cli.covers("8613800000001"));
  EXPECT_FALSE(c->compiled[0].cli.covers("447700900123"));
  EXPECT_TRUE(c->compiled[0].sources.covers_ip("192.0.2.77"));
  EXPECT_FALSE(c->compiled[0].sources.covers_ip("198.51.100.1"));
}

TEST(RulesLoader, NeighboursAreGroupsOfCountryCodesForCategory3) {
  const std::string cat = "rules:\n  - name: t\n    type: ss7_security\n";
  EXPECT_EQ(load_err(cat + "    category: 1\n    operations: [sendIMSI]\n    neighbours: [[86, 852]]\n"),
            "rules.yaml:6: 'neighbours' applies to category 3");
  EXPECT_EQ(load_err(cat + "    category: 3\n    neighbours: [86, 852]\n"),
            "rules.yaml:5: 'neighbours' entry must list two or more country codes, e.g. [86, 852]");
  EXPECT_EQ(load_err(cat + "    category: 3\n    neighbours: [[86, hk]]\n"),
            "rules.yaml:5: 'neighbours' entry 'hk' is not an E.164 country code (1-3 digits)");
  std::string err;
  auto rs = parse_rules(cat + "    category: 3\n    neighbours: [[86, 852, 853], [7, 976]]\n", "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  ASSERT_EQ(rs->rules[0].neighbours.size(), 2u);
  EXPECT_EQ(rs->rules[0].neighbours[0], (std::vector<std::string>{"86", "852", "853"}));
}

TEST(RulesLoader, SipRejectTakesOnlyAFinalStatus) {
  const std::string rule = "rules:\n  - name: a\n    type: wangiri\n    min_one_ring_calls: 3\n";
  EXPECT_EQ(load_err("settings:\n  sip_reject: 200\n" + rule),
            "rules.yaml:2: 'sip_reject' must be 0 or a SIP final status 400-699, got 200");
  EXPECT_EQ(load_err("settings:\n  sip_reject: decline\n" + rule),
            "rules.yaml:2: 'sip_reject' must be an integer, got 'decline'");
  std::string err;
  auto rs = parse_rules("settings:\n  sip_reject: 607\n" + rule, "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->settings.sip_reject, 607);
  rs = parse_rules(rule, "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_EQ(rs->settings.sip_reject, 0) << "silent drop unless the rules say otherwise";
}

TEST(RulesLoader, TrackCamelIsABoolean) {
  const std::string rule = "rules:\n  - name: a\n    type: wangiri\n    min_one_ring_calls: 3\n";
  EXPECT_EQ(load_err("settings:\n  track_camel: no\n" + rule), "rules.yaml:2: 'track_camel' must be true or false");
  std::string err;
  auto rs = parse_rules(rule, "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_TRUE(rs->settings.track_camel);
  rs = parse_rules("settings:\n  track_camel: false\n" + rule, "/tmp/rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_FALSE(rs->settings.track_camel);
}

TEST(RulesLoader, DuplicateRuleNamesAreRejected) {
  std::string yaml =
      "rules:\n  - name: a\n    type: signature\n    user_agents: [x]\n"
      "  - name: a\n    type: signature\n    user_agents: [y]\n";
  EXPECT_EQ(load_err(yaml), "rules.yaml:5: duplicate rule name 'a'");
}

TEST(RulesLoader, YamlSyntaxErrorNamesTheLine) {
  std::string err = load_err("rules:\n  - name: a\n    type: [unclosed\n");
  EXPECT_EQ(err.rfind("rules.yaml:", 0), 0u);
  EXPECT_NE(err.find(":4:"), std::string::npos) << err;
}

TEST(RulesLoader, DisabledRuleIsParsedButNotLoaded) {
  std::string err;
  auto rs = parse_rules("rules:\n  - name: a\n    type: signature\n    enabled: false\n    user_agents: [x]\n",
                        "/tmp/r.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  EXPECT_TRUE(rs->rules.empty());
}

TEST(RulesLoader, DistinctThresholdAboveTheRateStageRangeFailsAtCompile) {
  std::string err;
  auto rs = parse_rules("rules:\n  - name: a\n    type: caller_behaviour\n    min_distinct_callees: 300\n",
                        "/tmp/r.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  detect::SpecRegistry reg;
  EXPECT_EQ(detect::compile_rules(rs, reg, err), nullptr);
  EXPECT_EQ(err, "r.yaml:2: rule 'a': min_distinct_callees 300 is above what the rate stage can count distinct (255)");
}

class ListFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sp_rules_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::filesystem::path dir_;
};

TEST_F(ListFile, ReadsNumbersPrefixesAndComments) {
  std::string p = write("l.txt", "# police list\n8613800000001\n  +8613800000002  # with a comment\n\n855*\n");
  NumberList l;
  std::string err;
  ASSERT_TRUE(load_list_file(p, false, l, err)) << err;
  EXPECT_EQ(l.exact, (std::vector<std::string>{"8613800000001", "8613800000002"}));
  EXPECT_EQ(l.prefixes, (std::vector<std::string>{"855"}));
}

TEST_F(ListFile, TwoTokensOnALineNameTheLine) {
  std::string p = write("bad.txt", "111\n222 333\n");
  NumberList l;
  std::string err;
  EXPECT_FALSE(load_list_file(p, false, l, err));
  EXPECT_EQ(err, "bad.txt:2: one number, prefix or address per entry, got '222 333'");
}

// Lists as police and regulators hand them over: saved from a spreadsheet or
// Notepad as "UTF-8 with BOM" with CRLF lines, numbers written with dashes or
// parentheses, typed with full-width digits, a no-break space from a copied
// cell. Each entry reads as the digits the decoder gives; before, each was
// kept as written and could never match (the first line kept the BOM).
TEST_F(ListFile, SpreadsheetAndChineseInputFormsReadAsTheirNumbers) {
  std::string p = write("police.txt",
                        "\xEF\xBB\xBF"
                        "8613800000001\r\n"
                        "138-0000-0002\r\n"
                        "(0871)65430003\r\n"
                        "\xEF\xBC\x8B\xEF\xBC\x98\xEF\xBC\x96" "13800000004\r\n"  // "＋８６" full width
                        "8613800000005\xC2\xA0\r\n"                              // a trailing no-break space
                        "\xE3\x80\x80" "855-12*\r\n"                             // an ideographic space first
                        "dy-refund.cn\r\n"                                       // a domain keeps its dash
                        "10.0.0.0/8\r\n");
  NumberList l;
  std::string err;
  ASSERT_TRUE(load_list_file(p, false, l, err)) << err;
  EXPECT_EQ(l.exact, (std::vector<std::string>{"8613800000001", "13800000002", "087165430003", "8613800000004",
                                               "8613800000005", "dy-refund.cn", "10.0.0.0/8"}));
  EXPECT_EQ(l.prefixes, (std::vector<std::string>{"85512"}));
}

// Numbers typed in groups with blanks, as a list typed by hand or copied
// from a document writes them, read as one number; two numbers or two
// prefixes on one line stay refused (a group of more than 4 digits before a
// blank, or fewer than 7 digits in all).
TEST_F(ListFile, NumbersWrittenInGroupsWithBlanksReadAsOneNumber) {
  std::string p = write("police.txt",
                        "138 0013 8001\n"
                        "+86 138 0013 8002\n"
                        "(0871) 6543 0003\n"
                        "+855  12 345 678\n"                                      // two blanks
                        "138\xE3\x80\x80" "0013\xE3\x80\x80" "8004\n"              // ideographic spaces
                        "170 0123*\n");
  NumberList l;
  std::string err;
  ASSERT_TRUE(load_list_file(p, false, l, err)) << err;
  EXPECT_EQ(l.exact, (std::vector<std::string>{"13800138001", "8613800138002", "087165430003", "85512345678",
                                               "13800138004"}));
  EXPECT_EQ(l.prefixes, (std::vector<std::string>{"1700123"}));
  for (const char* two : {"13800138001 13900139001", "855 95", "8613800138001 *", "138 0013 8001 x", "1380 013*8 001"}) {
    p = write("bad.txt", std::string("111\n") + two + "\n");
    EXPECT_FALSE(load_list_file(p, false, l, err)) << two;
    EXPECT_EQ(err, std::string("bad.txt:2: one number, prefix or address per entry, got '") + two + "'") << two;
  }
}

// What would load but never match is refused, naming the line and what is wrong.
TEST_F(ListFile, EntriesThatCouldNeverMatchNameTheirLineAndWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"8613800000001,case 2026-114\n", "'8613800000001,case 2026-114' holds a ','"},
      {"\"8613800000001\"\n", "'\"8613800000001\"' holds quotes"},
      {"8613800000001\xEF\xBC\x8C\n", "holds a ','"},              // a full-width comma
      {"86138\xE2\x80\x8B" "00000001\n", "holds a zero-width space"},
      {"8613800000001\xE3\x80\x81" "8613800000002\n", "holds a '\xE3\x80\x81'"},
      {"86138+00000001\n", "has a '+' inside the number"},
      {"-\n", "'-' has no digit"},
  };
  for (const auto& [text, want] : cases) {
    std::string p = write("bad.txt", "111\n" + text);
    NumberList l;
    std::string err;
    EXPECT_FALSE(load_list_file(p, false, l, err)) << text;
    EXPECT_EQ(err.rfind("bad.txt:2: ", 0), 0u) << err;
    EXPECT_NE(err.find(want), std::string::npos) << err;
  }
}

// settings.national_forms: a national entry gets its international form
// beside it (longest national prefix first); entries that are not digits, and
// the lists of IMEI TACs and URL domains, are left alone; command-line lists too.
TEST_F(ListFile, NationalFormsAddTheInternationalFormOfNumberEntries) {
  write("police.txt", "13800000001\n010-6552-9988\n008613800000002\n8613800000003\n170*\nshop.example\n");
  write("tacs.txt", "13579246*\n");
  write("cli.txt", "13900000009\n");
  std::string rules = write("r.yaml",
                            "settings:\n  national_forms: {\"1\": \"861\", \"0\": \"86\", \"00\": \"\"}\n"
                            "lists:\n  police: {file: police.txt}\n  tacs: {file: tacs.txt}\n"
                            "rules:\n  - name: black\n    type: number_list\n    lists: [police]\n"
                            "  - name: boxes\n    type: signature\n    imei_tacs: [tacs]\n");
  std::string err;
  auto loaded = load_rules(rules, err);
  ASSERT_NE(loaded, nullptr) << err;
  auto rs = std::make_shared<RuleSet>(*loaded);
  const NumberList& police = rs->lists[size_t(rs->list_index("police"))];
  EXPECT_EQ(police.exact, (std::vector<std::string>{"13800000001", "01065529988", "008613800000002", "8613800000003",
                                                    "shop.example", "8613800000001", "861065529988",
                                                    "8613800000002"}));
  EXPECT_EQ(police.prefixes, (std::vector<std::string>{"170", "86170"}));
  EXPECT_EQ(police.national_forms, 4u);
  const NumberList& tacs = rs->lists[size_t(rs->list_index("tacs"))];
  EXPECT_EQ(tacs.prefixes, (std::vector<std::string>{"13579246"}));
  EXPECT_EQ(tacs.national_forms, 0u);
  ASSERT_TRUE(add_cli_lists(*rs, {write("cli.txt", "13900000009\n")}, {}, err)) << err;
  EXPECT_EQ(rs->lists.back().exact, (std::vector<std::string>{"13900000009", "8613900000009"}));

  EXPECT_EQ(load_err("settings:\n  national_forms: {\"1\": \"+861\"}\nrules: []\n"),
            "rules.yaml:2: 'national_forms': '1': '+861' must map a national prefix of digits to an international one "
            "of digits (or '')");
  EXPECT_EQ(load_err("settings:\n  national_forms: [\"1\", \"861\"]\nrules: []\n").rfind("rules.yaml:2: 'national_forms' must be a mapping", 0),
            0u);
}

TEST_F(ListFile, RulesFileResolvesListsNextToItAndReportsListErrors) {
  write("nums.txt", "111\n86*\n");
  std::string rules = write("r.yaml",
                            "lists:\n  black: {file: nums.txt}\n"
                            "rules:\n  - name: b\n    type: number_list\n    lists: [black]\n");
  std::string err;
  auto rs = load_rules(rules, err);
  ASSERT_NE(rs, nullptr) << err;
  ASSERT_EQ(rs->lists.size(), 1u);
  EXPECT_EQ(rs->lists[0].exact.size(), 1u);
  EXPECT_EQ(rs->lists[0].prefixes.size(), 1u);
  std::string bad = write("r2.yaml", "lists:\n  black: {file: missing.txt}\nrules: []\n");
  EXPECT_EQ(load_rules(bad, err), nullptr);
  EXPECT_NE(err.find("r2.yaml:2: list 'black': "), std::string::npos) << err;
  EXPECT_NE(err.find("missing.txt: cannot open"), std::string::npos) << err;
}

TEST_F(ListFile, CommandLineListsBecomeWhitelistsAndABlacklistRule) {
  std::string w = write("w.txt", "96110\n");
  std::string b = write("b.txt", "8617099990009\n");
  std::string err;
  auto loaded = parse_rules("rules: []\n", (dir_ / "r.yaml").string(), err);
  ASSERT_NE(loaded, nullptr) << err;
  RuleSet rs = *loaded;
  ASSERT_TRUE(add_cli_lists(rs, {b}, {w}, err)) << err;
  ASSERT_EQ(rs.rules.size(), 1u);
  EXPECT_EQ(rs.rules[0].name, "cli_blacklist");
  ASSERT_EQ(rs.settings.whitelists.size(), 1u);
  EXPECT_EQ(rs.lists[rs.settings.whitelists[0]].exact[0], "96110");
}

}  // namespace
}  // namespace sigprobe::rules
