// RuleSet: the parsed rules file, immutable once built. A reload builds a new
// one off the data path and the worker swaps it in between bursts (STYLE 13).
// The schema is documented in host/rules/README.md.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/detect/alert.hpp"

namespace sigprobe::rules {

enum class RuleType : uint8_t {
  NumberList, Content, BulkText, Signature, CallerBehaviour, Wangiri, SimBox, SipAttack,
  Ss7Security, Roaming, SmsFlood, CliSpoof, VictimOnLine, Count_
};
std::string_view rule_type_name(RuleType t);

// Windowed quantities a rule can put a min_/max_ threshold on.
enum class Metric : uint8_t {
  // caller_behaviour
  Attempts, DistinctCallees, AnswerRatio, ShortRatio, CancelRatio, SequentialCallees, IncomingRatio,
  // wangiri
  OneRingCalls,
  // simbox, roaming cluster
  DistinctNumbers, Calls, DistinctNumbersAcross, WindowsSeen,
  // simbox by imei_family: distinct IMEIs over distinct numbers (SIM rotation)
  ImeisPerNumber,
  // sip_attack
  Requests, DistinctUsers, FailRatio, Responses,
  // ss7_security location_burst
  Queries, DistinctTargets,
  // sms_flood, bulk_text
  Sms, DistinctRecipients,
  // simbox: calls over distinct calling numbers (a SIM box's cards each call many times)
  CallsPerNumber,
  Count_
};
std::string_view metric_name(Metric m);

enum NumberFieldBit : uint32_t {
  kFieldCalling = 1, kFieldCalled = 2, kFieldPai = 4, kFieldGt = 8, kFieldImsi = 16,
  kFieldForwardedTo = 32,  // MAP call forwarding target (registerSS, insertSubscriberData)
};

enum class GroupBy : uint8_t { None, Ip, UserAgent, ImeiFamily, Vlr, Sender, ServiceCentre, Cell };
enum class Ss7Category : uint8_t { Cat1, Cat2, Cat3, LocationBurst };
enum class RoamingMode : uint8_t { HighRiskVlr, FirstSeenRoaming, Cluster };

// An IPv4 or IPv6 address block: addr/prefix_len, host bits zero.
struct IpBlock {
  uint8_t family = 4;                 // 4 or 6
  std::array<uint8_t, 16> addr{};
  uint8_t prefix_len = 32;
};
// "192.0.2.7", "192.0.2.0/24", "2001:db8::/32", "[2001:db8::1]" (an address
// alone is a /32 or /128). Host bits past the prefix are cleared. nullopt when
// text is none of these.
std::optional<IpBlock> parse_ip_block(std::string_view text);
// Whether text is meant as an IP entry (has ':' or '/', or is digits and dots
// with a dot): a list entry that looks like one must parse as one.
bool looks_like_ip_entry(std::string_view text);
bool ip_block_contains(const IpBlock& block, const IpBlock& addr);

// The longest list entry: the pattern stage matches prefix and exact texts of
// at most this many bytes (hlsk::kListMaxLen, checked where rules compile).
constexpr size_t kMaxListEntry = 64;

struct NumberList {
  std::string name;
  std::string source;                // "file.txt" or "rules.yaml:12"
  std::vector<std::string> exact;
  std::vector<std::string> prefixes;
  size_t national_forms = 0;         // of those, entries added by settings.national_forms
  // A subject shorter than this never matches the list (0: any). International
  // prefixes must not match a bank's 95588 (Myanmar is 95) or a local number.
  uint8_t min_digits = 0;
  size_t size() const { return exact.size() + prefixes.size(); }
};

struct Condition {
  Metric metric = Metric::Attempts;
  bool is_min = true;                // min_: value >= threshold; max_: value <= threshold
  double threshold = 0;
};

struct KeywordFamily {
  std::string name;
  std::vector<std::string> words;
};

struct Rule {
  std::string name;
  RuleType type = RuleType::NumberList;
  int line = 0;
  Severity severity = Severity::Medium;
  Action action = Action::Alert;
  uint64_t window_ns = 600'000'000'000ull;   // 10 minutes
  std::vector<Condition> conditions;         // all must hold
  // hours: the local hours (settings.utc_offset_hours) whose messages the rule
  // counts and fires on, bit h for hour h; 0 = all day.
  uint32_t hours_mask = 0;

