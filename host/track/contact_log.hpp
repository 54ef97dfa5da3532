// ContactLog: whom each number called or texted, for the victims of a number
// that gets flagged (the numbers in contact within a look-back window and
// afterwards; long calls make deep victims). Bounded per number and in total.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "dataplane/core/signal_event.hpp"

#include "host/track/flat_table.hpp"
#include "host/track/fixed_str.hpp"

namespace sigprobe::track {

// 88 bytes: on_call sits in the padding after the number.
struct Contact {
  FixedStr<32> number;
  bool on_call = false;        // answered call still open
  uint64_t first_ns = 0, last_ns = 0;
  uint64_t talk_ns = 0;        // longest answered call
  uint32_t calls = 0, sms = 0;
  uint64_t answer_ns = 0;      // of the open call
  uint64_t call_key = 0;       // of the open call: its record's key (CallTracker::find; 0: none yet)
};
static_assert(sizeof(Contact) == 88);

// A list or a caller list of at most this many numbers keeps its buffers
// when its table entry is taken by another number (recycle()); a larger one
// frees them, so that a bulk dialler's 45 KiB do not stay with the entry.
constexpr size_t kRecycleUpTo = 32;

struct ContactList {
  std::vector<Contact> contacts;
  // hash_key of each contact's number, parallel to contacts: a lookup scans
  // 8 bytes per contact instead of a whole record (bench/detect).
  std::vector<uint64_t> hashes;

  // Emptied for another number (FlatTable, when it reuses the entry).
  void recycle() {
    if (contacts.capacity() > kRecycleUpTo || hashes.capacity() > kRecycleUpTo) {
      contacts = {};
      hashes = {};
      return;
    }
    contacts.clear();
    hashes.clear();
  }
};

// Who called or texted a number: the lists above the other way round. A
// number that only takes calls (a fake customer-service line, a scam text's
// callback number) has no contacts of its own; its callers are its victims,
// those from before its flag too. A caller is added when its own list gets
// the number as a new contact, so each is there once (again only after its
// list or this one lost it), in the order of first contact; the caller's own
// list holds the times. The first caller is kept in place (most numbers have
// one or two callers a day): it costs no allocation, and the entry one line.
struct CallerList {
  FixedStr<32> first;
  std::unique_ptr<std::vector<FixedStr<32>>> more;  // the callers after the first

  size_t size() const { return first.empty() ? 0 : 1 + (more ? more->size() : 0); }
  // Emptied for another number (FlatTable, when it reuses the entry).
  void recycle() {
    first.assign({});
    if (more && more->capacity() <= kRecycleUpTo) more->clear();
    else more.reset();
  }
  template <class F>
  void for_each(F&& f) const {
    if (first.empty()) return;
    f(first.view());
    if (more)
      for (const FixedStr<32>& c : *more) f(c.view());
  }
};
// With the table's key and generation, one 64-byte entry.
static_assert(sizeof(CallerList) == 48);

// Where call_started() found or put a call's contact: the answer and the end
// of the call go straight there (one entry line, one contact line) while the
// number's list is the same and the contact still sits at pos; otherwise they
// look it up again. Either way they change the same contact.
struct ContactRef {
  uint32_t entry = UINT32_MAX;  // the caller's list (FlatTable entry)
  uint32_t pos = 0;             // the contact in it
  uint64_t gen = 0;             // the entry's generation (0: no handle)
};

class ContactLog {
 public:
  ContactLog(size_t max_numbers = 1 << 20, size_t max_per_number = 512)
      : table_(max_numbers), callers_(max_numbers), max_per_number_(max_per_number) {}

  ContactRef call_started(std::string_view from, std::string_view to, uint64_t ts_ns);
  void call_answered(std::string_view from, std::string_view to, uint64_t ts_ns, const ContactRef& ref = {},
                     uint64_t call_key = 0);
  void call_ended(std::string_view from, std::string_view to, uint64_t talk_ns, uint64_t ts_ns,
                  const ContactRef& ref = {});
  void sms(std::string_view from, std::string_view to, uint64_t ts_ns);
  // to's calls are forwarded to from (registerSS, insertSubscriberData).
  void forwarding(std::string_view from, std::string_view to, uint64_t ts_ns);

