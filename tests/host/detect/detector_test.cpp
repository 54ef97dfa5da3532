// The detector end to end on hand-built events (tests/host/track/
// event_builder.hpp) with the cpu offload engines: verdicts come out on the
// message that crosses the threshold, once per subject and window, whitelists
// win, victims are listed, reloads keep state.
#include "host/detect/detector.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <sstream>

#include "host/offload/backend_detail.hpp"
#include "host/track/ss7_tracker.hpp"
#include "tests/host/track/event_builder.hpp"

namespace sigprobe::detect {
namespace {

using sigprobe::testing::EventBuilder;

constexpr const char* kLists =
    "settings:\n"
    "  home_imsi_prefixes: ['46000']\n"
    "  home_gt_prefixes: ['8613']\n"
    "  whitelists: [white]\n"
    "lists:\n"
    "  white: {entries: ['96110']}\n"
    "  black: {entries: ['8617099990001']}\n"
    "  risky_vlr: {entries: ['855'], match: prefix}\n"
    "  bad_domains: {entries: ['evil.cn']}\n";

std::unique_ptr<CompiledRules> compile(const std::string& rules_yaml, SpecRegistry& reg) {
  std::string err;
  auto rs = rules::parse_rules(std::string(kLists) + rules_yaml, "/tmp/test_rules.yaml", err);
  EXPECT_NE(rs, nullptr) << err;
  if (!rs) return nullptr;
  auto c = compile_rules(rs, reg, err);
  EXPECT_NE(c, nullptr) << err;
  return c;
}

// A detector from compiled rules, on the cpu engines.
std::unique_ptr<Detector> make_compiled(std::unique_ptr<CompiledRules> c) {
  if (!c) return nullptr;
  std::string err;
  offload::OffloadOptions o;
  o.backend = offload::Backend::Cpu;
  auto e = offload::make_engines(o, c->patterns, c->rates, err);
  EXPECT_TRUE(e.pattern && e.rate) << err;
  return std::make_unique<Detector>(std::move(c), std::move(e.pattern), std::move(e.rate));
}

std::unique_ptr<Detector> make(const std::string& rules_yaml) {
  SpecRegistry reg;
  return make_compiled(compile(rules_yaml, reg));
}

// From a whole rules file (its own settings and lists, not kLists).
std::unique_ptr<Detector> make_whole(const std::string& yaml) {
  SpecRegistry reg;
  std::string err;
  auto rs = rules::parse_rules(yaml, "/tmp/test_whole_rules.yaml", err);
  EXPECT_NE(rs, nullptr) << err;
  if (!rs) return nullptr;
  auto c = compile_rules(rs, reg, err);
  EXPECT_NE(c, nullptr) << err;
  return make_compiled(std::move(c));
}

// The victims file a detector writes (Detector::write_victims).
std::string victims_file(const Detector& d) {
  std::ostringstream os;
  d.write_victims(os);
  return os.str();
}

// One call: INVITE, then cancel after ring_s, or answer and BYE after talk_s.
void call(EventBuilder& b, std::vector<SignalEvent>& out, double t, const std::string& id, const std::string& a,
          const std::string& bnum, double ring_s, double talk_s, Endpoint src = EventBuilder::ip4(10, 0, 0, 1, 5060)) {
  out.push_back(b.sip_request(SipMethod::Invite, t, id, a, bnum, src));
  out.push_back(b.sip_response(180, t + 0.2, id, a, bnum));
  if (talk_s <= 0) {
    out.push_back(b.sip_request(SipMethod::Cancel, t + 0.2 + ring_s, id, a, bnum, src));
    return;
  }
  out.push_back(b.sip_response(200, t + 0.2 + ring_s, id, a, bnum));
  out.push_back(b.sip_request(SipMethod::Bye, t + 0.2 + ring_s + talk_s, id, a, bnum, src, "tt"));
}

// n calls from caller to distinct callees (callee_base, +1, ...) dt apart from
// t0, each cancelled after 3 s of ringing; Call-IDs id0, id1, ...
void cancelled_calls(EventBuilder& b, std::vector<SignalEvent>& out, int n, double t0, double dt, const std::string& id,
                     const std::string& caller, uint64_t callee_base) {
  for (int k = 0; k < n; ++k)
    call(b, out, t0 + k * dt, id + std::to_string(k), caller, std::to_string(callee_base + uint64_t(k)), 3, 0);
}

// Calls built one after another, put in capture order (interleaved as a link carries them).
void sort_by_time(std::vector<SignalEvent>& evs) {
  std::stable_sort(evs.begin(), evs.end(), [](const SignalEvent& x, const SignalEvent& y) { return x.ts_ns < y.ts_ns; });
}

std::vector<Alert> run(Detector& d, std::vector<SignalEvent> evs) {
  sort_by_time(evs);
  std::vector<Alert> alerts;
  for (size_t i = 0; i < evs.size(); i += 32)
    d.on_events(std::span<const SignalEvent>(evs).subspan(i, std::min<size_t>(32, evs.size() - i)), alerts);
  return alerts;
}

// A MAP updateLocation of imsi from vlr (its VLR and MSC number, its calling GT).
SignalEvent update_location(EventBuilder& b, double t, const char* imsi, const char* vlr) {
  auto e = b.map_invoke(2, t, vlr, imsi);
  e.map.vlr = b.keep(vlr);
  e.map.msc = b.keep(vlr);
  return e;
}

// The subjects flagged, whatever the rule.
std::set<std::string> subjects(const std::vector<Alert>& alerts) {
  std::set<std::string> out;
  for (const Alert& a : alerts) out.insert(a.subject);
  return out;
}

constexpr const char* kBulk =
    "rules:\n"
    "  - name: bulk\n"
    "    type: caller_behaviour\n"
    "    window: 10m\n"
    "    min_attempts: 20\n"
    "    min_distinct_callees: 15\n"
    "    max_answer_ratio: 0.3\n";

TEST(Detector, BulkCallerIsFlaggedOnTheCallThatCrossesTheThreshold) {
  auto d = make(kBulk);
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 0; i < 40; ++i)
    call(b, evs, 10.0 + i * 5, "bulk" + std::to_string(i), "8613700000001", "86139000" + std::to_string(1000 + i * 7),
         3, 0);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);  // one per subject per window
  const Alert& a = alerts[0];
  EXPECT_EQ(a.rule, "bulk");
  EXPECT_EQ(a.subject, "8613700000001");
  EXPECT_EQ(a.subject_type, SubjectType::Msisdn);
  EXPECT_EQ(a.id, "bulk-8613700000001-1");
  EXPECT_EQ(a.evidence["attempts"]["value"], 20);
  EXPECT_EQ(a.evidence["attempts"]["min"], 20);
  EXPECT_LE(double(a.evidence["answer_ratio"]["value"]), 0.3);
  EXPECT_EQ(a.evidence["window_s"], 600);
  // The 20th INVITE crosses: at 10 + 19*5 s.
  EXPECT_EQ(a.ts_ns, uint64_t(105e9));
  EXPECT_FALSE(a.frames.empty());
  EXPECT_EQ(a.call_ids, std::vector<std::string>{"bulk19"});
  EXPECT_GE(a.victims.size(), 19u);
  ASSERT_EQ(d->caught().size(), 1u);
  EXPECT_GT(d->caught()[0].hits, 20u);  // the alert and the messages after it that still satisfy the rule
}

TEST(Detector, AlertCarriesTheLastEightFramesOfTheRuleWithTheirPorts) {
  auto d = make(kBulk);
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 0; i < 20; ++i)
    call(b, evs, 10.0 + i * 5, "fr" + std::to_string(i), "8613700000011", "86139000" + std::to_string(1000 + i * 7),
         3, 0);
  sort_by_time(evs);
  // Frame numbers past 32 bits and a port per frame: both must come back as they went in.
  for (size_t k = 0; k < evs.size(); ++k) {
    evs[k].frame = (uint64_t(1) << 40) + 3 * k;
    evs[k].port = uint16_t(k % 5);
  }
  // The rule's quantities change on INVITEs (attempts) and CANCELs (calls
  // settled), not on 180s: its frames are the last 8 of those up to the 20th INVITE.
  std::vector<std::pair<uint64_t, uint16_t>> want;
  for (const SignalEvent& e : evs)
    if (e.sip.method == SipMethod::Invite || e.sip.method == SipMethod::Cancel) want.push_back({e.frame, e.port});
  ASSERT_EQ(want.size(), 40u);
  want.resize(39);  // up to the last INVITE, which crosses the threshold
  want.erase(want.begin(), want.end() - 8);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  const Alert& a = alerts[0];
  ASSERT_EQ(a.frames.size(), 8u);
  ASSERT_EQ(a.frame_ports.size(), 8u);
  for (size_t k = 0; k < 8; ++k) {
    EXPECT_EQ(a.frames[k], want[k].first) << k;
    EXPECT_EQ(a.frame_ports[k], want[k].second) << k;
  }
}

TEST(Detector, BusyCallCentreWithAnsweredLongCallsIsNotFlagged) {
  auto d = make(kBulk);
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 0; i < 60; ++i)
    call(b, evs, 10.0 + i * 4, "cc" + std::to_string(i), "8610400800000", "86139000" + std::to_string(2000 + i * 13),
         5, i % 5 == 0 ? 0 : 180);
  EXPECT_TRUE(run(*d, evs).empty());
}

TEST(Detector, WhitelistedNumberIsNeverFlagged) {
  auto d = make(kBulk);
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  cancelled_calls(b, evs, 40, 10.0, 5, "w", "96110", 861390003000);
  EXPECT_TRUE(run(*d, evs).empty());
  EXPECT_GT(d->counters().whitelisted_suppressed, 0u);
}

TEST(Detector, PrefixWhitelistCoversEveryNumberOfItsRangeAndNothingElse) {
  // A police range given as a prefix: each number in it calls like a bulk
  // caller and none is flagged; a number outside the range that calls the
  // same way is.
  auto d = make_whole(
      "settings:\n  whitelists: [police]\nlists:\n  police: {entries: ['961100'], match: prefix}\n"
      "rules:\n  - name: bulk\n    type: caller_behaviour\n    window: 10m\n    min_attempts: 20\n"
      "    min_distinct_callees: 15\n    max_answer_ratio: 0.3\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 0; i < 40; ++i) {
    const std::string callee = "86139000" + std::to_string(3000 + i);
    call(b, evs, 10.0 + i * 5, "p" + std::to_string(i), "961100" + std::to_string(10 + i % 2), callee, 3, 0);
    call(b, evs, 11.0 + i * 5, "q" + std::to_string(i), "961101" + std::to_string(10), callee, 3, 0);
  }
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "96110110");
  EXPECT_GT(d->counters().whitelisted_suppressed, 0u);
}

TEST(ListSet, CoversExactEntriesAndNumbersUnderAPrefix) {
  rules::NumberList police;
  police.exact = {"110", "8610400800000"};
  police.prefixes = {"96110", "8699"};
  ListSet w;
  EXPECT_TRUE(w.empty());
  w.add(police);
  EXPECT_FALSE(w.empty());
  EXPECT_TRUE(w.covers("110"));
  EXPECT_FALSE(w.covers("1100"));          // an exact entry is not a prefix
  EXPECT_FALSE(w.covers("11"));
  EXPECT_TRUE(w.covers("8610400800000"));
  EXPECT_TRUE(w.covers("96110"));
  EXPECT_TRUE(w.covers("961109999"));
  EXPECT_TRUE(w.covers("869912"));
  EXPECT_FALSE(w.covers("9611"));          // shorter than every prefix
  EXPECT_FALSE(w.covers("869"));
  EXPECT_FALSE(w.covers(""));
}

TEST(ListSet, IpEntriesCoverIpSubjectsInsideTheirBlocks) {
  rules::NumberList infra;
  infra.exact = {"10.255.0.0/16", "192.0.2.7", "2001:db8:100::/40", "96110"};
  infra.prefixes = {"198.51.100.0/25"};
  ListSet w;
  w.add(infra);
  EXPECT_EQ(w.ip_blocks(), 4u);
  EXPECT_TRUE(w.covers("96110"));          // numbers as before
  EXPECT_FALSE(w.covers("10.255.0.1"));    // an IP is not a number entry
  EXPECT_TRUE(w.covers_ip("10.255.0.1"));
  EXPECT_TRUE(w.covers_ip("10.255.255.255"));
  EXPECT_FALSE(w.covers_ip("10.254.255.255"));
  EXPECT_TRUE(w.covers_ip("192.0.2.7"));
  EXPECT_FALSE(w.covers_ip("192.0.2.8"));  // an address alone is a /32
  EXPECT_TRUE(w.covers_ip("198.51.100.127"));
  EXPECT_FALSE(w.covers_ip("198.51.100.128"));
  EXPECT_TRUE(w.covers_ip("[2001:db8:100::5]"));
  EXPECT_TRUE(w.covers_ip("[2001:db8:1ff:ffff::1]"));  // /40: 2001:0db8:01xx
  EXPECT_FALSE(w.covers_ip("[2001:db8:200::1]"));
  EXPECT_FALSE(w.covers_ip("[::ffff:10.255.0.1]"));   // another family
  EXPECT_FALSE(w.covers_ip("not an ip"));
  EXPECT_FALSE(w.covers_ip(""));
}

// A list with min_digits covers only subjects that long; with another list in
// the same set, each entry keeps its own list's condition.
TEST(ListSet, MinDigitsHoldsForItsListsEntriesOnly) {
  rules::NumberList risky, ours;
  risky.prefixes = {"95", "60"};
  risky.exact = {"95588", "959123456789"};
  risky.min_digits = 9;
  ours.prefixes = {"955"};
  ListSet w;
  w.add(risky);
  EXPECT_FALSE(w.empty());
  EXPECT_TRUE(w.covers("959123456"));       // 9 digits under 95
  EXPECT_FALSE(w.covers("95912345"));       // 8
  EXPECT_FALSE(w.covers("60646153"));       // a local number
  EXPECT_TRUE(w.covers("60123456789"));
  EXPECT_FALSE(w.covers("95588"));          // an exact entry shorter than the list takes
  EXPECT_TRUE(w.covers("959123456789"));
  w.add(ours);                               // no condition of its own
  EXPECT_TRUE(w.covers("95588"));
  EXPECT_FALSE(w.covers("95123"));
}

// A set of a few short prefixes is searched as masked words, a larger one by
// hashing: both must give the same answer for every number.
TEST(ListSet, WordPrefixesAnswerAsTheHashedLookup) {
  rules::NumberList few, many;
  few.prefixes = {"8613", "8614", "13", "1", "86150000"};
  many.prefixes = few.prefixes;
  many.exact = {"0"};  // an exact entry: the hashed path
  ListSet small, hashed;
  small.add(few);
  hashed.add(many);
  std::mt19937 rnd(11);
  for (int k = 0; k < 20000; ++k) {
    std::string n;
    const size_t len = rnd() % 14;
    for (size_t i = 0; i < len; ++i) n += char('0' + (i < 2 && rnd() % 2 ? "86"[i] - '0' : rnd() % 10));
    if (n == "0") continue;
    EXPECT_EQ(small.covers(n), hashed.covers(n)) << n;
  }
  EXPECT_TRUE(small.covers("8613912345678"));
  EXPECT_TRUE(small.covers("86150000"));
  EXPECT_FALSE(small.covers("8615000"));  // shorter than the 8-byte prefix
  EXPECT_FALSE(small.covers("8610588860001"));
  EXPECT_FALSE(small.covers(""));
}

TEST(IpBlock, ParsesAddressesAndBlocksAndClearsHostBits) {
  auto b = rules::parse_ip_block("10.1.2.3/8");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->family, 4);
  EXPECT_EQ(b->prefix_len, 8);
  EXPECT_EQ(b->addr[0], 10);
  EXPECT_EQ(b->addr[1], 0);
  EXPECT_EQ(b->addr[3], 0);
  auto v6 = rules::parse_ip_block("[2001:db8::1]");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, 6);
  EXPECT_EQ(v6->prefix_len, 128);
  auto all = rules::parse_ip_block("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(rules::ip_block_contains(*all, *rules::parse_ip_block("203.0.113.9")));
  for (const char* bad : {"10.0.0.0/33", "2001:db8::/129", "10.0.0.300", "10.0.0", "10.0.0.0/", "10.0.0.0/x",
                          "10.0.0.0/-1", "::g", ""})
    EXPECT_FALSE(rules::parse_ip_block(bad)) << bad;
  EXPECT_TRUE(rules::looks_like_ip_entry("10.0.0"));
  EXPECT_TRUE(rules::looks_like_ip_entry("2001:db8::"));
  EXPECT_FALSE(rules::looks_like_ip_entry("8613800000110"));
  EXPECT_FALSE(rules::looks_like_ip_entry("evil.cn"));
}

// An operator's own SBC sends many callers' calls from one address: simbox_ip
// would flag it. Its block in a whitelist keeps it quiet; a GoIP box elsewhere
// is still flagged, and the whitelist's entries are not pattern-matched.
TEST(Detector, WhitelistedIpBlockIsNeverFlaggedByIpRules) {
  const std::string rules =
      "settings:\n  whitelists: [infra]\nlists:\n  infra: {entries: ['10.255.0.0/16', '96110']}\n"
      "rules:\n  - name: box\n    type: simbox\n    group_by: ip\n    window: 10m\n    min_distinct_numbers: 6\n";
  auto d = make_whole(rules);
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto sbc = EventBuilder::ip4(10, 255, 0, 1, 5060), box = EventBuilder::ip4(203, 0, 113, 7, 5060);
  for (int i = 0; i < 10; ++i) {
    call(b, evs, 10.0 + i * 9, "s" + std::to_string(i), "86138000200" + std::to_string(10 + i),
         "86139006" + std::to_string(2000 + i), 4, 40, sbc);
    call(b, evs, 12.0 + i * 9, "g" + std::to_string(i), "86138000100" + std::to_string(10 + i),
         "86139006" + std::to_string(1000 + i), 4, 40, box);
  }
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "203.0.113.7");
  EXPECT_GT(d->counters().whitelisted_suppressed, 0u);
  std::string err;
  auto rs = rules::parse_rules(rules, "/tmp/test_whole_rules.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  SpecRegistry reg;
  auto c = compile_rules(rs, reg, err);
  ASSERT_NE(c, nullptr) << err;
  EXPECT_TRUE(c->patterns.empty());  // looked up by subject, never scanned for
}

