// Replays fuzz seeds through every SS7 entry point with g++: the SIGTRAN
// messages of the project's captures (pcaps/ss7) and their inner layers, the
// regression inputs in regressions/, and cut and bit-flipped variants of each.
// With SS7_WRITE_SEEDS=DIR it also writes the seeds there, one folder per
// target, for a libFuzzer run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <pcap/pcap.h>

#include "tests/fuzz/ss7/ss7_fuzz_entry.hpp"

namespace sigprobe::ss7 {
namespace {
namespace fs = std::filesystem;
using Seed = std::vector<uint8_t>;

struct Seeds {
  std::vector<Seed> sigtran, sccp, tcap, sms, isup;
};

// Splits each SIGTRAN message of the captures into the inputs of each target.
Seeds seeds_from_captures() {
  Seeds s;
  fs::path dir = fs::path(SIGPROBE_SOURCE_DIR) / "pcaps" / "ss7";
  if (!fs::exists(dir)) return s;
  for (const auto& ent : fs::directory_iterator(dir)) {
    if (ent.path().extension() != ".pcap") continue;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(ent.path().c_str(), err);
    if (!p) continue;
    pcap_pkthdr* h;
    const u_char* d;
    while (pcap_next_ex(p, &h, &d) == 1) {
      // Find M3UA DATA by its common header (version 1, class 1, type 1) anywhere in the frame.
      for (size_t i = 0; i + 8 < h->caplen; ++i) {
        if (d[i] != 1 || d[i + 1] != 0 || d[i + 2] != 1 || d[i + 3] != 1) continue;
        uint32_t len = uint32_t(d[i + 4]) << 24 | uint32_t(d[i + 5]) << 16 | uint32_t(d[i + 6]) << 8 | d[i + 7];
        if (len < 8 || i + len > h->caplen) continue;
        Seed m3ua{uint8_t(0)};
        m3ua.insert(m3ua.end(), d + i, d + i + len);
        s.sigtran.push_back(m3ua);
        DecodeCounters c;
        auto msg = parse_m3ua({d + i, len}, PcFormat::Itu, c);
        if (!msg || !msg->is_data) continue;
        Bytes user = msg->data.user;
        if (msg->data.si == 5) s.isup.emplace_back(user.begin(), user.end());
        if (msg->data.si != 3) continue;
        s.sccp.emplace_back(user.begin(), user.end());
        auto sc = parse_sccp(user, PcFormat::Itu, c);
        if (!sc || sc->data.empty()) continue;
        s.tcap.emplace_back(sc->data.begin(), sc->data.end());
        auto t = parse_tcap(sc->data, c);
        if (!t) continue;
        for (size_t k = 0; k < t->n_components; ++k) {
          MapFields f = decode_map(t->components[k].opcode, false, t->components[k].param, c);
          if (f.has_sms) s.sms.emplace_back(f.sm_rp_ui.begin(), f.sm_rp_ui.end());
        }
        break;
      }
    }
    pcap_close(p);
  }
  return s;
}

void replay(const std::vector<Seed>& seeds, void (*fn)(const uint8_t*, size_t)) {
  for (const Seed& s : seeds) {
    fn(s.data(), s.size());
    for (size_t n = 0; n < s.size(); ++n) fn(s.data(), n);  // every truncation
    Seed flip = s;
    for (size_t i = 0; i < flip.size(); ++i) {  // one byte at a time: 0x00, 0xFF, +1
      uint8_t keep = flip[i];
      for (uint8_t v : {uint8_t(0), uint8_t(0xFF), uint8_t(keep + 1), uint8_t(0x80)}) {
        flip[i] = v;
        fn(flip.data(), flip.size());
      }
      flip[i] = keep;
    }
  }
}

void write_seeds(const char* dir, const char* name, const std::vector<Seed>& seeds) {
  fs::path d = fs::path(dir) / name;
  fs::create_directories(d);
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream o(d / ("seed" + std::to_string(i)), std::ios::binary);
    o.write(reinterpret_cast<const char*>(seeds[i].data()), std::streamsize(seeds[i].size()));
  }
}

std::vector<Seed> regressions(const char* target) {
  std::vector<Seed> out;
  fs::path d = fs::path(SIGPROBE_SOURCE_DIR) / "tests" / "fuzz" / "ss7" / "regressions" / target;
  if (!fs::exists(d)) return out;
  for (const auto& ent : fs::directory_iterator(d)) {
    std::ifstream in(ent.path(), std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

TEST(Ss7FuzzReplay, EveryEntryPointSurvivesTheSeedsAndTheirMutations) {
  Seeds s = seeds_from_captures();
  if (s.sigtran.empty()) GTEST_SKIP() << "no pcaps/ss7 captures";
  EXPECT_FALSE(s.sccp.empty());
  EXPECT_FALSE(s.tcap.empty());
  EXPECT_FALSE(s.sms.empty());
  EXPECT_FALSE(s.isup.empty());
  if (const char* dir = std::getenv("SS7_WRITE_SEEDS")) {
    write_seeds(dir, "sigtran", s.sigtran);
    write_seeds(dir, "sccp", s.sccp);
    write_seeds(dir, "tcap_map", s.tcap);
    write_seeds(dir, "sms", s.sms);
    write_seeds(dir, "isup", s.isup);
  }
  replay(s.sigtran, fuzz::sigtran);
  replay(s.sccp, fuzz::sccp);
  replay(s.tcap, fuzz::tcap_map);
  replay(s.sms, fuzz::sms);
  replay(s.isup, fuzz::isup);
  replay(regressions("sigtran"), fuzz::sigtran);
  replay(regressions("sccp"), fuzz::sccp);
  replay(regressions("tcap_map"), fuzz::tcap_map);
  replay(regressions("sms"), fuzz::sms);
  replay(regressions("isup"), fuzz::isup);
}

}  // namespace
}  // namespace sigprobe::ss7
