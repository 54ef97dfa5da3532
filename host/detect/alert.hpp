// An alert: the verdict of a rule on a subject, with its evidence. Written by
// host/out as one JSON line (alert contract of shared/DESIGN.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sigprobe {

enum class Severity : uint8_t { Info, Low, Medium, High, Critical };
enum class SubjectType : uint8_t { Msisdn, Ip, Gt, UserAgent, Imei, Imsi, Cell };
enum class Action : uint8_t { Alert, Mirror, Block };

const char* severity_name(Severity s);
const char* subject_type_name(SubjectType t);
const char* action_name(Action a);

struct Victim {
  std::string number;
  bool deep = false;        // long call, still in contact
  uint64_t last_ts_ns = 0;
  std::string imsi;         // reached by this IMSI (an SMS, a forwarding), named by its MSISDN
  bool called_back = false; // called the flagged number (a one-ring call's callback, a scam text's reply)
  bool called_in = false;   // called or texted it, never reached by it (a fake service line's caller)
};

struct Alert {
  uint64_t ts_ns = 0;       // capture time of the message that crossed the threshold
  std::string id;           // unique within a run, stable across backends
  std::string rule;         // rule name from the rules file
  Severity severity = Severity::Medium;
  SubjectType subject_type = SubjectType::Msisdn;
  std::string subject;
  nlohmann::json evidence = nlohmann::json::object();  // counts, thresholds, window
  std::vector<uint64_t> frames;   // packets that led to it
  std::vector<uint16_t> frame_ports;  // capture index of each frame (parallel to frames)
  std::vector<Victim> victims;
  Action action = Action::Alert;
  // Correlation keys of the flows that make the case (for mirror and block):
  std::vector<std::string> call_ids;   // SIP Call-IDs
  std::vector<std::string> tcap_tids;  // "opc-otid" hex
  // Whether the subject's other flows are part of the case (mirrored, HEP).
  // Not for a spoofed number (cli_spoof): it is a real subscriber's, whose own
  // calls are not the spoof's; only the alert's own flows are.
  bool mirror_subject = true;
};

}  // namespace sigprobe