  // Prefetches the lists that a burst's new calls and texts will touch (those
  // of their callers and senders, and the callee's and recipient's callers), in stages over the whole burst so that the
  // misses of different numbers overlap: all index slots, then all entries,
  // then the first lines of the contact arrays. Changes nothing.
  void prefetch(std::span<const SignalEvent> events);

  // Contacts of a number seen at or after since_ns (nullptr: none).
  const ContactList* find(std::string_view from) const;

  // The burst's journal. The detector tracks a whole burst before it raises
  // the burst's alerts; an alert lists the victims known at its own message,
  // so the lists must read as they stood after that event of the burst,
  // whatever the burst boundaries (replay's bursts of 32, the DPDK path's
  // packet by packet). Between begin_burst() and end_burst() every change
  // keeps the contact's state before it, under the event given by at_event().
  void begin_burst() {
    journal_.clear();
    recording_ = true;
  }
  void at_event(uint32_t event) { event_ = event; }
  void end_burst() { recording_ = false; }
  // from's contacts as they stood after event `event` of the last burst: the
  // list itself when no later event of the burst changed it (nullptr: none),
  // else a copy in scratch with the later changes undone. For reads between
  // end_burst() and the next change (the detector's alerts of the burst). A
  // list the table pushed out during the burst is not brought back.
  const std::vector<Contact>* contacts_after(std::string_view from, uint32_t event,
                                             std::vector<Contact>& scratch) const;
  // One contact, from -> to, as contacts_after() would list it: false when
  // there was none. Reads to's hash in the list, copies nothing else (a
  // flagged bulk caller's list is hundreds of contacts).
  bool contact_after(std::string_view from, std::string_view to, uint32_t event, Contact& out) const;
  // Who called or texted `to` (nullptr: nobody the log holds). Callers of
  // later events of the burst are in it too: contact_after() says whether
  // each one's contact with `to` stood at an event. Up to max_per_number a
  // number; beyond, the older half of its callers is forgotten (counted).
  const CallerList* callers_of(std::string_view to) const;
  uint64_t dropped() const { return dropped_; }
  uint64_t callers_forgotten() const { return callers_forgotten_; }
  size_t numbers() const { return table_.size(); }  // numbers with a list
  size_t called_numbers() const { return callers_.size(); }  // numbers with callers
  const TableCounters& table_counters() const { return table_.counters(); }
  const TableCounters& caller_table_counters() const { return callers_.counters(); }

 private:
  // fresh, when given, says whether the contact is new to from's list.
  Contact* touch(std::string_view from, std::string_view to, uint64_t ts_ns, ContactRef* ref = nullptr,
                 bool* fresh = nullptr);
  // touch() through a handle from call_started(), when it still holds.
  Contact* touch(const ContactRef& ref, std::string_view from, std::string_view to, uint64_t ts_ns);
  // from among to's callers (call_started, sms: when from's list got to as a new contact).
  void note_caller(std::string_view from, std::string_view to);
  // Journal: the contact (or, existed false, only its number) before a change.
  void note(std::string_view from, const Contact& before, bool existed);
  struct Change {
    uint32_t event;
    bool existed;
    uint64_t from_key;
    Contact before;
  };
  // The first change after `event` of the contact key -> to, which holds its
  // state at the event (nullptr: none, it stands as it is now).
  const Change* first_change_after(uint64_t key, std::string_view to, uint32_t event) const;
  FlatTable<ContactList> table_;
  FlatTable<CallerList> callers_;
  std::vector<Change> journal_;
  uint32_t event_ = 0;
  bool recording_ = false;
  std::array<uint64_t, 64> prefetch_keys_{};  // prefetch(): the burst's number keys
  std::array<uint64_t, 64> prefetch_callees_{};  // and their callees' (callers_)
  size_t max_per_number_;
  uint64_t dropped_ = 0;
  uint64_t callers_forgotten_ = 0;
};

}  // namespace sigprobe::track