// An enterprise IP-PBX shows 12 fixed-line DIDs behind one address, a GoIP 12
// mobile numbers: with only_callers_in: [mobile] only the GoIP is a SIM box.
TEST(Detector, SimBoxCountsOnlyTheCallersOfItsLists) {
  const std::string rules =
      "lists:\n  mobile: {entries: ['8613', '8615'], match: prefix}\n"
      "rules:\n  - name: box\n    type: simbox\n    group_by: ip\n    window: 10m\n    min_distinct_numbers: 8\n";
  auto d = make_whole(rules + "    only_callers_in: [mobile]\n");
  auto d_all = make_whole(rules);
  ASSERT_TRUE(d && d_all);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto pbx = EventBuilder::ip4(10, 80, 0, 5, 5060), box = EventBuilder::ip4(203, 0, 113, 7, 5060);
  for (int i = 0; i < 12; ++i) {
    call(b, evs, 10.0 + i * 9, "p" + std::to_string(i), "86105888600" + std::to_string(10 + i),
         "86139006" + std::to_string(2000 + i), 4, 40, pbx);
    call(b, evs, 12.0 + i * 9, "g" + std::to_string(i), (i % 2 ? "86138000100" : "86150000100") + std::to_string(10 + i),
         "86139006" + std::to_string(1000 + i), 4, 40, box);
  }
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "203.0.113.7");
  EXPECT_EQ(subjects(run(*d_all, evs)), (std::set<std::string>{"203.0.113.7", "10.80.0.5"}));
}

TEST(Detector, AFlaggedBoxListsOnlyTheCallersItsRuleCounts) {
  // A GoIP and an office PBX share one NAT address: the box's mobile numbers are its
  // members from before the verdict on, the PBX's fixed-line DIDs never.
  auto d = make_whole(
      "lists:\n  mobile: {entries: ['8613'], match: prefix}\n"
      "rules:\n  - name: box\n    type: simbox\n    group_by: ip\n    window: 10m\n    min_distinct_numbers: 6\n"
      "    only_callers_in: [mobile]\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto nat = EventBuilder::ip4(203, 0, 113, 9, 5060);
  for (int i = 0; i < 8; ++i) {
    call(b, evs, 10.0 + i * 20, "m" + std::to_string(i), "86138000200" + std::to_string(10 + i),
         "86139007" + std::to_string(1000 + i), 4, 40, nat);
    call(b, evs, 15.0 + i * 20, "f" + std::to_string(i), "86105888700" + std::to_string(10 + i),
         "86139008" + std::to_string(1000 + i), 4, 40, nat);
  }
  ASSERT_EQ(run(*d, evs).size(), 1u);
  auto line = nlohmann::json::parse(victims_file(*d));
  std::set<std::string> numbers(line["numbers"].begin(), line["numbers"].end());
  EXPECT_EQ(numbers.size(), 8u);
  for (const auto& n : numbers) EXPECT_EQ(n.substr(0, 4), "8613") << n;
}

TEST(Detector, AFlaggedBoxsEarlierNumbersGoBackToTheLookBackOnly) {
  auto d = make_whole(
      "settings:\n  victims_lookback: 60s\n"
      "rules:\n  - name: box\n    type: simbox\n    group_by: ip\n    window: 10m\n    min_distinct_numbers: 6\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto box = EventBuilder::ip4(203, 0, 113, 11, 5060);
  auto num = [](int k) { return "86138000300" + std::to_string(10 + k); };
  for (int k = 0; k < 3; ++k)  // minutes before the rest: out of the look-back at the verdict
    call(b, evs, 10.0 + k * 10, "e" + std::to_string(k), num(k), "86139009" + std::to_string(1000 + k), 4, 40, box);
  for (int k = 3; k < 10; ++k)
    call(b, evs, 300.0 + k * 10, "l" + std::to_string(k), num(k), "86139009" + std::to_string(1000 + k), 4, 40, box);
  ASSERT_EQ(run(*d, evs).size(), 1u);
  auto line = nlohmann::json::parse(victims_file(*d));
  std::set<std::string> numbers(line["numbers"].begin(), line["numbers"].end());
  for (int k = 0; k < 3; ++k) EXPECT_FALSE(numbers.count(num(k))) << num(k);
  for (int k = 3; k < 10; ++k) EXPECT_TRUE(numbers.count(num(k))) << num(k);
}

TEST(Detector, NewWindowGivesANewAlertWithTheNextSequence) {
  auto d = make(kBulk);
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  cancelled_calls(b, evs, 25, 10.0, 5, "x", "8613700000002", 861390011000);
  cancelled_calls(b, evs, 25, 1000.0, 5, "y", "8613700000002", 861390021000);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[1].id, "bulk-8613700000002-2");
}

TEST(Detector, WangiriOneRingCallsToManyCallees) {
  auto d = make(
      "rules:\n  - name: wangiri\n    type: wangiri\n    max_ring: 3s\n    min_one_ring_calls: 10\n"
      "    min_distinct_callees: 8\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 0; i < 12; ++i)
    call(b, evs, 10.0 + i * 7, "wr" + std::to_string(i), "88216000111", "86139003" + std::to_string(1000 + i * 3), 1.5, 0);
  // A caller whose unanswered calls ring long is no one-ring caller.
  for (int i = 0; i < 12; ++i)
    call(b, evs, 11.0 + i * 7, "lr" + std::to_string(i), "8613700000003", "86139004" + std::to_string(1000 + i), 25, 0);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "88216000111");
  EXPECT_EQ(alerts[0].evidence["one_ring_calls"]["value"], 10);
}

TEST(Detector, CaughtListIsBoundedAndAPushedOutSubjectNeverRepeatsAnAlertId) {
  // max_subscribers bounds the caught list (one entry per flagged rule and
  // subject, with its open alert window): six blacklisted callers in a list of
  // four push the two oldest out (counted). The first caller's next call,
  // still inside its hour, is a new alert; its number continues after every
  // alert raised so far (7), never a second "-1". The per-rule totals keep
  // the pushed-out entries.
  auto d = make_whole(
      "settings:\n  max_subscribers: 4\nlists:\n  black: {entries: ['8617099990001', '8617099990002', "
      "'8617099990003', '8617099990004', '8617099990005', '8617099990006']}\n"
      "rules:\n  - name: black\n    type: number_list\n    lists: [black]\n    window: 1h\n");
  ASSERT_TRUE(d);
  Detector& det = *d;
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 1; i <= 6; ++i)
    call(b, evs, 10.0 * i, "w" + std::to_string(i), "861709999000" + std::to_string(i), "8613900000001", 2, 30);
  call(b, evs, 100.0, "w7", "8617099990001", "8613900000002", 2, 30);
  call(b, evs, 110.0, "w8", "8617099990001", "8613900000003", 2, 30);  // inside the reopened window
  auto alerts = run(det, evs);
  ASSERT_EQ(alerts.size(), 7u);
  EXPECT_EQ(alerts[0].id, "black-8617099990001-1");
  EXPECT_EQ(alerts[6].id, "black-8617099990001-7");
  std::set<std::string> ids;
  for (const Alert& a : alerts) ids.insert(a.id);
  EXPECT_EQ(ids.size(), alerts.size());
  EXPECT_EQ(det.counters().caught_evictions, 3u);  // callers 1 and 2 for 5 and 6, caller 3 for 1 again
  EXPECT_EQ(det.caught().size(), 4u);
  const auto totals = det.alerts_per_rule();
  ASSERT_EQ(totals.count("black"), 1u);
  EXPECT_EQ(totals.at("black").alerts, 7u);
  EXPECT_EQ(totals.at("black").hits, 8u);  // the call at 110 s counted into the open alert
  std::ostringstream report;
  det.print_caught(report);
  EXPECT_NE(report.str().find("3 (rule, subject) entries pushed out"), std::string::npos) << report.str();
}

TEST(Detector, BlockedNumbersAreBoundedByMaxSubscribersOldestOut) {
  // Three blacklisted callers with a block action and max_subscribers 2: the
  // first number is pushed out of the blocked numbers (counted), so its next
  // call is no longer blocked; the two latest still are.
  auto d = make_whole(
      "settings:\n  max_subscribers: 2\nlists:\n  black: {entries: ['8617099990001', '8617099990002', "
      "'8617099990003']}\nrules:\n  - name: black\n    type: number_list\n    lists: [black]\n"
      "    action: block\n");
  ASSERT_TRUE(d);
  Detector& det = *d;
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 1; i <= 3; ++i)
    call(b, evs, 10.0 * i, "bn" + std::to_string(i), "861709999000" + std::to_string(i), "8613900000001", 2, 1);
  run(det, evs);
  EXPECT_EQ(det.counters().blocked_subject_evictions, 1u);
  EXPECT_FALSE(det.blocked(b.sip_request(SipMethod::Invite, 100.0, "bn4", "8617099990001", "8613900000004")));
  EXPECT_TRUE(det.blocked(b.sip_request(SipMethod::Invite, 100.0, "bn5", "8617099990002", "8613900000004")));
  EXPECT_TRUE(det.blocked(b.sip_request(SipMethod::Invite, 100.0, "bn6", "8617099990003", "8613900000004")));
}

TEST(Detector, BlockedCallIdsAreBoundedByMaxCallsAndTheirEvictionsCounted) {
  // Three calls of a blocked number with max_calls 2: the first Call-ID is
  // pushed out of the blocked calls (counted); the number stays blocked.
  auto d = make_whole(
      "settings:\n  max_calls: 2\nlists:\n  black: {entries: ['8617099990001']}\n"
      "rules:\n  - name: black\n    type: number_list\n    lists: [black]\n    action: block\n");
  ASSERT_TRUE(d);
  Detector& det = *d;
  EventBuilder b;
  // A call by call (a burst each): a call is added when it starts after the
  // number was blocked, or when its own message raised the alert.
  for (int i = 1; i <= 3; ++i) {
    std::vector<SignalEvent> evs;
    call(b, evs, 10.0 * i, "bc" + std::to_string(i), "8617099990001", "861390000000" + std::to_string(i), 2, 1);
    run(det, evs);
  }
  EXPECT_EQ(det.counters().blocked_call_evictions, 1u);
  EXPECT_TRUE(det.blocked(b.sip_request(SipMethod::Invite, 100.0, "bc4", "8617099990001", "8613900000004")));
}

// International prefixes with min_digits: a bank's 95588 and a local number
// sent without a country code are not Myanmar or Malaysia; numbers of that
// length and more are, on every protocol.
TEST(Detector, AListWithMinDigitsMatchesOnlyNumbersThatLong) {
  EventBuilder b;
  std::vector<SignalEvent> evs;
  call(b, evs, 1.0, "m1", "95588", "8613900000001", 2, 30);
  call(b, evs, 2.0, "m2", "60646153", "8613900000002", 2, 30);
  call(b, evs, 3.0, "m3", "959123456789", "8613900000003", 2, 30);
  evs.push_back(b.isup(0x01, 4.0, 1201, 2302, 7, "95566", "8613900000004"));
  evs.push_back(b.isup(0x01, 5.0, 1201, 2302, 8, "60123456789", "8613900000005"));
  auto flagged = [&](const std::string& condition) {
    auto d = make_whole("lists:\n  risky: {entries: ['95', '60'], match: prefix" + condition +
                        "}\nrules:\n  - name: risky\n    type: number_list\n    lists: [risky]\n"
                        "    fields: [calling]\n");
    return d ? subjects(run(*d, evs)) : std::set<std::string>{"(rules not loaded)"};
  };
  EXPECT_EQ(flagged(", min_digits: 9"), (std::set<std::string>{"959123456789", "60123456789"}));
  EXPECT_EQ(flagged("").size(), 5u);
}

// A police list writes a mobile number as 13800138000; an IMS or MAP link
// carries it as 8613800138000. With settings.national_forms the entry matches
// both forms; without, only the form it is written in.
TEST(Detector, ANationalListEntryFindsTheInternationalFormWithNationalForms) {
  const std::string lists_and_rule =
      "lists:\n  police: {entries: ['13800138000', '010-6552-9988']}\n"
      "rules:\n  - name: black\n    type: number_list\n    lists: [police]\n    fields: [calling]\n";
  EventBuilder b;
  std::vector<SignalEvent> evs;
  call(b, evs, 1.0, "n1", "8613800138000", "8613900000001", 2, 30);  // IMS: +8613800138000
  call(b, evs, 2.0, "n2", "13800138000", "13900000002", 2, 30);      // a national trunk
  call(b, evs, 3.0, "n3", "861065529988", "8613900000003", 2, 30);
  call(b, evs, 4.0, "n4", "8613800138001", "8613900000004", 2, 30);  // another number
  auto with = make_whole("settings:\n  national_forms: {\"1\": \"861\", \"0\": \"86\"}\n" + lists_and_rule);
  ASSERT_TRUE(with);
  EXPECT_EQ(subjects(run(*with, evs)), (std::set<std::string>{"8613800138000", "13800138000", "861065529988"}));
  auto without = make_whole(lists_and_rule);
  ASSERT_TRUE(without);
  EXPECT_EQ(subjects(run(*without, evs)), (std::set<std::string>{"13800138000"}));
}

// A subscriber's text (MAP mo-forwardSM from the MSC at 8613900000011).
SignalEvent mo_sms(EventBuilder& b, double t, const char* from, const char* to, const char* text) {
  auto e = b.map_invoke(track::map_op::kMoForwardSm, t, "8613900000011");
  e.map.msisdn = b.keep(from);
  e.map.sms.present = true;
  e.map.sms.tpdu_type = 1;
  e.map.sms.da = b.keep(to);
  e.map.sms.text = b.keep(text);
  return e;
}

