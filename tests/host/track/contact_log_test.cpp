// ContactLog: bounded contact lists, and the burst journal that reads a list
// as it stood after any event of the burst (an alert's victims as of its own
// message).
#include "host/track/contact_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/count_allocations.hpp"  // this binary's one counting operator new

namespace sigprobe::track {
namespace {

constexpr uint64_t kS = 1'000'000'000ull;

// "number@last_s" per contact, sorted.
std::vector<std::string> view(const std::vector<Contact>* contacts) {
  std::vector<std::string> out;
  if (!contacts) return out;
  for (const Contact& c : *contacts)
    out.push_back(std::string(c.number.view()) + "@" + std::to_string(c.last_ns / kS) +
                  (c.on_call ? "+call" : "") + (c.talk_ns ? "+talk" + std::to_string(c.talk_ns / kS) : ""));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ContactLog, AListReadsAsItStoodAfterEachEventOfTheBurst) {
  ContactLog log(1024, 2);  // two contacts per number: the third pushes the oldest out
  log.sms("A", "x", 1 * kS);  // before the burst
  log.begin_burst();
  log.at_event(0);
  log.sms("A", "y", 10 * kS);
  log.at_event(1);
  ContactRef r = log.call_started("A", "y", 11 * kS);
  log.at_event(2);
  log.call_answered("A", "y", 12 * kS, r);
  log.at_event(3);
  log.sms("A", "z", 13 * kS);  // full: x (oldest) goes
  log.at_event(4);
  log.call_ended("A", "y", 5 * kS, 17 * kS, r);
  log.sms("B", "x", 17 * kS);  // another number's list
  log.end_burst();

  std::vector<Contact> scratch;
  using V = std::vector<std::string>;
  EXPECT_EQ(view(log.contacts_after("A", 0, scratch)), (V{"x@1", "y@10"}));
  EXPECT_EQ(view(log.contacts_after("A", 1, scratch)), (V{"x@1", "y@11"}));
  EXPECT_EQ(view(log.contacts_after("A", 2, scratch)), (V{"x@1", "y@12+call"}));
  EXPECT_EQ(view(log.contacts_after("A", 3, scratch)), (V{"y@12+call", "z@13"}));
  // After the last event: the list itself.
  const ContactList* now = log.find("A");
  ASSERT_NE(now, nullptr);
  EXPECT_EQ(log.contacts_after("A", 4, scratch), &now->contacts);
  EXPECT_EQ(view(&now->contacts), (V{"y@17+talk5", "z@13"}));
  // B had no list before event 4.
  EXPECT_EQ(view(log.contacts_after("B", 3, scratch)), V{});
  EXPECT_EQ(view(log.contacts_after("B", 4, scratch)), (V{"x@17"}));
  // A number nobody touched.
  EXPECT_EQ(log.contacts_after("C", 0, scratch), nullptr);
  // One contact at a time reads the same as the whole list.
  for (uint32_t e = 0; e <= 4; ++e)
    for (const char* from : {"A", "B", "C"})
      for (const char* to : {"x", "y", "z", "w"}) {
        const std::vector<Contact>* list = log.contacts_after(from, e, scratch);
        const Contact* want = nullptr;
        if (list)
          for (const Contact& c : *list)
            if (c.number.view() == to) want = &c;
        Contact got;
        ASSERT_EQ(log.contact_after(from, to, e, got), want != nullptr) << from << to << e;
        if (want) {
          const std::vector<Contact> one{got}, other{*want};
          EXPECT_EQ(view(&one), view(&other)) << from << to << e;
        }
      }
  // A new burst forgets the last one's journal.
  log.begin_burst();
  log.end_burst();
  EXPECT_EQ(log.contacts_after("A", 0, scratch), &now->contacts);
}

// Callers by callee: in first-contact order, from calls and texts (a
// forwarding is not a call), each once while its own list keeps the
// contact; at the bound the older half goes.
std::vector<std::string> callers(const ContactLog& log, std::string_view to) {
  std::vector<std::string> out;
  if (const CallerList* l = log.callers_of(to)) l->for_each([&](std::string_view n) { out.emplace_back(n); });
  return out;
}

TEST(ContactLog, ANumbersCallersAreKeptTheOtherWayRound) {
  ContactLog log(1024, 4);
  using V = std::vector<std::string>;
  log.call_started("A", "F", 1 * kS);
  log.sms("B", "F", 2 * kS);
  log.call_started("A", "F", 3 * kS);  // again: once
  log.forwarding("C", "F", 4 * kS);    // F's calls go to C: C did not call F
  log.call_started("F", "A", 5 * kS);  // F's own call: A's callers
  log.call_started("", "F", 6 * kS);   // no number: nothing
  EXPECT_EQ(callers(log, "F"), (V{"A", "B"}));
  EXPECT_EQ(callers(log, "A"), (V{"F"}));
  EXPECT_EQ(log.callers_of("C"), nullptr);
  EXPECT_EQ(log.called_numbers(), 2u);
  log.call_started("D", "F", 7 * kS);
  log.call_started("E", "F", 8 * kS);
  EXPECT_EQ(log.callers_forgotten(), 0u);
  log.call_started("G", "F", 9 * kS);  // a fifth: A and B go
  EXPECT_EQ(callers(log, "F"), (V{"D", "E", "G"}));
  EXPECT_EQ(log.callers_forgotten(), 2u);
  // A caller comes back when its own list gets the number anew: A's list
  // still has F (not added again); H's list, bound to 4, pushes F out.
  log.call_started("A", "F", 10 * kS);
  EXPECT_EQ(callers(log, "F"), (V{"D", "E", "G"}));
  log.sms("H", "F", 11 * kS);
  for (const char* x : {"x1", "x2", "x3", "x4"}) log.sms("H", x, 12 * kS);
  log.sms("H", "F", 13 * kS);
  EXPECT_EQ(callers(log, "F"), (V{"G", "H", "H"})) << "D and E forgotten at H's second text to F; H twice";
  // A caller is kept as a contact list keeps its number: 32 bytes at most, once.
  const std::string long_caller(40, '7');
  log.sms(long_caller, "L", 11 * kS);
  log.sms(long_caller, "L", 12 * kS);
  EXPECT_EQ(callers(log, "L"), (V{std::string(32, '7')}));
  // Bounds of one and two keep the newest.
  for (size_t bound : {size_t(1), size_t(2)}) {
    ContactLog small(16, bound);
    for (const char* c : {"A", "B", "C"}) small.sms(c, "F", 1 * kS);
    EXPECT_EQ(callers(small, "F"), bound == 1 ? V{"C"} : (V{"B", "C"})) << bound;
    EXPECT_EQ(small.callers_forgotten(), bound == 1 ? 2u : 1u) << bound;
  }
}

// At their bound the tables push out an entry for each new number; the new
// number takes the entry with none of the old number's contacts or callers,
// and reuses its buffers (a small list's) instead of allocating: a probe's
// steady state allocates nothing per new subscriber.
TEST(ContactLog, ANumberTakingAPushedOutEntryStartsEmptyAndAllocatesNothing) {
  ContactLog log(64, 512);
  auto num = [](const char* p, int k) { return std::string(p) + std::to_string(1000 + k); };
  for (int k = 0; k < 64; ++k)
    for (int j = 0; j < 3; ++j) log.call_started(num("A", k), num("B", k * 3 + j), uint64_t(k + 1) * kS);
  ASSERT_EQ(log.numbers(), 64u);
  ASSERT_EQ(log.called_numbers(), 64u);  // of 192 callees: the bound pushed the first out
  ASSERT_GT(log.caller_table_counters().evictions, 0u);
  // A big list is not kept for the entry's next number.
  for (int j = 0; j < 100; ++j) log.sms("BULK", num("V", j), 100 * kS);
  const uint64_t before = test::allocation_count();
  for (int k = 0; k < 200; ++k) log.call_started(num("N", k), num("M", k), uint64_t(200 + k) * kS);
  const uint64_t allocations = test::allocation_count() - before;
  // Before recycling: two per new caller (its contacts and their hashes).
  // Now only the bound's queue of keys grows a block now and then.
  EXPECT_LT(allocations, 20u);
  EXPECT_GE(log.table_counters().evictions, 201u);
  for (int k = 150; k < 200; ++k) {
    const ContactList* l = log.find(num("N", k));
    ASSERT_NE(l, nullptr) << k;
    EXPECT_EQ(view(&l->contacts), std::vector<std::string>{num("M", k) + "@" + std::to_string(200 + k)});
    EXPECT_EQ(l->hashes.size(), 1u);
    const CallerList* c = log.callers_of(num("M", k));
    ASSERT_NE(c, nullptr) << k;
    EXPECT_EQ(c->size(), 1u);
    EXPECT_EQ(c->first.view(), num("N", k));
  }
  EXPECT_EQ(log.find("BULK"), nullptr);
}

// A list is searched eight hashes at a time, then the rest one by one: every
// contact is found again wherever it sits (the first eight, a middle step,
// the tail after the last full step), and a number never called is not.
TEST(ContactLog, EveryContactOfALongListIsFoundWherever) {
  for (int size : {1, 7, 8, 9, 100, 512}) {
    ContactLog log(16, 512);
    auto callee = [](int k) { return "86139" + std::to_string(10000000 + k); };
    for (int k = 0; k < size; ++k) log.sms("A", callee(k), uint64_t(k + 1) * kS);
    for (int k = size - 1; k >= 0; --k) log.sms("A", callee(k), uint64_t(1000 + k) * kS);
    const ContactList* l = log.find("A");
    ASSERT_NE(l, nullptr);
    ASSERT_EQ(l->contacts.size(), size_t(size)) << size;
    EXPECT_EQ(log.dropped(), 0u);
    for (int k = 0; k < size; ++k) {
      Contact c;
      ASSERT_TRUE(log.contact_after("A", callee(k), 0, c)) << size << " " << k;
      EXPECT_EQ(c.sms, 2u) << size << " " << k;
      EXPECT_EQ(c.last_ns, uint64_t(1000 + k) * kS);
    }
    Contact c;
    EXPECT_FALSE(log.contact_after("A", callee(size), 0, c));
    EXPECT_FALSE(log.contact_after("A", "", 0, c));
  }
}

}  // namespace
}  // namespace sigprobe::track
