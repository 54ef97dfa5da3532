// ContactLog: bounded contact lists, and the burst journal that reads a list
// as it stood after any event of the burst (an alert's victims as of its own
// message).
#include "host/track/contact_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

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

}  // namespace
}  // namespace sigprobe::track
