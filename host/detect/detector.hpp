// Detector: track + detect for one worker. Per burst: one pattern scan over
// the burst's fields, tracking in event order (calls, transactions,
// locations, SMS, contacts), one rate update over the burst's samples, then
// the rules applied in event order, so a verdict comes out on the message
// that crosses its threshold. State (tables, profiles, alert windows)
// belongs to the detector and survives rule reloads.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "dataplane/core/signal_event.hpp"
#include "host/detect/alert.hpp"
#include "host/detect/callback_numbers.hpp"
#include "host/detect/compiled_rules.hpp"
#include "host/offload/engines.hpp"
#include "host/track/call_tracker.hpp"
#include "host/track/contact_log.hpp"
#include "host/track/flat_table.hpp"
#include "host/track/ss7_tracker.hpp"

namespace sigprobe::detect {

namespace detail {
struct Consumer;
struct Profile;
}  // namespace detail

// Everything the detector caught for one (rule, subject), across windows,
// and its open alert window. Kept in a table bounded by
// settings.max_subscribers: the oldest entry is pushed out when it is full.
struct Caught {
  uint64_t window_end_ns = 0;  // hits before it are counted into the open alert
  uint64_t first_ts_ns = 0, last_ts_ns = 0;
  uint64_t alerts = 0;
  uint64_t hits = 0;           // alerts + hits counted into open alerts
  // An alert's number is seq_base + alerts. seq_base is 0 until the table
  // has pushed an entry out; from then on a new entry starts after every alert
  // raised so far, so a (rule, subject) pushed out and caught again never
  // repeats an alert id.
  uint64_t seq_base = 0;
  SubjectType subject_type = SubjectType::Msisdn;
  std::string rule;
  std::string subject;
  // A group subject (a SIM box's IP, User-Agent, IMEI family or cell): the
  // calling numbers of its calls that hit the rule from its first alert on,
  // whose contacts are the group's victims. A spoofed number (cli_spoof): the
  // numbers its spoofed calls and texts reached, the victims themselves. At most
  // kMaxMembers; the rest are counted in members_dropped.
  static constexpr size_t kMaxMembers = 256;
  std::vector<std::string> members;
  // hash_bytes of each member, parallel to members: every call of a flagged
  // group looks its number up (a SIM box's: 8 bytes a member to scan, not
  // its string; bench/detect BM_CallsOfFlaggedSimBox).
  std::vector<uint64_t> member_hashes;
  uint64_t members_dropped = 0;
  // Opened by cli_spoof, or by any rule on a spoofed call or text: members
  // are the numbers reached.
  bool spoofed_cli = false;
  // A victim_on_line rule's: the subject is a victim, not a suspect (not
  // among the flagged numbers of the reports and the victims file).
  bool victim = false;
};
struct RuleTotals {
  uint64_t alerts = 0, hits = 0;
};

struct DetectCounters {
  uint64_t events = 0, bursts = 0, samples = 0, matches = 0, alerts = 0, hits_merged = 0;
  uint64_t whitelisted_suppressed = 0, reloads = 0, profile_evictions = 0;
  uint64_t caught_evictions = 0;            // (rule, subject) entries pushed out of the caught list
  uint64_t blocked_subject_evictions = 0;   // numbers, IPs and GTs pushed out of the blocked sets
  uint64_t blocked_call_evictions = 0;
  uint64_t sms_later_legs = 0;              // SMS seen again as another leg (track::LegWindow)
  uint64_t cli_roaming_passed = 0;          // calls from abroad with our number, of a subscriber roaming there
  uint64_t on_line_unwatched = 0;           // flagged numbers' answered calls victim_on_line could not watch (list full)
  uint64_t inbound_dropped = 0;             // callers of flagged numbers not noted as victims (lists full)
  uint64_t calls_cut = 0;                   // calls a blocking victim_on_line rule asked to cut
  // Pattern matches whose field text was not found again: always 0 unless the
  // scan items and the matches disagree (the fuzz targets require 0).
  uint64_t matches_without_field = 0;
};

// When victims are read: now (after every event so far), or just after
// event `event` of the burst Detector::on_events() is raising alerts for, at
// its capture time now_ns. An alert lists the victims as of its own message:
// the same whether its burst held one packet or 32.
struct AsOf {
  uint32_t event = UINT32_MAX;
  uint64_t now_ns = 0;
};

class Detector {
 public:
  // The engines must have been built from compiled->patterns / ->rates.
  Detector(std::unique_ptr<CompiledRules> compiled, std::unique_ptr<offload::PatternEngine> pattern,
           std::unique_ptr<offload::RateEngine> rate);
  ~Detector();

  void on_events(std::span<const SignalEvent> events, std::vector<Alert>& alerts);
  void finish(uint64_t now_ns, std::vector<Alert>& alerts);
  bool blocked(const SignalEvent& ev) const;
  // The SIP calls to cut now, raised by a blocking victim_on_line rule in the
  // last on_events() call, by track::call_id_hash (nothing of theirs is blocked).
  // Inline with --enforce the dataplane sends both parties a BYE.
  std::span<const uint64_t> calls_to_cut() const;
  bool cuts_calls() const;

