// CallTracker: SIP dialogs and ISUP calls become call records.
//   SIP : INVITE (no To tag) -> 18x -> final -> ACK -> BYE; CANCEL before the
//         answer; forking (several 18x/2xx to-tags: the first answer wins);
//         a re-INVITE inside a dialog is not a new call.
//   ISUP: IAM -> ACM/CPG -> ANM/CON -> REL/RLC, keyed by (OPC, DPC, CIC).
//   CAP : InitialDP -> eventReportBCSM (answer, disconnect, abandon, busy,
//         no answer, route failure) or releaseCall, keyed by the gsmSSF's
//         point code and transaction id; a dialogue that ends (TC-END,
//         TC-ABORT) before the call's outcome was reported ends it as Unseen.
// Calls that never end time out on capture time. The table is bounded; the
// bound and the evictions are counted. Every state change the caller cares
// about comes back as a CallFact, in event order.
#pragma once
#include <cstdint>
#include <vector>

#include "dataplane/core/signal_event.hpp"
#include "host/track/call_table.hpp"
#include "host/track/contact_log.hpp"
#include "host/track/fixed_str.hpp"
#include "host/track/leg_window.hpp"

namespace sigprobe::track {

enum class CallProto : uint8_t { Sip, Isup, Cap };
enum class CallState : uint8_t { Setup, Ringing, Answered, Ended };
// Unseen: the signalling that would tell how the call ended is not on the link
// (a CAMEL dialogue the SCF closed without asking for the answer or the end):
// neither answered nor unanswered for the rates.
enum class CallEnd : uint8_t { None, Completed, CancelledBeforeAnswer, Rejected, TimedOut, Evicted, Unseen };
const char* call_end_name(CallEnd e);

// A call record keeps this much of a Call-ID (longer ones are cut).
inline constexpr size_t kCallIdBytes = 96;
// What a SIP call is blocked (and cut) by: hash_bytes of its Call-ID as the
// record keeps it, so that a record's call and a message's meet even when the
// Call-ID is longer than kCallIdBytes.
inline uint64_t call_id_hash(std::string_view call_id) { return hash_bytes(call_id.substr(0, kCallIdBytes)); }

// Fields in the order a call's events read them: state and times in the
// first cache line, the numbers right after, the strings written at the start
// and read by the detector's Started fact last.
struct alignas(64) CallRecord {
  uint64_t key = 0;
  CallProto proto = CallProto::Sip;
  CallState state = CallState::Setup;
  CallEnd end = CallEnd::None;
  bool caller_whitelisted = false;
  // Another leg of a call the link showed already (see CallTrackerConfig::
  // same_call_window_ns): tracked, not counted again by the detector's rates.
  bool later_leg = false;
  // The detector found it a call from abroad presenting one of our numbers
  // (cli_spoof): the number's rates do not count it.
  bool cli_spoofed = false;
  uint16_t release_cause = 0;   // SIP final status or ISUP cause value
  uint32_t orig_pc = 0;         // ISUP: the point code that sent the IAM
  uint32_t tag = 0;             // free for the detector (e.g. rule flags)
  uint64_t setup_ns = 0, ring_ns = 0, answer_ns = 0, end_ns = 0;
  // SIP: when a final response asked the caller to send the INVITE again
  // (a 401/407 challenge, a 3xx redirect, a 4xx naming what to change: see
  // asks_for_retry), until it comes again on the same Call-ID (0: not waiting).
  // Not an outcome: the same call goes on.
  uint64_t retry_ns = 0;
  ContactRef contact;           // the detector's handle on the caller's contact with b
  FixedStr<32> a, b;            // calling, called (digits)
  FixedStr<48> source;          // "ip:port" (SIP), "opc:N" (ISUP) or "msc:DIGITS" (CAP)
  FixedStr<64> user_agent;
  FixedStr<24> imei;
  FixedStr<24> cell;            // radio cell: P-Access-Network-Info (VoLTE/VoNR) or CAP InitialDP
  FixedStr<kCallIdBytes> call_id;  // SIP Call-ID, "isup:opc-dpc-cic" or "cap:opc-otid"
  uint64_t first_frame = 0;      // the message that started it (INVITE, IAM, InitialDP)
  uint16_t first_port = 0;       // ... its capture or port

