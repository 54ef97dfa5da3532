#include "host/detect/detector.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <iterator>

#include <fmt/format.h>

#include "host/rules/catalogue.hpp"
#include "host/track/fixed_str.hpp"
#include "host/track/flat_table.hpp"

namespace sigprobe::detect {
namespace {

using offload::FieldTag;
using rules::RuleType;
using track::CallFact;
using track::CallFactKind;
using track::CallRecord;
using track::hash_bytes;
using track::hash_u64;

// Scan items are numbered event << kSlotBits | slot, so a match says which
// field of which event it came from.
constexpr uint32_t kSlotBits = 5;
enum Slot : uint32_t {
  kSlotCalling, kSlotFrom, kSlotCalled, kSlotCallingGt, kSlotVlr, kSlotMsc, kSlotImsi, kSlotImei,
  kSlotUa, kSlotDisplay, kSlotText, kSlotForwardedTo,
  kSlotUrl0,  // URL hosts take the remaining slots
};
constexpr uint32_t kSlotUrlMax = (1u << kSlotBits) - 1;

// The text of the field a match came from. Items are in event order; within
// an event they are searched one by one (a dozen at most), so no order of the
// slots is assumed.
std::string_view field_text(std::span<const offload::ScanItem> items, const offload::PatternMatch& pm) {
  const uint32_t first = pm.item >> kSlotBits << kSlotBits;
  auto it = std::lower_bound(items.begin(), items.end(), first,
                             [](const offload::ScanItem& a, uint32_t v) { return a.item < v; });
  for (; it != items.end() && it->item >> kSlotBits == first >> kSlotBits; ++it)
    if (it->item == pm.item && it->field == pm.field) return it->bytes;
  return {};
}

// What an immediate rule needs from an event before it can fire: a pattern
// match (lists, keywords, signatures), a MAP invoke (SS7 categories), a
// location-update note (roaming), a spoofed call start (cli_spoof).
// apply_immediate() checks the rest.
constexpr uint8_t kNeedMatch = 1, kNeedMapInvoke = 2, kNeedNote = 4, kNeedSpoof = 8;

constexpr size_t kFramesKept = 8;
// How many consumers ahead phase 3 starts loading a profile's index slot (its
// lines: half as far). 8 left the slot's load a fifth of on_events' own
// samples (perf, bench/detect); at 32, 5 %, and BM_TrackDetect a few per cent faster
// (medians of alternated pairs, bench/README.md).
constexpr size_t kProfileAhead = 32;

// Numbers already listed as victims, for victims_of(): open addressing over
// views of numbers that outlive it, sized once for every candidate. A busy
// flagged line has hundreds of callers; a search of the list so far for each
// made listing them quadratic (bench/detect `BM_VictimsOfCalledLine`: 665 us
// for 512 callers, nine tenths of it in the compares).
class SeenNumbers {
 public:
  explicit SeenNumbers(size_t most) {
    size_t slots = 16;
    while (slots < 2 * most) slots <<= 1;
    slots_.resize(slots);
    mask_ = slots - 1;
  }
  bool contains(std::string_view n) const { return !slots_[slot_of(n, hash_bytes(n))].empty; }
  void add(std::string_view n) {
    const uint64_t h = hash_bytes(n);
    Slot& s = slots_[slot_of(n, h)];
    if (s.empty) s = {h, n, false};
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    std::string_view number;
    bool empty = true;
  };
  size_t slot_of(std::string_view n, uint64_t h) const {
    size_t i = size_t(h * 0x9E3779B97F4A7C15ull >> 32) & mask_;
    while (!slots_[i].empty && (slots_[i].hash != h || slots_[i].number != n)) i = (i + 1) & mask_;
    return i;
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace

namespace detail {

// One (rule, subject) between samples. An update touches two cache lines and
// no more: the values in the first, the frame ring in the second (the profile
// table is ~100x the caches, so lines per update are what an event costs;
// bench/detect: 176-byte profiles at 16-byte alignment touched 3-4).
struct alignas(64) Profile {
  // line 1: the latest value of each quantity, the sequential run
  std::array<uint32_t, kMaxQuantities> q{};
  uint16_t seen = 0;                 // bit per quantity
  uint8_t nframes = 0, next = 0;     // frame ring
  uint32_t seq_run = 0;
  uint64_t last_callee = 0;
  // line 2: the last frames, each frame number | port << 48. A capture of
  // 2^48 frames would be petabytes, so the frame number always fits.
  std::array<uint64_t, kFramesKept> frames{};

  static constexpr unsigned kPortShift = 48;
  static constexpr uint64_t kFrameMask = (uint64_t(1) << kPortShift) - 1;
  uint64_t frame(size_t k) const { return frames[k] & kFrameMask; }
  uint16_t port(size_t k) const { return uint16_t(frames[k] >> kPortShift); }

  void add_frame(uint64_t f, uint16_t port) {
    uint8_t last = uint8_t((next + kFramesKept - 1) % kFramesKept);
    if (nframes && frame(last) == (f & kFrameMask)) return;
    frames[next] = (f & kFrameMask) | uint64_t(port) << kPortShift;
    next = uint8_t((next + 1) % kFramesKept);
    if (nframes < kFramesKept) ++nframes;
  }
};
static_assert(kMaxQuantities <= 16, "Profile::seen has a bit per quantity");
static_assert(sizeof(Profile) == 128 && offsetof(Profile, frames) == 64, "values in one line, frames in the next");

struct Consumer {
  uint32_t sample = 0;
  uint32_t event = 0;
  uint32_t rule = 0;
  uint8_t q = 0;
  SubjectType stype = SubjectType::Msisdn;
  uint64_t profile_key = 0;
  uint32_t subj_off = 0, subj_len = 0;   // alert subject, in the burst's string arena
  uint64_t aux = 0;                      // callee digits as a number (sequential runs)
  int32_t fact = -1;                     // call fact that produced it
};

// A call start or an SMS that a cli_spoof rule found spoofed (phase 2, in
// event order: the roaming state as of that call), raised in phase 3.
struct SpoofHit {
  uint32_t event = 0, rule = 0;
  int32_t fact = -1;             // the call's start; -1: an SMS
  std::string_view cli, called;  // views into the call's record or the event
  const char* field = "";        // from, pai, calling, tp_oa
  const char* protocol = "";
  track::FixedStr<48> source;    // "ip:port", "opc:N" or the service centre's GT
  uint64_t block_key = 0;        // in Impl::blocked_calls
};

struct Ss7Note {
  bool location_update = false;
  bool first_seen = false;
  track::FixedStr<20> prev_vlr;
  uint64_t prev_ns = 0;
};

}  // namespace detail

namespace {
using detail::Consumer;
using detail::Profile;
using detail::SpoofHit;
using detail::Ss7Note;

bool starts_with_any(std::string_view s, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes)
    if (s.substr(0, p.size()) == p) return true;
  return false;
}

uint64_t digits_value(std::string_view s) {
  if (s.empty() || s.size() > 18) return 0;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + uint64_t(c - '0');
  }
  return v;
}

// E.164 country code of a GT: 1 (NANP) and 7 are one digit; the two-digit
// codes of ITU-T E.164 Annex; otherwise three digits.
std::string_view country_code(std::string_view gt) {
  if (gt.empty()) return {};
  if (gt[0] == '1' || gt[0] == '7') return gt.substr(0, 1);
  static constexpr std::string_view kTwo[] = {
      "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48",
      "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81",
      "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"};
  std::string_view two = gt.substr(0, 2);
  for (auto t : kTwo)
    if (t == two) return two;
  return gt.substr(0, 3);
}

// The subjects that are groups of calling numbers (a SIM box by IP,
// User-Agent, IMEI family or cell), and the slot of each in a recent call.
bool is_group(SubjectType st) {
  return st == SubjectType::Ip || st == SubjectType::UserAgent || st == SubjectType::Imei || st == SubjectType::Cell;
}
size_t group_slot(SubjectType st) {
  return st == SubjectType::Ip ? 0 : st == SubjectType::UserAgent ? 1 : st == SubjectType::Imei ? 2 : 3;
}
constexpr uint64_t kRecentGroupSeed = 29;

// Host part of "ip:port" / "[v6]:port".
std::string_view strip_port(std::string_view s) {
  size_t c = s.rfind(':');
  if (c == std::string_view::npos) return s;
  if (s.front() == '[' && s[c - 1] != ']') return s;
  return s.substr(0, c);
}

// ASCII letters, digits, '-' and '.': what a URL's host is written in (an
// internationalized one in its punycode form). A table, not std::isalnum: the
// URL search reads every byte of every text, and the libc call (locale-aware)
// was 8 % of a scam text campaign's time (bench/detect BM_TextsOfScamSender).
constexpr std::array<bool, 256> make_host_chars() {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[size_t(c)] = t[size_t(c - 'a' + 'A')] = true;
  for (int c = '0'; c <= '9'; ++c) t[size_t(c)] = true;
  t[size_t('-')] = t[size_t('.')] = true;
  return t;
}
constexpr std::array<bool, 256> kHostChar = make_host_chars();
bool is_host_char(unsigned char c) { return kHostChar[c]; }
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A MAP operation by name, else its code.
std::string op_name(int16_t op) {
  std::string name(rules::map_operation_name(op));
  return name.empty() ? std::to_string(op) : name;
}

// Forwarding SS-Codes (TS 29.002 17.7.5) by name, others in hex.
std::string ss_code_name(uint8_t code) {
  switch (code) {
    case 0x20: return "allForwardingSS";
    case 0x21: return "cfu";
    case 0x24: return "cd";
    case 0x28: return "allCondForwardingSS";
    case 0x29: return "cfb";
    case 0x2A: return "cfnry";
    case 0x2B: return "cfnrc";
    default: return fmt::format("0x{:02x}", code);
  }
}

// Hash(s, seed) for the subjects of one event. One number is the key of
// several quantities and rules (with the default rules a call attempt feeds 7
// consumers with the caller's number), so each (string, seed) is hashed once.
// Strings are known by address: clear() before the strings can move (per event).
template <uint64_t (*Hash)(std::string_view, uint64_t)>
class HashMemo {
 public:
  void clear() { size_ = 0; }
  uint64_t operator()(std::string_view s, uint64_t seed) {
    for (size_t k = 0; k < size_; ++k)
      if (memo_[k].data == s.data() && memo_[k].size == s.size() && memo_[k].seed == seed) return memo_[k].hash;
    const uint64_t h = Hash(s, seed);
    memo_[next_] = {s.data(), s.size(), seed, h};
    next_ = (next_ + 1) % kSize;
    if (size_ < kSize) ++size_;
    return h;
  }

 private:
  static constexpr size_t kSize = 8;
  struct Memo {
    const char* data;
    size_t size;
    uint64_t seed, hash;
  };
  std::array<Memo, kSize> memo_{};
  size_t size_ = 0, next_ = 0;
};

// The key of a subject in a table: its hash_key mixed with a tag (a rule's
// fingerprint for its profile, a quantity's salt for its rate samples) by a
// multiply-xorshift finaliser (FlatTable indexes by the high bits, the rate
// table by a mix of the whole key). Keys never reach the output, so any
// strong hash will do: hash_key takes 8 bytes per multiply where FNV-1a
// takes one, and a subject is hashed once per event for all its tables.
// (Only where the rate table must evict does the choice show: which keys
// share a set. The rate stage's *values* stay FNV-1a: a value's bit in the
// distinct sketch is an output.)
uint64_t subject_key(uint64_t subject_hash, uint64_t tag) {
  uint64_t x = subject_hash ^ (tag * 0x9e3779b97f4a7c15ull);
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ull;
  x ^= x >> 32;
  return x;
}

// Whether a message came from an address of sources' IP blocks (cli_spoof's
// international SBCs), read from its bytes as decoded.
bool from_any(const ListSet& sources, const Endpoint& src) {
  if (sources.ip_blocks() == 0) return false;
  rules::IpBlock a;
  a.family = src.family;
  a.addr = src.addr;
  a.prefix_len = src.family == 6 ? 128 : 32;
  return sources.covers_ip(a);
}

// The key of a (rule, subject) in the caught list (never output).
uint64_t caught_key(std::string_view subject, uint64_t rule_name_hash, SubjectType st) {
  return track::hash_key(subject, rule_name_hash ^ uint64_t(st));
}

}  // namespace

struct Detector::Impl {
  Impl(size_t max_subjects, size_t max_blocked_calls)
      : blocked_numbers(max_subjects), blocked_ips(max_subjects), blocked_gts(max_subjects),
        blocked_calls(max_blocked_calls), roaming_abroad(max_subjects) {}