  // Swaps in new rules between bursts. rate may be null: the current rate
  // engine (and its windows) is kept, which is only valid when the spec list
  // is unchanged (same_rates()).
  void swap_rules(std::unique_ptr<CompiledRules> compiled, std::unique_ptr<offload::PatternEngine> pattern,
                  std::unique_ptr<offload::RateEngine> rate);
  bool same_rates(const CompiledRules& next) const;
  const CompiledRules& compiled() const { return *compiled_; }

  // Reports.
  // The caught list (bounded; pushed-out entries are gone from it but still
  // in alerts_per_rule()).
  std::vector<Caught> caught() const;
  // Alerts and hits per rule name since the start, pushed-out entries included.
  std::map<std::string, RuleTotals> alerts_per_rule() const;
  const DetectCounters& counters() const { return counters_; }
  const track::CallTracker& calls() const { return calls_; }
  const track::TransactionTracker& transactions() const { return txns_; }
  const track::ContactLog& contacts() const { return contacts_; }
  const track::LocationTable& locations() const { return locations_; }
  const track::SubscriberNumbers& subscriber_numbers() const { return numbers_; }
  // victim_on_line's flagged numbers (entries, bound, evictions) and the calls it watches now.
  size_t flagged_count() const;
  const track::TableCounters& flagged_counters() const;
  // Flagged numbers with callers noted since their flag (the victims called in).
  size_t inbound_count() const;
  const track::TableCounters& inbound_counters() const;
  // Numbers flagged in international form, by each of their national forms.
  size_t national_alias_count() const;
  const track::TableCounters& national_alias_counters() const;
  size_t calls_on_watch() const;
  // Work the offload stages handed to a fallback: fpga batches after a card
  // failure, cpu fields whose Hyperscan scan failed.
  uint64_t offload_fallbacks() const { return pattern_->fallbacks() + rate_->fallbacks(); }
  // "pattern BACKEND N: REASON; rate BACKEND N: REASON" for the stages that
  // fell back (empty: none).
  std::string offload_fallback_reasons() const;
  void print_caught(std::ostream& os) const;
  // One JSON line per flagged number: its victims (contacts since the
  // look-back before its first alert), deep ones marked; and one per flagged
  // group (SIM box by IP, User-Agent, IMEI family or cell): its calling
  // numbers and their victims.
  void write_victims(std::ostream& os) const;
  // Victims of a number: the numbers it called or texted since since_ns, and
  // of those the ones that called it back (called_back; deep by the callback's
  // talk too: a wangiri number's harm is the callback); then those that
  // called or texted it since since_ns without its reaching them first,
  // before its flag (the contact log's callers) and after (called_in: a fake
  // customer-service line's callers).
  std::vector<Victim> victims_of(std::string_view number, uint64_t since_ns, AsOf at = AsOf()) const {
    return victims_of(number, since_ns, at, true);
  }
  // Victims of several numbers (a flagged group's), each once (deep if deep for any).
  std::vector<Victim> victims_of(const std::vector<std::string>& numbers, uint64_t since_ns, AsOf at = AsOf()) const;
  // The victims of a spoofed number (cli_spoof): the numbers its spoofed calls
  // and texts reached (called, a Caught's members; last_ns for one the contact log no
  // longer holds), not the contacts of the subscriber the number belongs to.
  std::vector<Victim> called_victims(std::string_view number, const std::vector<std::string>& called,
                                     uint64_t last_ns, uint64_t since_ns, AsOf at = AsOf()) const;
  // A flagged number's victims for the reports: its contacts since the
  // look-back before first_ns (contacts: a rule of that kind flagged it), else
  // the numbers reached by its spoofed calls (its cli_spoof entries).
  std::vector<Victim> number_victims(const std::string& number, uint64_t first_ns, bool contacts,
                                     const std::vector<const Caught*>& spoofed) const;

