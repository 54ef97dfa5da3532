// LegWindow: which starts are later legs of a call or a text seen already.
#include "host/track/leg_window.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sigprobe::track {
namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
constexpr uint8_t kCamel = 1, kIsup = 2, kSip = 4;

// Two calls from A to B each seen as a CAMEL InitialDP and an ISUP IAM, the
// IAMs after both InitialDPs: both IAMs are later legs; a third IAM is a call.
TEST(LegWindow, EachKindCountsItsStartsAndALaterLegPairsWithOneOfAnother) {
  LegWindow w(10 * kSec);
  EXPECT_FALSE(w.later_leg("8613812340021", "8613987650021", 10 * kSec, kCamel));
  EXPECT_FALSE(w.later_leg("8613812340021", "8613987650021", 11 * kSec, kCamel)) << "a redial";
  EXPECT_TRUE(w.later_leg("13812340021", "13987650021", 12 * kSec, kIsup)) << "national format, same tail";
  EXPECT_TRUE(w.later_leg("13812340021", "13987650021", 13 * kSec, kIsup));
  EXPECT_FALSE(w.later_leg("13812340021", "13987650021", 14 * kSec, kIsup)) << "more IAMs than InitialDPs";
  EXPECT_TRUE(w.later_leg("8613812340021", "8613987650021", 15 * kSec, kSip)) << "a third kind";
}

TEST(LegWindow, TheWindowClosesWindowAfterTheLastStart) {
  LegWindow w(10 * kSec);
  EXPECT_FALSE(w.later_leg("8613812340022", "8613987650022", 10 * kSec, kCamel));
  EXPECT_FALSE(w.later_leg("8613812340022", "8613987650022", 21 * kSec, kIsup));
  EXPECT_TRUE(w.later_leg("8613812340022", "8613987650022", 30 * kSec, kCamel)) << "9 s after the IAM";
  EXPECT_FALSE(w.later_leg("8613812340023", "8613987650022", 30 * kSec, kIsup)) << "another caller";
  LegWindow off(0);
  EXPECT_FALSE(off.later_leg("8613812340022", "8613987650022", 10 * kSec, kCamel));
  EXPECT_FALSE(off.later_leg("8613812340022", "8613987650022", 10 * kSec, kIsup));
}

// A SIP leg's kind follows its hop: the addresses, not the ports.
TEST(LegWindow, HopKindsFollowTheAddresses) {
  auto ep = [](uint8_t last, uint16_t port) {
    Endpoint e;
    e.family = 4;
    e.addr = {10, 0, 0, last};
    e.port = port;
    return e;
  };
  std::set<uint32_t> kinds;
  for (uint8_t s = 1; s <= 40; ++s) {
    const uint32_t k = LegWindow::hop_kind(3, ep(s, 5060), ep(200, 5060));
    EXPECT_GE(k, 3u);
    EXPECT_EQ(k, LegWindow::hop_kind(3, ep(s, 40000 + s), ep(200, 5080))) << "ports do not count";
    kinds.insert(k);
  }
  EXPECT_EQ(kinds.size(), 40u) << "every hop its own kind";
  Endpoint v6 = ep(1, 5060);
  v6.family = 6;
  v6.addr[15] = 9;  // beyond an IPv4 address's 4 bytes
  Endpoint v6b = v6;
  v6b.addr[15] = 10;
  unsigned differ = 0;
  for (uint8_t d = 1; d <= 16; ++d)
    differ += LegWindow::hop_kind(3, v6, ep(d, 5060)) != LegWindow::hop_kind(3, v6b, ep(d, 5060));
  EXPECT_GT(differ, 8u) << "all 16 bytes of an IPv6 address count";
}

// A B2BUA's two dialogs of one call cross two hops: the second is a later
// leg, whichever two hops they are. With 13 SIP kinds one pair of hops in 13
// shared a kind, and in a deployment with such a pair every call through the
// B2BUA counted twice.
TEST(LegWindow, ACallsSecondDialogIsALaterLegOnAnyPairOfHops) {
  auto ep = [](uint8_t net, uint8_t last) {
    Endpoint e;
    e.family = 4;
    e.addr = {10, net, 0, last};
    e.port = 5060;
    return e;
  };
  LegWindow w(10 * kSec);
  int counted_twice = 0;
  for (uint8_t h = 1; h <= 200; ++h) {
    // caller's phone -> SBC, then SBC -> core: one call, two hops.
    const std::string a = "86138123" + std::to_string(40000 + h), b = "86139876" + std::to_string(50000 + h);
    const uint64_t t = uint64_t(h) * 20 * kSec;  // each call in a window of its own
    EXPECT_FALSE(w.later_leg(a, b, t, LegWindow::hop_kind(3, ep(1, h), ep(2, 1))));
    counted_twice += !w.later_leg(a, b, t + kSec / 10, LegWindow::hop_kind(3, ep(2, 1), ep(3, h)));
  }
  EXPECT_EQ(counted_twice, 0);
  // More kinds than a key holds at once: the one with the fewest starts makes room.
  for (uint32_t k = 0; k < LegWindow::kWays + 2; ++k)
    EXPECT_EQ(w.later_leg("8613812349999", "8613987659999", 5000 * kSec, 100 + k), k > 0) << k;
}

// Texts pair on their sender and every byte of the text, whatever the recipient.
TEST(LegWindow, TextLegsPairOnSenderAndText) {
  LegWindow w(10 * kSec);
  constexpr uint8_t kMo = 2, kMt = 4;
  EXPECT_FALSE(w.later_text_leg("8617012340300", "pay the fee", 1 * kSec, kMo));
  EXPECT_FALSE(w.later_text_leg("8617012340300", "pay the fee!", 1 * kSec, kMt));
  EXPECT_TRUE(w.later_text_leg("17012340300", "pay the fee", 2 * kSec, kMt));
  EXPECT_FALSE(w.later_text_leg("8617012340300", "pay the fee", 2 * kSec, kMt)) << "one MO, two MT";
  EXPECT_FALSE(w.later_text_leg("8617012340300", "", 2 * kSec, kMt));
}

}  // namespace
}  // namespace sigprobe::track