TEST(Detector, BlacklistedCallerIsBlockedAndItsNextCallToo) {
  auto d = make("rules:\n  - name: black\n    type: number_list\n    lists: [black]\n    action: block\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  call(b, evs, 1.0, "bk1", "8617099990001", "8613900000001", 2, 30);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].action, Action::Block);
  EXPECT_EQ(alerts[0].evidence["list"], "black");
  auto next = b.sip_request(SipMethod::Invite, 100.0, "bk2", "8617099990001", "8613900000002");
  EXPECT_TRUE(d->blocked(next));
  // A victim calling the number back is not put through either, over SIP or ISUP
  // (an IAM, and the rest of its call on the circuit, which carries no number:
  // a SAM, the far end's ACM; not its release, so that the circuit goes idle).
  EXPECT_TRUE(d->blocked(b.sip_request(SipMethod::Invite, 100.0, "bk3", "8613900000002", "8617099990001",
                                       EventBuilder::ip4(10, 0, 0, 8, 5060))));
  const auto iam = b.isup(0x01, 100.0, 1201, 2302, 7, "8613900000002", "8617099990001");
  const auto other = b.isup(0x01, 100.0, 1201, 2302, 8, "8613900000002", "8613900000003");
  EXPECT_TRUE(d->blocked(iam));
  EXPECT_FALSE(d->blocked(other));
  run(*d, {iam, other});
  EXPECT_TRUE(d->blocked(b.isup(0x02, 100.1, 1201, 2302, 7)));   // SAM
  EXPECT_TRUE(d->blocked(b.isup(0x06, 100.2, 2302, 1201, 7)));   // ACM, the other way
  EXPECT_FALSE(d->blocked(b.isup(0x06, 100.2, 2302, 1201, 8)));  // the other call's
  EXPECT_FALSE(d->blocked(b.isup(0x0C, 130.0, 1201, 2302, 7)));  // REL
  EXPECT_FALSE(d->blocked(b.isup(0x10, 130.1, 2302, 1201, 7)));  // RLC
  // Nor a text to it (MAP mo-forwardSM), while other texts pass.
  auto text_to = [&](const char* to) { return mo_sms(b, 100.0, "8613900000002", to, "ok, which account?"); };
  EXPECT_TRUE(d->blocked(text_to("8617099990001")));
  EXPECT_FALSE(d->blocked(text_to("8613900000003")));
  EXPECT_FALSE(d->blocked(b.sip_request(SipMethod::Invite, 100.0, "ok", "8613800000009", "8613900000002",
                                        EventBuilder::ip4(10, 0, 0, 7, 5060))));
}

// A list or signature hit names the field it matched, whatever else the event
// carries: a text's sender and recipient beside its GTs, IMSI, text and URL;
// an INVITE's IMEI beside its User-Agent and display name. (The fields of an
// event were once scanned out of slot order, and a hit on a text's sender or
// recipient found no text to name: no alert.)
TEST(Detector, AListOrSignatureHitNamesItsFieldAmongAllTheEventCarries) {
  auto d = make(
      "  tacs: {entries: ['35693803'], match: prefix}\n  more: {entries: ['8617099990002']}\n"
      "rules:\n  - name: black\n    type: number_list\n    lists: [black, more]\n    fields: [calling, called]\n"
      "  - name: terminal\n    type: signature\n    imei_tacs: [tacs]\n"
      "  - name: scanner\n    type: signature\n    user_agents: [friendly-scanner]\n    display_names: [客服]\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  auto text = [&](double t, const char* from, const char* to) {
    auto e = mo_sms(b, t, from, to, "call me back at http://pay.example.cn/x now");
    e.map.imsi = b.keep("460001234567890");
    e.map.vlr = b.keep("8613900000011");
    e.map.imei = b.keep("353456789012345");
    return e;
  };
  auto invite = b.sip_request(SipMethod::Invite, 3.0, "sig1", "8613800000005", "8613900000005");
  invite.sip.user_agent = b.keep("friendly-scanner");
  invite.sip.from_display = b.keep("客服");
  invite.sip.imei = b.keep("356938035643809");
  invite.sip.body_text = b.keep("see http://pay.example.cn/y");
  auto alerts = run(*d, {text(1.0, "8617099990001", "8613900000001"), text(2.0, "8613800000002", "8617099990002"),
                         invite});
  std::map<std::string, std::pair<std::string, std::string>> by_subject;  // subject -> rule, field
  for (const Alert& a : alerts)
    by_subject[a.subject] = {a.rule, a.evidence.value("field", a.evidence.value("signature", ""))};
  EXPECT_EQ(by_subject["8617099990001"], (std::pair<std::string, std::string>{"black", "calling"}));
  EXPECT_EQ(by_subject["8617099990002"], (std::pair<std::string, std::string>{"black", "called"}));
  EXPECT_EQ(by_subject["356938035643809"].first, "terminal");
  EXPECT_EQ(alerts.size(), 4u);  // and the scanner's address, once for its UA and display
  for (const Alert& a : alerts) EXPECT_FALSE(a.subject.empty()) << a.rule;
}

// A subscriber's registerSS (VLR -> HLR) forwarding its calls to `to`.
SignalEvent register_ss(EventBuilder& b, double t, const char* imsi, const char* to, uint32_t tid) {
  auto e = b.map_invoke(10, t, "8613900000010", imsi, TcapType::Begin, tid);
  e.map.forwarded_to = b.keep(to);
  e.map.ss_code = 0x21;
  return e;
}

TEST(Detector, ABlockedCallWithACallIdLongerThanTheRecordKeepsIsBlockedAllTheSame) {
  // A call record keeps 96 bytes of a Call-ID (IMS Call-IDs can be longer);
  // a message of the call is looked up by its whole Call-ID. The callee's
  // BYE names no blocked number: only the call's Call-ID blocks it. (Two
  // Call-IDs alike in their first 96 bytes are one call to the probe.)
  auto d = make("rules:\n  - name: black\n    type: number_list\n    lists: [black]\n    action: block\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  const std::string id = std::string(120, 'c') + "@ims.example.net";
  std::vector<SignalEvent> evs;
  evs.push_back(b.sip_request(SipMethod::Invite, 1.0, id, "8617099990001", "8613900000001"));
  evs.push_back(b.sip_response(200, 3.0, id, "8617099990001", "8613900000001"));
  ASSERT_EQ(run(*d, evs).size(), 1u);
  EXPECT_TRUE(d->blocked(b.sip_request(SipMethod::Bye, 30.0, id, "8613900000001", "8617099990001",
                                       EventBuilder::ip4(10, 0, 0, 8, 5060), "tt")));
  EXPECT_FALSE(d->blocked(b.sip_request(SipMethod::Bye, 30.0, std::string(120, 'd') + "@ims.example.net", "8613900000001",
                                        "8613900000002", EventBuilder::ip4(10, 0, 0, 8, 5060), "tt")));
}

TEST(Detector, ForwardingToABlacklistedNumberIsFlaggedBlockedAndItsSubscriberIsAVictim) {
  auto d = make(
      "  risky: {entries: ['855'], match: prefix}\n"
      "rules:\n  - name: black\n    type: number_list\n    lists: [black]\n"
      "    fields: [calling, forwarded_to]\n    action: block\n"
      "  - name: fwd_risky\n    type: number_list\n    lists: [risky]\n    fields: [forwarded_to]\n"
      "  - name: called_risky\n    type: number_list\n    lists: [risky]\n    fields: [called]\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs{
      register_ss(b, 1.0, "460001111111111", "8613912345678", 1),   // to a relative: nothing
      register_ss(b, 2.0, "460002222222222", "8617099990001", 2),   // to the police list
      register_ss(b, 3.0, "460003333333333", "85512345678", 3),     // to Cambodia
  };
  // The HLR provisions a forwarding to the black number in a location update's insertSubscriberData.
  auto isd = b.map_invoke(7, 4.0, "8613800000001", "460004444444444", TcapType::Continue, 4);
  isd.map.msisdn = b.keep("8613811112222");
  isd.map.forwarded_to = b.keep("8617099990001");
  isd.map.ss_code = 0x29;
  evs.push_back(isd);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].rule, "black");
  EXPECT_EQ(alerts[0].subject, "8617099990001");
  EXPECT_EQ(alerts[0].evidence["field"], "forwarded_to");
  EXPECT_EQ(alerts[0].evidence["imsi"], "460002222222222");
  EXPECT_EQ(alerts[0].evidence["op"], "registerSS");
  EXPECT_EQ(alerts[0].evidence["ss_code"], "cfu");
  // Whose calls go there: at the alert, the registering subscriber (by
  // IMSI); the one of the insertSubscriberData (by MSISDN), later in the same
  // burst, joins in the victims file.
  ASSERT_EQ(alerts[0].victims.size(), 1u);
  EXPECT_EQ(alerts[0].victims[0].number, "460002222222222");
  auto all = d->victims_of("8617099990001", 0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].number, "460002222222222");
  EXPECT_EQ(all[1].number, "8613811112222");
  EXPECT_EQ(alerts[0].tcap_tids.size(), 1u);
  // A forwarding target is not a called number: called_risky stays quiet.
  EXPECT_EQ(alerts[1].rule, "fwd_risky");
  EXPECT_EQ(alerts[1].subject, "85512345678");
  // The insertSubscriberData was counted into the open alert (one per subject per window).
  EXPECT_EQ(d->alerts_per_rule().at("black").hits, 2u);
  // Enforcing: a registerSS to the blocked number is dropped, the HLR's own
  // insertSubscriberData carrying it passes, other registrations pass.
  EXPECT_TRUE(d->blocked(register_ss(b, 10.0, "460005555555555", "8617099990001", 5)));
  EXPECT_FALSE(d->blocked(isd));
  EXPECT_FALSE(d->blocked(register_ss(b, 10.0, "460005555555555", "8613912345678", 6)));
}

// Rules for the diverted-call tests: a forwarding to Cambodia is flagged and blocked.
std::unique_ptr<Detector> forwarding_to_cambodia_rules() {
  return make(
      "  risky: {entries: ['855'], match: prefix}\n"
      "rules:\n  - name: fwd_risky\n    type: number_list\n    lists: [risky]\n    fields: [forwarded_to]\n"
      "    action: block\n");
}

// The bank (8695566) called 8613800138000, whose forwarding took the call to
// 85561234567; a direct call to that number came first. One alert on the
// target, naming the diverting subscriber; the victims are that subscriber and
// the bank whose call the forwarding took there (the direct caller, before the
// flag, is one the number never reached: not known).
void expect_diverted_to_cambodia(const std::vector<Alert>& alerts, std::string_view op) {
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "85561234567");
  EXPECT_EQ(alerts[0].evidence["field"], "forwarded_to");
  EXPECT_EQ(alerts[0].evidence["msisdn"], "8613800138000");
  EXPECT_EQ(alerts[0].evidence["op"], op);
  ASSERT_EQ(alerts[0].victims.size(), 2u);
  EXPECT_EQ(alerts[0].victims[0].number, "8613800138000");
  EXPECT_FALSE(alerts[0].victims[0].called_in);
  EXPECT_EQ(alerts[0].victims[1].number, "8695566");
  EXPECT_TRUE(alerts[0].victims[1].called_in);
}

TEST(Detector, ACallDivertedToAHighRiskNumberFlagsTheTargetAndListsTheDivertingSubscriber) {
  auto d = forwarding_to_cambodia_rules();
  ASSERT_TRUE(d);
  EventBuilder b;
  auto diverted = b.sip_request(SipMethod::Invite, 5.0, "dv1", "8695566", "85561234567");
  diverted.sip.diversion_user = b.keep("8613800138000");
  // A direct call to a Cambodian number is not a forwarding.
  auto direct = b.sip_request(SipMethod::Invite, 6.0, "dv2", "8613911112222", "85561234567");
  expect_diverted_to_cambodia(run(*d, {direct, diverted}), "diverted INVITE");
  // Enforcing: the next call diverted there is not put through, nor a direct call to it.
  auto next = b.sip_request(SipMethod::Invite, 9.0, "dv3", "8610086", "85561234567");
  next.sip.diversion_user = b.keep("8613800138000");
  EXPECT_TRUE(d->blocked(next));
  EXPECT_TRUE(d->blocked(b.sip_request(SipMethod::Invite, 9.0, "dv4", "8613911113333", "85561234567",
                                       EventBuilder::ip4(10, 0, 0, 9, 5060))));
  EXPECT_FALSE(d->blocked(b.sip_request(SipMethod::Invite, 9.0, "dv5", "8613911113333", "85561234568",
                                        EventBuilder::ip4(10, 0, 0, 9, 5060))));
}

TEST(Detector, ACallDivertedOnAnIsupTrunkIsAForwardingAsADivertedInviteIs) {
  auto d = forwarding_to_cambodia_rules();
  ASSERT_TRUE(d);
  EventBuilder b;
  auto diverted = b.isup(0x01, 5.0, 1301, 2401, 61, "8695566", "85561234567");
  diverted.isup.redirecting = b.keep("8613800138000");
  auto direct = b.isup(0x01, 6.0, 1301, 2401, 62, "8613911112222", "85561234567");
  auto alerts = run(*d, {direct, diverted});
  expect_diverted_to_cambodia(alerts, "diverted IAM");
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts[0].frames, std::vector<uint64_t>{diverted.frame});
  // Enforcing: the next IAM diverted there is held; an IAM to another number passes.
  auto next = b.isup(0x01, 9.0, 1301, 2401, 63, "8610086", "85561234567");
  next.isup.redirecting = b.keep("8613800138000");
  EXPECT_TRUE(d->blocked(next));
  EXPECT_FALSE(d->blocked(b.isup(0x01, 9.0, 1301, 2401, 64, "8610086", "85561234568")));
}

TEST(Detector, HoursRuleCountsOnlyItsLocalHoursWithItsOwnCounts) {
  // Local time UTC+8 (the default): capture time 57,000 s is 23:50, 57,900 s is 00:05.
  auto d = make(
      "rules:\n  - name: night\n    type: caller_behaviour\n    window: 1h\n    hours: [0, 6]\n"
      "    min_attempts: 10\n  - name: all_day\n    type: caller_behaviour\n    window: 1h\n"
      "    min_attempts: 18\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  cancelled_calls(b, evs, 9, 57000, 20, "e", "8613711110000", 8613900001000);
  cancelled_calls(b, evs, 9, 57900, 20, "n", "8613711110000", 8613900101000);
  auto alerts = run(*d, evs);
  // 18 calls in the hour: the all-day rule fires on the 18th; the night rule has seen 9.
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "all_day");
  std::vector<SignalEvent> more;
  call(b, more, 58200, "n9", "8613711110000", "8613900200000", 3, 0);
  alerts = run(*d, more);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "night");
  EXPECT_EQ(alerts[0].evidence["attempts"]["value"], 10);
}

TEST(Detector, HoursWrapMidnightAndFollowTheUtcOffset) {
  auto d = make_whole(
      "settings:\n  utc_offset_hours: -5\nrules:\n  - name: late\n    type: caller_behaviour\n"
      "    window: 1h\n    hours: [22, 2]\n    min_attempts: 3\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  // 03:30 UTC is 22:30 at UTC-5: inside [22, 2).
  std::vector<SignalEvent> evs;
  cancelled_calls(b, evs, 3, 3.5 * 3600, 30, "w", "12025550100", 12025550200);
  EXPECT_EQ(subjects(run(*d, evs)), std::set<std::string>{"12025550100"});
  // 08:00 UTC is 03:00 there: outside.
  evs.clear();
  cancelled_calls(b, evs, 3, 8 * 3600, 30, "x", "12025550111", 12025550300);
  EXPECT_TRUE(run(*d, evs).empty());
}

TEST(Detector, ChineseScamSmsNeedsTwoKeywordFamiliesAndFlagsTheSender) {
  auto d = make(
      "rules:\n  - name: scam\n    type: content\n    min_families: 2\n    keywords:\n"
      "      impersonation: [医保局, 客服]\n      money: [退款, 转账]\n      action: [验证码, 点击]\n"
      "  - name: url\n    type: content\n    url_domains: [bad_domains]\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  auto sms = [&](double t, const char* from, const char* text) { return mo_sms(b, t, from, "8613900000099", text); };
  std::vector<SignalEvent> evs{
      sms(1, "8613800000001", "您的验证码是 482913，5分钟内有效"),             // one family: benign
      sms(2, "8613800000002", "医保局通知：您的医保卡异常，请点击链接办理退款"),  // three families
      sms(3, "8613800000003", "Parcel update: https://track.EVIL.cn/x7 now"),  // URL domain
      // A host written between Chinese characters: their UTF-8 bytes end it.
      sms(4, "8613800000004", "请访问WWW.Evil.CN查看"),
  };
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(alerts[2].rule, "url");
  EXPECT_EQ(alerts[2].subject, "8613800000004");
  EXPECT_EQ(alerts[2].evidence["domains"][0], "evil.cn");
  EXPECT_EQ(alerts[0].rule, "scam");
  EXPECT_EQ(alerts[0].subject, "8613800000002");
  EXPECT_EQ(alerts[0].evidence["families"].size(), 3u);
  EXPECT_EQ(alerts[1].rule, "url");
  EXPECT_EQ(alerts[1].subject, "8613800000003");
  EXPECT_EQ(alerts[1].evidence["domains"][0], "evil.cn");
}

// A scam text that asks its reader to call a number: with callback_numbers,
// that number is raised beside the sender (in international form, as MAP and
// IMS carry it), whoever calls it afterwards is its victim (called in) and,
// with action block, is not put through, whether the call names it in
// national or international form. A whitelisted number in a text is not
// raised; without callback_numbers only the sender is.
TEST(Detector, AScamTextsCallbackNumberIsRaisedBlockedAndItsCallersAreVictims) {
  const std::string rules =
      "settings:\n  national_forms: {'1': '861', '0': '86'}\n  whitelists: [white]\n"
      "lists:\n  white: {entries: ['13912340000']}\n"
      "rules:\n  - name: scam\n    type: content\n    min_families: 2\n    action: block\n"
      "    keywords:\n      impersonation: [医保局, 客服]\n      money: [退款, 转账]\n";
  auto d = make_whole(rules + "    callback_numbers: true\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  const char* kText = "医保局通知：您的医保卡异常，办理退款请致电１３９－１２３４－５６７８，或拨13912340000";
  std::vector<SignalEvent> evs{mo_sms(b, 1.0, "8613800000001", "8613900000002", kText)};
  // The victim calls the number from the text (national form, over a SIP trunk) and talks.
  call(b, evs, 60.0, "cb1", "8613900000002", "13912345678", 2, 300);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].subject, "8613800000001");
  // The sender's evidence names every number its text gives, the whitelisted one too.
  EXPECT_EQ(alerts[0].evidence["callback_numbers"], nlohmann::json::array({"8613912345678", "8613912340000"}));
  EXPECT_EQ(alerts[1].rule, "scam");
  EXPECT_EQ(alerts[1].subject, "8613912345678");
  EXPECT_EQ(alerts[1].evidence["op"], "callback number in text");
  EXPECT_EQ(alerts[1].evidence["written"], "１３９－１２３４－５６７８");
  EXPECT_EQ(alerts[1].evidence["text_from"], "8613800000001");
  // 13912345678 and 013912345678 -> 8613912345678, and the sender's two forms.
  EXPECT_EQ(d->national_alias_count(), 4u);
  EXPECT_EQ(d->inbound_count(), 1u);            // its caller, filed under the international form
  const auto victims = d->victims_of("8613912345678", 0);
  ASSERT_EQ(victims.size(), 1u);
  EXPECT_EQ(victims[0].number, "8613900000002");
  EXPECT_TRUE(victims[0].called_in);
  EXPECT_TRUE(victims[0].deep);
  // Enforcing: a call to it, in either form, is not put through; others are.
  const auto src = EventBuilder::ip4(10, 0, 0, 9, 5060);
  EXPECT_TRUE(d->blocked(b.sip_request(SipMethod::Invite, 400.0, "cb2", "8613900000003", "13912345678", src)));
  EXPECT_TRUE(d->blocked(b.sip_request(SipMethod::Invite, 400.0, "cb3", "8613900000003", "8613912345678", src)));
  EXPECT_FALSE(d->blocked(b.sip_request(SipMethod::Invite, 400.0, "cb4", "8613900000003", "13912340000", src)));
  // A text to it too, its recipient written as dialled.
  EXPECT_TRUE(d->blocked(mo_sms(b, 400.0, "8613900000003", "13912345678", "你好，怎么退款？")));
  EXPECT_FALSE(d->blocked(mo_sms(b, 400.0, "8613900000003", "13912340000", "你好，怎么退款？")));

  // Over SIP MESSAGE too, an international number written with '+'.
  auto message = b.sip_request(SipMethod::Message, 500.0, "cbm", "8613800000004", "8613900000005");
  message.sip.body_text = b.keep("客服通知：退款请联系 WhatsApp +855 12 345 678");
  const auto over_sip = run(*d, {message});
  ASSERT_EQ(over_sip.size(), 2u);
  EXPECT_EQ(over_sip[1].subject, "85512345678");
  EXPECT_EQ(over_sip[1].evidence["written"], "+855 12 345 678");

  auto without = make_whole(rules);
  ASSERT_TRUE(without);
  const auto only_sender = run(*without, {mo_sms(b, 1.0, "8613800000001", "8613900000002", kText)});
  ASSERT_EQ(only_sender.size(), 1u);
  EXPECT_EQ(only_sender[0].subject, "8613800000001");
  EXPECT_FALSE(only_sender[0].evidence.contains("callback_numbers"));
}

// Any number flagged in international form is flagged in its national forms
// too (settings.national_forms): its victim calling it back over a SIP trunk
// as dialled (13712340001) called back; someone new calling that form called
// in; with action block, calls to and from that form are held.
TEST(Detector, AFlaggedNumbersNationalFormsAreItsOwn) {
  const std::string rules =
      "lists:\n  police: {entries: ['8613712340001']}\n"
      "rules:\n  - name: police\n    type: number_list\n    lists: [police]\n    fields: [calling]\n"
      "    action: block\n";
  auto with_forms = make_whole("settings:\n  national_forms: {'1': '861', '0': '86'}\n" + rules);
  auto without = make_whole(rules);
  ASSERT_TRUE(with_forms && without);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  call(b, evs, 1.0, "f1", "8613712340001", "8613900000001", 2, 60);
  call(b, evs, 100.0, "back", "8613900000001", "13712340001", 2, 400);  // deep: 400 s
  call(b, evs, 200.0, "new", "8613900000002", "13712340001", 2, 30);
  for (Detector* d : {with_forms.get(), without.get()}) {
    const bool forms = d == with_forms.get();
    SCOPED_TRACE(forms ? "national_forms" : "no national_forms");
    auto alerts = run(*d, evs);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].subject, "8613712340001");
    const auto victims = d->victims_of("8613712340001", 0);
    ASSERT_EQ(victims.size(), forms ? 2u : 1u);
    EXPECT_EQ(victims[0].number, "8613900000001");
    EXPECT_EQ(victims[0].called_back, forms);
    EXPECT_EQ(victims[0].deep, forms);
    if (forms) {
      EXPECT_EQ(victims[1].number, "8613900000002");
      EXPECT_TRUE(victims[1].called_in);
      EXPECT_FALSE(victims[1].deep);
    }
    const auto src = EventBuilder::ip4(10, 0, 0, 9, 5060);
    EXPECT_TRUE(d->blocked(b.sip_request(SipMethod::Invite, 400.0, "x1", "8613712340001", "8613900000003", src)));
    EXPECT_EQ(d->blocked(b.sip_request(SipMethod::Invite, 400.0, "x2", "8613900000003", "13712340001", src)), forms);
    EXPECT_EQ(d->blocked(b.sip_request(SipMethod::Invite, 400.0, "x3", "13712340001", "8613900000003", src)), forms);
    EXPECT_FALSE(d->blocked(b.sip_request(SipMethod::Invite, 400.0, "x4", "8613900000003", "13712340002", src)));
  }
}

