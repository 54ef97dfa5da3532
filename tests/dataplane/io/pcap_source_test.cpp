// PcapSource over files the test writes itself (pcap with micro- and
// nanosecond timestamps, pcapng, truncated copies), following the formats of
// https://www.tcpdump.org/manpages/pcap-savefile.5.html and
// draft-ietf-opsawg-pcapng.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dataplane/io/packet_source.hpp"

namespace sigprobe {
namespace {

using Buf = std::vector<uint8_t>;

void le16(Buf& b, uint16_t v) {
  b.push_back(uint8_t(v));
  b.push_back(uint8_t(v >> 8));
}
void le32(Buf& b, uint32_t v) {
  le16(b, uint16_t(v));
  le16(b, uint16_t(v >> 16));
}

struct Rec {
  uint32_t sec, frac;
  Buf data;
};

Buf pcap_file(uint32_t linktype, const std::vector<Rec>& recs, bool nano = false) {
  Buf b;
  le32(b, nano ? 0xa1b23c4d : 0xa1b2c3d4);
  le16(b, 2);
  le16(b, 4);
  le32(b, 0);
  le32(b, 0);
  le32(b, 65535);
  le32(b, linktype);
  for (const Rec& r : recs) {
    le32(b, r.sec);
    le32(b, r.frac);
    le32(b, uint32_t(r.data.size()));
    le32(b, uint32_t(r.data.size()) + 4);  // original was longer
    b.insert(b.end(), r.data.begin(), r.data.end());
  }
  return b;
}

Buf pcapng_file(uint16_t linktype, const std::vector<Rec>& recs) {
  Buf b;
  // Section Header Block.
  le32(b, 0x0a0d0d0a);
  le32(b, 28);
  le32(b, 0x1a2b3c4d);
  le16(b, 1);
  le16(b, 0);
  le32(b, 0xffffffff);
  le32(b, 0xffffffff);
  le32(b, 28);
  // Interface Description Block (default resolution: microseconds).
  le32(b, 1);
  le32(b, 20);
  le16(b, linktype);
  le16(b, 0);
  le32(b, 65535);
  le32(b, 20);
  for (const Rec& r : recs) {
    const uint32_t padded = uint32_t((r.data.size() + 3) & ~size_t(3));
    const uint32_t len = 32 + padded;
    const uint64_t ts = uint64_t(r.sec) * 1'000'000 + r.frac;
    le32(b, 6);
    le32(b, len);
    le32(b, 0);
    le32(b, uint32_t(ts >> 32));
    le32(b, uint32_t(ts));
    le32(b, uint32_t(r.data.size()));
    le32(b, uint32_t(r.data.size()));
    b.insert(b.end(), r.data.begin(), r.data.end());
    b.resize(b.size() + (padded - r.data.size()), 0);
    le32(b, len);
  }
  return b;
}

class TempFile {
 public:
  explicit TempFile(const Buf& b, const std::string& ext = ".pcap") {
    path_ = (std::filesystem::temp_directory_path() /
             ("sigprobe_io_" + std::to_string(getpid()) + "_" + std::to_string(counter_++) + ext))
                .string();
    std::ofstream(path_, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), long(b.size()));
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

struct Read {
  std::vector<PacketRef> refs;  // data pointers cleared: bytes copied below
  std::vector<Buf> bytes;
  std::string error;
};

Read read_all(const std::string& path) {
  Read out;
  std::string err;
  auto src = open_pcap_file(path, 3, err);
  if (!src) {
    out.error = err;
    return out;
  }
  std::array<PacketRef, kBurstMax> burst;
  for (int guard = 0; guard < 100000; ++guard) {
    uint16_t n = src->rx_burst(burst);
    for (uint16_t i = 0; i < n; ++i) {
      out.bytes.emplace_back(burst[i].data, burst[i].data + burst[i].caplen);
      PacketRef r = burst[i];
      r.data = nullptr;
      out.refs.push_back(r);
    }
    if (n == 0 && src->at_end()) break;
  }
  out.error = src->error();
  return out;
}

Buf pattern(size_t n, uint8_t seed) {
  Buf b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(seed + i * 7);
  return b;
}

TEST(PcapSource, ReadsFramesInOrderWithCaptureTimes) {
  TempFile f(pcap_file(1, {{1700000000, 250000, pattern(60, 1)}, {1700000001, 1, pattern(70, 2)}}));
  Read r = read_all(f.path());
  EXPECT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.refs.size(), 2u);
  EXPECT_EQ(r.refs[0].frame, 1u);
  EXPECT_EQ(r.refs[1].frame, 2u);
  EXPECT_EQ(r.refs[0].ts_ns, 1700000000'250000000ull);
  EXPECT_EQ(r.refs[1].ts_ns, 1700000001'000001000ull);
  EXPECT_EQ(r.refs[0].caplen, 60u);
  EXPECT_EQ(r.refs[0].wirelen, 64u);
  EXPECT_EQ(r.refs[0].link, LinkType::Ethernet);
  EXPECT_EQ(r.refs[0].port, 3);
  EXPECT_EQ(r.bytes[1], pattern(70, 2));
}

TEST(PcapSource, KeepsNanosecondTimestamps) {
  TempFile f(pcap_file(1, {{1700000000, 123456789, pattern(60, 1)}}, true));
  Read r = read_all(f.path());
  ASSERT_EQ(r.refs.size(), 1u);
  EXPECT_EQ(r.refs[0].ts_ns, 1700000000'123456789ull);
}

TEST(PcapSource, MapsEveryLinkTypeSigprobeDecodes) {
  struct Case {
    uint32_t linktype;
    LinkType want;
  } cases[] = {{0, LinkType::Null},          {1, LinkType::Ethernet},   {101, LinkType::Raw},
               {108, LinkType::Loop},        {113, LinkType::LinuxSll}, {276, LinkType::LinuxSll2},
               {139, LinkType::Mtp2WithPhdr}, {140, LinkType::Mtp2},    {141, LinkType::Mtp3},
               {228, LinkType::Ipv4},        {229, LinkType::Ipv6}};
  for (const Case& c : cases) {
    TempFile f(pcap_file(c.linktype, {{1, 0, pattern(40, 3)}}));
    Read r = read_all(f.path());
    ASSERT_EQ(r.refs.size(), 1u) << c.linktype << " " << r.error;
    EXPECT_EQ(r.refs[0].link, c.want) << c.linktype;
  }
}

TEST(PcapSource, ReadsPcapng) {
  TempFile f(pcapng_file(1, {{1700000000, 5, pattern(61, 4)}, {1700000002, 0, pattern(62, 5)}}), ".pcapng");
  Read r = read_all(f.path());
  EXPECT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.refs.size(), 2u);
  EXPECT_EQ(r.refs[0].ts_ns, 1700000000'000005000ull);
  EXPECT_EQ(r.bytes[0], pattern(61, 4));
  EXPECT_EQ(r.bytes[1], pattern(62, 5));
  EXPECT_EQ(r.refs[1].frame, 2u);
}

TEST(PcapSource, TruncatedFileNamesFileAndPacketAndKeepsWhatCameBefore) {
  Buf whole = pcap_file(1, {{1, 0, pattern(100, 1)}, {2, 0, pattern(100, 2)}, {3, 0, pattern(100, 3)}});
  // Cut inside the data of packet 3, then inside its record header.
  for (size_t cut : {whole.size() - 50, whole.size() - 100 - 8}) {
    TempFile f(Buf(whole.begin(), whole.begin() + long(cut)));
    Read r = read_all(f.path());
    ASSERT_EQ(r.refs.size(), 2u) << "cut " << cut;
    EXPECT_EQ(r.bytes[1], pattern(100, 2));
    EXPECT_NE(r.error.find(f.path()), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("packet 3"), std::string::npos) << r.error;
  }
}

TEST(PcapSource, PacketsLargerThanTheBurstSlabAllArriveIntact) {
  std::vector<Rec> recs;
  for (uint32_t i = 0; i < 300; ++i) recs.push_back({i, 0, pattern(1400 + (i % 7) * 500, uint8_t(i))});
  recs.push_back({400, 0, pattern(60000, 9)});  // one jumbo frame
  TempFile f(pcap_file(1, recs));
  Read r = read_all(f.path());
  EXPECT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.refs.size(), recs.size());
  for (size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(r.refs[i].frame, i + 1);
    EXPECT_EQ(r.bytes[i], recs[i].data) << "frame " << i + 1;
  }
}

TEST(PcapSource, UnreadableFileIsAnErrorNamingIt) {
  std::string err;
  EXPECT_EQ(open_pcap_file("/nonexistent/sigprobe.pcap", 0, err), nullptr);
  EXPECT_NE(err.find("/nonexistent/sigprobe.pcap"), std::string::npos);
  TempFile junk(Buf(100, 0x42));
  err.clear();
  EXPECT_EQ(open_pcap_file(junk.path(), 0, err), nullptr);
  EXPECT_NE(err.find(junk.path()), std::string::npos);
}

}  // namespace
}  // namespace sigprobe