  // number_list, roaming (high_risk), signature (imei_tacs), content (url_domains)
  std::vector<uint32_t> lists;               // indexes into RuleSet::lists
  uint32_t fields = kFieldCalling | kFieldCalled | kFieldPai;
  // content
  std::vector<KeywordFamily> families;
  uint32_t min_families = 1;
  // The phone numbers a flagged text asks its reader to call or text are
  // raised too (host/detect/callback_numbers.hpp).
  bool callback_numbers = false;
  // signature
  std::vector<std::string> user_agents, display_names;
  // caller_behaviour, wangiri
  uint64_t short_call_ns = 10'000'000'000ull;
  uint64_t max_ring_ns = 5'000'000'000ull;
  // simbox, sms_flood
  GroupBy group_by = GroupBy::None;
  uint64_t across_ns = 0;                    // simbox: the long window
  std::vector<uint32_t> caller_lists;        // simbox only_callers_in: calls of other callers do not count
  bool foreign_only = false;                 // sms_flood by service_centre: our own SMSCs (home_gt_prefixes) do not count
  // sip_attack
  uint32_t methods = 0;                      // bits of SipMethod values
  // ss7_security
  Ss7Category category = Ss7Category::Cat1;
  std::vector<int16_t> operations;
  uint64_t min_travel_ns = 3600'000'000'000ull;
  // category 3: groups of E.164 country codes between which a move takes no
  // time (land borders, Hong Kong / Macau / the mainland): never "too fast".
  std::vector<std::vector<std::string>> neighbours;
  // roaming
  RoamingMode mode = RoamingMode::HighRiskVlr;
  // bulk_text
  uint32_t min_text_len = 10;
  // cli_spoof: a call that comes in from abroad (a SIP call from an address
  // of source_lists, an ISUP call from a point code of opcs) presenting a
  // calling number of `lists` (the country's own numbers). Numbers seen
  // roaming abroad (an insertSubscriberData to a foreign VLR) pass when
  // roaming_exempt. The call is blocked, not the number: it is a real
  // subscriber's.
  std::vector<uint32_t> source_lists;
  std::vector<uint32_t> opcs;
  bool roaming_exempt = true;
  // cli_spoof: texts too: an mt-forwardSM from a service centre abroad (its
  // GT under neither home_gt_prefixes nor country_code) or a SIP MESSAGE from
  // a source of source_lists, whose sender is in `lists`.
  bool sms = true;
  // victim_on_line: an answered call between a number flagged by another
  // rule and someone else, still up min_talk after its answer (settings.
  // deep_victim_call unless given): the subject is that someone, a victim on
  // the line now, for the operator to warn. action: block cuts the call
  // (inline, --enforce: a BYE to each party, host/dp/sip_cut.hpp), never the
  // victim's number.
  uint64_t min_talk_ns = 0;
};

struct Settings {
  std::vector<std::string> home_imsi_prefixes;  // MCC+MNC of our subscribers
  std::vector<std::string> home_gt_prefixes;    // our own GTs (not foreign)
  std::vector<std::string> interconnect_gt_prefixes;  // partners allowed to send category 2
  std::vector<uint32_t> whitelists;             // list indexes: never flagged
  // Local time of the link, for rules with hours (China: UTC+8).
  int64_t utc_offset_s = 8 * 3600;
  uint64_t victims_lookback_ns = 86400'000'000'000ull;
  uint64_t deep_victim_call_ns = 300'000'000'000ull;
  uint64_t setup_timeout_ns = 180'000'000'000ull;
  uint64_t call_timeout_ns = 4 * 3600'000'000'000ull;
  uint64_t max_calls = 1 << 20;
  uint64_t max_transactions = 1 << 20;
  uint64_t max_subscribers = 1 << 21;
  // With --enforce inline: answer the caller of a blocked INVITE with this
  // SIP final status (e.g. 603 Decline); 0 drops it silently.
  uint16_t sip_reject = 0;
  // Calls of CAMEL subscribers from InitialDP (the MSC-SCP link). Off where
  // the probe also sees the same calls as ISUP, which would count them twice.
  bool track_camel = true;
  // A number list entry written in national form also matches in its
  // international one: an entry of digits that starts with `national` gets
  // `international` + the rest beside it (China: "1" -> "861" for mobiles,
  // "0" -> "86" for fixed lines with their trunk 0; "00" -> "" drops an
  // international call prefix). Longest `national` first. Police lists write
  // 13800138000; MAP and IMS carry 8613800138000. Not applied to the lists of
  // signature imei_tacs and content url_domains.
  struct NationalForm {
    std::string national, international;
  };
  std::vector<NationalForm> national_forms;
  // The link's E.164 country code ("86"), or empty. Decoding gives an SS7
  // number that the signalling marks national (ISUP NAI 3, an AddressString
  // of national nature, an SMS address of national type, a national GT) in
  // international form: this code, then its digits, and so the SIP users a
  // SIP-I body's IAM names national (DecoderConfig). Read
  // when a run starts; a reload that changes it is reported, not applied.
  std::string country_code;
};

struct RuleSet {
  std::string path;
  Settings settings;
  std::vector<NumberList> lists;
  std::vector<Rule> rules;