// Every Hyperscan scan failing (injected) changes no verdict: those fields are
// searched literal by literal, and the report says how often and why.
TEST(Detector, AFailingHyperscanScanLosesNoVerdictAndIsReported) {
  SpecRegistry reg;
  auto c = compile(
      "rules:\n  - name: scam\n    type: content\n    min_families: 2\n    keywords:\n"
      "      impersonation: [医保局, 客服]\n      money: [退款, 转账]\n", reg);
  ASSERT_TRUE(c);
  std::string err;
  auto pattern = offload::make_cpu_pattern_engine_faulty(c->patterns, [](uint64_t) { return -13; }, err);
  ASSERT_TRUE(pattern) << err;
  auto rate = offload::make_cpu_rate_engine(c->rates, err);
  ASSERT_TRUE(rate) << err;
  Detector det(std::move(c), std::move(pattern), std::move(rate));
  EventBuilder b;
  auto e = b.map_invoke(track::map_op::kMoForwardSm, 1, "8613900000011");
  e.map.msisdn = b.keep("8613800000002");
  e.map.sms.present = true;
  e.map.sms.tpdu_type = 1;
  e.map.sms.da = b.keep("8613900000099");
  e.map.sms.text = b.keep("医保局通知：您的医保卡异常，请办理退款");
  auto alerts = run(det, {e});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "8613800000002");
  EXPECT_GT(det.offload_fallbacks(), 0u);
  std::ostringstream report;
  det.print_caught(report);
  EXPECT_NE(report.str().find("offload fallbacks to the cpu: " + std::to_string(det.offload_fallbacks()) +
                              " (pattern cpu " + std::to_string(det.offload_fallbacks()) +
                              ": hyperscan: hs_scan returned -13 (HS_UNKNOWN_ERROR)"),
            std::string::npos)
      << report.str();
}

// Our own SMSC (home_gt_prefixes 8613 in kLists) relays every subscriber's SMS:
// 80 in a minute is an ordinary minute for it. The same from a foreign centre
// is a flood; foreign_only tells them apart, without it both are flagged.
TEST(Detector, SmsFloodSeenOnlyThroughCamelInitialDpSms) {
  // A 2G box's card sends 80 SMS a minute; the probe sees the MSC-SCP link only.
  const std::string rule =
      "rules:\n  - name: flood\n    type: sms_flood\n    group_by: sender\n    window: 1m\n    min_sms: 50\n";
  auto d = make_whole(rule);
  auto d_off = make_whole("settings:\n  track_camel: false\n" + rule);
  ASSERT_TRUE(d && d_off);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 0; i < 80; ++i)
    evs.push_back(b.cap_initial_dp_sms(1.0 + i * 0.5, 0x17000000 + uint32_t(i), "8617012340100",
                                       "8613900" + std::to_string(100000 + i)));
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "8617012340100");
  EXPECT_GE(alerts[0].victims.size(), 50u) << "the recipients are its contacts";
  EXPECT_TRUE(run(*d_off, evs).empty()) << "track_camel: false counts no CAMEL SMS";
}

// A prepaid subscriber's SMS crosses a link that carries both the MSC-SCP
// dialogue (InitialDPSMS) and the MSC-SMSC mo-forwardSM: one text, counted once.
TEST(Detector, AnSmsSeenAsCamelAndMapCountsOnce) {
  const std::string rule =
      "rules:\n  - name: flood\n    type: sms_flood\n    group_by: sender\n    window: 1m\n    min_sms: 50\n";
  EventBuilder b;
  auto texts = [&](int n) {
    std::vector<SignalEvent> evs;
    for (int i = 0; i < n; ++i) {
      const std::string to = "8613900" + std::to_string(200000 + i);
      evs.push_back(b.cap_initial_dp_sms(1.0 + i * 0.5, 0x17100000 + uint32_t(i), "8617012340200", to));
      auto e = b.map_invoke(track::map_op::kMoForwardSm, 1.1 + i * 0.5, "8613900000031");
      e.map.msisdn = b.keep("8617012340200");
      e.map.service_centre = b.keep("8613800500000");
      e.map.sms.present = true;
      e.map.sms.tpdu_type = 1;
      e.map.sms.da = b.keep(to.substr(2));  // national format in the TPDU
      e.map.sms.text = b.keep("your parcel is waiting");
      evs.push_back(e);
    }
    return evs;
  };
  auto d = make_whole(rule);
  ASSERT_TRUE(d);
  EXPECT_TRUE(run(*d, texts(30)).empty()) << "30 texts, 60 legs";
  auto d2 = make_whole(rule);
  auto alerts = run(*d2, texts(50));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].ts_ns, uint64_t((1.0 + 49 * 0.5) * 1e9)) << "at the 50th text's InitialDPSMS";
  EXPECT_EQ(d2->counters().sms_later_legs, 50u);
}

// A link between MSCs and the SMSC carries each text twice: the sender's
// mo-forwardSM (recipient by number) and the centre's mt-forwardSM (recipient
// by IMSI), both with the text. A bulk sender's MO legs come first here, the
// MT legs after: every MT leg of a text sent is a later leg, and MT legs with
// no MO leg on the link (from another network's centre) each count.
TEST(Detector, AnSmsSeenAsMoAndMtCountsOnce) {
  // A silent text (no text at all: a type-0 ping, a SIM command in binary)
  // pairs on its sender the same way.
  for (const char* text : {"your parcel is waiting, pay the fee at the link", ""}) {
    SCOPED_TRACE(text);
    const std::string rule =
        "rules:\n  - name: flood\n    type: sms_flood\n    group_by: sender\n    window: 1m\n    min_sms: 50\n";
    EventBuilder b;
    auto leg = [&](bool mo, double t, int i) {
      auto e = b.map_invoke(mo ? track::map_op::kMoForwardSm : track::map_op::kMtForwardSm, t,
                            mo ? "8613900000031" : "8613800500000");
      e.map.service_centre = b.keep("8613800500000");
      e.map.sms.present = true;
      e.map.sms.text = b.keep(text);
      if (mo) {
        e.map.msisdn = b.keep("8617012340300");
        e.map.sms.tpdu_type = 1;
        e.map.sms.da = b.keep("13900" + std::to_string(300000 + i));
      } else {
        e.map.imsi = b.keep("46000" + std::to_string(1234500000 + i));
        e.map.sms.tpdu_type = 0;
        e.map.sms.oa = b.keep("8617012340300");
      }
      return e;
    };
    auto texts = [&](int n, bool with_mo) {
      std::vector<SignalEvent> evs;
      for (int i = 0; with_mo && i < n; ++i) evs.push_back(leg(true, 1.0 + i * 0.1, i));
      for (int i = 0; i < n; ++i) evs.push_back(leg(false, 8.0 + i * 0.1, i));
      return evs;
    };
    auto d = make_whole(rule);
    ASSERT_TRUE(d);
    EXPECT_TRUE(run(*d, texts(30, true)).empty()) << "30 texts, 60 legs";
    EXPECT_EQ(d->counters().sms_later_legs, 30u);
    auto d2 = make_whole(rule);
    auto alerts = run(*d2, texts(50, true));
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].ts_ns, uint64_t((1.0 + 49 * 0.1) * 1e9)) << "at the 50th text's MO leg";
    EXPECT_EQ(d2->counters().sms_later_legs, 50u);
    auto d3 = make_whole(rule);
    EXPECT_EQ(run(*d3, texts(50, false)).size(), 1u) << "MT legs alone are 50 texts";
    EXPECT_EQ(d3->counters().sms_later_legs, 0u);
  }
}

// A SIP MESSAGE seen at two hops (a proxy keeps the Call-ID but the probe
// sees it twice; a B2BUA or an IP-SM-GW opens its own) is one text; a bulk
// sender's platform that leaves from several addresses sends every one of its
// texts (pairing by text ignores the hop).
TEST(Detector, ASipMessageSeenAtTwoHopsCountsOnce) {
  const std::string rule =
      "rules:\n  - name: flood\n    type: sms_flood\n    group_by: sender\n    window: 1m\n    min_sms: 50\n";
  EventBuilder b;
  const Endpoint ue = EventBuilder::ip4(10, 20, 0, 7, 5060), cscf = EventBuilder::ip4(10, 30, 0, 1, 5060),
                 platform2 = EventBuilder::ip4(10, 20, 0, 8, 5060);
  ASSERT_NE(track::LegWindow::hop_kind(3, ue, EventBuilder::ip4(10, 9, 9, 9, 5060)),
            track::LegWindow::hop_kind(3, cscf, EventBuilder::ip4(10, 9, 9, 9, 5060)));
  auto message = [&](double t, int i, const Endpoint& from) {
    auto e = b.sip_request(SipMethod::Message, t, "m" + std::to_string(i), "8617012340300",
                           "13900" + std::to_string(300000 + i), from);
    e.sip.body_text = b.keep("your parcel is waiting, pay the fee at the link");
    return e;
  };
  std::vector<SignalEvent> two_hops, two_platforms;
  for (int i = 0; i < 30; ++i) {
    two_hops.push_back(message(1.0 + i * 0.1, i, ue));
    two_hops.push_back(message(1.05 + i * 0.1, i, cscf));
    two_platforms.push_back(message(1.0 + i * 0.1, i, ue));
    two_platforms.push_back(message(1.05 + i * 0.1, 100 + i, platform2));
  }
  auto d = make_whole(rule);
  ASSERT_TRUE(d);
  EXPECT_TRUE(run(*d, two_hops).empty()) << "30 texts, 60 legs";
  EXPECT_EQ(d->counters().sms_later_legs, 30u);
  auto d2 = make_whole(rule);
  EXPECT_EQ(run(*d2, two_platforms).size(), 1u) << "60 texts to 60 recipients";
  EXPECT_EQ(d2->counters().sms_later_legs, 0u);
}

TEST(Detector, SmsFloodByServiceCentreForeignOnlySkipsOurOwnCentres) {
  const std::string rule = "rules:\n  - name: flood\n    type: sms_flood\n    group_by: service_centre\n"
                           "    window: 1m\n    min_sms: 50\n";
  auto d = make(rule + "    foreign_only: true\n");
  auto d_all = make(rule);
  ASSERT_TRUE(d && d_all);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 0; i < 80; ++i)
    for (const char* centre : {"8613900000011", "23450000777"}) {
      auto e = b.map_invoke(track::map_op::kMoForwardSm, 1.0 + i * 0.5, "8613900000011");
      e.map.msisdn = b.keep("86138000" + std::to_string(10000 + i));
      e.map.service_centre = b.keep(centre);
      e.map.sms.present = true;
      e.map.sms.tpdu_type = 1;
      e.map.sms.da = b.keep("8613900" + std::to_string(100000 + i));
      e.map.sms.text = b.keep("see you at 7");
      evs.push_back(e);
    }
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "23450000777");
  EXPECT_EQ(alerts[0].subject_type, SubjectType::Gt);
  EXPECT_EQ(subjects(run(*d_all, evs)), (std::set<std::string>{"8613900000011", "23450000777"}));
}

TEST(Detector, SipScannerPerSourceIpCountsDistinctUsers) {
  auto d = make(
      "rules:\n  - name: scan\n    type: sip_attack\n    methods: [options, register]\n    window: 1m\n"
      "    min_requests: 30\n    min_distinct_users: 20\n"
      "  - name: ua\n    type: signature\n    user_agents: [friendly-scanner]\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto scanner = EventBuilder::ip4(45, 9, 1, 2, 5070);
  for (int i = 0; i < 40; ++i) {
    auto e = b.sip_request(SipMethod::Options, 1.0 + i * 0.1, "s" + std::to_string(i), "100", std::to_string(100 + i),
                           scanner);
    e.sip.user_agent = b.keep("friendly-scanner");
    evs.push_back(e);
  }
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].rule, "ua");  // the first OPTIONS already carries the signature
  EXPECT_EQ(alerts[0].subject, "45.9.1.2");
  EXPECT_EQ(alerts[1].rule, "scan");
  EXPECT_EQ(alerts[1].subject_type, SubjectType::Ip);
  EXPECT_EQ(alerts[1].evidence["requests"]["value"], 30);
}

TEST(Detector, Fs11Category1FromAForeignGtButNotFromHome) {
  auto d = make(
      "rules:\n  - name: cat1\n    type: ss7_security\n    category: 1\n    operations: [anyTimeInterrogation, sendIMSI]\n"
      "  - name: cat2\n    type: ss7_security\n    category: 2\n    operations: [provideSubscriberInfo]\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs{
      b.map_invoke(71, 1.0, "8613800700000"),                        // ATI from our own gsmSCF
      b.map_invoke(71, 2.0, "23450000001", "", TcapType::Begin, 7),  // ATI from abroad
      b.map_invoke(70, 3.0, "23450000001", "460001234567890", TcapType::Begin, 8),  // PSI at our subscriber
      b.map_invoke(70, 4.0, "23450000001", "234101234567890", TcapType::Begin, 9),  // PSI at a foreign one
  };
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].rule, "cat1");
  EXPECT_EQ(alerts[0].subject, "23450000001");
  EXPECT_EQ(alerts[0].evidence["operation"], "anyTimeInterrogation");
  EXPECT_EQ(alerts[0].tcap_tids, std::vector<std::string>{"100-00000007"});
  EXPECT_EQ(alerts[1].rule, "cat2");
}

TEST(Detector, RoamingFromAHighRiskVlrAndImpossibleTravel) {
  auto d = make(
      "rules:\n  - name: risky\n    type: roaming\n    mode: high_risk_vlr\n    high_risk: [risky_vlr]\n"
      "  - name: travel\n    type: ss7_security\n    category: 3\n    min_travel: 2h\n"
      "  - name: first\n    type: roaming\n    mode: first_seen_roaming\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  auto ul = [&](double t, const char* imsi, const char* vlr) { return update_location(b, t, imsi, vlr); };
  std::vector<SignalEvent> evs{ul(10, "460001000000001", "8613900000010"),   // home
                               ul(600, "460001000000001", "85512000001"),    // Cambodia 10 minutes later
                               ul(700, "460001000000002", "4479000001")};    // first seen, already abroad
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(alerts[0].rule, "risky");
  EXPECT_EQ(alerts[0].subject, "460001000000001");
  EXPECT_EQ(alerts[1].rule, "travel");
  EXPECT_EQ(alerts[1].evidence["previous_vlr"], "8613900000010");
  EXPECT_EQ(alerts[2].rule, "first");
  EXPECT_EQ(alerts[2].subject, "460001000000002");
}

// Shenzhen -> Hong Kong -> Macau in minutes is a day out, Shenzhen -> London is
// not: with the three codes as neighbours only the jump to London is flagged.
TEST(Detector, ImpossibleTravelSkipsMovesBetweenNeighbours) {
  const std::string rule = "rules:\n  - name: travel\n    type: ss7_security\n    category: 3\n    min_travel: 2h\n";
  auto d = make(rule + "    neighbours: [[86, 852, 853]]\n");
  auto d_none = make(rule);
  ASSERT_TRUE(d && d_none);
  EventBuilder b;
  auto ul = [&](double t, const char* imsi, const char* vlr) { return update_location(b, t, imsi, vlr); };
  std::vector<SignalEvent> evs{ul(10, "460001000000001", "8613900000010"),   // Shenzhen
                               ul(900, "460001000000001", "85291000001"),    // Hong Kong, 15 min
                               ul(1500, "460001000000001", "85360000001"),   // Macau, 10 min
                               ul(20, "460001000000002", "8613900000010"),   // Shenzhen
                               ul(1200, "460001000000002", "4479000001")};   // London, 20 min
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "460001000000002");
  EXPECT_EQ(alerts[0].evidence["vlr"], "4479000001");
  EXPECT_EQ(subjects(run(*d_none, evs)), (std::set<std::string>{"460001000000001", "460001000000002"}));
}

