// Replays the L2-L4 fuzz seeds (seeds/, the captures of pcaps/ converted by
// make_seeds.py) and any inputs the fuzzer once crashed on (regressions/)
// through the fuzz entry point with g++: each whole, cut at many lengths, and
// with bytes flipped one at a time, so a plain build runs what the fuzzer checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/fuzz/l2l4/l2l4_fuzz_entry.hpp"
#include "tests/support/fuzz_inputs.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_in(const char* sub) { return sigprobe::testing::fuzz_inputs("l2l4", sub); }

std::vector<uint8_t> read_file(const fs::path& p) {
  std::string s = sigprobe::testing::file_bytes(p);
  return {s.begin(), s.end()};
}

TEST(L2L4FuzzReplay, SeedsRunCleanlyWholeCutAndFlipped) {
  auto seeds = inputs_in("seeds");
  ASSERT_GE(seeds.size(), 10u) << "run tests/fuzz/l2l4/make_seeds.py";
  for (const auto& p : seeds) {
    std::vector<uint8_t> d = read_file(p);
    for (size_t n = 0; n <= d.size(); n += 29) sigprobe::l2l4::fuzz::run_one(d.data(), n);
    for (size_t i = 0; i < d.size(); i += 13) {
      std::vector<uint8_t> f = d;
      f[i] ^= 0xff;
      sigprobe::l2l4::fuzz::run_one(f.data(), f.size());
    }
  }
}

TEST(L2L4FuzzReplay, RegressionInputsRunCleanly) {
  for (const auto& p : inputs_in("regressions")) {
    std::vector<uint8_t> d = read_file(p);
    sigprobe::l2l4::fuzz::run_one(d.data(), d.size());
  }
}

TEST(L2L4FuzzReplay, SeedsCoverEveryLayerTheWalkHandsOn) {
  // The seeds are worth fuzzing from only if they reach UDP, TCP and SCTP.
  struct Count final : sigprobe::l2l4::L4Handler {
    int udp = 0, tcp = 0, sctp = 0;
    void on_udp(const sigprobe::MsgContext&, sigprobe::Bytes, bool) override { ++udp; }
    bool want_tcp_stream(const sigprobe::MsgContext&, sigprobe::Bytes) override { return true; }
    size_t on_tcp_data(const sigprobe::MsgContext&, sigprobe::Bytes b, bool, size_t) override {
      ++tcp;
      return b.size();
    }
    void on_sctp_message(const sigprobe::MsgContext&, sigprobe::Bytes, bool) override { ++sctp; }
  } count;
  sigprobe::l2l4::Walker walker;
  sigprobe::DecodeCounters c;
  for (const auto& p : inputs_in("seeds")) {
    std::vector<uint8_t> d = read_file(p);
    for (size_t off = 0; off + 3 <= d.size();) {
      size_t len = size_t(d[off + 1]) << 8 | d[off + 2];
      sigprobe::PacketRef pkt;
      pkt.data = d.data() + off + 3;
      pkt.caplen = uint32_t(std::min(len, d.size() - off - 3));
      pkt.link = sigprobe::l2l4::fuzz::kLinks[d[off] % sigprobe::l2l4::fuzz::kLinks.size()];
      walker.walk(pkt, count, c);
      off += 3 + len;
    }
  }
  EXPECT_GT(count.udp, 0);
  EXPECT_GT(count.tcp, 0);
  EXPECT_GT(count.sctp, 0);
}

}  // namespace