 private:
  std::vector<Victim> victims_of(std::string_view number, uint64_t since_ns, AsOf at, bool callbacks) const;
  // number's national forms under settings.national_forms (8613912345678:
  // 13912345678 by "1": "861", 013912345678 by "0": "86").
  std::vector<std::string> national_forms_of(std::string_view number) const;
  // The forms a caller may have dialled a flagged number in (its contact is
  // under the form it dialled): the number, and each national form
  // registered for it at its flag.
  std::vector<std::string> dialled_forms_of(std::string_view number) const;
  struct Impl;
  void apply_immediate(uint32_t rule, const SignalEvent& ev, size_t i, std::vector<Alert>& alerts);
  // A MAP event's word on where our subscriber roams (cli_spoof's roaming_exempt).
  void note_roaming(const SignalEvent& ev);
  // The cli_spoof rules on call start f (fact f of event i): each rule that
  // finds it spoofed gets a hit (phase 3 raises it) and the call is marked.
  void find_spoofs(const SignalEvent& ev, uint32_t i, uint32_t f);
  // The same for a text of event i that came in (mt-forwardSM, SIP MESSAGE):
  // true when a rule found it spoofed (its sender's rates skip it).
  bool find_sms_spoofs(const SignalEvent& ev, uint32_t i, const track::SmsRecord& sms);
  // Whether capture time ts_ns falls in one of the rule's local hours (rules with hours_mask).
  bool in_hours(const rules::Rule& r, uint64_t ts_ns) const;
  void evaluate(uint32_t rule, const detail::Consumer& c, const SignalEvent& ev, std::vector<Alert>& alerts);
  // A hit of rule on subject: counted into the subject's open alert, dropped
  // (empty subject, whitelisted), or a new alert whose evidence evidence()
  // builds. A flagged subject keeps hitting its rules, so the evidence is
  // built only when an alert opens (defined in detector.cpp, its one user).
  template <class MakeEvidence>
  void raise(uint32_t rule, SubjectType st, std::string_view subject, const SignalEvent& ev,
             MakeEvidence&& evidence, const detail::Profile* p, int32_t fact, std::vector<Alert>& alerts);
  // The part of raise() before any evidence is needed: true when the hit is
  // done with (empty subject, whitelisted, or counted into its open alert).
  // member: the calling number of a group subject's call (empty otherwise).
  bool absorbed(uint32_t rule, SubjectType st, std::string_view subject, const SignalEvent& ev,
                std::string_view member = {});
  // Victims reached by an IMSI the link paired with an MSISDN are named by
  // the MSISDN (Victim::imsi keeps the IMSI); one reached both ways is one.
  void name_by_msisdn(std::vector<Victim>& victims) const;
  // Phase 3 at event i, some number flagged: the answered calls of event i
  // that involve a flagged number are watched (victim_on_line), and the
  // callers of those to one and the senders of texts to one noted as its
  // victims (called_in). raise_on_line() raises the watched calls still up
  // min_talk after their answer.
  void note_flagged_contacts(const SignalEvent& ev, size_t i);
  void watch(std::string_view caller, std::string_view callee, bool flagged_caller, uint64_t answer_ns,
             uint64_t call_key);
  void raise_on_line(const SignalEvent& ev, size_t i, std::vector<Alert>& alerts);
  // number (hash_bytes h) flagged by event i: the sender of that event's
  // call or text to it is its first victim noted (called_in).
  void note_inbound_at_flag(const SignalEvent& ev, size_t i, std::string_view number, uint64_t h);
  void note_inbound(std::string_view from, std::string_view to, uint64_t to_hash, uint64_t ts_ns);
  // Content rule r flagged text event ev from sender: the numbers its text
  // asks the reader to call back (callback_numbers.hpp, the sender's own
  // left out) are raised too, and a national form's calls count as calls to
  // its international one.
  void raise_callback_numbers(uint32_t r, const SignalEvent& ev, std::string_view sender,
                              std::span<const CallbackNumber> callbacks, std::vector<Alert>& alerts);
  // A number just flagged: the answered calls up at event i that it made, or
  // received (from one of its contacts, or from anyone who called it or one
  // of its national forms flagged with it), are watched too.
  void watch_calls_of(std::string_view number, size_t i);
  // True when subject is the number the current event presents from abroad
  // (phase 3; see Impl::spoofed_cli).
  bool spoofed(SubjectType st, std::string_view subject) const;
  // The rest, for a hit that absorbed() did not take.
  void open_alert(uint32_t rule, SubjectType st, std::string_view subject, const SignalEvent& ev,
                  nlohmann::json evidence, const detail::Profile* p, int32_t fact, std::vector<Alert>& alerts,
                  std::string_view member = {});

  std::unique_ptr<Impl> impl_;
  std::unique_ptr<CompiledRules> compiled_;
  std::unique_ptr<offload::PatternEngine> pattern_;
  std::unique_ptr<offload::RateEngine> rate_;
  track::CallTracker calls_;
  track::TransactionTracker txns_;
  track::LocationTable locations_;
  track::ContactLog contacts_;
  track::SubscriberNumbers numbers_;  // IMSI -> MSISDN, learned in phase 3 (event order)
  // SMS legs (CAMEL InitialDPSMS, MAP mo- and mt-forwardSM, SIP MESSAGE) of one text.
  track::LegWindow sms_legs_{10'000'000'000ull};   // by sender and recipient number
  track::LegWindow sms_texts_{10'000'000'000ull};  // by sender and text (an MT leg names an IMSI)
  track::FlatTable<Caught> caught_;
  std::map<std::string, RuleTotals> evicted_totals_;  // of caught entries pushed out, by rule
  DetectCounters counters_;
};

}  // namespace sigprobe::detect