TEST(Detector, VictimsIncludeDeepOnesAndContactsAfterTheAlert) {
  SpecRegistry reg;
  std::string err;
  auto rs = rules::parse_rules(
      "settings:\n  deep_victim_call: 5m\nlists:\n  black: {entries: ['8617099990001']}\n"
      "rules:\n  - name: black\n    type: number_list\n    lists: [black]\n",
      "/tmp/v.yaml", err);
  ASSERT_NE(rs, nullptr) << err;
  auto c = compile_rules(rs, reg, err);
  offload::OffloadOptions o;
  o.backend = offload::Backend::Cpu;
  auto e = offload::make_engines(o, c->patterns, c->rates, err);
  Detector det(std::move(c), std::move(e.pattern), std::move(e.rate));
  EventBuilder b;
  std::vector<SignalEvent> evs;
  call(b, evs, 1.0, "v1", "8613811111111", "8613900000001", 2, 30);  // someone else
  call(b, evs, 10.0, "v2", "8617099990001", "8613900000002", 2, 900);  // 15 minutes: deep
  call(b, evs, 20.0, "v3", "8617099990001", "8613900000003", 2, 20);
  auto alerts = run(det, evs);
  ASSERT_EQ(alerts.size(), 1u);
  // The alert comes on the first INVITE and lists the contacts known at that
  // message: the call just starting, not yet deep. Its burst also holds the
  // second call and the first one's end 15 minutes later; the alert does not
  // know them (a probe fed packet by packet could not)...
  ASSERT_EQ(alerts[0].victims.size(), 1u);
  EXPECT_EQ(alerts[0].victims[0].number, "8613900000002");
  EXPECT_FALSE(alerts[0].victims[0].deep);
  EXPECT_EQ(alerts[0].victims[0].last_ts_ns, uint64_t(10e9));
  std::vector<SignalEvent> later;
  call(b, later, 2000.0, "v4", "8617099990001", "8613900000004", 2, 10);
  run(det, later);
  std::vector<Alert> none;
  det.finish(uint64_t(3000e9), none);
  auto v = det.victims_of("8617099990001", 0);
  ASSERT_EQ(v.size(), 3u);  // ...the victims file has them all, deep first
  EXPECT_EQ(v[0].number, "8613900000002");
  EXPECT_TRUE(v[0].deep);
  EXPECT_FALSE(v[1].deep);
  const std::string file = victims_file(det);
  EXPECT_NE(file.find("\"subject\":\"8617099990001\""), std::string::npos);
  EXPECT_NE(file.find("\"number\":\"8613900000004\""), std::string::npos);
}

// The alerts of evs fed in bursts of burst events (capture order).
std::vector<Alert> run_in_bursts(Detector& d, std::vector<SignalEvent> evs, size_t burst) {
  sort_by_time(evs);
  std::vector<Alert> alerts;
  for (size_t i = 0; i < evs.size(); i += burst)
    d.on_events(std::span<const SignalEvent>(evs).subspan(i, std::min(burst, evs.size() - i)), alerts);
  return alerts;
}

// What an alert line says about who and what: id, time, frames, victims.
std::vector<std::string> alert_lines(const std::vector<Alert>& alerts) {
  std::vector<std::string> out;
  for (const Alert& a : alerts) {
    std::ostringstream os;
    os << a.id << " @" << a.ts_ns << " frames";
    for (uint64_t f : a.frames) os << ' ' << f;
    os << " victims";
    for (const Victim& v : a.victims) os << ' ' << v.number << (v.deep ? "(deep)" : "") << '@' << v.last_ts_ns;
    out.push_back(os.str());
  }
  return out;
}

TEST(Detector, AnAlertListsTheVictimsKnownAtItsMessageWhateverTheBurstSize) {
  // A caller flagged on its 20th call; before and after that call, in the
  // same bursts: answered calls that become deep, calls to numbers it already
  // called (their last contact moves), texts, and new callees. Replay feeds
  // 32 packets at a time, the DPDK path one at a time when it enforces: the
  // alerts must read the same.
  const std::string rules = std::string(kBulk) + "  - name: black\n    type: number_list\n    lists: [black]\n";
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 0; i < 40; ++i) {
    const std::string callee = "86139000" + std::to_string(1000 + (i % 25) * 7);
    if (i % 9 == 4) call(b, evs, 10.0 + i * 5, "c" + std::to_string(i), "8613700000001", callee, 1, 400);
    else call(b, evs, 10.0 + i * 5, "c" + std::to_string(i), "8613700000001", callee, 3, 0);
  }
  // A blacklisted number, flagged at its first INVITE: its long call, its
  // next call and its texts follow in the same burst.
  call(b, evs, 12.0, "k1", "8617099990001", "8613900077001", 1, 400);
  call(b, evs, 13.0, "k2", "8617099990001", "8613900077002", 1, 0);
  for (int i = 0; i < 3; ++i) {
    SignalEvent m = b.sip_request(SipMethod::Message, 14.0 + i, "m" + std::to_string(i), "8617099990001",
                                  "861390007710" + std::to_string(i));
    evs.push_back(m);
  }
  std::vector<std::vector<std::string>> runs;
  for (size_t burst : {size_t(1), size_t(7), size_t(32), size_t(64)}) {
    auto d = make(rules);
    ASSERT_TRUE(d);
    runs.push_back(alert_lines(run_in_bursts(*d, evs, burst)));
  }
  ASSERT_EQ(runs[0].size(), 2u);
  for (size_t k = 1; k < runs.size(); ++k) EXPECT_EQ(runs[k], runs[0]) << "burst " << k;
  // At its first INVITE the blacklisted number had called one number.
  EXPECT_NE(runs[0][0].find("victims 8613900077001@12000000000"), std::string::npos) << runs[0][0];
  EXPECT_EQ(runs[0][0].find("8613900077002"), std::string::npos) << runs[0][0];
}

TEST(Detector, ReloadKeepsOpenCallsAndWindowCounts) {
  SpecRegistry reg;
  auto c1 = compile(kBulk, reg);
  ASSERT_TRUE(c1);
  std::string err;
  offload::OffloadOptions o;
  o.backend = offload::Backend::Cpu;
  auto e1 = offload::make_engines(o, c1->patterns, c1->rates, err);
  Detector d(std::move(c1), std::move(e1.pattern), std::move(e1.rate));
  EventBuilder b;
  std::vector<SignalEvent> first, second;
  cancelled_calls(b, first, 12, 10.0, 5, "r", "8613700000005", 861390051000);
  first.push_back(b.sip_request(SipMethod::Invite, 75.0, "open", "8613800000008", "8613900000008"));
  EXPECT_TRUE(run(d, first).empty());
  // Same windows, a lower threshold: the 12 attempts so far still count.
  std::string lowered = kBulk;
  lowered.replace(lowered.find("min_attempts: 20"), 16, "min_attempts: 14");
  auto c2 = compile(lowered, reg);
  ASSERT_TRUE(c2);
  ASSERT_TRUE(d.same_rates(*c2));
  auto e2 = offload::make_engines(o, c2->patterns, c2->rates, err);
  d.swap_rules(std::move(c2), std::move(e2.pattern), nullptr);
  EXPECT_EQ(d.calls().open_calls(), 1u);
  for (int i = 12; i < 16; ++i)
    call(b, second, 10.0 + i * 5, "r" + std::to_string(i), "8613700000005", "86139005" + std::to_string(1000 + i), 3, 0);
  auto alerts = run(d, second);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].evidence["attempts"]["value"], 14);
  EXPECT_EQ(d.counters().reloads, 1u);
}

TEST(Detector, SequentialCalleesAreARun) {
  auto d = make("rules:\n  - name: seq\n    type: caller_behaviour\n    min_sequential_callees: 8\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 0; i < 10; ++i)
    call(b, evs, 10.0 + i * 3, "q" + std::to_string(i), "8613700000006", std::to_string(8613900050000LL + i), 2, 0);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].evidence["sequential_callees"]["value"], 8);
}

TEST(Detector, SimBoxManyCallingNumbersBehindOneIp) {
  auto d = make("rules:\n  - name: box\n    type: simbox\n    group_by: ip\n    window: 10m\n    min_distinct_numbers: 6\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto box = EventBuilder::ip4(203, 0, 113, 7, 5060);
  for (int i = 0; i < 10; ++i)
    call(b, evs, 10.0 + i * 9, "g" + std::to_string(i), "86138000100" + std::to_string(10 + i),
         "86139006" + std::to_string(1000 + i), 4, 40, box);
  call(b, evs, 20.0, "other", "8613800099999", "8613900699999", 4, 40);  // another caller, another address
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "203.0.113.7");
  EXPECT_EQ(alerts[0].subject_type, SubjectType::Ip);
  // The box's victims: whom its numbers called, before the verdict (the recent calls
  // grouped under its address) and after it.
  std::set<std::string> box_callees;
  for (int i = 0; i < 10; ++i) box_callees.insert("86139006" + std::to_string(1000 + i));
  std::set<std::string> first_victims;
  for (const Victim& v : alerts[0].victims) first_victims.insert(v.number);
  EXPECT_GE(first_victims.size(), 6u) << "every number of the box up to the crossing call";
  EXPECT_LT(first_victims.size(), 10u) << "the box still calls after its verdict";
  for (const auto& v : first_victims) EXPECT_TRUE(box_callees.count(v)) << v;
  auto line = nlohmann::json::parse(victims_file(*d));
  EXPECT_EQ(line["subject"], "203.0.113.7");
  EXPECT_EQ(line["subject_type"], "ip");
  std::set<std::string> numbers(line["numbers"].begin(), line["numbers"].end()), victims;
  for (const auto& v : line["victims"]) victims.insert(v["number"]);
  std::set<std::string> want_numbers;
  for (int i = 0; i < 10; ++i) want_numbers.insert("86138000100" + std::to_string(10 + i));
  EXPECT_EQ(numbers, want_numbers);
  EXPECT_EQ(victims, box_callees) << "not the other caller's callee";
}

// A box's SIM cards call again and again: each number is one of its numbers
// once, and beyond the bound (256) the rest are counted, not kept.
TEST(Detector, ASimBoxsNumbersAreKeptOnceUpToTheirBound) {
  auto d = make("rules:\n  - name: box\n    type: simbox\n    group_by: ip\n    window: 1h\n    min_distinct_numbers: 6\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto box = EventBuilder::ip4(203, 0, 113, 7, 5060);
  int k = 0;
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < 20; ++i, ++k)
      call(b, evs, 10.0 + k * 2, "g" + std::to_string(k), "86138000100" + std::to_string(10 + i),
           "86139006" + std::to_string(1000 + k), 1, 0, box);
  run(*d, evs);
  ASSERT_EQ(d->caught().size(), 1u);
  const Caught c = d->caught().at(0);
  EXPECT_EQ(c.members.size(), 20u);
  EXPECT_EQ(std::set<std::string>(c.members.begin(), c.members.end()).size(), 20u);
  EXPECT_EQ(c.members_dropped, 0u);
  auto line = nlohmann::json::parse(victims_file(*d));
  EXPECT_EQ(line["numbers"].size(), 20u);

  // 300 cards, twice each: 256 kept, once each; every call of one not kept is counted.
  std::vector<SignalEvent> more;
  for (int round = 0; round < 2; ++round)
    for (int i = 0; i < 300; ++i, ++k)
      call(b, more, 200.0 + k * 0.5, "h" + std::to_string(k), std::to_string(8613700000000ull + uint64_t(i)),
           "86139006" + std::to_string(1000 + k), 1, 0, box);
  run(*d, more);
  const Caught after = d->caught().at(0);
  EXPECT_EQ(after.members.size(), Caught::kMaxMembers);
  EXPECT_EQ(std::set<std::string>(after.members.begin(), after.members.end()).size(), Caught::kMaxMembers);
  EXPECT_EQ(after.members_dropped, 2 * (300 - (Caught::kMaxMembers - 20)));
}

// One IMEI family, two ways: a SIM box whose 4 modules rotate 3 SIM cards each
// (12 numbers on 4 IMEIs) and a company's 8 phones of one batch (8 numbers on
// 8 IMEIs). Both reach min_distinct_numbers; max_imeis_per_number flags only
// the box, once its family shows at least twice as many numbers as IMEIs.
TEST(Detector, SimBoxImeiFamilyRotatingSimsNotACompanyFleet) {
  const std::string family =
      "rules:\n  - name: fam\n    type: simbox\n    group_by: imei_family\n    window: 1h\n"
      "    min_distinct_numbers: 4\n";
  auto d = make(family + "    max_imeis_per_number: 0.5\n");
  auto d_no_ratio = make(family);
  ASSERT_TRUE(d && d_no_ratio);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto invite_from = [&](double t, const std::string& id, const std::string& a, const std::string& imei) {
    call(b, evs, t, id, a, "86139007" + std::to_string(1000 + evs.size()), 5, 60);
    for (SignalEvent& e : evs)
      if (e.sip.call_id == id && e.sip.method == SipMethod::Invite) e.sip.imei = b.keep(imei);
  };
  for (int k = 0; k < 3; ++k)      // SIM k of each module
    for (int m = 0; m < 4; ++m)    // module m: IMEI 864512034417 + serial
      invite_from(10.0 + k * 400 + m * 60, "box" + std::to_string(k * 4 + m),
                  "8613400000" + std::to_string(100 + k * 4 + m), "8645120344170" + std::to_string(m) + "0");
  for (int p = 0; p < 8; ++p)      // phone p: its own IMEI and number
    invite_from(30.0 + p * 90, "fleet" + std::to_string(p), "8613700000" + std::to_string(100 + p),
                "8630770412880" + std::to_string(p) + "0");
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "864512034417");
  EXPECT_EQ(alerts[0].subject_type, SubjectType::Imei);
  EXPECT_LE(alerts[0].evidence["imeis_per_number"]["value"].get<double>(), 0.5);
  EXPECT_EQ(alerts[0].evidence["imeis_per_number"]["max"], 0.5);
  EXPECT_GE(alerts[0].evidence["distinct_numbers"]["value"].get<double>(), 8);  // 4 IMEIs: at least 8 numbers
  // Without the ratio the fleet is flagged as well: the ratio is what tells them apart.
  EXPECT_EQ(subjects(run(*d_no_ratio, evs)), (std::set<std::string>{"864512034417", "863077041288"}));
}

// Three cells (P-Access-Network-Info of the INVITEs) in one hour: a SIM box's
// 8 cards dialling 4 times each, a quarter answered; a station's 30 people
// calling once, 70 % answered; an office's 6 sales staff dialling 5 times
// each, 90 % answered. Calls per number tells the box from the station,
// the answer ratio the box from the office.
TEST(Detector, SimBoxOnOneCellNotABusyCellNorAnOfficeTeam) {
  const std::string base =
      "rules:\n  - name: cellbox\n    type: simbox\n    group_by: cell\n    window: 1h\n"
      "    min_distinct_numbers: 6\n";
  auto d = make(base + "    min_calls_per_number: 3\n    max_answer_ratio: 0.4\n");
  auto d_no_ratio = make(base + "    min_calls_per_number: 3\n");
  auto d_no_per = make(base + "    max_answer_ratio: 0.75\n");
  ASSERT_TRUE(d && d_no_ratio && d_no_per);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto call_on = [&](double t, const std::string& id, const std::string& a, bool answered, const char* cell) {
    call(b, evs, t, id, a, "86139008" + std::to_string(1000 + evs.size()), 6, answered ? 90 : 0);
    for (SignalEvent& e : evs)
      if (e.sip.call_id == id && e.sip.method == SipMethod::Invite) e.sip.cell = cell;
  };
  for (int c = 0; c < 4; ++c)
    for (int k = 0; k < 8; ++k)
      call_on(10.0 + c * 600 + k * 60, "box" + std::to_string(c * 8 + k), "8613600000" + std::to_string(100 + k),
              c == 1, "46000A1B20000C12");
  for (int p = 0; p < 30; ++p)
    call_on(20.0 + p * 100, "stn" + std::to_string(p), "8613800000" + std::to_string(100 + p), p % 10 < 7,
            "46000A1B20000D34");
  for (int c = 0; c < 5; ++c)
    for (int k = 0; k < 6; ++k)
      call_on(40.0 + c * 500 + k * 70, "ofc" + std::to_string(c * 6 + k), "8613700000" + std::to_string(200 + k),
              (c * 6 + k) % 10 != 3, "46000A1B20000E56");
  sort_by_time(evs);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "46000A1B20000C12");
  EXPECT_EQ(alerts[0].subject_type, SubjectType::Cell);
  EXPECT_GE(alerts[0].evidence["calls_per_number"]["value"].get<double>(), 3.0);
  EXPECT_EQ(alerts[0].evidence["calls_per_number"]["min"], 3);
  EXPECT_LE(alerts[0].evidence["answer_ratio"]["value"].get<double>(), 0.4);
  EXPECT_GE(alerts[0].evidence["distinct_numbers"]["value"].get<double>(), 6);  // an estimate (bitmap) of 8
  // Each condition is what keeps one benign cell out.
  EXPECT_EQ(subjects(run(*d_no_ratio, evs)), (std::set<std::string>{"46000A1B20000C12", "46000A1B20000E56"}));
  EXPECT_EQ(subjects(run(*d_no_per, evs)), (std::set<std::string>{"46000A1B20000C12", "46000A1B20000D34"}));
}

// A CAMEL call of a prepaid subscriber: InitialDP from the MSC's gsmSSF (pc
// 1205), then the SSF's reports: answer and disconnect, or abandon.
void camel_call(EventBuilder& b, std::vector<SignalEvent>& out, double t, uint32_t tid, const std::string& a,
                const std::string& bnum, const std::string& cell, double ring_s, double talk_s) {
  out.push_back(b.cap_initial_dp(t, 1205, tid, a, bnum, cell));
  auto report = [&](double at, uint8_t event) {
    out.push_back(b.cap_invoke(cap_op::kEventReportBcsm, at, 1205, 2305, TcapType::Continue, tid, tid + 1, event));
  };
  if (talk_s <= 0) {
    report(t + ring_s, cap_event::kOAbandon);
    return;
  }
  report(t + ring_s, cap_event::kOAnswer);
  report(t + ring_s + talk_s, cap_event::kODisconnect);
}