  // Index of the list called name, or -1.
  int list_index(std::string_view name) const;
  size_t list_entries() const;
};

// Loads and validates a rules file. nullptr and err = "FILE:LINE: message"
// naming the field on any error. Lists named in the file are read relative
// to the file's folder.
std::shared_ptr<const RuleSet> load_rules(const std::string& path, std::string& err);
// Same, from text (path is used in messages and to resolve list files).
std::shared_ptr<const RuleSet> parse_rules(std::string_view yaml, const std::string& path, std::string& err);

// number's international form under forms (ordered longest national prefix
// first, as loaded): the first national prefix it starts with replaced by its
// international one; nullopt when none starts it.
std::optional<std::string> international_form(std::span<const Settings::NationalForm> forms,
                                              std::string_view number);
// The other way: each national form of an international number, one per form
// whose international prefix it starts with and is longer than
// (8613912345678: 13912345678 by "1": "861", 013912345678 by "0": "86").
std::vector<std::string> national_forms_of(std::span<const Settings::NationalForm> forms,
                                           std::string_view number);

// Settings::national_forms applied to a list: the international form of
// each entry of digits that starts with a national prefix, added (counted in
// list.national_forms).
void add_national_forms(const Settings& st, NumberList& list);

// Extra lists from the command line (--blacklist/--whitelist): each becomes a
// list; a blacklist also gets a number_list rule "cli_blacklist".
bool add_cli_lists(RuleSet& rs, const std::vector<std::string>& blacklists,
                   const std::vector<std::string>& whitelists, std::string& err);

// Reads a list file: one number or prefix a line, '#' starts a comment, a
// trailing '*' makes a prefix; otherwise default_prefix decides. Errors are
// "FILE:LINE: why" (FILE without its folder).
bool load_list_file(const std::string& path, bool default_prefix, NumberList& out, std::string& err);
// The same from the file's text (file names it in errors).
bool parse_list_text(std::string_view text, const std::string& file, bool default_prefix, NumberList& out,
                     std::string& err);

// Where the default rules live: $SIGPROBE_RULES, else next to the binary's
// source tree (host/rules/default_rules.yaml), else /etc/sigprobe/rules.yaml.
std::string default_rules_path();

}  // namespace sigprobe::rules
