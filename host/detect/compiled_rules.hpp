// CompiledRules: a RuleSet turned into what the offload stages take (pattern
// specs, rate specs) and the tables that map their results back to rules.
// Built off the data path at start-up and on every reload.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "host/offload/engines.hpp"
#include "host/rules/rule_set.hpp"

namespace sigprobe::detect {

// What a windowed quantity counts, and when a sample is due.
enum class Source : uint8_t {
  CallAttempt,    // call started: key caller, value callee
  CallEnded,      // call ended: key caller
  CallAnswered,   // call answered (counted at the answer)
  CallSettled,    // answered, or ended without an answer: the calls whose outcome is known
  CallShort,      // ended with talk time < param ns (unanswered included)
  CallCancelled,  // ended, cancelled before the answer
  CallInvolved,   // call started: key caller and key callee
  CallIncoming,   // call started: key callee
  OneRing,        // cancelled before answer after ringing <= param ns: key caller, value callee
  GroupCall,      // call started: key group (ip, UA, IMEI TAC), value caller
  GroupWindow,    // call started: key group, value the window bucket (param ns)
  GroupImei,      // call started with an IMEI: key IMEI family, value the whole IMEI
  VlrSubscriber,  // updateLocation: key VLR, value IMSI
  SipRequest,     // request with method in param mask: key source IP, value user
  SipResponse,    // response to such a request: key destination IP
  SipFailure,     // 401/403/404/407 response to such a request: key destination IP
  LocationQuery,  // MAP invoke with op in the rule's list: key calling GT, value target
  RoamCluster,    // updateLocation to a VLR in the rule's lists: key VLR, value IMSI
  SmsBySender,    // SMS: key sender, value recipient
  SmsByCentre,    // SMS: key service centre, value recipient
  SmsByText,      // SMS: key text fingerprint, value recipient
  GroupAnswered,  // call answered: key group (param: GroupBy), counted at the answer
  GroupSettled,   // answered, or ended without an answer: key group
};

enum class Read : uint8_t { Count, Distinct };

struct Quantity {
  Source source = Source::CallAttempt;
  uint64_t param = 0;
  uint32_t spec_id = 0;   // rate spec (one per window length)
  uint64_t salt = 0;      // mixed into the key: source + param (+ rule lists)
  Read read = Read::Count;
};

// How a condition's metric is computed from the rule's quantities.
struct MetricEval {
  // Ratio: q / q_den capped at 1; Per: q / q_den as it is (calls per number).
  enum Kind : uint8_t { Direct, Ratio, Per, Sequential } kind = Direct;
  uint8_t q = 0, q_den = 0;
};

constexpr size_t kMaxQuantities = 12;

// The entries of some lists, to look a value up in: numbers exact or under a
// prefix, and IP blocks. The whitelists (never flagged: a subject is looked up
// when a rule would flag it, so nothing here grows with the traffic) and a
// simbox rule's only_callers_in. Entries that are IP addresses or CIDR blocks
// (rules::parse_ip_block) cover IP subjects: an operator's own SBCs and
// P-CSCFs, and enterprise trunks it knows.
class ListSet {
 public:
  void add(const rules::NumberList& list);
  bool empty() const { return exact_.empty() && prefixes_.empty() && gated_.empty() && blocks_.empty(); }
  // A number, GT or IMSI: an exact entry or under a prefix. A set of at most
  // 32 prefixes of at most 8 bytes (only_callers_in: mobile ranges) compares
  // each as one masked word instead of hashing (it runs on every call start).
  bool covers(std::string_view subject) const;
  // An IP subject as sigprobe writes it ("192.0.2.7", "[2001:db8::1]"), inside a block.
  bool covers_ip(std::string_view subject) const;
  // An address as decoded (family 4 or 6, its bytes), inside a block.
  bool covers_ip(const rules::IpBlock& addr) const;
  size_t ip_blocks() const { return blocks_.size(); }

 private:
  std::vector<rules::IpBlock> blocks_;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_set<std::string, Hash, std::equal_to<>> exact_, prefixes_;
  std::vector<size_t> prefix_lengths_;  // distinct, ascending
  // Prefixes of lists with min_digits: prefix -> the fewest digits a subject
  // under it needs (the smallest, when two lists give the same prefix).
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> gated_;
  std::vector<size_t> gated_lengths_;   // distinct, ascending
  struct Word {
    uint64_t bits, mask;
    size_t len;
  };
  std::vector<Word> words_;  // every entry when all are prefixes of <= 8 bytes (small_), else unused
  bool small_ = true;
};

struct CompiledRule {
  const rules::Rule* rule = nullptr;
  uint64_t fingerprint = 0;            // name + quantities: keys profiles across reloads
  std::vector<Quantity> quantities;
  std::vector<MetricEval> evals;       // parallel to rule->conditions
  ListSet callers;                     // simbox only_callers_in: only these callers' calls count (empty: all)
  // cli_spoof: the numbers no call from abroad may present, and the addresses
  // calls from abroad come from (looked up per call start, not scanned: a
  // call from a source of neither kind costs one test).
  ListSet cli, sources;
};

// Where a pattern id points.
struct PatternTarget {
  enum Kind : uint8_t { List, Keyword, UserAgent, Display } kind = List;
  uint32_t index = 0;    // list index, or rule index
  uint16_t family = 0;   // keyword family
  uint8_t min_len = 0;   // List: the list's min_digits (a shorter field's match is dropped)
};

struct CompiledRules {
  std::shared_ptr<const rules::RuleSet> rules;
  std::vector<CompiledRule> compiled;            // parallel to rules->rules
  std::vector<offload::PatternSpec> patterns;
  std::vector<PatternTarget> targets;            // by pattern id
  bool any_min_len = false;                      // some target has a min_len
  std::vector<offload::RateSpec> rates;
  ListSet whitelist;          // settings.whitelists
  bool needs_sequential = false;
};

// Window lengths get spec ids from a registry that outlives reloads, so the
// same window keeps the same id (and its counts) when the rules change.
struct SpecRegistry {
  std::vector<uint64_t> windows_ns;   // id = index
  uint32_t id_for(uint64_t window_ns);
};

std::unique_ptr<CompiledRules> compile_rules(std::shared_ptr<const rules::RuleSet> rs, SpecRegistry& reg,
                                             std::string& err);

}  // namespace sigprobe::detect