TEST(Detector, SimBoxOnOneCellSeenThroughCamelCallsUnlessTrackCamelIsOff) {
  const std::string rule =
      "rules:\n  - name: cellbox\n    type: simbox\n    group_by: cell\n    window: 1h\n"
      "    min_distinct_numbers: 6\n    min_calls_per_number: 3\n    max_answer_ratio: 0.4\n";
  auto d = make_whole(rule);
  auto d_off = make_whole("settings:\n  track_camel: false\n" + rule);
  ASSERT_TRUE(d && d_off);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  uint32_t tid = 0x16000000;
  // A 2G multi-card box: 8 prepaid cards on one GSM cell, 4 rounds, one answered round.
  for (int c = 0; c < 4; ++c)
    for (int k = 0; k < 8; ++k)
      camel_call(b, evs, 10.0 + c * 600 + k * 60, tid += 2, "8617012340" + std::to_string(100 + k),
                 "86139008" + std::to_string(1000 + c * 8 + k), "460005A213E07", 8, c == 1 ? 40 : 0);
  // A bus station's cell: 30 travellers, one call each, mostly answered.
  for (int p = 0; p < 30; ++p)
    camel_call(b, evs, 20.0 + p * 100, tid += 2, "8613800000" + std::to_string(100 + p),
               "86139009" + std::to_string(1000 + p), "460005A301B02", 6, p % 10 < 7 ? 90 : 0);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "460005A213E07");
  EXPECT_EQ(alerts[0].subject_type, SubjectType::Cell);
  EXPECT_LE(alerts[0].evidence["answer_ratio"]["value"].get<double>(), 0.4);
  EXPECT_TRUE(run(*d_off, evs).empty()) << "track_camel: false tracks no CAMEL call";
}

TEST(Detector, CamelCallsWhoseOutcomeIsNotOnTheLinkAreNotUnanswered) {
  auto d = make(kBulk);
  ASSERT_TRUE(d);
  // 30 calls to 30 numbers in 10 minutes: a VPN service's SCF ends each
  // dialogue at once (continue, nothing armed), so none tells answered from not.
  EventBuilder b;
  std::vector<SignalEvent> unseen, abandoned;
  for (int k = 0; k < 30; ++k) {
    uint32_t tid = 0x16000000 + 2 * uint32_t(k);
    std::string callee = "86139007" + std::to_string(1000 + k);
    unseen.push_back(b.cap_initial_dp(10.0 + k * 15, 1205, tid, "8613812349999", callee));
    unseen.push_back(b.cap_invoke(cap_op::kContinue, 10.1 + k * 15, 2305, 1205, TcapType::End, 0, tid));
    camel_call(b, abandoned, 10.0 + k * 15, tid, "8613812348888", callee, "", 3, 0);
  }
  EXPECT_TRUE(run(*d, unseen).empty());
  auto d2 = make(kBulk);
  EXPECT_EQ(subjects(run(*d2, abandoned)), (std::set<std::string>{"8613812348888"}));
}

TEST(Detector, IsupAndCamelCallsAreNotGroupedByIp) {
  // Every ISUP call of an exchange comes from its point code, every CAMEL call
  // from its MSC: neither is an address behind which a box hides its cards.
  auto d = make_whole(
      "rules:\n  - name: box\n    type: simbox\n    group_by: ip\n    window: 10m\n    min_distinct_numbers: 8\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int i = 0; i < 12; ++i) {
    double t = 10.0 + i * 20;
    uint16_t cic = uint16_t(100 + i);
    evs.push_back(b.isup(0x01, t, 1201, 2302, cic, "8613800000" + std::to_string(100 + i), "8613900139000"));
    evs.push_back(b.isup(0x09, t + 5, 2302, 1201, cic));
    evs.push_back(b.isup(0x0C, t + 60, 1201, 2302, cic));
    camel_call(b, evs, t + 1, 0x16000000 + 2 * uint32_t(i), "8613700000" + std::to_string(100 + i), "8613900139001",
               "", 5, 60);
  }
  EXPECT_TRUE(run(*d, evs).empty());
}

// A link that carries both the MSC's CAMEL dialogue and its ISUP IAM of each
// call: a caller's calls count once in its rates, not once per leg.
TEST(Detector, ACallSeenAsCamelAndIsupCountsOnce) {
  auto d = make_whole(
      "rules:\n  - name: dialler\n    type: caller_behaviour\n    window: 10m\n    min_attempts: 20\n"
      "    min_distinct_callees: 10\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  auto calls = [&](const std::string& caller, int n, uint32_t tid0) {
    std::vector<SignalEvent> evs;
    for (int k = 0; k < n; ++k) {
      const double t = 10.0 + k * 20;
      const std::string callee = "8613987" + std::to_string(650100 + k);
      const uint32_t tid = tid0 + 2 * uint32_t(k);
      camel_call(b, evs, t, tid, "86" + caller, callee, "", 3, 30);
      const uint16_t cic = uint16_t(200 + k);
      evs.push_back(b.isup(0x01, t + 0.2, 1205, 2302, cic, caller, callee.substr(2)));
      evs.push_back(b.isup(0x09, t + 3, 2302, 1205, cic));
      evs.push_back(b.isup(0x0C, t + 33, 1205, 2302, cic));
    }
    return evs;
  };
  // 12 calls, 24 legs: under 20 attempts.
  EXPECT_TRUE(run(*d, calls("13812347771", 12, 0x16100000)).empty());
  // 20 calls: flagged at the 20th call's first leg, its InitialDP.
  auto d2 = make_whole(
      "rules:\n  - name: dialler\n    type: caller_behaviour\n    window: 10m\n    min_attempts: 20\n"
      "    min_distinct_callees: 10\n");
  auto alerts = run(*d2, calls("13812347772", 20, 0x16200000));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "8613812347772");
  EXPECT_EQ(alerts[0].ts_ns, uint64_t((10.0 + 19 * 20) * 1e9));
}

// Calls from abroad presenting one of our numbers (cli_spoof): an
// international SBC at 192.0.2.0/24, an international exchange at point code
// 2100; our numbers are 86...
constexpr const char* kCliSpoof =
    "  intl_sbc: {entries: ['192.0.2.0/24']}\n"
    "  domestic: {entries: ['86', '96110', '95588'], match: prefix}\n"
    "rules:\n"
    "  - name: spoofed_cli\n"
    "    type: cli_spoof\n"
    "    cli: [domestic]\n"
    "    international_sources: [intl_sbc]\n"
    "    international_opcs: [2100]\n"
    "    action: block\n"
    "    window: 1h\n";

TEST(Detector, CliSpoofBlocksEachSpoofedCallFromAbroadNotTheNumber) {
  auto d = make(kCliSpoof);
  ASSERT_TRUE(d);
  EventBuilder b;
  const Endpoint sbc = EventBuilder::ip4(192, 0, 2, 10, 5060), home = EventBuilder::ip4(10, 0, 0, 1, 5060);
  std::vector<SignalEvent> evs;
  // The real subscriber calls a friend from home first; then two calls from
  // abroad present its number; a foreign caller's call from abroad is fine.
  call(b, evs, 1.0, "real1", "8613800000001", "8613900000009", 2, 60, home);
  evs.push_back(b.sip_request(SipMethod::Invite, 100.0, "sp1", "8613800000001", "8613900000001", sbc));
  evs.push_back(b.sip_request(SipMethod::Invite, 110.0, "sp2", "8613800000001", "8613900000002", sbc));
  evs.push_back(b.sip_request(SipMethod::Invite, 120.0, "uk1", "447700900123", "8613900000003", sbc));
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  const Alert& a = alerts[0];
  EXPECT_EQ(a.rule, "spoofed_cli");
  EXPECT_EQ(a.subject, "8613800000001");
  EXPECT_EQ(a.action, Action::Block);
  EXPECT_EQ(a.ts_ns, uint64_t(100e9));
  EXPECT_EQ(a.evidence["field"], "from");
  EXPECT_EQ(a.evidence["source"], "192.0.2.10:5060");
  EXPECT_EQ(a.evidence["protocol"], "sip");
  EXPECT_EQ(a.evidence["called"], "8613900000001");
  ASSERT_EQ(a.call_ids.size(), 1u);
  EXPECT_EQ(a.call_ids[0], "sp1");
  EXPECT_FALSE(a.mirror_subject);  // the subscriber's own calls are not the case's
  // The victim is the number the spoofed call reached, not the subscriber's friend.
  ASSERT_EQ(a.victims.size(), 1u);
  EXPECT_EQ(a.victims[0].number, "8613900000001");
  // Both spoofed calls are blocked, the second merged into the alert; the
  // number is not: the subscriber's own next call from home goes through.
  EXPECT_TRUE(d->blocked(b.sip_request(SipMethod::Cancel, 130.0, "sp1", "8613800000001", "8613900000001", sbc)));
  EXPECT_TRUE(d->blocked(b.sip_request(SipMethod::Invite, 110.5, "sp2", "8613800000001", "8613900000002", sbc)));
  EXPECT_FALSE(d->blocked(b.sip_request(SipMethod::Invite, 140.0, "real2", "8613800000001", "8613900000009", home)));
  EXPECT_FALSE(d->blocked(b.sip_request(SipMethod::Invite, 120.5, "uk1", "447700900123", "8613900000003", sbc)));
  EXPECT_EQ(d->caught().at(0).hits, 2u);
  // The victims file: both numbers the spoofed calls reached, not the friend.
  auto line = nlohmann::json::parse(victims_file(*d));
  EXPECT_EQ(line["subject"], "8613800000001");
  ASSERT_EQ(line["victims"].size(), 2u);
  EXPECT_EQ(line["victims"][0]["number"], "8613900000001");
  EXPECT_EQ(line["victims"][1]["number"], "8613900000002");
}

TEST(Detector, CliSpoofReadsAPaiAndAFromShownBesideAnotherPai) {
  auto d = make(kCliSpoof);
  ASSERT_TRUE(d);
  EventBuilder b;
  const Endpoint sbc = EventBuilder::ip4(192, 0, 2, 10, 5060);
  auto pai = b.sip_request(SipMethod::Invite, 10.0, "p1", "anonymous", "8613900000001", sbc);
  pai.sip.pai_user = b.keep("8613800000005");
  auto from = b.sip_request(SipMethod::Invite, 20.0, "p2", "8613800000006", "8613900000001", sbc);
  from.sip.pai_user = b.keep("447700900123");
  auto alerts = run(*d, {pai, from});
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].subject, "8613800000005");
  EXPECT_EQ(alerts[0].evidence["field"], "pai");
  EXPECT_EQ(alerts[1].subject, "8613800000006");
  EXPECT_EQ(alerts[1].evidence["field"], "from");
}

TEST(Detector, CliSpoofBlocksAnIsupCallOnItsCircuitUntilTheCircuitsNextCall) {
  auto d = make(kCliSpoof);
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs{b.isup(0x01, 10.0, 2100, 1201, 7, "8613800000002", "8613900000001"),
                               b.isup(0x01, 11.0, 1202, 1201, 8, "8613800000002", "8613900000004")};
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);  // the second IAM comes from a domestic exchange
  EXPECT_EQ(alerts[0].evidence["source"], "opc:2100");
  EXPECT_EQ(alerts[0].evidence["protocol"], "isup");
  EXPECT_EQ(alerts[0].evidence["field"], "calling");
  // The call's messages on the circuit, both ways, are held (the IAM, a SAM,
  // an ACM); the domestic call's are not.
  EXPECT_TRUE(d->blocked(evs[0]));
  EXPECT_TRUE(d->blocked(b.isup(0x02, 10.5, 2100, 1201, 7)));
  EXPECT_TRUE(d->blocked(b.isup(0x06, 10.6, 1201, 2100, 7)));
  EXPECT_FALSE(d->blocked(evs[1]));
  // Its release and the circuit's maintenance pass: the far exchange answers
  // the REL of a call it never saw with an RLC, and the circuit is idle at
  // both ends (held, the REL would end in a circuit reset).
  EXPECT_FALSE(d->blocked(b.isup(0x0C, 15.0, 2100, 1201, 7)));
  EXPECT_FALSE(d->blocked(b.isup(0x10, 15.1, 1201, 2100, 7)));
  EXPECT_FALSE(d->blocked(b.isup(0x12, 15.2, 2100, 1201, 7)));  // RSC
  EXPECT_FALSE(d->blocked(b.isup(0x01, 12.0, 2100, 1201, 9, "447700900123", "8613900000001")));
  // The circuit is released; its next call, with a foreign caller, goes through.
  auto next = b.isup(0x01, 30.0, 2100, 1201, 7, "447700900123", "8613900000001");
  std::vector<Alert> more;
  for (const SignalEvent& e : {b.isup(0x0C, 20.0, 2100, 1201, 7), b.isup(0x10, 20.1, 1201, 2100, 7)}) {
    d->on_events(std::span<const SignalEvent>(&e, 1), more);
    EXPECT_FALSE(d->blocked(e));
  }
  d->on_events(std::span<const SignalEvent>(&next, 1), more);
  EXPECT_TRUE(more.empty());
  EXPECT_FALSE(d->blocked(next));
}

// The HLR's insertSubscriberData of msisdn to the VLR at vlr_gt.
SignalEvent insert_subscriber_data(EventBuilder& b, double t, const char* msisdn, const char* vlr_gt) {
  auto e = b.map_invoke(track::map_op::kInsertSubscriberData, t, "8613900000010", "460001234567890");
  e.sccp.called.gt = b.keep(vlr_gt);
  e.map.msisdn = b.keep(msisdn);
  return e;
}

TEST(Detector, CliSpoofLetsOurSubscriberRoamingAbroadCallHome) {
  EventBuilder b;
  const Endpoint sbc = EventBuilder::ip4(192, 0, 2, 10, 5060);
  auto scenario = [&] {
    return std::vector<SignalEvent>{
        insert_subscriber_data(b, 1.0, "8613800000003", "66810000001"),  // roams to Thailand
        b.sip_request(SipMethod::Invite, 10.0, "r1", "8613800000003", "8613900000001", sbc),
        insert_subscriber_data(b, 20.0, "8613800000003", "8613900000020"),  // back home
        b.sip_request(SipMethod::Invite, 30.0, "r2", "8613800000003", "8613900000001", sbc)};
  };
  auto d = make(kCliSpoof);
  ASSERT_TRUE(d);
  auto alerts = run(*d, scenario());
  ASSERT_EQ(alerts.size(), 1u);  // only the call made while the number was at home
  EXPECT_EQ(alerts[0].call_ids.at(0), "r2");
  EXPECT_EQ(d->counters().cli_roaming_passed, 1u);
  // Without the exemption both calls are spoofed.
  std::string rules = kCliSpoof;
  rules += "    roaming_exempt: false\n";
  auto strict = make(rules);
  ASSERT_TRUE(strict);
  auto all = run(*strict, scenario());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].call_ids.at(0), "r1");
  EXPECT_EQ(strict->caught().at(0).hits, 2u);
  EXPECT_EQ(strict->counters().cli_roaming_passed, 0u);
}

TEST(Detector, ARulesReloadKeepsWhoIsRoamingAbroad) {
  auto d = make(kCliSpoof);
  ASSERT_TRUE(d);
  EventBuilder b;
  EXPECT_TRUE(run(*d, {insert_subscriber_data(b, 1.0, "8613800000003", "66810000001")}).empty());
  SpecRegistry reg;
  auto next = compile(std::string(kCliSpoof) + "    severity: critical\n", reg);
  ASSERT_TRUE(next);
  std::string err;
  offload::OffloadOptions o;
  o.backend = offload::Backend::Cpu;
  auto e = offload::make_engines(o, next->patterns, next->rates, err);
  ASSERT_TRUE(e.pattern && e.rate) << err;
  d->swap_rules(std::move(next), std::move(e.pattern), std::move(e.rate));
  const Endpoint sbc = EventBuilder::ip4(192, 0, 2, 10, 5060);
  auto alerts = run(*d, {b.sip_request(SipMethod::Invite, 10.0, "r1", "8613800000003", "8613900000001", sbc),
                         b.sip_request(SipMethod::Invite, 11.0, "r2", "8613800000004", "8613900000001", sbc)});
  ASSERT_EQ(alerts.size(), 1u);  // the roamer passes; the other number is spoofed
  EXPECT_EQ(alerts[0].subject, "8613800000004");
  EXPECT_EQ(alerts[0].severity, Severity::Critical);
  EXPECT_EQ(d->counters().cli_roaming_passed, 1u);
}

TEST(Detector, SpoofedCallsDoNotCountAsTheRealSubscribersCalls) {
  // A campaign from abroad under one subscriber's number: 25 cancelled calls
  // to distinct numbers. Counted as the subscriber's own they would make it a
  // bulk caller (and with action block cut it off); they are the spoof rule's.
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int k = 0; k < 25; ++k)
    call(b, evs, 10.0 + k * 5, "cp" + std::to_string(k), "8613800000001", std::to_string(8613900000100 + k), 3, 0,
         EventBuilder::ip4(192, 0, 2, 10, 5060));
  std::string bulk = std::string(kBulk).substr(std::string("rules:\n").size());
  auto d = make(std::string(kCliSpoof) + bulk);
  ASSERT_TRUE(d);
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "spoofed_cli");
  EXPECT_EQ(d->caught().at(0).hits, 25u);
  EXPECT_EQ(d->caught().at(0).members.size(), 25u);  // every number it reached
  // Its victims are the numbers the spoofs reached (the contact log keeps no
  // spoofed call under the subscriber's number), each once.
  const auto victims = d->called_victims("8613800000001", d->caught().at(0).members, 200'000'000'000, 0);
  std::set<std::string> reached;
  for (const Victim& v : victims) reached.insert(v.number);
  EXPECT_EQ(victims.size(), 25u);
  EXPECT_EQ(reached.size(), 25u);
  EXPECT_TRUE(reached.count("8613900000100"));
  EXPECT_TRUE(reached.count("8613900000124"));
  // The same calls from a domestic address are the subscriber's own: a bulk caller.
  EventBuilder b2;
  std::vector<SignalEvent> home;
  for (int k = 0; k < 25; ++k)
    call(b2, home, 10.0 + k * 5, "hm" + std::to_string(k), "8613800000001", std::to_string(8613900000100 + k), 3, 0);
  auto d2 = make(std::string(kCliSpoof) + bulk);
  ASSERT_TRUE(d2);
  auto home_alerts = run(*d2, home);
  ASSERT_EQ(home_alerts.size(), 1u);
  EXPECT_EQ(home_alerts[0].rule, "bulk");
}

