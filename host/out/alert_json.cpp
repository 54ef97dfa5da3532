#include "host/out/alert_json.hpp"

#include "host/out/event_json.hpp"
#include "host/out/json_writer.hpp"

namespace sigprobe {

const char* severity_name(Severity s) {
  static constexpr const char* kNames[] = {"info", "low", "medium", "high", "critical"};
  return kNames[size_t(s)];
}
const char* subject_type_name(SubjectType t) {
  static constexpr const char* kNames[] = {"msisdn", "ip", "gt", "user_agent", "imei", "imsi", "cell"};
  return kNames[size_t(t)];
}
const char* action_name(Action a) {
  static constexpr const char* kNames[] = {"alert", "mirror", "block"};
  return kNames[size_t(a)];
}

void append_alert_json(std::string& out, const Alert& a) {
  json::Writer w(out);
  w.begin_object();
  std::string ts;
  append_ts(ts, a.ts_ns);
  w.key("ts").raw(ts);
  w.key("id").str(a.id);
  w.key("rule").str(a.rule);
  w.key("severity").str(severity_name(a.severity));
  w.key("subject").begin_object();
  w.key("type").str(subject_type_name(a.subject_type));
  w.key("value").str(a.subject);
  w.end_object();
  w.key("evidence").raw(a.evidence.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  w.key("frames").begin_array();
  for (uint64_t f : a.frames) w.num(f);
  w.end_array();
  w.key("victims").begin_array();
  for (const Victim& v : a.victims) w.str(v.number);
  w.end_array();
  w.key("action").str(action_name(a.action));
  w.end_object();
  out += '\n';
}

}  // namespace sigprobe
