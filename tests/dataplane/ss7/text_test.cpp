#include "dataplane/ss7/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sigprobe::ss7 {
namespace {

std::string gsm7(const std::vector<uint8_t>& b, size_t skip, size_t septets) {
  char out[512];
  size_t n = gsm7_to_utf8(b, skip, septets, out, sizeof out);
  return {out, n};
}

TEST(Gsm7, UnpacksTheSpecExampleHelloHello) {
  // "hellohello" packed: the worked example of TS 23.038 section 6.1.2.1.1 style packing.
  std::vector<uint8_t> b{0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37};
  EXPECT_EQ(gsm7(b, 0, 10), "hellohello");
}

TEST(Gsm7, MapsNationalCharactersAndTheExtensionTable) {
  // Hand-packed from the 23.038 table: '@'(00) '£'(01) ESC 'e'(1B 65 = €) 'Δ'(10) ESC '('(1B 28 = {)
  std::vector<uint8_t> septets{0x00, 0x01, 0x1B, 0x65, 0x10, 0x1B, 0x28};
  std::vector<uint8_t> packed((septets.size() * 7 + 7) / 8, 0);
  for (size_t i = 0; i < septets.size(); ++i)
    for (int bit = 0; bit < 7; ++bit)
      if (septets[i] >> bit & 1) packed[(i * 7 + bit) / 8] |= uint8_t(1 << ((i * 7 + bit) % 8));
  EXPECT_EQ(gsm7(packed, 0, septets.size()), "@£€Δ{");
}

TEST(Gsm7, UnknownExtensionFallsBackToTheBaseCharacter) {
  std::vector<uint8_t> septets{0x1B, 0x41};  // ESC 'A': not in the extension table
  std::vector<uint8_t> packed{uint8_t(0x1B | (0x41 << 7)), uint8_t(0x41 >> 1)};
  EXPECT_EQ(gsm7(packed, 0, 2), "A");
}

TEST(Gsm7, StopsAtTheEndOfTheBytesAndAtTheCapacity) {
  std::vector<uint8_t> b{0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37};
  EXPECT_EQ(gsm7(b, 0, 50), "hellohello");
  char out[3];
  EXPECT_EQ(gsm7_to_utf8(b, 0, 10, out, sizeof out), 3u);
}

// Packs septets after `skip_bits` fill bits (TS 23.038 6.1.2.1 packing).
std::vector<uint8_t> pack_septets(const std::vector<uint8_t>& septets, size_t skip_bits) {
  std::vector<uint8_t> packed((skip_bits + septets.size() * 7 + 7) / 8, 0);
  for (size_t i = 0; i < septets.size(); ++i)
    for (size_t bit = 0; bit < 7; ++bit) {
      size_t at = skip_bits + i * 7 + bit;
      if (septets[i] >> bit & 1) packed[at / 8] |= uint8_t(1 << (at % 8));
    }
  return packed;
}

// Septets built here from the default alphabet: long ASCII runs (the
// 8-at-a-time path) broken by national characters, escapes and extension
// characters at every position of a group of 8.
std::vector<uint8_t> mixed_septets() {
  std::vector<uint8_t> s;
  const uint8_t specials[][2] = {{0x01, 0}, {0x1B, 0x65}, {0x10, 0}, {0x1B, 0x28}, {0x00, 0},
                                 {0x24, 0}, {0x1B, 0x41}, {0x7F, 0}};
  for (size_t round = 0; round < 24; ++round) {
    for (size_t k = 0; k < 8 + round % 9; ++k) s.push_back(uint8_t(0x41 + (round + k) % 26));
    const uint8_t* sp = specials[round % 8];
    s.push_back(sp[0]);
    if (sp[0] == 0x1B) s.push_back(sp[1]);
  }
  for (uint8_t c = 0; c < 128; ++c)
    if (c != 0x1B) s.push_back(c);
  return s;
}

TEST(Gsm7, LongTextDecodesAsItsCharactersOneByOne) {
  // Reference: each character (or escape pair) decoded on its own.
  std::vector<uint8_t> septets = mixed_septets();
  std::string expected;
  for (size_t i = 0; i < septets.size(); ++i) {
    size_t len = septets[i] == 0x1B ? 2 : 1;
    std::vector<uint8_t> one(septets.begin() + long(i), septets.begin() + long(i + len));
    expected += gsm7(pack_septets(one, 0), 0, len);
    i += len - 1;
  }
  ASSERT_GT(expected.size(), septets.size());  // national characters took 2-3 bytes
  for (size_t skip = 0; skip < 8; ++skip) {
    std::vector<uint8_t> packed = pack_septets(septets, skip);
    std::string got(1024, '\0');
    got.resize(gsm7_to_utf8(packed, skip, septets.size(), got.data(), got.size()));
    EXPECT_EQ(got, expected) << "fill bits " << skip;
  }
}

TEST(Gsm7, CapacityCutsAtTheLastWholeCharacterEverywhere) {
  std::vector<uint8_t> septets = mixed_septets();
  std::vector<uint8_t> packed = pack_septets(septets, 3);
  std::string whole(1024, '\0');
  whole.resize(gsm7_to_utf8(packed, 3, septets.size(), whole.data(), whole.size()));
  for (size_t cap = 0; cap <= whole.size(); ++cap) {
    std::string got(cap, '\0');
    got.resize(gsm7_to_utf8(packed, 3, septets.size(), got.data(), cap));
    ASSERT_EQ(got, whole.substr(0, got.size())) << "cap " << cap;
    // At most one character (3 UTF-8 bytes) left out for lack of room.
    ASSERT_GE(got.size() + 3, cap) << "cap " << cap;
  }
}

TEST(Gsm7, SeptetCountAndByteEndBoundTheText) {
  std::vector<uint8_t> septets(40, 0x41);  // "AAAA..."
  std::vector<uint8_t> packed = pack_septets(septets, 0);
  for (size_t n = 0; n <= septets.size(); ++n) EXPECT_EQ(gsm7(packed, 0, n), std::string(n, 'A'));
  for (size_t bytes = 0; bytes <= packed.size(); ++bytes) {
    std::vector<uint8_t> cut(packed.begin(), packed.begin() + long(bytes));
    EXPECT_EQ(gsm7(cut, 0, septets.size()), std::string(bytes * 8 / 7, 'A')) << bytes;
  }
}

TEST(Tbcd, StopsAtFillerAndMapsSpecialNibbles) {
  char out[32];
  std::vector<uint8_t> imsi{0x64, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0xF0};  // 460001234567890
  EXPECT_EQ(std::string(out, tbcd_digits(imsi, out, sizeof out)), "460001234567890");
  std::vector<uint8_t> special{0xBA, 0xDC, 0xFE};
  EXPECT_EQ(std::string(out, tbcd_digits(special, out, sizeof out)), "*#abc");
  EXPECT_EQ(tbcd_digits(imsi, out, 4), 4u);
}

TEST(Bcd, HonoursTheDigitCount) {
  char out[8];
  std::vector<uint8_t> b{0x21, 0x43, 0x05};
  EXPECT_EQ(std::string(out, bcd_digits(b, 5, out, sizeof out)), "12345");
  EXPECT_EQ(std::string(out, bcd_digits(b, 9, out, sizeof out)), "123450");
  // The capacity, the digit count and the bytes each bound the output.
  for (size_t cap = 0; cap <= 6; ++cap)
    EXPECT_EQ(std::string(out, bcd_digits(b, 6, out, cap)), std::string("123450").substr(0, cap));
  for (size_t digits = 0; digits <= 6; ++digits)
    EXPECT_EQ(std::string(out, bcd_digits(b, digits, out, sizeof out)),
              std::string("123450").substr(0, digits));
  EXPECT_EQ(std::string(out, bcd_digits(std::span(b).first(1), 5, out, sizeof out)), "12");
  std::vector<uint8_t> hex{0xBA, 0xDC, 0xFE};  // signals 0xA..0xF
  EXPECT_EQ(std::string(out, bcd_digits(hex, 6, out, sizeof out)), "abcdef");
}

TEST(Ucs2, DecodesChineseAndASurrogatePair) {
  // "您好" U+60A8 U+597D, then U+1F600 as D83D DE00.
  std::vector<uint8_t> b{0x60, 0xA8, 0x59, 0x7D, 0xD8, 0x3D, 0xDE, 0x00};
  char out[32];
  Ucs2Result r = ucs2_to_utf8(b, out, sizeof out);
  EXPECT_FALSE(r.invalid);
  EXPECT_EQ(std::string(out, r.written), "您好\xF0\x9F\x98\x80");
}

TEST(Ucs2, FlagsUnpairedSurrogatesAndOddLength) {
  char out[32];
  std::vector<uint8_t> lone{0xDC, 0x00, 0x00, 0x41};
  Ucs2Result r = ucs2_to_utf8(lone, out, sizeof out);
  EXPECT_TRUE(r.invalid);
  EXPECT_EQ(std::string(out, r.written), "\xEF\xBF\xBD" "A");
  std::vector<uint8_t> odd{0x00, 0x41, 0x00};
  r = ucs2_to_utf8(odd, out, sizeof out);
  EXPECT_TRUE(r.invalid);
  EXPECT_EQ(std::string(out, r.written), "A");
}

}  // namespace
}  // namespace sigprobe::ss7