// A long campaign under one number: 600 spoofed calls. The number's contact
// list keeps its latest 512 contacts; the first numbers reached (the members
// kept, up to 256) are victims even after the list pushed them out.
TEST(Detector, ASpoofedNumbersVictimsOutliveItsContactList) {
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int k = 0; k < 600; ++k)
    call(b, evs, 10.0 + k * 5, "cp" + std::to_string(k), "8613800000001", std::to_string(8613900000100 + k), 3, 0,
         EventBuilder::ip4(192, 0, 2, 10, 5060));
  auto d = make(std::string(kCliSpoof));
  ASSERT_TRUE(d);
  run(*d, evs);
  const Caught c = d->caught().at(0);
  ASSERT_EQ(c.members.size(), Caught::kMaxMembers);
  EXPECT_GT(d->contacts().dropped(), 0u);
  EXPECT_EQ(d->contacts().find("8613800000001")->contacts.size(), 512u);
  const auto victims = d->called_victims("8613800000001", c.members, 4'000'000'000'000, 0);
  std::set<std::string> reached;
  for (const Victim& v : victims) reached.insert(v.number);
  EXPECT_EQ(victims.size(), Caught::kMaxMembers);
  EXPECT_EQ(reached, std::set<std::string>(c.members.begin(), c.members.end()));
  EXPECT_TRUE(reached.count("8613900000100"));  // the first, long pushed out of the list
}

// An SMS-DELIVER to imsi from the service centre at centre_gt (its mt-forwardSM), from oa.
SignalEvent mt_sms(EventBuilder& b, double t, const char* centre_gt, const char* oa, const char* imsi, uint32_t tid) {
  auto e = b.map_invoke(track::map_op::kMtForwardSm, t, centre_gt, imsi, TcapType::Begin, tid);
  e.map.sms.present = true;
  e.map.sms.tpdu_type = 0;
  e.map.sms.oa = b.keep(oa);
  e.map.sms.text = b.keep("【工商银行】您的账户存在异常，请点击链接核实");
  e.map.service_centre = b.keep(centre_gt);
  return e;
}

TEST(Detector, CliSpoofCatchesTextsFromAbroadUnderOurNumbersAndBlocksEachDialogue) {
  // A bank's short code and a subscriber's number sent from a centre abroad
  // (a UK GT) are spoofed; the same code from our own centre, and a UK
  // sender from the UK centre, are not. Six spoofed texts under the bank's
  // code would make it a flooding sender if they counted as its own.
  auto d = make(std::string(kCliSpoof) +
                "  - name: flood\n    type: sms_flood\n    group_by: sender\n    window: 10m\n    min_sms: 5\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (uint32_t k = 0; k < 6; ++k)
    evs.push_back(mt_sms(b, 10.0 + k, "447700900001", "95588", ("46000123450000" + std::to_string(k)).c_str(),
                         0x100 + k));
  evs.push_back(mt_sms(b, 20.0, "8613800500000", "95588", "460001234500009", 0x200));
  evs.push_back(mt_sms(b, 21.0, "447700900001", "447700900123", "460001234500009", 0x201));
  evs.push_back(mt_sms(b, 22.0, "447700900001", "8613800000007", "460001234500009", 0x202));
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].rule, "spoofed_cli");
  EXPECT_EQ(alerts[0].subject, "95588");
  EXPECT_EQ(alerts[0].evidence["field"], "tp_oa");
  EXPECT_EQ(alerts[0].evidence["protocol"], "map");
  EXPECT_EQ(alerts[0].evidence["source"], "447700900001");
  EXPECT_EQ(alerts[0].evidence["called"], "460001234500000");
  ASSERT_EQ(alerts[0].tcap_tids.size(), 1u);
  EXPECT_EQ(alerts[1].subject, "8613800000007");
  EXPECT_EQ(d->caught().size(), 2u);
  // Each spoofed text's dialogue is blocked; our centre's and the UK sender's pass.
  for (size_t k = 0; k < 6; ++k) EXPECT_TRUE(d->blocked(evs[k])) << k;
  EXPECT_FALSE(d->blocked(evs[6]));
  EXPECT_FALSE(d->blocked(evs[7]));
  EXPECT_TRUE(d->blocked(evs[8]));
  // With sms: false the rule watches calls only.
  auto calls_only = make(std::string(kCliSpoof) + "    sms: false\n");
  ASSERT_TRUE(calls_only);
  EXPECT_TRUE(run(*calls_only, evs).empty());
}

TEST(Detector, AnotherRulesBlockOnASpoofedTextTakesTheTextNotTheBanksNumber) {
  // A keyword rule that blocks flags the spoofed bank text from abroad: the
  // text is held, the bank's own texts from our centre still go through.
  auto d = make(std::string(kCliSpoof) +
                "  - name: scam\n    type: content\n    action: block\n    keywords:\n      bank: [工商银行]\n"
                "      act: [点击链接]\n    min_families: 2\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  auto spoof = mt_sms(b, 10.0, "447700900001", "95588", "460001234500001", 0x300);
  auto alerts = run(*d, {spoof});
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].rule, "spoofed_cli");
  EXPECT_EQ(alerts[1].rule, "scam");
  EXPECT_EQ(alerts[1].subject, "95588");
  EXPECT_TRUE(d->blocked(spoof));
  EXPECT_FALSE(d->blocked(mt_sms(b, 20.0, "8613800500000", "95588", "460001234500001", 0x301)));
  // Not even a cli_spoof rule that only alerts lets the keyword rule block the number.
  std::string alert_only = kCliSpoof;
  alert_only.replace(alert_only.find("    action: block\n"), std::string("    action: block\n").size(), "");
  auto d2 = make(alert_only +
                 "  - name: scam\n    type: content\n    action: block\n    keywords:\n      bank: [工商银行]\n"
                 "      act: [点击链接]\n    min_families: 2\n");
  ASSERT_TRUE(d2);
  EventBuilder b2;
  auto spoof2 = mt_sms(b2, 10.0, "447700900001", "95588", "460001234500001", 0x300);
  ASSERT_EQ(run(*d2, {spoof2}).size(), 2u);
  EXPECT_TRUE(d2->blocked(spoof2));
  EXPECT_FALSE(d2->blocked(mt_sms(b2, 20.0, "8613800500000", "95588", "460001234500001", 0x301)));
}

TEST(Detector, AnotherRuleOnASpoofedTextListsTheTextsRecipientsNotTheBanksCustomers) {
  // The bank texts three customers from our own centre; then a centre abroad
  // sends two scam texts under the bank's code. The keyword rule flags the
  // code too: its victims are the two recipients of the spoofed texts, not
  // everyone the bank texted, and its alert does not mirror the bank's traffic.
  auto d = make(std::string(kCliSpoof) +
                "  - name: scam\n    type: content\n    keywords:\n      bank: [工商银行]\n"
                "      act: [点击链接]\n    min_families: 2\n");
  ASSERT_TRUE(d);
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (uint32_t k = 0; k < 3; ++k) {
    auto own = mt_sms(b, 1.0 + k, "8613800500000", "95588", ("46000123459000" + std::to_string(k)).c_str(), 0x200 + k);
    own.map.sms.text = b.keep("【工商银行】您尾号1234的账户收入100.00元");
    evs.push_back(own);
  }
  evs.push_back(mt_sms(b, 10.0, "447700900001", "95588", "460001234500001", 0x300));
  evs.push_back(mt_sms(b, 11.0, "447700900001", "95588", "460001234500002", 0x301));
  auto alerts = run(*d, evs);
  ASSERT_EQ(alerts.size(), 2u);
  const Alert& scam = alerts[1];
  EXPECT_EQ(scam.rule, "scam");
  EXPECT_EQ(scam.subject, "95588");
  ASSERT_EQ(scam.victims.size(), 1u);
  EXPECT_EQ(scam.victims[0].number, "460001234500001");
  EXPECT_FALSE(scam.mirror_subject);
  // The victims file: the two recipients of the spoofed texts, for both rules.
  const std::string file = victims_file(*d);
  EXPECT_NE(file.find("\"number\":\"460001234500002\""), std::string::npos) << file;
  EXPECT_EQ(file.find("460001234590000"), std::string::npos) << file;
  // The bank's own customers are its contacts all the same.
  EXPECT_EQ(d->victims_of("95588", 0).size(), 5u);
}

TEST(Detector, VictimsReachedByImsiAreNamedByTheMsisdnTheLinkPairedThemWith) {
  // A centre abroad asks our HLR where to deliver to 8613912345678 (SRI for
  // SM) and learns its IMSI, then delivers a text under the bank's code to
  // that IMSI. The police can call an MSISDN, not an IMSI. A second text
  // whose SRI answer the capture holds only after it (out of order) is named
  // by IMSI in its alert, whatever the burst: the alert says what the link
  // had shown by its message.
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto sri = b.map_invoke(track::map_op::kSendRoutingInfoForSm, 9.0, "447700900001", "", TcapType::Begin, 0x50);
  sri.map.msisdn = b.keep("8613912345678");
  evs.push_back(sri);
  evs.push_back(b.map_result(track::map_op::kSendRoutingInfoForSm, 9.1, 0x50, "460001234567890"));
  evs.push_back(mt_sms(b, 10.0, "447700900001", "95588", "460001234567890", 0x300));
  evs.push_back(mt_sms(b, 11.0, "447700900001", "8613800000008", "460002222222222", 0x301));
  auto sri2 = b.map_invoke(track::map_op::kSendRoutingInfoForSm, 11.5, "447700900001", "", TcapType::Begin, 0x51);
  sri2.map.msisdn = b.keep("8613922222222");
  evs.push_back(sri2);
  evs.push_back(b.map_result(track::map_op::kSendRoutingInfoForSm, 11.6, 0x51, "460002222222222"));
  std::vector<std::vector<std::string>> runs;
  for (size_t burst : {size_t(1), size_t(32)}) {
    auto d = make(kCliSpoof);
    ASSERT_TRUE(d);
    auto alerts = run_in_bursts(*d, evs, burst);
    ASSERT_EQ(alerts.size(), 2u);
    ASSERT_EQ(alerts[0].victims.size(), 1u);
    EXPECT_EQ(alerts[0].victims[0].number, "8613912345678");
    EXPECT_EQ(alerts[0].victims[0].imsi, "460001234567890");
    ASSERT_EQ(alerts[1].victims.size(), 1u);
    EXPECT_EQ(alerts[1].victims[0].number, "460002222222222");
    runs.push_back(alert_lines(alerts));
    // By the end of the capture both are known by number: the victims file.
    const std::string file = victims_file(*d);
    EXPECT_NE(file.find("\"imsi\":\"460001234567890\",\"last_ts\":10.0,\"number\":\"8613912345678\""),
              std::string::npos)
        << file;
    EXPECT_NE(file.find("\"number\":\"8613922222222\""), std::string::npos) << file;
  }
  EXPECT_EQ(runs[0], runs[1]);
}

constexpr const char* kOnLine =
    "  black2: {entries: ['8613700000099']}\n"
    "rules:\n"
    "  - name: black\n    type: number_list\n    lists: [black, black2]\n    fields: [calling]\n"
    "  - name: on_line\n    type: victim_on_line\n    min_talk: 2m\n    severity: critical\n";

// The blacklisted 8617099990001 calls V1 (10 minutes) and V2 (1 minute); V3
// calls it back (7 minutes). The listed 8613700000099 calls V4 (15 minutes)
// and later someone who does not answer. Background calls give the link
// messages all along.
void on_line_calls(EventBuilder& b, std::vector<SignalEvent>& evs) {
  for (int k = 0; k < 40; ++k)
    call(b, evs, 1.0 + k * 5, "bg" + std::to_string(k), "8613811111111", "86139555" + std::to_string(10000 + k), 1, 2);
  call(b, evs, 5.0, "x1", "8613700000099", "8613900000004", 1, 900);   // V4
  call(b, evs, 10.0, "k1", "8617099990001", "8613900000001", 1, 600);  // V1
  call(b, evs, 20.0, "k2", "8617099990001", "8613900000002", 1, 60);   // V2
  call(b, evs, 30.0, "k3", "8613900000003", "8617099990001", 1, 420);  // V3 calls back
  call(b, evs, 100.0, "x2", "8613700000099", "8613900000005", 1, 0);
}

TEST(Detector, AVictimStillOnTheLineWithAFlaggedNumberIsRaisedWhileTheCallLasts) {
  // Each victim still on the line 2 minutes after the answer is raised at
  // the first message from then on; V2 hung up first. Two flagged numbers
  // on one call raise nothing.
  EventBuilder b;
  std::vector<SignalEvent> evs;
  on_line_calls(b, evs);
  call(b, evs, 101.0, "x3", "8617099990001", "8613700000099", 1, 600);  // two flagged: no victim
  std::vector<std::vector<std::string>> runs;
  for (size_t burst : {size_t(1), size_t(7), size_t(32)}) {
    auto d = make(kOnLine);
    ASSERT_TRUE(d);
    auto alerts = run_in_bursts(*d, evs, burst);
    runs.push_back(alert_lines(alerts));
    std::vector<std::pair<std::string, double>> on_line;  // (victim, alert time)
    for (const Alert& a : alerts)
      if (a.rule == "on_line") on_line.push_back({a.subject, double(a.ts_ns) / 1e9});
    // V1 answered at 11.2 s, due 131.2; V4 answered 6.2, due 126.2; V3 answered 31.2, due 151.2;
    // the background's messages fall every second or so.
    ASSERT_EQ(on_line.size(), 3u) << burst;
    EXPECT_EQ(d->flagged_count(), 2u);   // the two flagged numbers, not their victims
    EXPECT_EQ(d->calls_on_watch(), 0u);  // every watched call came due by the capture's end
    EXPECT_EQ(on_line[0].first, "8613900000004");
    EXPECT_EQ(on_line[1].first, "8613900000001");
    EXPECT_EQ(on_line[2].first, "8613900000003");
    EXPECT_GE(on_line[0].second, 126.2);
    EXPECT_LT(on_line[0].second, 128.3);
    EXPECT_GE(on_line[1].second, 131.2);
    EXPECT_LT(on_line[1].second, 133.3);
    auto it = std::find_if(alerts.begin(), alerts.end(), [](const Alert& a) { return a.subject == "8613900000003"; });
    ASSERT_NE(it, alerts.end());
    const Alert& v3 = *it;
    EXPECT_EQ(v3.evidence["flagged"], "8617099990001");
    EXPECT_EQ(v3.evidence["caller"], "8613900000003");
    EXPECT_EQ(v3.evidence["talk_s"], 120);
    EXPECT_EQ(v3.evidence["call_id"], "k3");
    // The alert names the call on the line, for the mirror to follow: its
    // INVITE and Call-ID, not the background message that found it still up.
    const auto k3 = std::find_if(evs.begin(), evs.end(), [](const SignalEvent& e) {
      return e.sip.call_id == "k3" && e.sip.method == SipMethod::Invite;
    });
    ASSERT_NE(k3, evs.end());
    EXPECT_EQ(v3.frames, std::vector<uint64_t>{k3->frame});
    EXPECT_EQ(v3.call_ids, std::vector<std::string>{"k3"});
    EXPECT_TRUE(v3.tcap_tids.empty());
    EXPECT_EQ(v3.severity, Severity::Critical);
    EXPECT_TRUE(v3.victims.empty());
    EXPECT_FALSE(v3.mirror_subject);
    // The victims are no suspects: the victims file lists the two flagged numbers only.
    const std::string file = victims_file(*d);
    EXPECT_EQ(std::count(file.begin(), file.end(), '\n'), 2) << file;
    EXPECT_EQ(file.find("\"subject\":\"8613900000003\""), std::string::npos) << file;
  }
  EXPECT_EQ(runs[1], runs[0]);
  EXPECT_EQ(runs[2], runs[0]);
}

TEST(Detector, ABlockingVictimOnLineRuleCutsTheCallAndBlocksNothing) {
  // As above, with the rule blocking: each call raised is to be cut, once, on
  // the message that raises it. V5's call with 8613700000055 was up before
  // that number's one-ring calls got it flagged: the contact log gives its
  // call. Without `action: block` nothing is cut.
  EventBuilder b;
  std::vector<SignalEvent> evs;
  on_line_calls(b, evs);
  call(b, evs, 140.0, "v1", "8613900000001", "8613811111111", 1, 30);  // V1's own call later
  call(b, evs, 2.0, "w1", "8613700000055", "8613900000006", 1, 900);   // V5, answered 3.2
  for (int k = 0; k < 4; ++k)                                          // flagged at 67.2
    call(b, evs, 50.0 + k * 5, "w" + std::to_string(k + 2), "8613700000055", "861390000003" + std::to_string(k), 2, 0);
  sort_by_time(evs);
  std::string rules(kOnLine);
  rules += "  - name: one_ring\n    type: wangiri\n    min_one_ring_calls: 4\n    min_distinct_callees: 4\n";
  std::string blocking(kOnLine);
  blocking += "    action: block\n";
  blocking += rules.substr(std::string(kOnLine).size());
  for (bool block : {true, false}) {
    SCOPED_TRACE(block);
    auto d = make(block ? blocking : rules);
    ASSERT_TRUE(d);
    std::vector<Alert> alerts;
    std::vector<std::pair<uint64_t, std::string>> cuts;  // (call hash, victim raised by that event)
    for (const SignalEvent& e : evs) {
      const size_t before = alerts.size();
      d->on_events({&e, 1}, alerts);
      for (uint64_t h : d->calls_to_cut()) {
        cuts.push_back({h, ""});
        for (size_t k = before; k < alerts.size(); ++k)
          if (alerts[k].rule == "on_line") cuts.back().second = alerts[k].subject;
      }
      // Nothing is blocked: the BYEs end a cut call (a call the dataplane
      // cannot cut keeps its own), a victim's number stays free.
      EXPECT_FALSE(d->blocked(e)) << e.sip.call_id << " at " << e.ts_ns;
    }
    EXPECT_EQ(std::count_if(alerts.begin(), alerts.end(), [](const Alert& a) { return a.rule == "on_line"; }), 4);
    if (!block) {
      EXPECT_TRUE(cuts.empty());
      EXPECT_EQ(d->counters().calls_cut, 0u);
      continue;
    }
    using track::hash_bytes;
    ASSERT_EQ(cuts.size(), 4u);
    EXPECT_EQ(cuts[0], (std::pair<uint64_t, std::string>{hash_bytes("w1"), "8613900000006"}));
    EXPECT_EQ(cuts[1], (std::pair<uint64_t, std::string>{hash_bytes("x1"), "8613900000004"}));
    EXPECT_EQ(cuts[2], (std::pair<uint64_t, std::string>{hash_bytes("k1"), "8613900000001"}));
    EXPECT_EQ(cuts[3], (std::pair<uint64_t, std::string>{hash_bytes("k3"), "8613900000003"}));
    EXPECT_EQ(d->counters().calls_cut, 4u);
    for (const Alert& a : alerts) {
      if (a.rule == "on_line") {
        EXPECT_EQ(a.action, Action::Block);
      }
    }
  }
}

