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
  std::set<unsigned> kinds;
  for (uint8_t s = 1; s <= 40; ++s) {
    const unsigned k = LegWindow::hop_kind(3, ep(s, 5060), ep(200, 5060));
    EXPECT_GE(k, 3u);
    EXPECT_LT(k, LegWindow::kKinds);
    EXPECT_EQ(k, LegWindow::hop_kind(3, ep(s, 40000 + s), ep(200, 5080))) << "ports do not count";
    kinds.insert(k);
  }
  EXPECT_EQ(kinds.size(), LegWindow::kKinds - 3) << "40 hops spread over every SIP kind";
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