  // per burst
  // The burst's scan items: storage for the most an event can give (one per
  // slot) so that adding one is a store and a count, not a vector's
  // emplace_back (out of line, ~1 % of a DPDK worker); items() views them.
  std::vector<offload::ScanItem> item_store;
  size_t n_items = 0;
  std::span<const offload::ScanItem> items() const { return {item_store.data(), n_items}; }
  std::vector<offload::PatternMatch> matches;
  std::vector<uint32_t> match_begin;      // per event, into matches (+1 sentinel)
  std::string text_arena;                 // lower-cased URL hosts (views into it, reserved)
  std::vector<std::string_view> domains;  // a content hit's listed URL domains (views)
  std::string subj;                       // subjects of consumers (offsets)
  std::vector<CallFact> facts;
  std::vector<uint32_t> fact_begin;       // per event (+1 sentinel)
  std::vector<int32_t> note_of;           // per event, into notes, -1 none
  std::vector<Ss7Note> notes;
  std::vector<SpoofHit> spoof_hits;       // in event order
  size_t spoof_next = 0;                  // phase 3: the first hit of the current event or later
  // Phase 3: the current event's spoofed number, the number its call or text
  // reached, and its message's block key (empty: not spoofed). Any rule's
  // alert on it then lists the number reached, not the subscriber's contacts,
  // and its block takes the message, not the number.
  std::string_view spoofed_cli, spoofed_called;
  uint64_t spoofed_block_key = 0;
  // IMSI-MSISDN pairings of the burst's events (SubscriberNumbers::pair_of),
  // learned in phase 3 at their event's turn: an alert names its victims as
  // the link had shown them by its message.
  struct IdPair {
    uint32_t event;
    track::FixedStr<16> imsi;
    track::FixedStr<20> msisdn;
  };
  std::vector<IdPair> id_pairs;
  size_t id_next = 0;
  // The burst's texts (phase 1), for phase 3 to note a text to a flagged
  // number in event order: sender, recipient and the recipient's hash_bytes.
  struct Text {
    uint32_t event;
    std::string_view sender, recipient;
    uint64_t recipient_hash;
  };
  std::vector<Text> texts;
  size_t text_next = 0;
  std::vector<offload::RateSample> samples;
  std::vector<offload::RateResult> results;
  std::vector<Consumer> consumers;
  std::vector<std::pair<uint32_t, uint32_t>> touched;  // (consumer, rule) to evaluate
  // by source: (rule, quantity) pairs
  std::array<std::vector<std::pair<uint32_t, uint8_t>>, 32> by_source;
  // Pattern and SS7 rules applied per event, in rule order, each with what an
  // event needs before the rule can fire (kNeed*): an event that offers none
  // of them skips the list.
  std::vector<std::pair<uint32_t, uint8_t>> immediate_rules;
  uint8_t immediate_needs = 0;            // union over immediate_rules
  std::vector<uint64_t> rule_name_hash;
  std::vector<uint32_t> spoof_rules;      // cli_spoof rules, in rule order
  std::vector<uint32_t> on_line_rules;    // victim_on_line rules, in rule order
  bool cut_calls = false;                 // one of them blocks: the calls it raises are cut
  std::vector<uint64_t> cuts;             // this on_events call's calls to cut (track::call_id_hash)
  bool learn_roaming = false;             // a cli_spoof rule lets numbers roaming abroad pass

  // state that survives reloads
  track::FlatTable<Profile> profiles{1 << 21};
  // Subjects with a block action, each set bounded by settings.max_subscribers,
  // and the blocked calls, bounded by settings.max_calls (oldest out,
  // counted): SIP and CAMEL ones by hash_bytes(Call-ID), an ISUP one by its
  // circuit (CallTracker::isup_key, either direction) until the circuit's
  // next IAM.
  track::FlatTable<uint8_t> blocked_numbers, blocked_ips, blocked_gts;
  track::FlatTable<uint8_t> blocked_calls;
  // Our subscribers roaming abroad, by hash_bytes(MSISDN): the HLR's last
  // insertSubscriberData went to a VLR outside settings.home_gt_prefixes (a
  // later one to a home VLR takes the number out). Their calls home come in
  // from abroad with their own number: a cli_spoof rule lets them pass.
  track::FlatTable<uint8_t> roaming_abroad;
  // The numbers flagged (an MSISDN subject of any rule but victim_on_line,
  // not a spoofed one), by hash_bytes. For victim_on_line, the answered calls
  // of theirs being watched, each until min_talk after its answer (then
  // raised if the call is still up) or until the watch list is full
  // (counted). For the victims, who talked to (an answered call) or texted
  // each of them since its flag, or called it with the message that flagged
  // it (the contact log keeps calls by caller: a victim calling in to a fake
  // customer-service number is in no list of the number's own), up to
  // kMaxInbound numbers each and kMaxInboundTotal in all (the rest counted).
  track::FlatTable<uint8_t> flagged{1 << 20};
  // A bit per hash of the flagged numbers (64 KiB, in the caches): most
  // numbers an event names are not flagged, and this says so without a walk
  // into the table (measured: a lookup per text cost detect_bench 3-6 %).
  std::vector<uint64_t> flagged_bits = std::vector<uint64_t>(1 << 13);
  bool maybe_flagged(uint64_t h) const {
    const uint64_t b = h >> 45;  // 19 bits
    return flagged_bits[b >> 6] >> (b & 63) & 1;
  }
  bool is_flagged(uint64_t h) const { return maybe_flagged(h) && flagged.find(h) != nullptr; }
  bool flag(uint64_t h) {
    const uint64_t b = h >> 45;
    flagged_bits[b >> 6] |= uint64_t{1} << (b & 63);
    return flagged.emplace(h).second;
  }
  struct Inbound {
    struct Caller {
      track::FixedStr<32> number;
      uint64_t first_ns;
    };
    std::vector<Caller> callers;
    // hash_bytes of each caller's number, parallel to callers: note_inbound()
    // runs on every answered call to a flagged number and scans 8 bytes a
    // caller instead of its record (a busy fake service line: 256 of them).
    std::vector<uint64_t> hashes;
  };
  static constexpr size_t kMaxInbound = 256, kMaxInboundTotal = 1 << 20;
  track::FlatTable<Inbound> inbound{1 << 20};
  size_t inbound_total = 0;
  // A number flagged in its international form (a caller seen on MAP, ISUP
  // or IMS, a scam text's callback number), by the hash of each national
  // form settings.national_forms gives it: the international form's hash.
  // Calls and texts to it written nationally (a SIP trunk, a subscriber's
  // dialled digits) are its callers too, and blocked with it.
  track::FlatTable<uint64_t> national_of_flagged{1 << 16};
  struct OnLine {
    uint64_t rule_hash;                  // the rule's name (rule_name_hash): reloads keep the watch
    track::FixedStr<24> caller, callee;  // the call, as the contact log has it
    bool flagged_caller;                 // else the callee is the flagged one
    uint64_t answer_ns, due_ns;
    uint64_t call_key;                   // its record's key (CallTracker::find): Call-ID, to name and cut it
    uint64_t seq;                        // watch order: ties of due_ns come out in it
  };
  static constexpr size_t kMaxOnLine = 1 << 16;
  // A heap, the earliest due_ns on top: an event pops only the calls due by
  // its time (each call once), never scans the list.
  std::vector<OnLine> on_line;
  // raise_on_line(): the call it raises, whose INVITE and Call-ID the alert names.
  const CallRecord* on_line_call = nullptr;
  uint64_t on_line_seq = 0;
  static bool later_due(const OnLine& a, const OnLine& b) {
    return a.due_ns != b.due_ns ? a.due_ns > b.due_ns : a.seq > b.seq;
  }
  uint64_t on_line_due() const { return on_line.empty() ? UINT64_MAX : on_line.front().due_ns; }
  uint64_t last_ts_ns = 0;
  std::span<const SignalEvent> burst;  // the events on_events() is working on
  // The last kRecentCalls call starts, kept while a rule groups calls (simbox):
  // each call's groups (hash_key of its IP, User-Agent, IMEI family and cell;
  // 0 for none) and calling number, so that a group flagged at its Nth call
  // lists the numbers of its earlier calls too (their contacts are victims).
  struct RecentCall {
    uint64_t ts_ns = 0;
    std::array<uint64_t, 4> group{};
    track::FixedStr<23> caller;
  };
  static constexpr size_t kRecentCalls = 1 << 16;
  std::vector<RecentCall> recent;  // a ring, allocated at the first grouped call
  size_t recent_next = 0;