  bool answered() const { return answer_ns != 0; }
  // Talk time: answer to end (0 when never answered).
  uint64_t talk_ns() const { return answered() && end_ns > answer_ns ? end_ns - answer_ns : 0; }
  // Ringing time: first 18x (or setup) to answer or end.
  uint64_t ring_duration_ns() const {
    uint64_t from = ring_ns ? ring_ns : setup_ns;
    uint64_t to = answered() ? answer_ns : end_ns;
    return to > from ? to - from : 0;
  }
  bool cancelled_before_answer() const { return end == CallEnd::CancelledBeforeAnswer; }
};

enum class CallFactKind : uint8_t { Started, Ringing, Answered, Ended };

// A fact points at the call's record in the table, valid until the tracker's
// next new_burst(): the record of an ended call is kept as it ended until then.
// A call that goes on changes its state and times in place; the numbers, ids
// and setup time written at its start never change.
struct CallFact {
  CallFactKind kind = CallFactKind::Started;
  uint32_t event = 0;          // index of the event in the burst (UINT32_MAX: timeout sweep)
  CallRecord* rec = nullptr;
};

struct CallTrackerConfig {
  size_t max_calls = 1 << 20;
  // No answer within 3 minutes: timed out; a call asked to retry (a 401/407
  // challenge, a redirect) and not resent by then was rejected at that answer
  // (a softphone may wait for its user to type the password: sngrep's aaa.pcap
  // resends after 17, 32 and 51 s).
  uint64_t setup_timeout_ns = 180'000'000'000ull;
  uint64_t call_timeout_ns = 4 * 3600'000'000'000ull; // answered, no BYE within 4 hours
  uint64_t sweep_every_ns = 10'000'000'000ull;
  // A call start within this time of one of another kind from A to B is a
  // later leg of that call (host/track/leg_window.hpp; 0: every start is a call).
  uint64_t same_call_window_ns = 10'000'000'000ull;
};

struct CallCounters {
  uint64_t calls = 0, answered = 0, completed = 0, cancelled = 0, rejected = 0, timed_out = 0, unseen = 0;
  uint64_t later_legs = 0;  // of calls, starts that were another leg of a call already seen
  uint64_t reinvites = 0, retransmissions = 0, orphan_messages = 0;
  uint64_t challenged = 0;   // 401/407 answers to INVITEs: each resent INVITE goes on with the same call
  uint64_t retry_asked = 0;  // 3xx and the other retry answers (asks_for_retry): the same
};

class CallTracker {
 public:
  explicit CallTracker(const CallTrackerConfig& cfg = {});

  // Start of a burst: the records of the calls that ended in the previous
  // burst (and its facts) are released.
  void new_burst() { table_.recycle(); }
  // Feeds one event (index ev_index in its burst); appends facts.
  void on_event(const SignalEvent& ev, uint32_t ev_index, std::vector<CallFact>& facts);
  // Ends calls whose timers ran out by now_ns (capture time), oldest call first.
  void expire(uint64_t now_ns, std::vector<CallFact>& facts);
  // End of input: every open call ends as timed out, oldest call first.
  void finish(uint64_t now_ns, std::vector<CallFact>& facts);

  const CallRecord* find_sip(std::string_view call_id) const;
  // An open call (or one ended in the last burst) by CallRecord::key.
  const CallRecord* find(uint64_t key) const { return table_.find(key); }
  // The call up on an ISUP circuit (either direction), if any.
  const CallRecord* find_isup(uint32_t opc, uint32_t dpc, uint16_t cic) const;
  size_t open_calls() const { return table_.size(); }
  const TableCounters& table_counters() const { return table_.counters(); }
  const CallCounters& counters() const { return counters_; }

  // Key of a SIP call / an ISUP circuit, as used in the table.
  static uint64_t sip_key(std::string_view call_id);
  static uint64_t isup_key(uint32_t opc, uint32_t dpc, uint16_t cic);
  // Key of a CAMEL call: the gsmSSF's point code and transaction id.
  static uint64_t cap_key(uint32_t ssf_pc, const std::array<uint8_t, 4>& tid, uint8_t len);

 private:
  void on_sip(const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts);
  void on_isup(const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts);
  void on_cap(const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts);
  // A CAMEL call's eventReportBCSM or releaseCall.
  void report(CallRecord& r, const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts);
  // A new record for the call that ev starts (key, setup time, first frame
  // set); started() counts it and reports it once the caller has filled it.
  CallRecord* open_call(uint64_t key, const SignalEvent& ev, uint32_t i, std::vector<CallFact>& facts);
  // leg: the kind of leg (a kLeg value) for the same-call check.
  void started(CallRecord& r, uint32_t leg, uint32_t i, std::vector<CallFact>& facts);
  // A call asked to retry and never resent: rejected at that answer.
  void end_unretried(CallRecord& r, std::vector<CallFact>& facts);
  // The first provisional / answer of a call (later ones change nothing).
  void ringing(CallRecord& r, uint64_t ts, uint32_t i, std::vector<CallFact>& facts);
  void answer(CallRecord& r, uint64_t ts, uint32_t i, std::vector<CallFact>& facts);
  void end_call(CallRecord& r, CallEnd how, uint64_t ts, uint16_t cause, uint32_t i,
                std::vector<CallFact>& facts);

  // CAMEL: the SCF's transaction id of a call's dialogue -> the call's key
  // (direct-mapped, allocated at the first CAMEL call; a collision forgets
  // the older: that call then ends by its own report or times out).
  struct ScfId {
    uint64_t scf_key = 0, ssf_key = 0;
  };
  static constexpr size_t kScfIdSlots = 1 << 14;
  std::vector<ScfId> scf_ids_;
  CallTrackerConfig cfg_;
  CallTable<CallRecord> table_;
  LegWindow legs_;  // recent call starts, for the legs of one call
  CallCounters counters_;
  uint64_t last_sweep_ns_ = 0;
};

// Digits of the calling / called party as detection sees them.
inline std::string_view sip_calling(const SipInfo& s) {  // P-Asserted-Identity, else From
  return s.pai_user.empty() ? s.from_user : s.pai_user;
}
inline std::string_view sip_called(const SipInfo& s) {  // Request-URI, else To
  return s.ruri_user.empty() ? s.to_user : s.ruri_user;
}

// "a.b.c.d" / "[v6]" text of an endpoint address (no port).
void format_ip(const Endpoint& e, char* out, size_t cap, size_t& len);
// "ip:port", as a SIP call's source is written.
void format_source(const Endpoint& e, FixedStr<48>& out);

}  // namespace sigprobe::track
