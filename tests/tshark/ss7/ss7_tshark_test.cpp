// Differential test of the SS7 decoder against tshark, the reference decoder.
//
// For every capture with MAP or ISUP under ../shared/corpus (skipped when
// absent) and under pcaps/ss7, tshark -T fields gives per frame: TCAP message
// type, OTID/DTID, MAP operation codes, component types, calling/called GT,
// IMSI (e212.imsi), the E.164 numbers (e164.msisdn) and the SMS text; for ISUP:
// message type, CIC, called and calling digits. Our side walks the same frames
// with the test SCTP walker into Ss7Decoder. Every field of every frame is
// compared; agreement is printed per file and in total and must reach 99.5%.
// A difference is accepted only when one of the explanations below checks out
// on the data (kExplanations), and every explanation must still be needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "host/out/event_json.hpp"
#include "tests/dataplane/ss7/sigtran_pcap.hpp"
#include "tests/tshark/ss7/tshark_run.hpp"

namespace sigprobe::ss7 {
namespace {
namespace fs = std::filesystem;
using testing::SigtranPcap;

using Values = std::multiset<std::string>;
using Record = std::map<std::string, Values>;  // field -> values in the frame

struct Capture {
  std::string path;
  std::string tshark_opts;
  Ss7Config cfg;
};

using testing::split;

const char* comp_name(MapComponent c) {
  switch (c) {
    case MapComponent::Invoke: return "invoke";
    case MapComponent::ReturnResult: return "returnResultLast";
    case MapComponent::ReturnResultNotLast: return "returnResultNotLast";
    case MapComponent::ReturnError: return "returnError";
    case MapComponent::Reject: return "reject";
    default: return "";
  }
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// Fields compared. TCAP-level fields are sets (one TCAP message may give
// several events); component-level fields are multisets.
const std::vector<std::string> kMapFields{"tcap_type", "otid", "dtid", "opcode", "component",
                                          "calling_gt", "called_gt", "imsi", "e164", "sms_text"};
const std::vector<std::string> kIsupFields{"msg", "cic", "called", "calling", "redirecting"};
bool is_set_field(const std::string& f) {
  return f == "tcap_type" || f == "otid" || f == "dtid" || f == "calling_gt" || f == "called_gt" ||
         f == "imsi" || f == "e164";
}
Values normalise(const std::string& field, Values v) {
  v.erase("");
  if (!is_set_field(field)) return v;
  std::set<std::string> unique(v.begin(), v.end());
  return Values(unique.begin(), unique.end());
}

// ---- tshark side ------------------------------------------------------------

std::map<uint64_t, Record> tshark_map(const Capture& cap) {
  static const std::vector<std::string> kCols{
      "frame.number", "tcap.begin_element", "tcap.continue_element", "tcap.end_element",
      "tcap.abort_element", "tcap.unidirectional_element", "tcap.otid", "tcap.dtid",
      "gsm_old.localValue", "gsm_old.invoke_element", "gsm_old.returnResultLast_element",
      "gsm_old.returnResultNotLast_element", "gsm_old.returnError_element", "gsm_old.reject_element",
      "sccp.calling.digits", "sccp.called.digits", "e212.imsi", "e164.msisdn", "gsm_sms.sms_text",
      "_ws.malformed", "gsm_map.address.digits", "gsm_sms.tp-oa", "gsm_sms.tp-da"};
  std::map<uint64_t, Record> out;
  for (const auto& cols : testing::tshark_fields(cap.path, cap.tshark_opts, "gsm_map", kCols)) {
    Record r;
    auto vals = [&](size_t i) { return split(cols[i], '\x1f'); };
    static const char* kTypes[] = {"begin", "continue", "end", "abort", "unidirectional"};
    for (size_t t = 0; t < 5; ++t)
      for (const auto& v : vals(1 + t))
        if (!v.empty()) r["tcap_type"].insert(kTypes[t]);
    for (const auto& v : vals(6)) r["otid"].insert(v);
    for (const auto& v : vals(7)) r["dtid"].insert(v);
    for (const auto& v : vals(8)) r["opcode"].insert(v);
    static const char* kComps[] = {"invoke", "returnResultLast", "returnResultNotLast", "returnError", "reject"};
    for (size_t t = 0; t < 5; ++t)
      for (const auto& v : vals(9 + t))
        if (!v.empty()) r["component"].insert(kComps[t]);
    for (const auto& v : vals(14)) r["calling_gt"].insert(v);
    for (const auto& v : vals(15)) r["called_gt"].insert(v);
    for (const auto& v : vals(16)) r["imsi"].insert(v);
    for (const auto& v : vals(17)) r["e164"].insert(v);
    // On the part that completes a concatenated SMS tshark lists every part's
    // text in order: the message text is their concatenation.
    std::string text;
    for (const auto& v : vals(18)) text += v;
    r["sms_text"].insert(text);
    // Not compared; used by the explanations below.
    if (!cols[19].empty()) r["malformed"].insert("1");
    for (size_t i = 20; i <= 22; ++i)
      for (const auto& v : vals(i)) r["any_address"].insert(v);
    out[std::stoull(cols[0])] = r;
  }
  return out;
}

std::map<uint64_t, Record> tshark_isup(const Capture& cap) {
  std::map<uint64_t, Record> out;
  for (const auto& cols : testing::tshark_fields(
           cap.path, cap.tshark_opts, "isup",
           {"frame.number", "isup.message_type", "isup.cic", "isup.called", "isup.calling", "isup.redirecting",
            "isup.original_called_number"})) {
    Record r;
    const char* keys[] = {"msg", "cic", "called", "calling", "redirecting"};
    // A diverted call's subscriber: the redirecting number, else the original called number.
    size_t last = cols[5].empty() ? 6 : 5;
    for (size_t i = 0; i < 5; ++i)
      for (std::string v : split(cols[i == 4 ? last : 1 + i], '\x1f')) {
        // ISUP ST (end of pulsing, 0xF) ends the number; it is not a digit.
        if (i >= 2 && !v.empty() && (v.back() == 'F' || v.back() == 'f')) v.pop_back();
        r[keys[i]].insert(v);
      }
    out[std::stoull(cols[0])] = r;
  }
  return out;
}

// ---- our side ---------------------------------------------------------------

struct Ours {
  std::map<uint64_t, Record> map, isup;
  // For the invoke-table explanation: invokes seen (otid, invoke id) -> opcode.
  std::map<std::pair<std::string, int>, int> invokes;
  // Results whose opcode matches an earlier invoke of the same transaction.
  std::map<uint64_t, Values> recovered_opcodes;
  std::set<uint64_t> sip_frames;  // frames whose SCTP payload was not SIGTRAN
};

Ours decode(const Capture& cap, bool enrich) {
  Ours o;
  Ss7Config cfg = cap.cfg;
  cfg.result_opcode_from_invoke = enrich;
  Ss7Decoder dec(cfg);
  DecodeCounters c;
  SigtranPcap walker;
  uint64_t unknown_seen = 0;
  walker.run(cap.path, dec, c, [&](uint64_t frame, std::span<const SignalEvent> evs) {
    uint64_t unknown = c.anomalies[size_t(Anomaly::SigtranUnknownContent)];
    if (unknown != unknown_seen) o.sip_frames.insert(frame);
    unknown_seen = unknown;
    bool tcap_done = false;
    for (const SignalEvent& e : evs) {
      if (e.proto == Proto::Isup) {
        Record& r = o.isup[frame];
        r["msg"].insert(std::to_string(e.isup.msg_type));
        r["cic"].insert(std::to_string(e.isup.cic));
        r["called"].insert(std::string(e.isup.called));
        r["calling"].insert(std::string(e.isup.calling));
        r["redirecting"].insert(std::string(e.isup.redirecting));
        continue;
      }
      if (e.proto != Proto::Map) continue;
      Record& r = o.map[frame];
      if (!tcap_done) {  // once per TCAP message
        tcap_done = true;
        r["tcap_type"].insert(tcap_type_name(e.tcap.type));
        r["otid"].insert(hex_tid(e.tcap.otid, e.tcap.otid_len));
        r["dtid"].insert(hex_tid(e.tcap.dtid, e.tcap.dtid_len));
        r["calling_gt"].insert(std::string(e.sccp.calling.gt));
        r["called_gt"].insert(std::string(e.sccp.called.gt));
      }
      // tshark's gsm_old.localValue carries the operation code and, in a
      // returnError, the error code: compare like with like.
      if (e.map.component == MapComponent::ReturnError) r["opcode"].insert(std::to_string(e.map.error_code));
      else if (e.map.opcode >= 0) r["opcode"].insert(std::to_string(e.map.opcode));
      r["component"].insert(comp_name(e.map.component));
      r["imsi"].insert(std::string(e.map.imsi));
      for (std::string_view n : {e.map.msisdn, e.map.vlr, e.map.msc, e.map.sgsn, e.map.hlr,
                                 e.map.service_centre, e.map.roaming_number, e.map.gsm_scf,
                                 e.map.forwarded_to, e.map.sms.oa, e.map.sms.da})
        if (all_digits(n)) r["e164"].insert(std::string(n));
      if (e.map.sms.present) r["sms_text"].insert(std::string(e.map.sms.text));
      std::string otid = hex_tid(e.tcap.otid, e.tcap.otid_len), dtid = hex_tid(e.tcap.dtid, e.tcap.dtid_len);
      if (e.map.component == MapComponent::Invoke && e.map.opcode >= 0)
        o.invokes[{otid, e.map.invoke_id}] = e.map.opcode;
      if (e.map.component == MapComponent::ReturnResult && e.map.opcode >= 0) {
        auto it = o.invokes.find({dtid, e.map.invoke_id});
        if (it != o.invokes.end() && it->second == e.map.opcode)
          o.recovered_opcodes[frame].insert(std::to_string(e.map.opcode));
      }
    }
    tcap_done = false;
  });
  return o;
}

// ---- explanations of the differences that remain ----------------------------

struct Diff {
  std::string file;
  uint64_t frame;
  std::string field;
  Values tshark, ours;
  Record tshark_frame;  // all of tshark's fields for the frame
};

// Values in a but not in b.
Values minus(const Values& a, const Values& b) {
  Values out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

struct Explanation {
  const char* name;
  const char* why;
  std::function<bool(const Diff&, const Ours&)> holds;
};

const std::vector<Explanation> kExplanations{
    {"e164_subset",
     "tshark lists every E.164 AddressString of the message; we extract the numbers of the "
     "operations we decode, so where we differ ours are a subset of tshark's, or are addresses "
     "tshark shows with another numbering plan (gsm_map.address.digits, TP-OA/DA)",
     [](const Diff& d, const Ours&) {
       if (d.field != "e164") return false;
       auto any = d.tshark_frame.count("any_address") ? d.tshark_frame.at("any_address") : Values{};
       std::set<std::string> known(d.tshark.begin(), d.tshark.end());
       known.insert(any.begin(), any.end());
       for (const auto& v : d.ours)
         if (!known.count(v)) return false;
       return true;
     }},
    {"tshark_malformed",
     "tshark stopped at a malformed element (BoundError in an unreassembled XUDT segment, "
     "corpus README): every value it shows is also ours, we decode further",
     [](const Diff& d, const Ours&) {
       if (!d.tshark_frame.count("malformed")) return false;
       Values missing;
       std::set_difference(d.tshark.begin(), d.tshark.end(), d.ours.begin(), d.ours.end(),
                           std::inserter(missing, missing.end()));
       return missing.empty();
     }},
    {"isup_in_sip",
     "ISUP carried in a SIP-I body (application/isup) is the SIP decoder's part, not SIGTRAN: "
     "the SCTP payload of the frame is SIP",
     [](const Diff& d, const Ours& o) { return o.sip_frames.count(d.frame) && d.ours.empty(); }},
};

TEST(Ss7VersusTshark, AgreesOnEveryMapAndIsupMessage) {
  if (system("tshark -v >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
  const char* env = std::getenv("SIGPROBE_SOURCE_DIR");
  fs::path src = env ? env : SIGPROBE_SOURCE_DIR;
  std::vector<Capture> caps;
  fs::path corpus = src / ".." / "shared" / "corpus";
  if (fs::exists(corpus / "MANIFEST.tsv")) {
    std::ifstream man(corpus / "MANIFEST.tsv");
    std::string line;
    std::getline(man, line);
    while (std::getline(man, line)) {
      auto cols = split(line, '\t');
      if (cols.size() < 8) continue;
      const std::string& protos = cols[7];
      if (protos.find("gsm_map") == std::string::npos && protos.find("isup") == std::string::npos)
        continue;
      Capture cap{(corpus / cols[0]).string(), "", {}};
      // Per-file tshark options (corpus/README.md) and the matching decoder setting.
      if (cols[0].find("tcpdump/isup.pcap") != std::string::npos) cap.tshark_opts = "-o m3ua.version:draft-6";
      if (cols[0].find("sigcorr/camel.pcap") != std::string::npos) cap.tshark_opts = "-o sccp.default_payload:tcap";
      if (cols[0].find("japan_tcap") != std::string::npos) {
        cap.tshark_opts = "-o mtp3.standard:Japan";
        cap.cfg.japan_point_codes = true;
      }
      caps.push_back(cap);
    }
  }
  if (fs::exists(src / "pcaps" / "ss7"))
    for (const auto& ent : fs::directory_iterator(src / "pcaps" / "ss7"))
      if (ent.path().extension() == ".pcap") caps.push_back({ent.path().string(), "", {}});
  std::sort(caps.begin(), caps.end(), [](const Capture& a, const Capture& b) { return a.path < b.path; });
  // SS7_TSHARK_ONLY=substring narrows the run to matching files (for debugging;
  // the agreement figure is then not the project's).
  if (const char* only = std::getenv("SS7_TSHARK_ONLY"))
    std::erase_if(caps, [&](const Capture& cap) { return cap.path.find(only) == std::string::npos; });
  if (caps.empty()) GTEST_SKIP() << "no SS7 captures";

  size_t total = 0, agree = 0, map_msgs = 0, isup_msgs = 0, opcodes_from_invoke = 0;
  std::vector<Diff> unexplained;
  std::map<std::string, size_t> explained;
  for (const Capture& cap : caps) {
    // The comparison is of what is on the wire; the invoke-table enrichment is
    // checked on its own: every opcode it adds to a result is its invoke's.
    Ours ours = decode(cap, false);
    Ours enriched = decode(cap, true);
    for (const auto& [frame, r] : enriched.map) {
      Values wire = ours.map.count(frame) && ours.map[frame].count("opcode") ? ours.map[frame]["opcode"] : Values{};
      Values added = minus(r.count("opcode") ? r.at("opcode") : Values{}, wire);
      if (added.empty()) continue;
      ++opcodes_from_invoke;
      auto it = enriched.recovered_opcodes.find(frame);
      EXPECT_TRUE(it != enriched.recovered_opcodes.end() && minus(added, it->second).empty())
          << cap.path << " frame " << frame << ": opcode added without a matching invoke";
    }
    size_t f_total = 0, f_agree = 0;
    auto compare = [&](const std::map<uint64_t, Record>& ts, std::map<uint64_t, Record>& us,
                       const std::vector<std::string>& fields) {
      for (const auto& [frame, trec] : ts) {
        Record urec = us.count(frame) ? us[frame] : Record{};
        for (const auto& field : fields) {
          Values t = normalise(field, trec.count(field) ? trec.at(field) : Values{});
          Values u = normalise(field, urec.count(field) ? urec.at(field) : Values{});
          ++f_total;
          if (t == u) {
            ++f_agree;
            continue;
          }
          Diff d{fs::path(cap.path).filename().string(), frame, field, t, u, trec};
          auto ex = std::find_if(kExplanations.begin(), kExplanations.end(),
                                 [&](const Explanation& e) { return e.holds(d, ours); });
          if (ex != kExplanations.end()) {
            ++explained[ex->name];
            if (std::getenv("SS7_TSHARK_VERBOSE")) {
              std::string t, u;
              for (const auto& v : d.tshark) t += v + " | ";
              for (const auto& v : d.ours) u += v + " | ";
              std::printf("  [%s] %s frame %llu %s tshark: %s ours: %s\n", ex->name, d.file.c_str(),
                          (unsigned long long)d.frame, d.field.c_str(), t.c_str(), u.c_str());
            }
          } else {
            unexplained.push_back(d);
          }
        }
      }
    };
    auto ts_map = tshark_map(cap);
    auto ts_isup = tshark_isup(cap);
    map_msgs += ts_map.size();
    isup_msgs += ts_isup.size();
    compare(ts_map, ours.map, kMapFields);
    compare(ts_isup, ours.isup, kIsupFields);
    size_t extra = 0;
    for (const auto& [frame, r] : ours.map)
      if (!ts_map.count(frame)) ++extra;
    if (f_total || extra)
      std::printf("%-48s map %3zu isup %2zu fields %5zu agree %5zu (%.2f%%)%s\n",
                  fs::path(cap.path).filename().string().c_str(), ts_map.size(), ts_isup.size(), f_total,
                  f_agree, f_total ? 100.0 * double(f_agree) / double(f_total) : 100.0,
                  extra ? (" ours only: " + std::to_string(extra) + " frames").c_str() : "");
    total += f_total;
    agree += f_agree;
  }
  double pct = total ? 100.0 * double(agree) / double(total) : 100.0;
  std::printf("TOTAL: %zu MAP + %zu ISUP messages, %zu fields, %zu agree (%.3f%%)\n", map_msgs, isup_msgs,
              total, agree, pct);
  std::printf("returnResults given their invoke's opcode (not in tshark): %zu frames\n", opcodes_from_invoke);
  EXPECT_GT(opcodes_from_invoke, 0u);
  for (const auto& e : kExplanations)
    std::printf("explained %-20s %4zu  (%s)\n", e.name, explained[e.name], e.why);
  for (const Diff& d : unexplained) {
    std::string t, u;
    for (const auto& v : d.tshark) t += v + " | ";
    for (const auto& v : d.ours) u += v + " | ";
    ADD_FAILURE() << d.file << " frame " << d.frame << " " << d.field << "\n  tshark: " << t
                  << "\n  ours:   " << u;
  }
  if (!std::getenv("SS7_TSHARK_ONLY")) {
    for (const auto& e : kExplanations) EXPECT_GT(explained[e.name], 0u) << e.name << " is no longer needed";
  }
  EXPECT_GE(pct, 99.5);
  EXPECT_GT(map_msgs, 0u);
}

}  // namespace
}  // namespace sigprobe::ss7