  void index_rules(const CompiledRules& cr) {
    for (auto& v : by_source) v.clear();
    immediate_rules.clear();
    immediate_needs = 0;
    spoof_rules.clear();
    on_line_rules.clear();
    cut_calls = false;
    learn_roaming = false;
    rule_name_hash.clear();
    for (size_t r = 0; r < cr.compiled.size(); ++r) {
      const auto& c = cr.compiled[r];
      rule_name_hash.push_back(hash_bytes(c.rule->name));
      for (size_t q = 0; q < c.quantities.size(); ++q)
        by_source[size_t(c.quantities[q].source)].push_back({uint32_t(r), uint8_t(q)});
      uint8_t need = 0;
      switch (c.rule->type) {
        case RuleType::NumberList:
        case RuleType::Content:
        case RuleType::Signature:
          need = kNeedMatch;
          break;
        case RuleType::Ss7Security:
          if (c.rule->category != rules::Ss7Category::LocationBurst) need = kNeedMapInvoke;
          break;
        case RuleType::Roaming:
          if (c.rule->mode != rules::RoamingMode::Cluster) need = kNeedNote;
          break;
        case RuleType::CliSpoof:
          need = kNeedSpoof;
          spoof_rules.push_back(uint32_t(r));
          learn_roaming |= c.rule->roaming_exempt;
          break;
        case RuleType::VictimOnLine:
          on_line_rules.push_back(uint32_t(r));
          cut_calls |= c.rule->action == Action::Block;
          break;
        default:
          break;
      }
      if (!need) continue;
      immediate_rules.push_back({uint32_t(r), need});
      immediate_needs |= need;
    }
  }
};

Detector::Detector(std::unique_ptr<CompiledRules> compiled, std::unique_ptr<offload::PatternEngine> pattern,
                   std::unique_ptr<offload::RateEngine> rate)
    : impl_(std::make_unique<Impl>(compiled->rules->settings.max_subscribers, compiled->rules->settings.max_calls)),
      compiled_(std::move(compiled)),
      pattern_(std::move(pattern)),
      rate_(std::move(rate)),
      calls_([&] {
        track::CallTrackerConfig c;
        const auto& s = compiled_->rules->settings;
        c.max_calls = s.max_calls;
        c.setup_timeout_ns = s.setup_timeout_ns;
        c.call_timeout_ns = s.call_timeout_ns;
        return c;
      }()),
      txns_(compiled_->rules->settings.max_transactions),
      locations_(compiled_->rules->settings.max_subscribers),
      contacts_(compiled_->rules->settings.max_subscribers),
      numbers_(compiled_->rules->settings.max_subscribers),
      caught_(compiled_->rules->settings.max_subscribers) {
  impl_->index_rules(*compiled_);
  impl_->text_arena.reserve(1 << 20);
  impl_->subj.reserve(1 << 20);
}

Detector::~Detector() = default;

bool Detector::same_rates(const CompiledRules& next) const {
  if (next.rates.size() != compiled_->rates.size()) return false;
  for (size_t i = 0; i < next.rates.size(); ++i)
    if (next.rates[i].id != compiled_->rates[i].id || next.rates[i].window_ns != compiled_->rates[i].window_ns)
      return false;
  return true;
}

void Detector::swap_rules(std::unique_ptr<CompiledRules> compiled, std::unique_ptr<offload::PatternEngine> pattern,
                          std::unique_ptr<offload::RateEngine> rate) {
  compiled_ = std::move(compiled);
  pattern_ = std::move(pattern);
  if (rate) rate_ = std::move(rate);
  impl_->index_rules(*compiled_);
  ++counters_.reloads;
}

void Detector::on_events(std::span<const SignalEvent> events, std::vector<Alert>& alerts) {
  Impl& m = *impl_;
  const size_t n = events.size();
  ++counters_.bursts;
  counters_.events += n;
  m.cuts.clear();
  if (n == 0) return;

  // ---- 1. one pattern scan over the burst's fields --------------------------
  m.n_items = 0;
  if (m.item_store.size() < n << kSlotBits) m.item_store.resize(n << kSlotBits);
  m.matches.clear();
  m.text_arena.clear();
  auto item = [&](size_t ev, uint32_t slot, FieldTag f, std::string_view s) {
    if (!s.empty()) m.item_store[m.n_items++] = {uint32_t(ev << kSlotBits | slot), f, s};
  };
  auto urls = [&](size_t ev, std::string_view text) {
    uint32_t slot = kSlotUrl0;
    size_t i = 0;
    while (i < text.size() && slot <= kSlotUrlMax) {
      if (!is_host_char(uint8_t(text[i]))) { ++i; continue; }
      size_t b = i;
      while (i < text.size() && is_host_char(uint8_t(text[i]))) ++i;
      std::string_view host = text.substr(b, i - b);
      bool scheme = b >= 3 && text.substr(b - 3, 3) == "://";
      bool path = i < text.size() && text[i] == '/';
      bool www = host.size() > 4 && (host.substr(0, 4) == "www." || host.substr(0, 4) == "WWW.");
      size_t dot = host.rfind('.');
      if (dot == std::string_view::npos || dot + 2 >= host.size() + 0 || !(scheme || path || www)) continue;
      bool tld_alpha = true;
      for (char c : host.substr(dot + 1)) tld_alpha &= is_ascii_letter(c);
      if (!tld_alpha || dot + 1 == host.size()) continue;
      if (m.text_arena.size() + host.size() > m.text_arena.capacity()) break;
      size_t off = m.text_arena.size();
      for (char c : host) m.text_arena.push_back(c >= 'A' && c <= 'Z' ? char(c + 32) : c);
      std::string_view low(m.text_arena.data() + off, host.size());
      // the host and each parent domain with at least two labels
      while (slot <= kSlotUrlMax) {
        item(ev, slot++, FieldTag::Url, low);
        size_t d = low.find('.');
        if (d == std::string_view::npos || low.find('.', d + 1) == std::string_view::npos) break;
        low = low.substr(d + 1);
      }
    }
  };
  // Each event's fields in slot order (field_text() does not need it, but
  // scans and matches then come in field order).
  for (size_t i = 0; i < n; ++i) {
    const SignalEvent& ev = events[i];
    if (ev.has(kLayerSip)) {
      const SipInfo& s = ev.sip;
      item(i, kSlotCalling, FieldTag::Calling, track::sip_calling(s));
      if (!s.pai_user.empty() && s.from_user != s.pai_user) item(i, kSlotFrom, FieldTag::Calling, s.from_user);
      item(i, kSlotCalled, FieldTag::Called, track::sip_called(s));
      item(i, kSlotImei, FieldTag::Imei, s.imei);
      if (s.method != SipMethod::None) {
        item(i, kSlotUa, FieldTag::UserAgent, s.user_agent);
        item(i, kSlotDisplay, FieldTag::FromDisplay, s.from_display);
      }
      item(i, kSlotText, FieldTag::Text, s.body_text);
      // A diverted INVITE goes to the diverting user's forwarding target.
      if (s.method == SipMethod::Invite && !s.diversion_user.empty())
        item(i, kSlotForwardedTo, FieldTag::ForwardedTo, track::sip_called(s));
      if (!s.body_text.empty()) urls(i, s.body_text);
    } else if (ev.has(kLayerIsup)) {
      item(i, kSlotCalling, FieldTag::Calling, ev.isup.calling);
      item(i, kSlotCalled, FieldTag::Called, ev.isup.called);
      // A diverted IAM, as a diverted INVITE.
      if (!ev.isup.redirecting.empty()) item(i, kSlotForwardedTo, FieldTag::ForwardedTo, ev.isup.called);
    } else if (ev.has(kLayerCap)) {
      item(i, kSlotCalling, FieldTag::Calling, ev.cap.calling);
      item(i, kSlotCalled, FieldTag::Called, ev.cap.called);
      item(i, kSlotImsi, FieldTag::Imsi, ev.cap.imsi);
    } else if (ev.has(kLayerMap) || ev.has(kLayerSccp)) {
      track::SmsRecord sms = track::sms_record(ev);
      if (sms.valid) {
        item(i, kSlotCalling, FieldTag::Calling, sms.sender);
        item(i, kSlotCalled, FieldTag::Called, sms.recipient);
      } else {
        item(i, kSlotCalled, FieldTag::Called, ev.map.msisdn);
      }
      item(i, kSlotCallingGt, FieldTag::Gt, ev.sccp.calling.gt);
      item(i, kSlotVlr, FieldTag::Gt, ev.map.vlr);
      if (ev.map.msc != ev.map.vlr) item(i, kSlotMsc, FieldTag::Gt, ev.map.msc);
      item(i, kSlotImsi, FieldTag::Imsi, ev.map.imsi);
      item(i, kSlotImei, FieldTag::Imei, ev.map.imei);
      if (sms.valid) item(i, kSlotText, FieldTag::Text, sms.text);
      // A call forwarding's target: the number future calls will be sent to.
      item(i, kSlotForwardedTo, FieldTag::ForwardedTo, ev.map.forwarded_to);
      if (sms.valid && !sms.text.empty()) urls(i, sms.text);
    }
  }
  if (m.n_items != 0 && !compiled_->patterns.empty()) pattern_->scan(m.items(), m.matches);
  // A list with min_digits: a match on a shorter field is none (every backend
  // matches the entry alone; the length is the list's condition).
  if (compiled_->any_min_len) {
    const auto items = m.items();
    std::erase_if(m.matches, [&](const offload::PatternMatch& pm) {
      const PatternTarget& t = compiled_->targets[pm.pattern_id];
      return t.kind == PatternTarget::List && t.min_len != 0 && field_text(items, pm).size() < t.min_len;
    });
  }
  counters_.matches += m.matches.size();
  m.match_begin.assign(n + 1, 0);
  for (const auto& pm : m.matches) ++m.match_begin[(pm.item >> kSlotBits) + 1];
  for (size_t i = 0; i < n; ++i) m.match_begin[i + 1] += m.match_begin[i];

  // ---- 2. tracking in event order; samples for the rate stage ---------------
  m.facts.clear();
  calls_.new_burst();  // the previous burst's facts are done with
  contacts_.prefetch(events);
  contacts_.begin_burst();
  m.burst = events;
  m.fact_begin.assign(n + 1, 0);
  m.note_of.assign(n, -1);
  m.notes.clear();
  m.spoof_hits.clear();
  m.spoof_next = 0;
  m.id_pairs.clear();
  m.id_next = 0;
  m.texts.clear();
  m.text_next = 0;
  m.samples.clear();
  m.results.clear();
  m.consumers.clear();
  m.subj.clear();
  size_t event_first_sample = 0;
  HashMemo<track::hash_key> key_of;    // subjects, for profile and rate sample keys
  // Consumers of one subject in a row share its copy in the arena.
  const char* last_subj = nullptr;
  auto put_subject = [&](std::string_view s, Consumer& c) {
    if (last_subj != s.data() || m.subj.size() < s.size() ||
        std::string_view(m.subj).substr(m.subj.size() - s.size()) != s) {
      m.subj.append(s);
      last_subj = s.data();
    }
    c.subj_off = uint32_t(m.subj.size() - s.size());
    c.subj_len = uint32_t(s.size());
  };
  // One sample per (spec, key) per event; every (rule, quantity) reading it
  // becomes a consumer.
  auto emit = [&](size_t ev_i, uint32_t rule, uint8_t qi, std::string_view key_subject, uint64_t value,
                  SubjectType st, std::string_view alert_subject, uint64_t aux, int32_t fact) {
    if (key_subject.empty()) return;
    const CompiledRule& cr = compiled_->compiled[rule];
    if (cr.rule->hours_mask && !in_hours(*cr.rule, events[ev_i].ts_ns)) return;
    const Quantity& q = cr.quantities[qi];
    const uint64_t subject_hash = key_of(key_subject, 0);
    const uint64_t key = subject_key(subject_hash, q.salt);
    uint32_t si = UINT32_MAX;
    for (size_t k = event_first_sample; k < m.samples.size(); ++k)
      if (m.samples[k].spec_id == q.spec_id && m.samples[k].key == key) { si = uint32_t(k); break; }
    if (si == UINT32_MAX) {
      si = uint32_t(m.samples.size());
      offload::RateSample& sm = m.samples.emplace_back();
      sm.item = si;
      sm.spec_id = q.spec_id;
      sm.key = key;
      sm.value = value;
      sm.ts_ns = events[ev_i].ts_ns;
    }
    // Written in place: a Consumer built on the stack and copied in was read
    // back 16 bytes at a time from its narrower stores (store-forwarding
    // stalls, ~3 per consumer in perf annotate).
    Consumer& c = m.consumers.emplace_back();
    c.sample = si;
    c.event = uint32_t(ev_i);
    c.rule = rule;
    c.q = qi;
    c.stype = st;
    c.profile_key = subject_key(subject_hash, cr.fingerprint);
    c.aux = aux;
    c.fact = fact;
    put_subject(alert_subject, c);
  };
  auto sources = [&](Source s) -> const std::vector<std::pair<uint32_t, uint8_t>>& {
    return m.by_source[size_t(s)];
  };
  char ipbuf[64];
  for (size_t i = 0; i < n; ++i) {
    const SignalEvent& ev = events[i];
    event_first_sample = m.samples.size();
    key_of.clear();
    m.last_ts_ns = ev.ts_ns;
    contacts_.at_event(uint32_t(i));
    size_t f0 = m.facts.size();
    if (!ev.has(kLayerCap) || compiled_->rules->settings.track_camel) calls_.on_event(ev, uint32_t(i), m.facts);
    if (ev.has(kLayerTcap)) {
      const track::Transaction* tx = txns_.on_event(ev);
      if (const auto pr = track::SubscriberNumbers::pair_of(ev, tx); !pr.imsi.empty())
        m.id_pairs.push_back({uint32_t(i), pr.imsi, pr.msisdn});
      if (ev.ts_ns % 1'000'000'000ull < 1'000'000ull) txns_.expire(ev.ts_ns);
    }
    // Locations.
    if (ev.has(kLayerMap) && ev.map.component == MapComponent::Invoke && !ev.map.imsi.empty()) {
      int16_t op = ev.map.opcode;
      std::string_view vlr = !ev.map.vlr.empty() ? ev.map.vlr : ev.map.msc;
      if ((op == track::map_op::kUpdateLocation || op == track::map_op::kUpdateGprsLocation) && !vlr.empty()) {
        auto ch = locations_.update(ev.map.imsi, vlr, ev.ts_ns);
        Ss7Note note;
        note.location_update = true;
        note.first_seen = ch.first_seen;
        note.prev_vlr.assign(ch.prev_vlr);
        note.prev_ns = ch.prev_ns;
        m.note_of[i] = int32_t(m.notes.size());
        m.notes.push_back(note);
        for (auto [r, qi] : sources(Source::VlrSubscriber))
          emit(i, r, qi, vlr, hash_bytes(ev.map.imsi), SubjectType::Gt, vlr, 0, -1);
        for (auto [r, qi] : sources(Source::RoamCluster)) {
          const rules::Rule& rule = *compiled_->compiled[r].rule;
          bool hit = false;
          for (uint32_t k = m.match_begin[i]; k < m.match_begin[i + 1] && !hit; ++k) {
            const auto& pm = m.matches[k];
            uint32_t slot = pm.item & ((1u << kSlotBits) - 1);
            const PatternTarget& t = compiled_->targets[pm.pattern_id];
            if ((slot == kSlotVlr || slot == kSlotMsc) && t.kind == PatternTarget::List &&
                std::find(rule.lists.begin(), rule.lists.end(), t.index) != rule.lists.end())
              hit = true;
          }
          if (hit) emit(i, r, qi, vlr, hash_bytes(ev.map.imsi), SubjectType::Gt, vlr, 0, -1);
        }
      } else {
        locations_.touch(ev.map.imsi, ev.ts_ns);
      }
    } else if (ev.has(kLayerMap) && !ev.map.imsi.empty()) {
      locations_.touch(ev.map.imsi, ev.ts_ns);
    }
    // Where our subscribers roam (cli_spoof lets one abroad call home).
    if (m.learn_roaming && ev.has(kLayerMap)) note_roaming(ev);
    // Location queries per calling GT (foreign GTs only: our own HLR/SMSC query all day).
    if (ev.has(kLayerMap) && ev.map.component == MapComponent::Invoke && ev.map.opcode >= 0 &&
        !ev.sccp.calling.gt.empty() &&
        !starts_with_any(ev.sccp.calling.gt, compiled_->rules->settings.home_gt_prefixes)) {
      std::string_view target = !ev.map.msisdn.empty() ? ev.map.msisdn : ev.map.imsi;
      for (auto [r, qi] : sources(Source::LocationQuery)) {
        const auto& ops = compiled_->compiled[r].rule->operations;
        if (std::find(ops.begin(), ops.end(), ev.map.opcode) == ops.end()) continue;
        emit(i, r, qi, ev.sccp.calling.gt, hash_bytes(target) | 1, SubjectType::Gt, ev.sccp.calling.gt, 0, -1);
      }
    }
    // Call forwarding set (registerSS), provisioned (insertSubscriberData) or
    // used (a diverted INVITE or IAM): the subscriber is in contact with the target,
    // a victim if it is flagged.
    if (ev.has(kLayerMap) && ev.map.component == MapComponent::Invoke && !ev.map.forwarded_to.empty()) {
      std::string_view subscriber = !ev.map.msisdn.empty() ? ev.map.msisdn : ev.map.imsi;
      if (!subscriber.empty()) contacts_.forwarding(ev.map.forwarded_to, subscriber, ev.ts_ns);
    } else if (ev.has(kLayerSip) && ev.sip.method == SipMethod::Invite && !ev.sip.diversion_user.empty()) {
      contacts_.forwarding(track::sip_called(ev.sip), ev.sip.diversion_user, ev.ts_ns);
    } else if (ev.has(kLayerIsup) && !ev.isup.redirecting.empty() && !ev.isup.called.empty()) {
      contacts_.forwarding(ev.isup.called, ev.isup.redirecting, ev.ts_ns);
    }
    // SMS (a CAMEL one only with settings.track_camel: the link may carry it as MAP too).
    track::SmsRecord sms = track::sms_record(ev);
    if (sms.valid && (!ev.has(kLayerCap) || compiled_->rules->settings.track_camel)) {
      uint64_t rv = hash_bytes(sms.recipient);
      m.texts.push_back({uint32_t(i), sms.sender, sms.recipient, rv});
      // A text from abroad under one of our numbers (cli_spoof): the sender
      // is a real subscriber's or service's, whose rates it must not feed.
      const bool spoofed = !m.spoof_rules.empty() && !ev.has(kLayerCap) &&
                           (ev.has(kLayerSip) || !sms.mobile_originated) && find_sms_spoofs(ev, uint32_t(i), sms);
      // Another leg of a text counted already (its InitialDPSMS and its
      // mo-forwardSM by sender and recipient; its MO or SIP leg and its MT
      // leg by sender and text, the MT leg naming its recipient by IMSI, a
      // silent text's legs by sender alone):
      // counted once per sender and centre; its text still goes to the
      // bulk-text rules. A SIP MESSAGE's kind is its hop's by (sender,
      // recipient) (the same text through two proxies or a B2BUA), one kind by
      // text (a bulk sender's platform may leave from several addresses).
      constexpr unsigned kCamelLeg = 0, kMoLeg = 1, kMtLeg = 2, kSipLeg = 3;  // an InitialDPSMS has no text
      const bool sip = ev.has(kLayerSip);
      const unsigned leg = ev.has(kLayerCap) ? kCamelLeg : sip ? kSipLeg : sms.mobile_originated ? kMoLeg : kMtLeg;
      bool later = sms_legs_.later_leg(sms.sender, sms.recipient, ev.ts_ns,
                                       sip ? track::LegWindow::hop_kind(kSipLeg, ev.src, ev.dst) : leg);
      if (leg != kCamelLeg && sms_texts_.later_text_leg(sms.sender, sms.text, ev.ts_ns, leg)) later = true;
      if (later) {
        ++counters_.sms_later_legs;
      } else {
        contacts_.sms(sms.sender, sms.recipient, ev.ts_ns);
        if (!spoofed)
          for (auto [r, qi] : sources(Source::SmsBySender))
            emit(i, r, qi, sms.sender, rv, SubjectType::Msisdn, sms.sender, 0, -1);
        // A service centre of ours carries every subscriber's SMS: foreign_only rules skip it.
        const bool home_centre =
            !sources(Source::SmsByCentre).empty() &&
            starts_with_any(sms.service_centre, compiled_->rules->settings.home_gt_prefixes);
        for (auto [r, qi] : sources(Source::SmsByCentre))
          if (!(home_centre && compiled_->compiled[r].rule->foreign_only))
            emit(i, r, qi, sms.service_centre, rv, SubjectType::Gt, sms.service_centre, 0, -1);
      }
      for (auto [r, qi] : sources(Source::SmsByText)) {
        const Quantity& q = compiled_->compiled[r].quantities[qi];
        if (spoofed || sms.text.size() < q.param) continue;
        emit(i, r, qi, sms.text, rv, SubjectType::Msisdn, sms.sender, 0, -1);
      }
    }
    // SIP requests and responses per source address.
    if (ev.has(kLayerSip)) {
      const SipInfo& s = ev.sip;
      size_t len = 0;
      if (s.method != SipMethod::None) {
        uint32_t bit = 1u << uint32_t(s.method);
        if (!sources(Source::SipRequest).empty()) {
          track::format_ip(ev.src, ipbuf, sizeof ipbuf, len);
          std::string_view ip(ipbuf, len);
          std::string_view user = !s.to_user.empty() ? s.to_user : s.ruri_user;
          const uint64_t uv = hash_bytes(user) | 1;
          for (auto [r, qi] : sources(Source::SipRequest))
            if (compiled_->compiled[r].quantities[qi].param & bit)
              emit(i, r, qi, ip, uv, SubjectType::Ip, ip, 0, -1);
        }
      } else {
        uint32_t bit = 1u << uint32_t(s.cseq_method);
        bool fail = s.status == 401 || s.status == 403 || s.status == 404 || s.status == 407;
        if (!sources(Source::SipResponse).empty() || !sources(Source::SipFailure).empty()) {
          track::format_ip(ev.dst, ipbuf, sizeof ipbuf, len);
          std::string_view ip(ipbuf, len);
          for (auto [r, qi] : sources(Source::SipResponse))
            if (compiled_->compiled[r].quantities[qi].param & bit)
              emit(i, r, qi, ip, 0, SubjectType::Ip, ip, 0, -1);
          if (fail)
            for (auto [r, qi] : sources(Source::SipFailure))
              if (compiled_->compiled[r].quantities[qi].param & bit)
                emit(i, r, qi, ip, 0, SubjectType::Ip, ip, 0, -1);
        }
      }
    }
    // Calls.
    m.fact_begin[i] = uint32_t(f0);
    for (size_t f = f0; f < m.facts.size(); ++f) {
      CallFact& cf = m.facts[f];
      cf.event = uint32_t(i);  // timeouts swept here count at this event
      const CallRecord& rec = *cf.rec;
      std::string_view a = rec.a.view(), b = rec.b.view();
      int32_t fi = int32_t(f);
      // The group a simbox rule keys the call under (empty: the call has none).
      auto group_of = [&](uint64_t g, SubjectType& st) -> std::string_view {
        switch (rules::GroupBy(g)) {
          case rules::GroupBy::Ip:  // an ISUP or CAMEL call's source is an exchange, not a box's address
            st = SubjectType::Ip;
            return rec.proto == track::CallProto::Sip ? strip_port(rec.source.view()) : std::string_view{};
          case rules::GroupBy::UserAgent: st = SubjectType::UserAgent; return rec.user_agent.view();
          case rules::GroupBy::ImeiFamily: st = SubjectType::Imei; return rec.imei.view().substr(0, kImeiFamilyDigits);
          case rules::GroupBy::Cell: st = SubjectType::Cell; return rec.cell.view();
          default: return {};
        }
      };
      // A rule's only_callers_in (e.g. mobile numbers: a GoIP's SIM cards, not an IP-PBX's DIDs).
      auto counts_caller = [&](uint32_t r) {
        const ListSet& callers = compiled_->compiled[r].callers;
        return callers.empty() || callers.covers(a);
      };
      // A simbox rule's answer ratio: the call's outcome under its group.
      auto group_outcome = [&](Source s) {
        for (auto [r, qi] : sources(s)) {
          SubjectType st = SubjectType::Ip;
          std::string_view g = group_of(compiled_->compiled[r].quantities[qi].param, st);
          if (!g.empty() && counts_caller(r)) emit(i, r, qi, g, 0, st, g, 0, fi);
        }
      };
      if (cf.kind == CallFactKind::Started) {
        // A new call on a circuit whose last call was blocked: the circuit is free again.
        if (rec.proto == track::CallProto::Isup && m.blocked_calls.size() != 0)
          m.blocked_calls.erase(track::CallTracker::isup_key(ev.mtp3.opc, ev.mtp3.dpc, ev.isup.cic));
        if (!m.spoof_rules.empty()) find_spoofs(ev, uint32_t(i), uint32_t(f));
      }
      // A call from abroad presenting one of our numbers (cli_spoof): the
      // number is a real subscriber's, whose rates the call must not feed. Its
      // contact is kept: the numbers it reached are the spoofed number's victims.
      if (rec.cli_spoofed && !rec.later_leg) {
        if (cf.kind == CallFactKind::Started) cf.rec->contact = contacts_.call_started(a, b, rec.setup_ns);
        else if (cf.kind == CallFactKind::Answered)
          contacts_.call_answered(a, b, rec.answer_ns, rec.contact, rec.key);
        else if (cf.kind == CallFactKind::Ended) contacts_.call_ended(a, b, rec.talk_ns(), rec.end_ns, rec.contact);
        continue;
      }
      // Another leg of a call counted already: its contact's answer and talk
      // time still go to the contact log, its blocking follows the number;
      // the rates see the call once.
      if (rec.later_leg) {
        if (cf.kind == CallFactKind::Answered) contacts_.call_answered(a, b, rec.answer_ns);
        else if (cf.kind == CallFactKind::Ended) contacts_.call_ended(a, b, rec.talk_ns(), rec.end_ns);
        else if (cf.kind == CallFactKind::Started && m.blocked_numbers.size() != 0 &&
                 m.blocked_numbers.find(hash_bytes(a)))
          m.blocked_calls.emplace(track::call_id_hash(rec.call_id.view()));
        continue;
      }
      switch (cf.kind) {
        case CallFactKind::Started: {
          cf.rec->contact = contacts_.call_started(a, b, rec.setup_ns);
          uint64_t bv = hash_bytes(b) | 1;
          uint64_t bnum = digits_value(b);
          for (auto [r, qi] : sources(Source::CallAttempt))
            emit(i, r, qi, a, bv, SubjectType::Msisdn, a, bnum, fi);
          for (auto [r, qi] : sources(Source::CallInvolved)) {
            emit(i, r, qi, a, 0, SubjectType::Msisdn, a, 0, fi);
            emit(i, r, qi, b, 0, SubjectType::Msisdn, b, 0, fi);
          }
          for (auto [r, qi] : sources(Source::CallIncoming)) emit(i, r, qi, b, 0, SubjectType::Msisdn, b, 0, fi);
          for (auto [r, qi] : sources(Source::GroupCall)) {
            SubjectType st = SubjectType::Ip;
            std::string_view g = group_of(compiled_->compiled[r].quantities[qi].param, st);
            if (!g.empty() && counts_caller(r)) emit(i, r, qi, g, hash_bytes(a) | 1, st, g, 0, fi);
          }
          if (!sources(Source::GroupCall).empty()) {
            if (m.recent.empty()) m.recent.resize(Impl::kRecentCalls);
            Impl::RecentCall& rc = m.recent[m.recent_next++ % Impl::kRecentCalls];
            rc.ts_ns = rec.setup_ns;
            for (rules::GroupBy gb : {rules::GroupBy::Ip, rules::GroupBy::UserAgent, rules::GroupBy::ImeiFamily,
                                      rules::GroupBy::Cell}) {
              SubjectType st = SubjectType::Ip;
              std::string_view g = group_of(uint64_t(gb), st);
              rc.group[group_slot(st)] = g.empty() ? 0 : track::hash_key(g, kRecentGroupSeed);
            }
            rc.caller.assign(a);
          }
          if (!rec.imei.empty())
            for (auto [r, qi] : sources(Source::GroupImei)) {
              if (!counts_caller(r)) continue;
              std::string_view g = rec.imei.view().substr(0, kImeiFamilyDigits);
              emit(i, r, qi, g, hash_bytes(rec.imei.view()) | 1, SubjectType::Imei, g, 0, fi);
            }
          for (auto [r, qi] : sources(Source::GroupWindow)) {
            if (!counts_caller(r)) continue;
            const Quantity& q = compiled_->compiled[r].quantities[qi];
            SubjectType st = SubjectType::Ip;
            std::string_view g = group_of(q.param >> 56, st);
            uint64_t w = q.param & ((1ull << 56) - 1);
            emit(i, r, qi, g, (rec.setup_ns / (w ? w : 1)) + 1, st, g, 0, fi);
          }
          // Calls of a blocked number are blocked too.
          if (m.blocked_numbers.size() != 0 && m.blocked_numbers.find(hash_bytes(a)))
            m.blocked_calls.emplace(track::call_id_hash(rec.call_id.view()));
          break;
        }
        case CallFactKind::Answered:
          contacts_.call_answered(a, b, rec.answer_ns, rec.contact, rec.key);
          for (auto [r, qi] : sources(Source::CallAnswered)) emit(i, r, qi, a, 0, SubjectType::Msisdn, a, 0, fi);
          for (auto [r, qi] : sources(Source::CallSettled)) emit(i, r, qi, a, 0, SubjectType::Msisdn, a, 0, fi);
          group_outcome(Source::GroupAnswered);
          group_outcome(Source::GroupSettled);
          break;
        case CallFactKind::Ringing:
          break;
        case CallFactKind::Ended: {
          contacts_.call_ended(a, b, rec.talk_ns(), rec.end_ns, rec.contact);
          // How it ended was not on the link: neither answered, unanswered nor short.
          if (rec.end == track::CallEnd::Unseen) break;
          for (auto [r, qi] : sources(Source::CallEnded)) emit(i, r, qi, a, 0, SubjectType::Msisdn, a, 0, fi);
          if (!rec.answered()) {
            for (auto [r, qi] : sources(Source::CallSettled)) emit(i, r, qi, a, 0, SubjectType::Msisdn, a, 0, fi);
            group_outcome(Source::GroupSettled);
          }
          for (auto [r, qi] : sources(Source::CallShort))
            if (rec.talk_ns() < compiled_->compiled[r].quantities[qi].param)
              emit(i, r, qi, a, 0, SubjectType::Msisdn, a, 0, fi);
          if (rec.cancelled_before_answer()) {
            for (auto [r, qi] : sources(Source::CallCancelled)) emit(i, r, qi, a, 0, SubjectType::Msisdn, a, 0, fi);
            for (auto [r, qi] : sources(Source::OneRing))
              if (rec.ring_ns && rec.ring_duration_ns() <= compiled_->compiled[r].quantities[qi].param)
                emit(i, r, qi, a, hash_bytes(b) | 1, SubjectType::Msisdn, a, 0, fi);
          }
          break;
        }
      }
    }
  }
  m.fact_begin[n] = uint32_t(m.facts.size());
  contacts_.end_burst();
  counters_.samples += m.samples.size();
  // The profile table is far larger than the caches: phase 3 loads each
  // consumer's index slot kProfileAhead consumers ahead and the profile's
  // lines half as far; the first ones' slots start loading here, behind the
  // rate stage, and their lines after it.
  const size_t warm = std::min(kProfileAhead, m.consumers.size());
  for (size_t k = 0; k < warm; ++k) m.profiles.prefetch_slot(m.consumers[k].profile_key);
  if (!m.samples.empty()) rate_->update(m.samples, m.results);
  for (size_t k = 0; k < warm / 2; ++k)
    if (const Profile* ahead = m.profiles.find(m.consumers[k].profile_key)) {
      __builtin_prefetch(ahead, 1);
      __builtin_prefetch(&ahead->frames, 1);
    }

  // ---- 3. rules in event order ----------------------------------------------
  size_t ci = 0;
  Profile* p = nullptr;  // the profile of p_key
  uint64_t p_key = 0;
  for (size_t i = 0; i < n; ++i) {
    const SignalEvent& ev = events[i];
    const uint8_t offers = (m.match_begin[i] < m.match_begin[i + 1] ? kNeedMatch : 0) |
                           (ev.has(kLayerMap) && ev.map.component == MapComponent::Invoke ? kNeedMapInvoke : 0) |
                           (m.note_of[i] >= 0 ? kNeedNote : 0) |
                           (m.spoof_next < m.spoof_hits.size() && m.spoof_hits[m.spoof_next].event == i ? kNeedSpoof
                                                                                                     : 0);
    for (; m.id_next < m.id_pairs.size() && m.id_pairs[m.id_next].event == i; ++m.id_next)
      numbers_.learn(m.id_pairs[m.id_next].imsi.view(), m.id_pairs[m.id_next].msisdn.view());
    m.spoofed_cli = m.spoofed_called = {};
    if (offers & kNeedSpoof) {
      m.spoofed_cli = m.spoof_hits[m.spoof_next].cli;
      m.spoofed_called = m.spoof_hits[m.spoof_next].called;
      m.spoofed_block_key = m.spoof_hits[m.spoof_next].block_key;
    }
    if (offers & m.immediate_needs)
      for (auto [r, need] : m.immediate_rules)
        if (offers & need) apply_immediate(r, ev, i, alerts);
    if (m.flagged.size() != 0) note_flagged_contacts(ev, i);
    // windowed quantities of this event
    m.touched.clear();
    for (; ci < m.consumers.size() && m.consumers[ci].event == i; ++ci) {
      if (ci + kProfileAhead < m.consumers.size())
        m.profiles.prefetch_slot(m.consumers[ci + kProfileAhead].profile_key);
      if (ci + kProfileAhead / 2 < m.consumers.size())
        if (const Profile* ahead = m.profiles.find(m.consumers[ci + kProfileAhead / 2].profile_key)) {
          __builtin_prefetch(ahead, 1);
          __builtin_prefetch(&ahead->frames, 1);
        }
      const Consumer& c = m.consumers[ci];
      const CompiledRule& cr = compiled_->compiled[c.rule];
      const offload::RateResult& res = m.results[c.sample];
      const Quantity& q = cr.quantities[c.q];
      // Consumers of one profile come one after another (a count and a
      // distinct of one sample): no emplace since, so p is still valid.
      if (!p || c.profile_key != p_key) {
        p = m.profiles.emplace(c.profile_key).first;
        p_key = c.profile_key;
      }
      p->q[c.q] = q.read == Read::Count ? res.count : res.distinct;
      p->seen |= 1u << c.q;
      p->add_frame(ev.frame, ev.port);
      if (q.source == Source::CallAttempt) {
        for (size_t k = 0; k < cr.evals.size(); ++k) {
          if (cr.evals[k].kind != MetricEval::Sequential || cr.evals[k].q != c.q) continue;
          if (c.aux && c.aux == p->last_callee + 1) ++p->seq_run;
          else if (c.aux != p->last_callee) p->seq_run = 1;
          p->last_callee = c.aux;
          break;
        }
      }
      bool dup = false;
      for (auto& t : m.touched)
        if (m.consumers[t.first].profile_key == c.profile_key && t.second == c.rule) { dup = true; break; }
      if (!dup) m.touched.push_back({uint32_t(ci), c.rule});
    }
    for (auto [cidx, r] : m.touched) evaluate(r, m.consumers[cidx], ev, alerts);
    while (m.spoof_next < m.spoof_hits.size() && m.spoof_hits[m.spoof_next].event == i) ++m.spoof_next;
    if (ev.ts_ns >= m.on_line_due()) raise_on_line(ev, i, alerts);
  }
  counters_.profile_evictions = m.profiles.counters().evictions;
  counters_.caught_evictions = caught_.counters().evictions;
  counters_.blocked_subject_evictions = m.blocked_numbers.counters().evictions +
                                        m.blocked_ips.counters().evictions + m.blocked_gts.counters().evictions;
  counters_.blocked_call_evictions = m.blocked_calls.counters().evictions;
  m.burst = {};
}


template <class MakeEvidence>
void Detector::raise(uint32_t r, SubjectType st, std::string_view subject, const SignalEvent& ev,
                     MakeEvidence&& evidence, const detail::Profile* p, int32_t fact, std::vector<Alert>& alerts) {
  // A call of a group subject (SIM box by IP, User-Agent, IMEI family, cell):
  // its calling number is one of the group's, whose contacts are its victims.
  const bool group = is_group(st);
  std::string_view member;
  if (group && fact >= 0) member = impl_->facts[size_t(fact)].rec->a.view();
  if (absorbed(r, st, subject, ev, member)) return;
  open_alert(r, st, subject, ev, evidence(), p, fact, alerts, member);
}

namespace {
void note_member(Caught& c, std::string_view number) {
  if (number.empty()) return;
  const uint64_t h = hash_bytes(number);
  const uint64_t* hs = c.member_hashes.data();
  const size_t n = c.member_hashes.size();
  for (size_t k = track::find_hash(hs, n, h); k < n; k = track::find_hash(hs, n, h, k + 1))
    if (c.members[k] == number) return;
  if (c.members.size() < Caught::kMaxMembers) {
    c.members.emplace_back(number);
    c.member_hashes.push_back(h);
  } else {
    ++c.members_dropped;
  }
}
}  // namespace

void Detector::find_spoofs(const SignalEvent& ev, uint32_t i, uint32_t f) {
  Impl& m = *impl_;
  CallRecord& rec = *m.facts[f].rec;
  for (uint32_t r : m.spoof_rules) {
    const CompiledRule& cr = compiled_->compiled[r];
    const rules::Rule& rule = *cr.rule;
    if (rule.hours_mask && !in_hours(rule, ev.ts_ns)) continue;
    // Came in from abroad: from an international SBC's address (the
    // INVITE's source, the call's), or an international exchange's point code.
    bool abroad = false;
    if (rec.proto == track::CallProto::Sip && ev.has(kLayerSip)) {
      abroad = from_any(cr.sources, ev.src);
    } else if (rec.proto == track::CallProto::Isup) {
      abroad = std::find(rule.opcs.begin(), rule.opcs.end(), rec.orig_pc) != rule.opcs.end();
    }
    if (!abroad) continue;
    // Presenting one of our numbers: the caller the call is tracked under (a
    // SIP call's P-Asserted-Identity, else its From), or a From the phone
    // shows beside another PAI.
    SpoofHit h;
    h.event = i;
    h.rule = r;
    h.fact = int32_t(f);
    h.cli = rec.a.view();
    h.called = rec.b.view();
    h.field = rec.proto == track::CallProto::Isup ? "calling" : ev.sip.pai_user.empty() ? "from" : "pai";
    if (!cr.cli.covers(h.cli)) {
      if (rec.proto != track::CallProto::Sip || ev.sip.pai_user.empty() || !cr.cli.covers(ev.sip.from_user)) continue;
      h.cli = ev.sip.from_user;
      h.field = "from";
    }
    // Our subscriber abroad calling home.
    if (rule.roaming_exempt && m.roaming_abroad.size() != 0 && m.roaming_abroad.find(hash_bytes(h.cli))) {
      ++counters_.cli_roaming_passed;
      continue;
    }
    if (!compiled_->whitelist.empty() && compiled_->whitelist.covers(h.cli)) {
      ++counters_.whitelisted_suppressed;
      continue;
    }
    h.protocol = rec.proto == track::CallProto::Isup ? "isup" : "sip";
    h.source = rec.source;
    h.block_key = rec.proto == track::CallProto::Isup
                      ? track::CallTracker::isup_key(ev.mtp3.opc, ev.mtp3.dpc, ev.isup.cic)
                      : track::call_id_hash(rec.call_id.view());
    rec.cli_spoofed = true;
    m.spoof_hits.push_back(h);
  }
}

bool Detector::find_sms_spoofs(const SignalEvent& ev, uint32_t i, const track::SmsRecord& sms) {
  Impl& m = *impl_;
  const rules::Settings& st = compiled_->rules->settings;
  bool any = false;
  for (uint32_t r : m.spoof_rules) {
    const CompiledRule& cr = compiled_->compiled[r];
    const rules::Rule& rule = *cr.rule;
    if (!rule.sms || sms.sender.empty() || (rule.hours_mask && !in_hours(rule, ev.ts_ns))) continue;
    SpoofHit h;
    h.event = i;
    h.rule = r;
    h.cli = sms.sender;
    h.called = sms.recipient;
    if (ev.has(kLayerSip)) {
      // A MESSAGE from an international SBC.
      if (!from_any(cr.sources, ev.src)) continue;
      track::format_source(ev.src, h.source);
      h.field = ev.sip.pai_user.empty() ? "from" : "pai";
      h.protocol = "sip";
      h.block_key = track::call_id_hash(ev.sip.call_id);
    } else {
      // An mt-forwardSM from a service centre abroad: a GT in neither our
      // prefixes nor our country code.
      std::string_view centre = !ev.sccp.calling.gt.empty() ? ev.sccp.calling.gt : sms.service_centre;
      if (centre.empty() || (st.home_gt_prefixes.empty() && st.country_code.empty()) ||
          starts_with_any(centre, st.home_gt_prefixes) ||
          (!st.country_code.empty() && centre.starts_with(st.country_code)))
        continue;
      h.source.assign(centre);
      h.field = "tp_oa";
      h.protocol = "map";
      track::FixedStr<24> tid;
      track::TransactionTracker::tid_text(ev, tid);
      h.block_key = hash_bytes(tid.view());
    }
    // Under one of our numbers (checked after the source: most texts come from home).
    if (!cr.cli.covers(sms.sender)) continue;
    if (!compiled_->whitelist.empty() && compiled_->whitelist.covers(h.cli)) {
      ++counters_.whitelisted_suppressed;
      continue;
    }
    m.spoof_hits.push_back(h);
    any = true;
  }
  return any;
}

void Detector::note_roaming(const SignalEvent& ev) {
  // Our subscriber's profile sent to the VLR it roams in (the HLR's
  // insertSubscriberData): abroad unless the VLR is one of ours.
  if (ev.map.component != MapComponent::Invoke || ev.map.opcode != track::map_op::kInsertSubscriberData ||
      ev.map.msisdn.empty() || ev.sccp.called.gt.empty())
    return;
  if (starts_with_any(ev.sccp.called.gt, compiled_->rules->settings.home_gt_prefixes))
    impl_->roaming_abroad.erase(hash_bytes(ev.map.msisdn));
  else
    impl_->roaming_abroad.emplace(hash_bytes(ev.map.msisdn));
}

bool Detector::in_hours(const rules::Rule& r, uint64_t ts_ns) const {
  const int64_t s = int64_t(ts_ns / 1'000'000'000ull) + compiled_->rules->settings.utc_offset_s;
  const int64_t hours = s >= 0 ? s / 3600 : -((3599 - s) / 3600);  // floor
  return r.hours_mask >> ((hours % 24 + 24) % 24) & 1;
}

void Detector::apply_immediate(uint32_t r, const SignalEvent& ev, size_t i, std::vector<Alert>& alerts) {
  Impl& m = *impl_;
  const CompiledRule& cr = compiled_->compiled[r];
  const rules::Rule& rule = *cr.rule;
  if (rule.hours_mask && !in_hours(rule, ev.ts_ns)) return;
  const rules::RuleSet& rs = *compiled_->rules;
  auto text_of = [&](const offload::PatternMatch& pm) {
    std::string_view t = field_text(m.items(), pm);
    counters_.matches_without_field += t.empty();
    return t;
  };
  auto in_rule_lists = [&](uint32_t list) {
    return std::find(rule.lists.begin(), rule.lists.end(), list) != rule.lists.end();
  };
  const uint32_t mb = m.match_begin[i], me = m.match_begin[i + 1];
  constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
  switch (rule.type) {
    case RuleType::NumberList: {
      bool initial = (ev.has(kLayerSip) && (ev.sip.method == SipMethod::Invite || ev.sip.method == SipMethod::Message ||
                                            ev.sip.method == SipMethod::Register ||
                                            ev.sip.method == SipMethod::Options)) ||
                     (ev.has(kLayerIsup) && ev.isup.msg_type == 0x01) ||
                     (ev.has(kLayerCap) &&
                      (ev.cap.opcode == cap_op::kInitialDp || ev.cap.opcode == cap_op::kInitialDpSms)) ||
                     (ev.has(kLayerMap) && ev.map.component == MapComponent::Invoke);
      if (!initial) return;
      for (uint32_t k = mb; k < me; ++k) {
        const auto& pm = m.matches[k];
        const PatternTarget& t = compiled_->targets[pm.pattern_id];
        if (t.kind != PatternTarget::List || !in_rule_lists(t.index)) continue;
        uint32_t slot = pm.item & kSlotMask;
        SubjectType st = SubjectType::Msisdn;
        const char* field = "calling";
        if (slot == kSlotCalling || slot == kSlotFrom) {
          if (!(rule.fields & (rules::kFieldCalling | rules::kFieldPai))) continue;
        } else if (slot == kSlotCalled) {
          if (!(rule.fields & rules::kFieldCalled)) continue;
          field = "called";
        } else if (slot == kSlotCallingGt || slot == kSlotVlr || slot == kSlotMsc) {
          if (!(rule.fields & rules::kFieldGt)) continue;
          st = SubjectType::Gt;
          field = "gt";
        } else if (slot == kSlotImsi) {
          if (!(rule.fields & rules::kFieldImsi)) continue;
          st = SubjectType::Imsi;
          field = "imsi";
        } else if (slot == kSlotForwardedTo) {
          if (!(rule.fields & rules::kFieldForwardedTo)) continue;
          field = "forwarded_to";
        } else {
          continue;
        }
        raise(r, st, text_of(pm), ev,
              [&] {
                nlohmann::json e{{"list", rs.lists[t.index].name}, {"field", field},
                                 {"entry", compiled_->patterns[pm.pattern_id].text}};
                if (slot == kSlotForwardedTo && ev.has(kLayerSip)) {
                  // a call diverted there
                  e["msisdn"] = std::string(ev.sip.diversion_user);
                  e["op"] = "diverted INVITE";
                } else if (slot == kSlotForwardedTo && ev.has(kLayerIsup)) {
                  e["msisdn"] = std::string(ev.isup.redirecting);
                  e["op"] = "diverted IAM";
                } else if (slot == kSlotForwardedTo) {
                  // whose calls go there, and how it was set
                  if (!ev.map.msisdn.empty()) e["msisdn"] = std::string(ev.map.msisdn);
                  if (!ev.map.imsi.empty()) e["imsi"] = std::string(ev.map.imsi);
                  e["op"] = op_name(ev.map.opcode);
                  if (ev.map.ss_code != 0) e["ss_code"] = ss_code_name(ev.map.ss_code);
                }
                return e;
              },
              nullptr, -1, alerts);
      }
      return;
    }
    case RuleType::Content: {
      uint64_t families = 0;
      // Views into the compiled patterns and the burst's items: valid for
      // this call, all the evidence needs.
      std::array<std::string_view, 8> words;
      size_t nwords = 0;
      std::vector<std::string_view>& domains = m.domains;
      domains.clear();
      for (uint32_t k = mb; k < me; ++k) {
        const auto& pm = m.matches[k];
        const PatternTarget& t = compiled_->targets[pm.pattern_id];
        if (t.kind == PatternTarget::Keyword && t.index == r) {
          families |= 1ull << (t.family & 63);
          if (nwords < words.size()) words[nwords++] = compiled_->patterns[pm.pattern_id].text;
        } else if (t.kind == PatternTarget::List && (pm.item & kSlotMask) >= kSlotUrl0 && in_rule_lists(t.index)) {
          domains.push_back(text_of(pm));
        }
      }
      uint32_t nfam = uint32_t(__builtin_popcountll(families));
      bool kw = !rule.families.empty() && nfam >= rule.min_families;
      if (!kw && domains.empty()) return;
      std::string_view sender, text;
      if (ev.has(kLayerSip)) {
        sender = track::sip_calling(ev.sip);
        text = ev.sip.body_text;
      } else {
        const track::SmsRecord sms = track::sms_record(ev);
        sender = sms.sender;
        text = sms.text;
      }
      std::vector<CallbackNumber> callbacks;
      if (rule.callback_numbers) {
        callbacks = callback_numbers(text, rs.settings.national_forms);
        std::erase_if(callbacks, [&](const CallbackNumber& cb) { return cb.number == sender; });
      }
      raise(r, SubjectType::Msisdn, sender, ev,
            [&] {
              auto strings = [](std::span<const std::string_view> v) {
                nlohmann::json a = nlohmann::json::array();
                for (std::string_view x : v) a.push_back(std::string(x));
                return a;
              };
              nlohmann::json e = nlohmann::json::object();
              if (nfam) {
                nlohmann::json fam = nlohmann::json::array();
                for (size_t f = 0; f < rule.families.size() && f < 64; ++f)
                  if (families >> f & 1) fam.push_back(rule.families[f].name);
                e["families"] = fam;
                e["keywords"] = strings({words.data(), nwords});
                e["min_families"] = rule.min_families;
              }
              if (!domains.empty()) e["domains"] = strings(domains);
              if (!callbacks.empty()) {
                nlohmann::json cb = nlohmann::json::array();
                for (const CallbackNumber& c : callbacks) cb.push_back(c.number);
                e["callback_numbers"] = cb;
              }
              return e;
            },
            nullptr, -1, alerts);
      if (!callbacks.empty()) raise_callback_numbers(r, ev, sender, callbacks, alerts);
      return;
    }
    case RuleType::Signature: {
      if (ev.has(kLayerSip) && ev.sip.method == SipMethod::None) return;
      for (uint32_t k = mb; k < me; ++k) {
        const auto& pm = m.matches[k];
        const PatternTarget& t = compiled_->targets[pm.pattern_id];
        uint32_t slot = pm.item & kSlotMask;
        if ((t.kind == PatternTarget::UserAgent || t.kind == PatternTarget::Display) && t.index == r) {
          char buf[64];
          size_t len = 0;
          track::format_ip(ev.src, buf, sizeof buf, len);
          raise(r, SubjectType::Ip, {buf, len}, ev,
                [&] {
                  return nlohmann::json{
                      {t.kind == PatternTarget::UserAgent ? "user_agent" : "from_display", text_of(pm)},
                      {"signature", compiled_->patterns[pm.pattern_id].text}};
                },
                nullptr, -1, alerts);
        } else if (t.kind == PatternTarget::List && slot == kSlotImei && in_rule_lists(t.index)) {
          raise(r, SubjectType::Imei, text_of(pm), ev,
                [&] {
                  return nlohmann::json{{"imei_tac_list", rs.lists[t.index].name},
                                        {"tac", compiled_->patterns[pm.pattern_id].text}};
                },
                nullptr, -1, alerts);
        }
      }
      return;
    }
    case RuleType::Ss7Security: {
      if (!ev.has(kLayerMap) || ev.map.component != MapComponent::Invoke) return;
      int16_t op = ev.map.opcode;
      if (std::find(rule.operations.begin(), rule.operations.end(), op) == rule.operations.end()) return;
      std::string_view gt = ev.sccp.calling.gt;
      const auto& st = rs.settings;
      if (rule.category == rules::Ss7Category::Cat1) {
        if (gt.empty() || starts_with_any(gt, st.home_gt_prefixes)) return;
        raise(r, SubjectType::Gt, gt, ev,
              [&] { return nlohmann::json{{"category", 1}, {"operation", op_name(op)}, {"calling_gt", gt}}; }, nullptr,
              -1, alerts);
      } else if (rule.category == rules::Ss7Category::Cat2) {
        if (gt.empty() || starts_with_any(gt, st.home_gt_prefixes) || starts_with_any(gt, st.interconnect_gt_prefixes))
          return;
        if (ev.map.imsi.empty() || !starts_with_any(ev.map.imsi, st.home_imsi_prefixes)) return;
        raise(r, SubjectType::Gt, gt, ev,
              [&] {
                return nlohmann::json{
                    {"category", 2}, {"operation", op_name(op)}, {"calling_gt", gt}, {"imsi", ev.map.imsi}};
              },
              nullptr, -1, alerts);
      } else if (rule.category == rules::Ss7Category::Cat3) {
        if (m.note_of[i] < 0) return;
        const Ss7Note& note = m.notes[size_t(m.note_of[i])];
        std::string_view vlr = !ev.map.vlr.empty() ? ev.map.vlr : ev.map.msc;
        if (note.prev_vlr.empty() || ev.ts_ns < note.prev_ns) return;
        uint64_t dt = ev.ts_ns - note.prev_ns;
        const std::string_view from_cc = country_code(note.prev_vlr.view()), to_cc = country_code(vlr);
        if (dt >= rule.min_travel_ns || from_cc == to_cc) return;
        for (const auto& g : rule.neighbours)  // a border crossing takes minutes
          if (std::find(g.begin(), g.end(), from_cc) != g.end() && std::find(g.begin(), g.end(), to_cc) != g.end())
            return;
        raise(r, SubjectType::Imsi, ev.map.imsi, ev,
              [&] {
                return nlohmann::json{{"category", 3},
                                      {"previous_vlr", note.prev_vlr.view()},
                                      {"vlr", vlr},
                                      {"seconds_between", double(dt) / 1e9},
                                      {"min_travel_s", double(rule.min_travel_ns) / 1e9}};
              },
              nullptr, -1, alerts);
      }
      return;
    }
    case RuleType::Roaming: {
      if (m.note_of[i] < 0) return;
      const Ss7Note& note = m.notes[size_t(m.note_of[i])];
      std::string_view vlr = !ev.map.vlr.empty() ? ev.map.vlr : ev.map.msc;
      if (rule.mode == rules::RoamingMode::HighRiskVlr) {
        for (uint32_t k = mb; k < me; ++k) {
          const auto& pm = m.matches[k];
          const PatternTarget& t = compiled_->targets[pm.pattern_id];
          uint32_t slot = pm.item & kSlotMask;
          if (t.kind != PatternTarget::List || (slot != kSlotVlr && slot != kSlotMsc) || !in_rule_lists(t.index))
            continue;
          raise(r, SubjectType::Imsi, ev.map.imsi, ev,
                [&] {
                  return nlohmann::json{{"vlr", vlr},
                                        {"list", rs.lists[t.index].name},
                                        {"prefix", compiled_->patterns[pm.pattern_id].text}};
                },
                nullptr, -1, alerts);
          return;
        }
      } else if (rule.mode == rules::RoamingMode::FirstSeenRoaming) {
        if (!note.first_seen) return;
        const auto& st = rs.settings;
        if (!st.home_imsi_prefixes.empty() && !starts_with_any(ev.map.imsi, st.home_imsi_prefixes)) return;
        if (starts_with_any(vlr, st.home_gt_prefixes)) return;
        raise(r, SubjectType::Imsi, ev.map.imsi, ev,
              [&] { return nlohmann::json{{"vlr", vlr}, {"first_seen", true}}; }, nullptr, -1, alerts);
      }
      return;
    }
    case RuleType::CliSpoof: {
      for (size_t k = m.spoof_next; k < m.spoof_hits.size() && m.spoof_hits[k].event == i; ++k) {
        const SpoofHit& h = m.spoof_hits[k];
        if (h.rule != r) continue;
        // Every such call or text is blocked, the hits merged into an open alert too.
        if (rule.action == Action::Block) m.blocked_calls.emplace(h.block_key);
        if (absorbed(r, SubjectType::Msisdn, h.cli, ev, h.called)) continue;
        open_alert(r, SubjectType::Msisdn, h.cli, ev,
                   nlohmann::json{{"field", h.field},
                                  {"source", h.source.view()},
                                  {"protocol", h.protocol},
                                  {"called", h.called}},
                   nullptr, h.fact, alerts, h.called);
      }
      return;
    }
    default:
      return;
  }
}

void Detector::evaluate(uint32_t r, const detail::Consumer& c, const SignalEvent& ev, std::vector<Alert>& alerts) {
  Impl& m = *impl_;
  const CompiledRule& cr = compiled_->compiled[r];
  const rules::Rule& rule = *cr.rule;
  const Profile* p = m.profiles.find(c.profile_key);
  if (!p || cr.evals.empty()) return;
  // The metric of condition k; false while a ratio has no denominator.
  auto metric = [&](size_t k, double& v) {
    const MetricEval& me = cr.evals[k];
    switch (me.kind) {
      case MetricEval::Direct:
        v = (p->seen >> me.q & 1) ? p->q[me.q] : 0;
        return true;
      case MetricEval::Ratio:
      case MetricEval::Per: {
        if (!(p->seen >> me.q_den & 1) || p->q[me.q_den] == 0) return false;
        double num = (p->seen >> me.q & 1) ? p->q[me.q] : 0;
        v = num / p->q[me.q_den];
        if (me.kind == MetricEval::Ratio) v = std::min(1.0, v);
        return true;
      }
      case MetricEval::Sequential:
        v = p->seq_run;
        return true;
    }
    return false;
  };
  // Every condition first: the evidence is built only when the rule fires.
  for (size_t k = 0; k < cr.evals.size(); ++k) {
    const rules::Condition& cond = rule.conditions[k];
    double v = 0;
    if (!metric(k, v) || (cond.is_min ? !(v >= cond.threshold) : !(v <= cond.threshold))) return;
  }
  const std::string_view subject = std::string_view(m.subj).substr(c.subj_off, c.subj_len);
  raise(r, c.stype, subject, ev,
        [&] {
          nlohmann::json e = nlohmann::json::object();
          for (size_t k = 0; k < cr.evals.size(); ++k) {
            const rules::Condition& cond = rule.conditions[k];
            double v = 0;
            metric(k, v);
            std::string name(rules::metric_name(cond.metric));
            e[name] = {{"value", std::round(v * 1000) / 1000}, {cond.is_min ? "min" : "max", cond.threshold}};
          }
          e["window_s"] = double(rule.window_ns) / 1e9;
          if (rule.across_ns) e["across_s"] = double(rule.across_ns) / 1e9;
          return e;
        },
        p, c.fact, alerts);
}

void Detector::watch(std::string_view caller, std::string_view callee, bool flagged_caller, uint64_t answer_ns,
                     uint64_t call_key) {
  Impl& m = *impl_;
  for (uint32_t r : m.on_line_rules) {
    if (m.on_line.size() >= Impl::kMaxOnLine) {
      ++counters_.on_line_unwatched;
      continue;
    }
    const uint64_t due = answer_ns + compiled_->compiled[r].rule->min_talk_ns;
    m.on_line.push_back(
        {m.rule_name_hash[r], caller, callee, flagged_caller, answer_ns, due, call_key, m.on_line_seq++});
    std::push_heap(m.on_line.begin(), m.on_line.end(), Impl::later_due);
  }
}

void Detector::note_flagged_contacts(const SignalEvent& ev, size_t i) {
  Impl& m = *impl_;
  for (uint32_t f = m.fact_begin[i]; f < m.fact_begin[i + 1]; ++f) {
    const CallFact& cf = m.facts[f];
    if (cf.kind != CallFactKind::Answered) continue;
    const CallRecord& rec = *cf.rec;
    if (rec.later_leg || rec.cli_spoofed) continue;  // the first leg is watched; a spoof is not its subscriber
    const bool by_caller = m.is_flagged(hash_bytes(rec.a.view()));
    if (!by_caller) {
      const uint64_t callee = hash_bytes(rec.b.view());
      if (!m.is_flagged(callee)) continue;
      note_inbound(rec.a.view(), rec.b.view(), callee, ev.ts_ns);  // a victim calling in
    }
    if (!m.on_line_rules.empty()) watch(rec.a.view(), rec.b.view(), by_caller, rec.answer_ns, rec.key);
  }
  // (Texts of earlier events, while nothing was flagged, are passed.)
  for (; m.text_next < m.texts.size() && m.texts[m.text_next].event <= i; ++m.text_next) {
    const Impl::Text& t = m.texts[m.text_next];
    if (t.event == i && m.is_flagged(t.recipient_hash) && !m.is_flagged(hash_bytes(t.sender)))
      note_inbound(t.sender, t.recipient, t.recipient_hash, ev.ts_ns);
  }
}

void Detector::raise_callback_numbers(uint32_t r, const SignalEvent& ev, std::string_view sender,
                                      std::span<const CallbackNumber> callbacks, std::vector<Alert>& alerts) {
  for (const CallbackNumber& cb : callbacks) {
    raise(r, SubjectType::Msisdn, cb.number, ev,
          [&] {
            return nlohmann::json{{"op", "callback number in text"}, {"written", cb.written}, {"text_from", sender}};
          },
          nullptr, -1, alerts);
  }
}

std::vector<std::string> Detector::national_forms_of(std::string_view number) const {
  return rules::national_forms_of(compiled_->rules->settings.national_forms, number);
}

std::vector<std::string> Detector::dialled_forms_of(std::string_view number) const {
  std::vector<std::string> forms{std::string(number)};
  if (impl_->national_of_flagged.size() == 0) return forms;
  const uint64_t h = hash_bytes(number);
  for (std::string& national : national_forms_of(number)) {
    const uint64_t* intl = impl_->national_of_flagged.find(hash_bytes(national));
    if (intl && *intl == h && national != number) forms.push_back(std::move(national));
  }
  return forms;
}

void Detector::note_inbound_at_flag(const SignalEvent& ev, size_t i, std::string_view number, uint64_t h) {
  Impl& m = *impl_;
  for (uint32_t f = m.fact_begin[i]; f < m.fact_begin[i + 1]; ++f) {
    const CallRecord& rec = *m.facts[f].rec;
    if (!rec.later_leg && !rec.cli_spoofed && rec.b.view() == number) note_inbound(rec.a.view(), number, h, ev.ts_ns);
  }
  if (const track::SmsRecord sms = track::sms_record(ev); sms.valid && sms.recipient == number)
    note_inbound(sms.sender, number, h, ev.ts_ns);
}

void Detector::note_inbound(std::string_view from, std::string_view to, uint64_t to_hash, uint64_t ts_ns) {
  Impl& m = *impl_;
  if (from.empty() || from == to) return;
  if (m.national_of_flagged.size() != 0)
    if (const uint64_t* intl = m.national_of_flagged.find(to_hash)) to_hash = *intl;
  Impl::Inbound& in =
      *m.inbound.emplace(to_hash, [&](Impl::Inbound& out) { m.inbound_total -= out.callers.size(); }).first;
  const track::FixedStr<32> caller(from);  // as the list keeps it (at most 32 bytes)
  const uint64_t h = hash_bytes(caller.view());
  const uint64_t* hs = in.hashes.data();
  const size_t n = in.hashes.size();
  for (size_t k = track::find_hash(hs, n, h); k < n; k = track::find_hash(hs, n, h, k + 1))
    if (in.callers[k].number == caller) return;
  if (in.callers.size() >= Impl::kMaxInbound || m.inbound_total >= Impl::kMaxInboundTotal) {
    ++counters_.inbound_dropped;
    return;
  }
  in.callers.push_back({caller, ts_ns});
  in.hashes.push_back(h);
  ++m.inbound_total;
}

void Detector::watch_calls_of(std::string_view number, size_t i) {
  std::vector<track::Contact> then;
  const auto* cs = contacts_.contacts_after(number, uint32_t(i), then);
  // The contact log keeps calls by caller. The calls up now that the flagged
  // number made are in its own list; those it received from the numbers it
  // had called or texted (a one-ring call's callback, a scam text's reply
  // call) are in theirs: one lookup per contact, once per flagged number.
  track::Contact back;
  std::vector<std::string_view> reached;
  for (const track::Contact& c : cs ? std::span(*cs) : std::span<const track::Contact>{}) {
    reached.push_back(c.number.view());
    if (c.on_call) watch(number, c.number.view(), true, c.answer_ns, c.call_key);
    if (contacts_.contact_after(c.number.view(), number, uint32_t(i), back) && back.on_call)
      watch(c.number.view(), number, false, back.answer_ns, back.call_key);
  }
  // Those from numbers it never reached are in their callers' lists too, under
  // the form they dialled (its national forms flagged with it): the caller of
  // a fake service line, on the line with it when it is flagged.
  std::sort(reached.begin(), reached.end());
  for (const std::string& form : dialled_forms_of(number)) {
    const track::CallerList* callers = contacts_.callers_of(form);
    if (!callers) continue;
    // A caller is there twice when its own list lost the number and got it back.
    std::vector<std::string_view> each;
    callers->for_each([&](std::string_view c) { each.push_back(c); });
    std::sort(each.begin(), each.end());
    each.erase(std::unique(each.begin(), each.end()), each.end());
    for (const std::string_view c : each) {
      if (c == number || std::binary_search(reached.begin(), reached.end(), c)) continue;
      if (contacts_.contact_after(c, form, uint32_t(i), back) && back.on_call)
        watch(c, form, false, back.answer_ns, back.call_key);
    }
  }
}

void Detector::raise_on_line(const SignalEvent& ev, size_t i, std::vector<Alert>& alerts) {
  Impl& m = *impl_;
  track::Contact c;
  while (!m.on_line.empty() && m.on_line.front().due_ns <= ev.ts_ns) {
    std::pop_heap(m.on_line.begin(), m.on_line.end(), Impl::later_due);
    const Impl::OnLine o = m.on_line.back();
    m.on_line.pop_back();
    // Still up: the caller's contact with the callee is on the call answered then.
    if (!contacts_.contact_after(o.caller.view(), o.callee.view(), uint32_t(i), c) || !c.on_call ||
        c.answer_ns != o.answer_ns)
      continue;
    uint32_t r = UINT32_MAX;
    for (uint32_t x : m.on_line_rules)
      if (m.rule_name_hash[x] == o.rule_hash) r = x;
    if (r == UINT32_MAX) continue;  // the rule went at a reload
    const rules::Rule& rule = *compiled_->compiled[r].rule;
    if (rule.hours_mask && !in_hours(rule, ev.ts_ns)) continue;
    const std::string_view victim = o.flagged_caller ? o.callee.view() : o.caller.view();
    const std::string_view suspect = o.flagged_caller ? o.caller.view() : o.callee.view();
    if (m.is_flagged(hash_bytes(victim))) continue;  // two flagged numbers on the line: no victim
    // The call, while its record is there (it is up): a SIP call is named by
    // its Call-ID and, under a blocking rule, cut (inline, --enforce: the
    // dataplane sends both parties a BYE). Nothing is blocked: the BYEs end
    // the call (the parties' 200s to them end it here too), and a call the
    // dataplane cannot cut (over TCP or SCTP) must keep its own BYEs.
    const CallRecord* call = o.call_key ? calls_.find(o.call_key) : nullptr;
    const bool sip = call && call->proto == track::CallProto::Sip;
    if (rule.action == Action::Block && sip) {
      const uint64_t h = track::call_id_hash(call->call_id.view());
      if (std::find(m.cuts.begin(), m.cuts.end(), h) == m.cuts.end()) {
        m.cuts.push_back(h);
        ++counters_.calls_cut;
      }
    }
    m.on_line_call = call;
    raise(r, SubjectType::Msisdn, victim, ev,
          [&] {
            nlohmann::json e{{"flagged", suspect},
                             {"caller", o.caller.view()},
                             {"callee", o.callee.view()},
                             {"talk_s", (ev.ts_ns - o.answer_ns) / 1'000'000'000ull},
                             {"min_talk_s", rule.min_talk_ns / 1'000'000'000ull}};
            if (sip) e["call_id"] = call->call_id.view();
            return e;
          },
          nullptr, -1, alerts);
    m.on_line_call = nullptr;
  }
}

std::span<const uint64_t> Detector::calls_to_cut() const { return impl_->cuts; }
bool Detector::cuts_calls() const { return impl_->cut_calls; }

size_t Detector::flagged_count() const { return impl_->flagged.size(); }
const track::TableCounters& Detector::flagged_counters() const { return impl_->flagged.counters(); }
size_t Detector::inbound_count() const { return impl_->inbound.size(); }
const track::TableCounters& Detector::inbound_counters() const { return impl_->inbound.counters(); }
size_t Detector::national_alias_count() const { return impl_->national_of_flagged.size(); }
const track::TableCounters& Detector::national_alias_counters() const {
  return impl_->national_of_flagged.counters();
}
size_t Detector::calls_on_watch() const { return impl_->on_line.size(); }

bool Detector::spoofed(SubjectType st, std::string_view subject) const {
  return st == SubjectType::Msisdn && !impl_->spoofed_cli.empty() && subject == impl_->spoofed_cli;
}

bool Detector::absorbed(uint32_t r, SubjectType st, std::string_view subject, const SignalEvent& ev,
                        std::string_view member) {
  Impl& m = *impl_;
  if (subject.empty()) return true;
  // A hit inside the subject's open alert is counted into it first: a
  // flagged subject keeps hitting its rules, and this is the common case.
  // (Only a subject whitelisted by a reload after its alert can have both.)
  Caught* c = caught_.find(caught_key(subject, m.rule_name_hash[r], st));
  if (c && ev.ts_ns < c->window_end_ns) {
    ++c->hits;
    c->last_ts_ns = ev.ts_ns;
    if (!member.empty()) note_member(*c, member);
    else if (c->spoofed_cli && spoofed(st, subject)) note_member(*c, m.spoofed_called);
    ++counters_.hits_merged;
    return true;
  }
  // Whitelists hold numbers, GTs and IMSIs, and IP blocks for IP subjects.
  const bool listable = st == SubjectType::Msisdn || st == SubjectType::Gt || st == SubjectType::Imsi;
  if (!compiled_->whitelist.empty() &&
      (listable ? compiled_->whitelist.covers(subject)
                : st == SubjectType::Ip && compiled_->whitelist.covers_ip(subject))) {
    ++counters_.whitelisted_suppressed;
    return true;
  }
  return false;  // open_alert() opens (or reopens) its alert
}

void Detector::open_alert(uint32_t r, SubjectType st, std::string_view subject, const SignalEvent& ev,
                          nlohmann::json evidence, const detail::Profile* p, int32_t fact, std::vector<Alert>& alerts,
                          std::string_view member) {
  Impl& m = *impl_;
  const rules::Rule& rule = *compiled_->compiled[r].rule;
  const rules::Settings& settings = compiled_->rules->settings;
  uint64_t sh = hash_bytes(subject);
  uint64_t wkey = caught_key(subject, m.rule_name_hash[r], st);
  // Flagged on a call or text from abroad under one of our numbers (the
  // cli_spoof rule itself, or any rule on such a message): the number is a
  // real subscriber's, or a bank's. Its victims are the numbers its spoofed
  // calls and texts reached, not the subscriber's own contacts.
  const bool spoofed_hit = spoofed(st, subject);
  const bool pushed_out_before = caught_.counters().evictions != 0;
  auto [cp, fresh] = caught_.emplace(wkey, [&](Caught& old) {
    RuleTotals& t = evicted_totals_[old.rule];
    t.alerts += old.alerts;
    t.hits += old.hits;
  });
  Caught& cg = *cp;
  if (fresh) {
    cg.rule = rule.name;
    cg.subject_type = st;
    cg.subject = std::string(subject);
    cg.first_ts_ns = ev.ts_ns;
    if (pushed_out_before) cg.seq_base = counters_.alerts;
    cg.spoofed_cli = rule.type == rules::RuleType::CliSpoof || spoofed_hit;
    cg.victim = rule.type == rules::RuleType::VictimOnLine;
  }
  cg.window_end_ns = ev.ts_ns + rule.window_ns;
  const uint64_t since = ev.ts_ns > settings.victims_lookback_ns ? ev.ts_ns - settings.victims_lookback_ns : 0;
  if (fresh && is_group(st) && rule.type == rules::RuleType::SimBox && !m.recent.empty()) {
    // The box's calls before the verdict, newest first, back to the look-back.
    // (A scanner flagged by its address has no members: its INVITEs are probes.)
    const uint64_t gh = track::hash_key(subject, kRecentGroupSeed);
    const size_t slot = group_slot(st), n = std::min(m.recent_next, Impl::kRecentCalls);
    const ListSet& callers = compiled_->compiled[r].callers;
    for (size_t k = 1; k <= n; ++k) {
      const Impl::RecentCall& rc = m.recent[(m.recent_next - k) % Impl::kRecentCalls];
      if (rc.ts_ns < since) break;
      if (rc.group[slot] == gh && (callers.empty() || callers.covers(rc.caller.view())))
        note_member(cg, rc.caller.view());
    }
  }
  note_member(cg, member.empty() && spoofed_hit && cg.spoofed_cli ? m.spoofed_called : member);
  ++cg.alerts;
  ++cg.hits;
  cg.last_ts_ns = ev.ts_ns;

  Alert a;
  a.ts_ns = ev.ts_ns;
  a.id = fmt::format("{}-{}-{}", rule.name, subject, cg.seq_base + cg.alerts);
  a.rule = rule.name;
  a.severity = rule.severity;
  a.subject_type = st;
  a.subject = std::string(subject);
  a.evidence = std::move(evidence);
  a.action = rule.action;
  // Following the subject would mirror the real subscriber's own calls (or
  // the victim's).
  a.mirror_subject = !cg.spoofed_cli && !cg.victim;
  if (cg.victim) {
    // victim_on_line: the call on the line, by its INVITE and Call-ID, not
    // the message whose capture time found it still up (another call's, as
    // a rule: the mirror and the mirror port would follow that one).
    if (const CallRecord* call = m.on_line_call) {
      a.frames.push_back(call->first_frame);
      a.frame_ports.push_back(call->first_port);
      if (call->proto == track::CallProto::Sip) a.call_ids.emplace_back(call->call_id.view());
    }
  } else {
    // Sized once: the profile's frames and this message's.
    a.frames.reserve(kFramesKept + 1);
    a.frame_ports.reserve(kFramesKept + 1);
    if (p) {
      std::array<std::pair<uint64_t, uint16_t>, kFramesKept> fr;
      const size_t n = std::min<size_t>(p->nframes, kFramesKept);
      for (size_t k = 0; k < n; ++k) fr[k] = {p->frame(k), p->port(k)};
      std::sort(fr.begin(), fr.begin() + ptrdiff_t(n));
      for (size_t k = 0; k < n; ++k) {
        a.frames.push_back(fr[k].first);
        a.frame_ports.push_back(fr[k].second);
      }
    }
    if (std::find(a.frames.begin(), a.frames.end(), ev.frame) == a.frames.end()) {
      a.frames.push_back(ev.frame);
      a.frame_ports.push_back(ev.port);
    }
    if (fact >= 0) a.call_ids.emplace_back(m.facts[size_t(fact)].rec->call_id.view());
    else if (ev.has(kLayerSip) && !ev.sip.call_id.empty()) a.call_ids.emplace_back(ev.sip.call_id);
    if (ev.has(kLayerTcap)) {
      track::FixedStr<24> tid;
      track::TransactionTracker::tid_text(ev, tid);
      a.tcap_tids.emplace_back(tid.view());
    }
  }
  // As of this message, whatever else its burst went on to track.
  AsOf at{UINT32_MAX, ev.ts_ns};
  if (&ev >= m.burst.data() && &ev < m.burst.data() + m.burst.size()) at.event = uint32_t(&ev - m.burst.data());
  // A number flagged now: who calls or texts it is noted from now on, this
  // message's sender first (a call to a listed number is its caller's
  // contact with it); victim_on_line watches its calls (those up now, and
  // those answered from now on).
  // Its national forms (settings.national_forms) are flagged with it: a call
  // to 13912345678 over a SIP trunk reaches 8613912345678.
  std::vector<std::string> nationals;
  if (st == SubjectType::Msisdn && !cg.spoofed_cli && !cg.victim) nationals = national_forms_of(subject);
  if (st == SubjectType::Msisdn && !cg.spoofed_cli && !cg.victim && at.event != UINT32_MAX &&
      m.flag(sh)) {
    note_inbound_at_flag(ev, at.event, subject, sh);
    for (const std::string& n : nationals) {
      const uint64_t nh = hash_bytes(n);
      if (nh == sh || m.is_flagged(nh)) continue;  // flagged on its own: its own callers
      m.flag(nh);
      *m.national_of_flagged.emplace(nh).first = sh;
      note_inbound_at_flag(ev, at.event, n, nh);
    }
    if (!m.on_line_rules.empty()) watch_calls_of(subject, at.event);
  }
  if (cg.spoofed_cli) a.victims = called_victims(subject, cg.members, ev.ts_ns, since, at);
  else if (cg.victim) {}  // the subject is the victim
  else if (st == SubjectType::Msisdn) a.victims = victims_of(subject, since, at);
  else if (!cg.members.empty()) a.victims = victims_of(cg.members, since, at);
  // A spoofed number's calls and texts are blocked one by one, never the
  // number, whichever rule flags it.
  if (rule.action == Action::Block && spoofed_hit) m.blocked_calls.emplace(m.spoofed_block_key);
  // A victim_on_line subject is the victim: its rule cuts the call (raise_on_line), never blocks the number.
  if (rule.action == Action::Block && rule.type != rules::RuleType::CliSpoof &&
      rule.type != rules::RuleType::VictimOnLine && !spoofed_hit) {
    switch (st) {
      case SubjectType::Msisdn:
        m.blocked_numbers.emplace(sh);
        for (const std::string& n : nationals) m.blocked_numbers.emplace(hash_bytes(n));
        break;
      case SubjectType::Imsi: m.blocked_numbers.emplace(sh); break;
      case SubjectType::Ip: m.blocked_ips.emplace(sh); break;
      case SubjectType::Gt: m.blocked_gts.emplace(sh); break;
      default: break;
    }
    for (const auto& cid : a.call_ids) m.blocked_calls.emplace(track::call_id_hash(cid));
  }
  ++counters_.alerts;
  alerts.push_back(std::move(a));
}

std::vector<Victim> Detector::victims_of(std::string_view number, uint64_t since_ns, AsOf at, bool callbacks) const {
  std::vector<Victim> out;
  std::vector<track::Contact> then;
  const std::vector<track::Contact>* contacts = nullptr;
  if (at.event == UINT32_MAX) {
    if (const track::ContactList* list = contacts_.find(number)) contacts = &list->contacts;
  } else {
    contacts = contacts_.contacts_after(number, at.event, then);
  }
  const uint64_t deep_ns = compiled_->rules->settings.deep_victim_call_ns;
  const uint64_t now = at.event == UINT32_MAX ? impl_->last_ts_ns : at.now_ns;
  auto deep = [&](const track::Contact& c) {
    return c.talk_ns >= deep_ns || (c.on_call && now >= c.answer_ns + deep_ns);
  };
  const std::vector<std::string> forms = callbacks ? dialled_forms_of(number) : std::vector{std::string(number)};
  auto contact_with = [&](std::string_view from, track::Contact& got) {
    for (const std::string& form : forms)
      if (contacts_.contact_after(from, form, at.event, got)) return true;
    return false;
  };
  track::Contact back;
  static const std::vector<track::Contact> kNone;
  if (contacts) out.reserve(contacts->size());
  for (const track::Contact& c : contacts ? *contacts : kNone) {
    // Its calls back are in its own list (the log keeps calls by caller). A
    // number calling itself (its voicemail) calls nobody back.
    const bool called_back =
        callbacks && c.number.view() != number && contact_with(c.number.view(), back) && back.calls > 0;
    const uint64_t last_ns = called_back ? std::max(c.last_ns, back.last_ns) : c.last_ns;
    if (last_ns < since_ns) continue;
    Victim v;
    v.number = std::string(c.number.view());
    v.last_ts_ns = last_ns;
    v.deep = deep(c) || (called_back && deep(back));
    v.called_back = called_back;
    out.push_back(std::move(v));
  }
  // Who called or texted it and was none of its contacts: before its flag,
  // the log's callers of each form (their own contact with it, as of the
  // alert's message, gives when and how long); since its flag, the callers
  // noted then (one whose list has since lost the contact, or whose call a
  // forwarding took there, is known only so). Another flagged number is no victim.
  const Impl::Inbound* in = callbacks ? impl_->inbound.find(hash_bytes(number)) : nullptr;
  std::vector<const track::CallerList*> callers;
  if (callbacks)
    for (const std::string& form : forms)
      if (const track::CallerList* l = contacts_.callers_of(form)) callers.push_back(l);
  if (!callers.empty() || (in && !in->callers.empty())) {
    // Views of out's numbers and of the callers' own (the lists'): the new
    // victims go to out only after the loops.
    size_t most = out.size() + (in ? in->callers.size() : 0);
    for (const track::CallerList* l : callers) most += l->size();
    SeenNumbers known(most);
    for (const Victim& v : out) known.add(v.number);
    std::vector<Victim> called_in;
    for (const track::CallerList* l : callers) {
      l->for_each([&](std::string_view c) {
        if (c == number || known.contains(c) || !contact_with(c, back) || back.last_ns < since_ns ||
            impl_->is_flagged(hash_bytes(c)))
          return;
        known.add(c);
        Victim v;
        v.number = std::string(c);
        v.last_ts_ns = back.last_ns;
        v.deep = deep(back);
        v.called_in = true;
        called_in.push_back(std::move(v));
      });
    }
    for (const Impl::Inbound::Caller& c : in ? std::span(in->callers) : std::span<const Impl::Inbound::Caller>{}) {
      if (known.contains(c.number.view())) continue;
      const bool in_log = contact_with(c.number.view(), back);
      Victim v;
      v.number = std::string(c.number.view());
      v.last_ts_ns = in_log ? back.last_ns : c.first_ns;
      if (v.last_ts_ns < since_ns) continue;
      known.add(c.number.view());
      v.deep = in_log && deep(back);
      v.called_in = true;
      called_in.push_back(std::move(v));
    }
    std::move(called_in.begin(), called_in.end(), std::back_inserter(out));
  }
  name_by_msisdn(out);
  std::sort(out.begin(), out.end(), [](const Victim& a, const Victim& b) {
    return a.deep != b.deep ? a.deep : a.number < b.number;
  });
  return out;
}

void Detector::name_by_msisdn(std::vector<Victim>& victims) const {
  if (numbers_.size() == 0) return;
  bool renamed = false;
  for (Victim& v : victims) {
    if (const std::string_view n = numbers_.msisdn_of(v.number); !n.empty()) {
      v.imsi = std::move(v.number);
      v.number = std::string(n);
      renamed = true;
    }
  }
  if (!renamed) return;
  std::stable_sort(victims.begin(), victims.end(), [](const Victim& a, const Victim& b) { return a.number < b.number; });
  size_t w = 0;
  for (size_t r = 0; r < victims.size(); ++r) {
    if (w > 0 && victims[w - 1].number == victims[r].number) {
      Victim& into = victims[w - 1];
      into.deep = into.deep || victims[r].deep;
      into.called_back = into.called_back || victims[r].called_back;
      into.called_in = into.called_in || victims[r].called_in;
      into.last_ts_ns = std::max(into.last_ts_ns, victims[r].last_ts_ns);
      if (into.imsi.empty()) into.imsi = std::move(victims[r].imsi);
      continue;
    }
    if (w != r) victims[w] = std::move(victims[r]);
    ++w;
  }
  victims.resize(w);
}

std::vector<Victim> Detector::called_victims(std::string_view number, const std::vector<std::string>& called,
                                             uint64_t last_ns, uint64_t since_ns, AsOf at) const {
  // Deep or not, and when last in contact, as the contact log has them; the
  // calls the subscriber the number belongs to gets are not the spoofs' doing.
  std::vector<Victim> out = victims_of(number, since_ns, at, false);
  // Sets, not searches: a spoofed number reaches up to Caught::kMaxMembers
  // numbers, and the subscriber's own contacts are up to 512.
  SeenNumbers was_called(called.size());
  for (const std::string& n : called) was_called.add(n);
  std::erase_if(out, [&](const Victim& v) {
    return !was_called.contains(v.number) && (v.imsi.empty() || !was_called.contains(v.imsi));
  });
  // A called number the contact log no longer holds (pushed out) is still
  // one. Views of out's strings, then of called's and of the IMSI pairing's:
  // out grows only after the loop.
  SeenNumbers numbers(out.size() + called.size()), any(2 * (out.size() + called.size()));
  for (const Victim& v : out) {
    numbers.add(v.number);
    any.add(v.number);
    if (!v.imsi.empty()) any.add(v.imsi);
  }
  std::vector<Victim> more;
  for (const std::string& n : called) {
    if (any.contains(n)) continue;
    const std::string_view msisdn = numbers_.msisdn_of(n);
    const std::string_view named = msisdn.empty() ? std::string_view(n) : msisdn;
    if (numbers.contains(named)) continue;
    numbers.add(named);
    any.add(named);
    Victim v{std::string(named), false, last_ns, {}};
    if (!msisdn.empty()) {
      v.imsi = n;
      any.add(n);
    }
    more.push_back(std::move(v));
  }
  std::move(more.begin(), more.end(), std::back_inserter(out));
  return out;
}

std::vector<Victim> Detector::victims_of(const std::vector<std::string>& numbers, uint64_t since_ns,
                                         AsOf at) const {
  std::map<std::string, Victim> merged;
  for (const std::string& n : numbers)
    for (Victim& v : victims_of(n, since_ns, at)) {
      auto [it, fresh] = merged.try_emplace(v.number, v);
      if (!fresh) {
        it->second.deep = it->second.deep || v.deep;
        it->second.called_back = it->second.called_back || v.called_back;
        it->second.called_in = it->second.called_in || v.called_in;
        it->second.last_ts_ns = std::max(it->second.last_ts_ns, v.last_ts_ns);
      }
    }
  std::vector<Victim> out;
  out.reserve(merged.size());
  for (auto& [n, v] : merged) out.push_back(std::move(v));
  std::stable_sort(out.begin(), out.end(), [](const Victim& a, const Victim& b) { return a.deep && !b.deep; });
  return out;
}

void Detector::finish(uint64_t now_ns, std::vector<Alert>& alerts) {
  (void)alerts;
  Impl& m = *impl_;
  if (now_ns > m.last_ts_ns) m.last_ts_ns = now_ns;
  m.facts.clear();
  calls_.finish(m.last_ts_ns, m.facts);
  for (const CallFact& f : m.facts) {
    const CallRecord& rec = *f.rec;
    if (rec.answered()) contacts_.call_ended(rec.a.view(), rec.b.view(), rec.talk_ns(), rec.end_ns, rec.contact);
  }
  m.facts.clear();
  txns_.expire(UINT64_MAX / 2);
}

namespace {
// ISUP messages that an inline probe never holds, even on a blocked call's
// circuit: the release pair and circuit maintenance (Q.763 message types). A blocked
// call loses its IAM and what would build it up (SAM, COT, ACM, ANM, CPG, ...);
// the originating exchange's REL (its caller hangs up, or its timer for the
// missing ACM runs out) reaches the far exchange, which never saw the IAM and
// answers a REL on an idle circuit with an RLC (Q.764), so both ends return
// the circuit to idle. Held, the REL would go unanswered: T1 repeats it and
// T5 ends in a circuit reset (Q.764 2.3.1, 2.9.6).
constexpr bool isup_frees_circuit(uint8_t type) {
  switch (type) {
    case 0x0C: case 0x10:                                   // REL, RLC
    case 0x11: case 0x12: case 0x17: case 0x29:             // CCR, RSC, GRS, GRA
    case 0x13: case 0x14: case 0x15: case 0x16:             // BLO, UBL, BLA, UBA
    case 0x18: case 0x19: case 0x1A: case 0x1B:             // CGB, CGU, CGBA, CGUA
    case 0x24: case 0x2A: case 0x2B: case 0x2E: case 0x2F:  // LPA, CQM, CQR, UCIC, CFN
    case 0x30: case 0x34: case 0x35:                        // OLM, UPT, UPA
      return true;
    default:
      return false;
  }
}
}  // namespace

bool Detector::blocked(const SignalEvent& ev) const {
  const Impl& m = *impl_;
  if (m.blocked_numbers.size() == 0 && m.blocked_ips.size() == 0 && m.blocked_gts.size() == 0 &&
      m.blocked_calls.size() == 0)
    return false;
  if (ev.has(kLayerSip)) {
    if (m.blocked_calls.find(track::call_id_hash(ev.sip.call_id))) return true;
    if (m.blocked_numbers.find(hash_bytes(track::sip_calling(ev.sip)))) return true;
    // nor a call or a text to it: a victim calling or texting back, or a
    // call diverted there by the victim's forwarding
    if ((ev.sip.method == SipMethod::Invite || ev.sip.method == SipMethod::Message) &&
        m.blocked_numbers.find(hash_bytes(track::sip_called(ev.sip))))
      return true;
    char buf[64];
    size_t len = 0;
    track::format_ip(ev.src, buf, sizeof buf, len);
    return m.blocked_ips.find(hash_bytes({buf, len})) != nullptr;
  }
  if (ev.has(kLayerIsup)) {
    if (isup_frees_circuit(ev.isup.msg_type)) return false;
    if (m.blocked_calls.find(track::CallTracker::isup_key(ev.mtp3.opc, ev.mtp3.dpc, ev.isup.cic))) return true;
    if (ev.isup.msg_type == 0x01)  // IAM: from a blocked number, or to one
      return m.blocked_numbers.find(hash_bytes(ev.isup.calling)) != nullptr ||
             m.blocked_numbers.find(hash_bytes(ev.isup.called)) != nullptr;
    // The rest of such a call (SAM, COT, ACM, ...) carries no number: its
    // circuit's call record does.
    if (m.blocked_numbers.size() == 0) return false;
    const CallRecord* rec = calls_.find_isup(ev.mtp3.opc, ev.mtp3.dpc, ev.isup.cic);
    return rec && (m.blocked_numbers.find(hash_bytes(rec->a.view())) != nullptr ||
                   m.blocked_numbers.find(hash_bytes(rec->b.view())) != nullptr);
  }
  if (ev.has(kLayerMap) || ev.has(kLayerSccp)) {
    if (m.blocked_gts.find(hash_bytes(ev.sccp.calling.gt))) return true;
    // A blocked dialogue (a text from abroad under one of our numbers).
    if (m.blocked_calls.size() != 0 && ev.has(kLayerTcap)) {
      track::FixedStr<24> tid;
      track::TransactionTracker::tid_text(ev, tid);
      if (m.blocked_calls.find(hash_bytes(tid.view()))) return true;
    }
    if (!ev.map.imsi.empty() && m.blocked_numbers.find(hash_bytes(ev.map.imsi))) return true;
    // A subscriber registering call forwarding to a blocked number: the HLR
    // never gets it. (insertSubscriberData carrying such a target passes: it
    // is the HLR's data already, and holding it back would fail the location
    // update it rides in.)
    if (ev.map.opcode == track::map_op::kRegisterSs && ev.map.component == MapComponent::Invoke &&
        !ev.map.forwarded_to.empty() && m.blocked_numbers.find(hash_bytes(ev.map.forwarded_to)))
      return true;
    track::SmsRecord sms = track::sms_record(ev);
    return sms.valid && (m.blocked_numbers.find(hash_bytes(sms.sender)) != nullptr ||
                         m.blocked_numbers.find(hash_bytes(sms.recipient)) != nullptr);
  }
  return false;
}

}  // namespace sigprobe::detect
