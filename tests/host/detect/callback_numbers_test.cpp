// The numbers a scam text asks its reader to call back: China's number
// shapes, full-width digits and grouping read; codes, amounts, dates, order
// numbers and decimals left alone.
#include "host/detect/callback_numbers.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace sigprobe::detect {
namespace {

const std::vector<rules::Settings::NationalForm> kChina = {{"1", "861"}, {"0", "86"}};

std::vector<std::string> numbers(std::string_view text) {
  std::vector<std::string> out;
  for (const CallbackNumber& cb : callback_numbers(text, kChina)) out.push_back(cb.number);
  return out;
}

using V = std::vector<std::string>;

TEST(CallbackNumbers, MobileServiceAndFixedNumbersAsScamTextsWriteThem) {
  const auto got = callback_numbers("【客服】退款请致电４００－８８８－９９９９或13912345678，座机0871-6543210，回复TD退订", kChina);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].number, "4008889999");
  EXPECT_EQ(got[0].national, "");  // a service number has no international form here
  EXPECT_EQ(got[0].written, "４００－８８８－９９９９");
  EXPECT_EQ(got[1].number, "8613912345678");
  EXPECT_EQ(got[1].national, "13912345678");
  EXPECT_EQ(got[1].written, "13912345678");
  EXPECT_EQ(got[2].number, "868716543210");
  EXPECT_EQ(got[2].national, "08716543210");
  EXPECT_EQ(got[2].written, "0871-6543210");
}

TEST(CallbackNumbers, InternationalNumbersWithPlusOrZeroZero) {
  EXPECT_EQ(numbers("WhatsApp +855 12 345 678 now"), V{"85512345678"});
  EXPECT_EQ(numbers("拨打0085512345678"), V{"85512345678"});
  EXPECT_EQ(numbers("call ＋８６１３９１２３４５６７８"), V{"8613912345678"});
  EXPECT_EQ(numbers("call 8613912345678"), V{"8613912345678"});
  // Written twice, in two forms: one number.
  EXPECT_EQ(numbers("13912345678 / +86 139 1234 5678"), V{"8613912345678"});
}

TEST(CallbackNumbers, GroupedDigitsJoinButTwoNumbersSideBySideStayTwo) {
  EXPECT_EQ(numbers("请拨 138 0013 8000"), V{"8613800138000"});
  EXPECT_EQ(numbers("13800138000 13912345678"), (V{"8613800138000", "8613912345678"}));
  EXPECT_EQ(numbers("139-1234-5678"), V{"8613912345678"});
}

TEST(CallbackNumbers, CodesAmountsDatesOrderNumbersAndDecimalsAreNone) {
  EXPECT_EQ(numbers("验证码 123456，五分钟内有效"), V{});
  EXPECT_EQ(numbers("补偿300元，退款 250000 元"), V{});
  EXPECT_EQ(numbers("航班 2026-11-25 取消"), V{});
  EXPECT_EQ(numbers("订单号 2026112512345678 已发货"), V{});
  EXPECT_EQ(numbers("rate 13912345678.5 percent"), V{});
  EXPECT_EQ(numbers("id abc13912345678 and 13912345678x"), V{});
  EXPECT_EQ(numbers("工行 95588 提醒您"), V{});      // a bank's short line: not a shape read here
  EXPECT_EQ(numbers("12912345678 is no mobile"), V{});  // 12x is no mobile range
  EXPECT_EQ(numbers("+1234567"), V{});               // too short for an international number
}

TEST(CallbackNumbers, AtMostFourInTextOrder) {
  EXPECT_EQ(numbers("13900000001 13900000002 13900000003 13900000004 13900000005"),
            (V{"8613900000001", "8613900000002", "8613900000003", "8613900000004"}));
}

TEST(CallbackNumbers, WithoutNationalFormsANationalNumberStaysAsWritten) {
  const auto got = callback_numbers("call 13912345678", {});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].number, "13912345678");
  EXPECT_EQ(got[0].national, "");
}

// Random texts of digits, full-width digits, separators, letters and Chinese:
// whatever comes out is digits of a number's length, written where the text
// says, each number once, at most four.
TEST(CallbackNumbers, AnyTextGivesOnlyNumbersItWritesEachOnce) {
  const char* kPieces[] = {"0", "1", "3", "8", "9", "4", "6", "00", "86", "400", "１", "３", "８", "０", "＋",
                           "－", "　", "+",  "-",  " ",  ".",   "x",  "请致电", "，",  "元"};
  std::mt19937 rnd(20261125);
  size_t found = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string text;
    const int len = int(rnd() % 40);
    for (int k = 0; k < len; ++k) text += kPieces[rnd() % std::size(kPieces)];
    const auto got = callback_numbers(text, kChina);
    ASSERT_LE(got.size(), kMaxCallbackNumbers) << text;
    std::set<std::string> seen;
    for (const CallbackNumber& cb : got) {
      ASSERT_TRUE(seen.insert(cb.number).second) << text;
      ASSERT_GE(cb.number.size(), 8u) << text;
      ASSERT_LE(cb.number.size(), 15u) << text;
      ASSERT_EQ(cb.number.find_first_not_of("0123456789"), std::string::npos) << text;
      ASSERT_NE(text.find(cb.written), std::string::npos) << text;
      if (!cb.national.empty()) {
        ASSERT_TRUE(cb.national[0] == '0' || cb.national[0] == '1') << text;
        ASSERT_TRUE(cb.number.starts_with("86")) << text;
      }
    }
    EXPECT_EQ(callback_numbers(text, kChina).size(), got.size());
    found += got.size();
  }
  EXPECT_GT(found, 100u);  // the alphabet does make numbers
}

}  // namespace
}  // namespace sigprobe::detect
