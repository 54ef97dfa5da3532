// LegWindow: which starts are later legs of a call or a text seen already.
#include "host/track/leg_window.hpp"

#include <gtest/gtest.h>

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