TEST(Detector, ACallbackUpWhenItsNumberIsFlaggedIsWatchedToo) {
  // 8613700000099 rings V6 once (cancelled) and texts V7; both call it back
  // and stay on the line. V8, whom it never reached, calls it too. Only then
  // does its fourth one-ring call get it flagged. The three calls were
  // answered before the flag and are still up: V6, V7 and V8 are raised 2
  // minutes after their answers. V8's call is in no list of the flagged
  // number's (the contact log keeps calls by caller): its callers find it.
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int k = 0; k < 40; ++k)
    call(b, evs, 1.0 + k * 5, "bg" + std::to_string(k), "8613811111111", "86139555" + std::to_string(10000 + k), 1, 2);
  call(b, evs, 2.0, "r1", "8613700000099", "8613900000006", 2, 0);  // one ring
  auto text = b.sip_request(SipMethod::Message, 3.0, "t1", "8613700000099", "8613900000007");
  text.sip.body_text = b.keep("call me back");
  evs.push_back(text);
  call(b, evs, 6.0, "c6", "8613900000006", "8613700000099", 1, 600);  // answered 7.2
  call(b, evs, 8.0, "c7", "8613900000007", "8613700000099", 1, 600);  // answered 9.2
  call(b, evs, 9.0, "c8", "8613900000008", "8613700000099", 1, 600);
  for (int k = 0; k < 3; ++k)  // the third flags it (62.2 s)
    call(b, evs, 50.0 + k * 5, "x" + std::to_string(k), "8613700000099", "861390000002" + std::to_string(k), 2, 0);
  const std::string rules =
      "rules:\n"
      "  - name: one_ring\n    type: wangiri\n    min_one_ring_calls: 4\n    min_distinct_callees: 4\n"
      "  - name: on_line\n    type: victim_on_line\n    min_talk: 2m\n";
  std::vector<std::vector<std::string>> runs;
  for (size_t burst : {size_t(1), size_t(32)}) {
    auto d = make(rules);
    ASSERT_TRUE(d);
    auto alerts = run_in_bursts(*d, evs, burst);
    runs.push_back(alert_lines(alerts));
    std::vector<std::pair<std::string, double>> on_line;
    for (const Alert& a : alerts)
      if (a.rule == "on_line") on_line.push_back({a.subject, double(a.ts_ns) / 1e9});
    ASSERT_EQ(alerts.size(), 4u) << burst;
    EXPECT_EQ(alerts[0].rule, "one_ring");
    EXPECT_EQ(alerts[0].ts_ns, uint64_t(62.2e9));
    ASSERT_EQ(on_line.size(), 3u) << burst;
    EXPECT_EQ(on_line[0].first, "8613900000006");
    EXPECT_GE(on_line[0].second, 127.2);
    EXPECT_LT(on_line[0].second, 129.3);
    EXPECT_EQ(on_line[1].first, "8613900000007");
    EXPECT_GE(on_line[1].second, 129.2);
    EXPECT_LT(on_line[1].second, 131.3);
    EXPECT_EQ(on_line[2].first, "8613900000008");
    EXPECT_GE(on_line[2].second, 130.2);
    EXPECT_LT(on_line[2].second, 132.3);
    EXPECT_EQ(d->calls_on_watch(), 0u);
    // Its victims: the five it reached, the two that called it back marked
    // so, and deep by their 10-minute callbacks; V8 called in, deep too.
    const auto victims = d->victims_of("8613700000099", 0);
    ASSERT_EQ(victims.size(), 6u);
    for (const Victim& v : victims) {
      const bool back = v.number == "8613900000006" || v.number == "8613900000007";
      const bool in = v.number == "8613900000008";
      EXPECT_EQ(v.called_back, back) << v.number;
      EXPECT_EQ(v.called_in, in) << v.number;
      EXPECT_EQ(v.deep, back || in) << v.number;
    }
    EXPECT_EQ(victims[0].last_ts_ns, uint64_t(607.2e9)) << "the callback's end";
    const std::string file = victims_file(*d);
    EXPECT_NE(file.find("\"called_back\":true,\"deep\":true,\"last_ts\":609.2,\"number\":\"8613900000007\""),
              std::string::npos)
        << file;
  }
  EXPECT_EQ(runs[1], runs[0]);
}

TEST(Detector, WhoCallsOrTextsAFlaggedNumberIsItsVictimThoughItNeverReachedThem) {
  // A fake customer-service line on the police list never calls anyone: its
  // victims call it, having found it in a scam text or on a web page. V1's
  // call gets it flagged, V2 talks to it for 8 minutes, V3 texts it; none of
  // them is in a list of the line's own. It once called V9 itself.
  const std::string rules =
      "  fake_cs: {entries: ['4008001234']}\n"
      "rules:\n  - name: listed\n    type: number_list\n    lists: [fake_cs]\n    fields: [called]\n";
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int k = 0; k < 20; ++k)
    call(b, evs, 1.0 + k * 30, "bg" + std::to_string(k), "8613811111111", "86139555" + std::to_string(10000 + k), 1, 2);
  call(b, evs, 5.0, "v9", "4008001234", "8613900000009", 2, 20);
  call(b, evs, 10.0, "v1", "8613900000001", "4008001234", 2, 40);
  call(b, evs, 60.0, "v2", "8613900000002", "4008001234", 2, 480);
  auto text = b.sip_request(SipMethod::Message, 70.0, "t3", "8613900000003", "4008001234");
  text.sip.body_text = b.keep("我的退款什么时候到账");
  evs.push_back(text);
  std::vector<std::vector<std::string>> runs;
  for (size_t burst : {size_t(1), size_t(32)}) {
    auto d = make(rules);
    ASSERT_TRUE(d);
    auto alerts = run_in_bursts(*d, evs, burst);
    runs.push_back(alert_lines(alerts));
    ASSERT_EQ(alerts.size(), 1u) << burst;
    ASSERT_EQ(alerts[0].victims.size(), 2u) << "its contact and the caller of the message that flagged it";
    EXPECT_EQ(alerts[0].victims[0].number, "8613900000001");
    EXPECT_TRUE(alerts[0].victims[0].called_in);
    EXPECT_EQ(alerts[0].victims[1].number, "8613900000009");
    EXPECT_FALSE(alerts[0].victims[1].called_in);
    const auto victims = d->victims_of("4008001234", 0);
    ASSERT_EQ(victims.size(), 4u);
    EXPECT_EQ(victims[0].number, "8613900000002");  // deep first
    EXPECT_TRUE(victims[0].deep);
    EXPECT_EQ(victims[1].number, "8613900000001");
    EXPECT_FALSE(victims[1].deep);
    EXPECT_EQ(victims[2].number, "8613900000003");
    EXPECT_EQ(victims[3].number, "8613900000009");
    for (const Victim& v : victims)
      EXPECT_EQ(v.called_in, v.number != "8613900000009") << v.number;
    const std::string file = victims_file(*d);
    EXPECT_NE(file.find("{\"called_in\":true,\"deep\":true,\"last_ts\":542.2,\"number\":\"8613900000002\"}"),
              std::string::npos)
        << file;
  }
  EXPECT_EQ(runs[1], runs[0]);
}

// A scam script rule that raises the numbers its texts ask the reader to call.
constexpr const char* kScamWithCallbacks =
    "rules:\n  - name: scam\n    type: content\n    min_families: 2\n    callback_numbers: true\n"
    "    keywords:\n      impersonation: [医保局, 客服]\n      money: [退款, 转账]\n";

// The victims of a number that only takes calls include those who called it
// before it was flagged: a fake customer-service line's number becomes known
// when a scam text gives it, after its first victims have called it. V1
// dialled it nationally and talked 6 minutes, V2 texted it; V0 called it
// before the look-back, the text's sender (flagged by the same text) called
// it too, and V4 calls it just after the text, in the text's own burst.
TEST(Detector, WhoCalledANumberBeforeItsFlagIsItsVictim) {
  const std::string rules =
      std::string("settings:\n  national_forms: {'1': '861', '0': '86'}\n  victims_lookback: 1h\n") +
      kScamWithCallbacks;
  const char* kText = "医保局通知：您的医保卡异常，办理退款请致电13912345678";
  EventBuilder b;
  std::vector<SignalEvent> evs;
  for (int k = 0; k < 40; ++k)
    call(b, evs, 3600.0 + k * 30, "bg" + std::to_string(k), "8613811111111", "86139555" + std::to_string(10000 + k), 1, 2);
  call(b, evs, 1.0, "v0", "8613900000000", "8613912345678", 1, 30);
  call(b, evs, 4000.0, "v1", "8613900000001", "13912345678", 1, 360);
  evs.push_back(mo_sms(b, 4500.0, "8613900000002", "8613912345678", "你好，请问退款怎么办？"));
  call(b, evs, 4600.0, "s", "8613800000001", "8613912345678", 1, 5);
  evs.push_back(mo_sms(b, 4700.0, "8613800000001", "8613900000005", kText));
  call(b, evs, 4700.5, "v4", "8613900000004", "8613912345678", 1, 60);
  sort_by_time(evs);
  std::vector<std::vector<std::string>> runs;
  for (size_t burst : {size_t(1), size_t(32)}) {
    auto d = make_whole(rules);
    ASSERT_TRUE(d);
    auto alerts = run_in_bursts(*d, evs, burst);
    runs.push_back(alert_lines(alerts));
    ASSERT_EQ(alerts.size(), 2u) << burst;
    EXPECT_EQ(alerts[1].subject, "8613912345678");
    ASSERT_EQ(alerts[1].victims.size(), 2u) << burst;
    EXPECT_EQ(alerts[1].victims[0].number, "8613900000001");  // deep first
    EXPECT_TRUE(alerts[1].victims[0].deep);
    EXPECT_TRUE(alerts[1].victims[0].called_in);
    EXPECT_EQ(alerts[1].victims[0].last_ts_ns, uint64_t(4361.2e9));  // the end of its call
    EXPECT_EQ(alerts[1].victims[1].number, "8613900000002");
    EXPECT_FALSE(alerts[1].victims[1].deep);
    EXPECT_TRUE(alerts[1].victims[1].called_in);
    // Afterwards: V4 too, from its own call.
    const auto victims = d->victims_of("8613912345678", uint64_t(4700e9) - uint64_t(3600e9));
    ASSERT_EQ(victims.size(), 3u);
    EXPECT_EQ(victims[2].number, "8613900000004");
    EXPECT_TRUE(victims[2].called_in);
    EXPECT_EQ(d->contacts().callers_of("8613912345678")->size(), 4u);  // V0, V2, the sender, V4
    EXPECT_EQ(d->contacts().callers_of("13912345678")->size(), 1u);    // V1
  }
  EXPECT_EQ(runs[1], runs[0]);
}

// A busy fake service line: 300 callers before its flag, five of them and
// three new ones after it. Each is listed once, whether it is among the
// line's callers twice (X: its own list lost the line to 600 later calls,
// then it called again), in the callers and among those noted since the flag,
// or only in the latter. (victims_of() finds the numbers it already listed in
// a hash set: bench/detect BM_VictimsOfCalledLine.)
TEST(Detector, EachCallerOfABusyFlaggedLineIsListedOnce) {
  const std::string rules =
      std::string("settings:\n  national_forms: {'1': '861'}\n  victims_lookback: 24h\n") + kScamWithCallbacks;
  const std::string line = "8613912345678";
  EventBuilder b;
  std::vector<SignalEvent> evs;
  auto caller = [](int k) { return std::to_string(8613700000000ull + uint64_t(k)); };
  for (int k = 0; k < 300; ++k) call(b, evs, 10.0 + k, "c" + std::to_string(k), caller(k), line, 1, 1 + k % 10);
  const std::string x = "8613600000001";
  call(b, evs, 400.0, "x0", x, line, 1, 5);
  for (int k = 0; k < 600; ++k)
    call(b, evs, 410.0 + k * 0.5, "xo" + std::to_string(k), x, "86135" + std::to_string(10000000 + k), 1, 1);
  call(b, evs, 800.0, "x1", x, line, 1, 5);
  evs.push_back(mo_sms(b, 1000.0, "8613800000001", "8613900000005", "医保局通知：您的医保卡异常，办理退款请致电13912345678"));
  for (int k = 0; k < 5; ++k) call(b, evs, 1100.0 + k * 10, "a" + std::to_string(k), caller(k), line, 1, 20);
  for (int k = 300; k < 303; ++k) call(b, evs, 1200.0 + k, "n" + std::to_string(k), caller(k), line, 1, 20);
  sort_by_time(evs);
  auto d = make_whole(rules);
  ASSERT_TRUE(d);
  const auto alerts = run_in_bursts(*d, evs, 32);
  const auto at_flag = std::find_if(alerts.begin(), alerts.end(), [&](const Alert& a) { return a.subject == line; });
  ASSERT_NE(at_flag, alerts.end());
  const auto* callers = d->contacts().callers_of(line);
  ASSERT_NE(callers, nullptr);
  size_t x_times = 0;
  callers->for_each([&](std::string_view c) { x_times += c == x; });
  EXPECT_EQ(x_times, 2u);  // the case the dedupe is for
  auto numbers = [](const std::vector<Victim>& vs) {
    std::set<std::string> n;
    for (const Victim& v : vs) {
      EXPECT_TRUE(v.called_in) << v.number;
      n.insert(v.number);
    }
    return n;
  };
  const std::set<std::string> then = numbers(at_flag->victims);
  EXPECT_EQ(at_flag->victims.size(), 301u);
  EXPECT_EQ(then.size(), 301u);
  EXPECT_TRUE(then.count(x));
  const auto now = d->victims_of(line, 0);
  const std::set<std::string> all = numbers(now);
  EXPECT_EQ(now.size(), 304u);
  EXPECT_EQ(all.size(), 304u);
  for (int k = 0; k < 303; ++k) EXPECT_TRUE(all.count(caller(k))) << k;
}

// A reload while a flagged number's call is watched: the watch goes on under
// the rule's name (another rule before it moves its index); a reload that
// drops the rule drops its watch.
TEST(Detector, AReloadKeepsTheCallsVictimOnLineWatches) {
  const std::string moved = std::string(kOnLine).replace(std::string(kOnLine).find("rules:\n") + 7, 0,
                                                          "  - name: first\n    type: wangiri\n    min_one_ring_calls: 50\n");
  const std::string dropped = std::string(kOnLine).substr(0, std::string(kOnLine).find("  - name: on_line"));
  for (const std::string* next : {&moved, &dropped}) {
    SpecRegistry reg;
    auto d = make_compiled(compile(kOnLine, reg));
    ASSERT_TRUE(d);
    EventBuilder b;
    std::vector<SignalEvent> first, second;
    call(b, first, 10.0, "k1", "8617099990001", "8613900000001", 1, 600);  // answered at 11.2 s, up 10 minutes
    for (int k = 0; k < 30; ++k)
      call(b, second, 40.0 + k * 5, "bg" + std::to_string(k), "8613811111111", "8613955" + std::to_string(10000 + k), 1, 2);
    sort_by_time(first);
    // Up to the answer: the call is watched from then on.
    std::vector<SignalEvent> head(first.begin(), first.begin() + 3), tail(first.begin() + 3, first.end());
    ASSERT_EQ(run(*d, head).size(), 1u);  // the blacklist's alert
    auto c = compile(*next, reg);
    ASSERT_TRUE(c);
    std::string err;
    offload::OffloadOptions o;
    o.backend = offload::Backend::Cpu;
    auto e = offload::make_engines(o, c->patterns, c->rates, err);
    d->swap_rules(std::move(c), std::move(e.pattern), std::move(e.rate));
    second.insert(second.end(), tail.begin(), tail.end());
    auto alerts = run(*d, second);
    const bool kept = next == &moved;
    ASSERT_EQ(alerts.size(), kept ? 1u : 0u) << (kept ? "moved" : "dropped");
    if (kept) {
      EXPECT_EQ(alerts[0].rule, "on_line");
      EXPECT_EQ(alerts[0].subject, "8613900000001");
      EXPECT_GE(alerts[0].ts_ns, uint64_t(131.2e9));
    }
  }
}

TEST(Detector, CliSpoofCatchesASipMessageFromAnInternationalSbc) {
  auto d = make(kCliSpoof);
  ASSERT_TRUE(d);
  EventBuilder b;
  auto msg = b.sip_request(SipMethod::Message, 10.0, "m1", "8613800000008", "8613900000001",
                           EventBuilder::ip4(192, 0, 2, 11, 5060));
  msg.sip.body_text = b.keep("您的医保卡已停用");
  auto home = b.sip_request(SipMethod::Message, 11.0, "m2", "8613800000008", "8613900000002");
  home.sip.body_text = b.keep("晚上回家吃饭");
  auto alerts = run(*d, {msg, home});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].evidence["protocol"], "sip");
  EXPECT_EQ(alerts[0].evidence["source"], "192.0.2.11:5060");
  EXPECT_EQ(alerts[0].evidence["field"], "from");
  EXPECT_TRUE(d->blocked(msg));
  EXPECT_FALSE(d->blocked(home));
}

TEST(Detector, CliSpoofNeverFlagsAWhitelistedNumberNorBlocksItsCall) {
  auto d = make(kCliSpoof);
  ASSERT_TRUE(d);
  EventBuilder b;
  auto inv = b.sip_request(SipMethod::Invite, 10.0, "w1", "96110", "8613900000001", EventBuilder::ip4(192, 0, 2, 10, 5060));
  EXPECT_TRUE(run(*d, {inv}).empty());
  EXPECT_EQ(d->counters().whitelisted_suppressed, 1u);
  EXPECT_FALSE(d->blocked(inv));
}

}  // namespace
}  // namespace sigprobe::detect
