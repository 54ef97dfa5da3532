// SS7 state: TCAP transactions (MAP dialogues) by originating point code and
// transaction id, subscriber locations (IMSI -> last VLR, first seen), and
// SMS records read from MAP forwardSM. Bounded tables, capture time only.
#pragma once
#include <cstdint>
#include <string_view>

#include "dataplane/core/signal_event.hpp"
#include "host/track/flat_table.hpp"
#include "host/track/fixed_str.hpp"

namespace sigprobe::track {

// MAP operation codes (3GPP TS 29.002) that tracking and detection name.
namespace map_op {
inline constexpr int16_t kUpdateLocation = 2, kCancelLocation = 3, kProvideRoamingNumber = 4,
                         kInsertSubscriberData = 7, kRegisterSs = 10, kUpdateGprsLocation = 23, kSendRoutingInfo = 22,
                         kSendRoutingInfoForGprs = 24, kCheckImei = 43, kMtForwardSm = 44,
                         kSendRoutingInfoForSm = 45, kMoForwardSm = 46, kSendImsi = 58,
                         kProcessUnstructuredSs = 59, kProvideSubscriberInfo = 70,
                         kAnyTimeInterrogation = 71;
}

struct Transaction {
  uint64_t key = 0;
  uint64_t begin_ns = 0, last_ns = 0;
  uint64_t first_frame = 0;
  int16_t opcode = -1;
  FixedStr<20> calling_gt;
  FixedStr<20> imsi;
  FixedStr<20> msisdn;     // the first MSISDN the dialogue named (SRI's, SRI-for-SM's invoke)
  FixedStr<24> tid_text;   // "opc-otid" hex, for mirroring and blocking
  bool ended = false;
};

struct TransactionCounters {
  uint64_t begun = 0, continued = 0, ended = 0, aborted = 0, orphans = 0, timed_out = 0;
};

class TransactionTracker {
 public:
  explicit TransactionTracker(size_t max_transactions = 1 << 20,
                              uint64_t timeout_ns = 60'000'000'000ull)
      : table_(max_transactions), timeout_ns_(timeout_ns) {}

  // The transaction the event belongs to (created on Begin), or nullptr.
  const Transaction* on_event(const SignalEvent& ev);
  // "opc-otid" of the dialogue an event belongs to (empty when no TCAP).
  static void tid_text(const SignalEvent& ev, FixedStr<24>& out);
  // Key of the dialogue as seen from its originator.
  static uint64_t key_of(const SignalEvent& ev);
  void expire(uint64_t now_ns);

  size_t open() const { return table_.size(); }
  const TableCounters& table_counters() const { return table_.counters(); }
  const TransactionCounters& counters() const { return counters_; }

 private:
  FlatTable<Transaction> table_;
  uint64_t timeout_ns_;
  // What a sweep can find: a lower bound of last_ns over the open
  // dialogues (UINT64_MAX: none), and whether one has ended since the last.
  uint64_t oldest_last_ns_ = UINT64_MAX;
  bool any_ended_ = false;
  TransactionCounters counters_;
};

struct Location {
  FixedStr<20> vlr;
  uint64_t last_ns = 0;
  uint64_t first_ns = 0;
  uint32_t updates = 0;
};

struct LocationChange {
  bool first_seen = false;     // no earlier record of the IMSI
  std::string_view prev_vlr;   // valid until the next call
  uint64_t prev_ns = 0;
};

class LocationTable {
 public:
  explicit LocationTable(size_t max_subscribers = 1 << 21) : table_(max_subscribers) {}
  // Records an updateLocation of imsi to vlr at ts; returns what it replaced.
  LocationChange update(std::string_view imsi, std::string_view vlr, uint64_t ts_ns);
  // Marks imsi as seen (any MAP traffic naming it) without a location.
  void touch(std::string_view imsi, uint64_t ts_ns);
  const Location* find(std::string_view imsi) const;
  size_t size() const { return table_.size(); }
  const TableCounters& table_counters() const { return table_.counters(); }

 private:
  FlatTable<Location> table_;
  FixedStr<20> prev_;
};

// Which MSISDN an IMSI is, as the link showed it: the MAP operations that name
// one subscriber by both (sendRoutingInfo and sendRoutingInfoForSM: the
// invoke's MSISDN, the result's IMSI; insertSubscriberData: its MSISDN, with
// the IMSI it carries or its updateLocation's). Victims reached by IMSI (the
// recipient of an mt-forwardSM, a subscriber registering forwarding) are then
// named by the number the police can call. Bounded, oldest out; an IMSI's
// last pairing wins (a SIM given another number).
class SubscriberNumbers {
 public:
  explicit SubscriberNumbers(size_t max_subscribers = 1 << 21) : table_(max_subscribers) {}
  // The pairing an event completes, if any: imsi and msisdn set (views into
  // the event and tx, valid while both are), else both empty.
  struct Pair {
    std::string_view imsi, msisdn;
  };
  static Pair pair_of(const SignalEvent& ev, const Transaction* tx);
  void learn(std::string_view imsi, std::string_view msisdn);
  // The MSISDN of imsi (empty: not known).
  std::string_view msisdn_of(std::string_view imsi) const;
  size_t size() const { return table_.size(); }
  const TableCounters& table_counters() const { return table_.counters(); }

 private:
  struct Entry {
    FixedStr<16> imsi;    // IMSIs are at most 15 digits
    FixedStr<20> msisdn;
  };
  FlatTable<Entry> table_;
};

// One short message as detection sees it (views into the event).
struct SmsRecord {
  bool valid = false;
  std::string_view sender;      // TP-OA, else the MAP MSISDN (SM-RP-OA)
  std::string_view recipient;   // TP-DA, else the MAP MSISDN/IMSI of the destination
  std::string_view service_centre;
  std::string_view text;
  bool mobile_originated = false;
};
// SMS carried by MAP mo/mt-forwardSM, a SIP MESSAGE body, or announced by a
// CAMEL InitialDPSMS (sender, recipient and service centre; no text).
SmsRecord sms_record(const SignalEvent& ev);

}  // namespace sigprobe::track
