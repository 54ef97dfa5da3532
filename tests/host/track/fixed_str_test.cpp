// hash_key: the word-wide key of the tracking tables. Each byte of a key, at
// every position and length, must reach the hash (the last word is read
// overlapping the one before), and bytes around the key must not.
#include "host/track/fixed_str.hpp"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

namespace sigprobe::track {
namespace {

TEST(HashKey, EveryByteAtEveryPositionChangesTheKey) {
  for (size_t len = 1; len <= 40; ++len) {
    std::string s(len, '7');
    const uint64_t base = hash_key(s, 5);
    for (size_t i = 0; i < len; ++i) {
      std::string t = s;
      t[i] = '8';
      EXPECT_NE(hash_key(t, 5), base) << "len " << len << " byte " << i;
    }
  }
}

TEST(HashKey, PrefixesLengthsAndSeedsGiveDistinctKeys) {
  // "" and the prefixes of a Call-ID (zero bytes included), under two seeds.
  const std::string id = std::string("a84b4c76e66710@pc33.atlanta.com") + '\0' + '\0' + "x";
  std::unordered_set<uint64_t> seen;
  for (uint64_t seed : {1u, 13u})
    for (size_t len = 0; len <= id.size(); ++len) EXPECT_TRUE(seen.insert(hash_key({id.data(), len}, seed)).second);
}

TEST(HashKey, IgnoresTheBytesAroundTheKey) {
  const std::string a = "xxxx8613800000001yyyy", b = "zzzz8613800000001wwww";
  EXPECT_EQ(hash_key(std::string_view(a).substr(4, 13), 3), hash_key(std::string_view(b).substr(4, 13), 3));
  EXPECT_EQ(hash_key(std::string_view(a).substr(4, 5), 3), hash_key(std::string_view(b).substr(4, 5), 3));
}

TEST(HashKey, SpreadsConsecutiveNumbersOverTheTopBits) {
  // The tables index by the top bits (Fibonacci hashing of the key): 4096
  // consecutive numbers should fill most of 4096 top-12-bit buckets.
  std::unordered_set<uint64_t> buckets;
  for (uint64_t k = 0; k < 4096; ++k) buckets.insert(hash_key(std::to_string(8613800000000ull + k), 13) >> 52);
  EXPECT_GT(buckets.size(), 2400u);  // a uniform hash fills ~2589 (1 - 1/e)
}

}  // namespace
}  // namespace sigprobe::track
