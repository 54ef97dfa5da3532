#include "host/out/report_html.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dataplane/core/signal_event.hpp"

namespace sigprobe {
namespace {

using nlohmann::json;

// One event line, reduced to what a ladder needs.
struct LadderEvent {
  uint64_t frame = 0;
  double ts = 0;
  std::string src, dst, label, proto;
  std::vector<std::string> who;   // identities, typed ("n:861...", "ip:10.0.0.1")
  std::vector<std::string> flow;  // correlation keys ("cid:...", "tid:...", "cic:...")
};

struct AlertView {
  double ts = 0;
  std::string id, rule, severity, subject_type, subject, action;
  json evidence;
  std::vector<uint64_t> frames;
  std::vector<std::string> victims;
};

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

std::string ip_of(const std::string& endpoint) {
  if (endpoint.empty()) return {};
  if (endpoint[0] == '[') return endpoint.substr(1, endpoint.find(']') - 1);
  return endpoint.substr(0, endpoint.rfind(':'));
}

std::string subject_prefix(const std::string& type) {
  if (type == "msisdn") return "n:";
  if (type == "ip") return "ip:";
  if (type == "gt") return "gt:";
  if (type == "user_agent") return "ua:";
  if (type == "imei") return "imei:";
  if (type == "imsi") return "imsi:";
  return type + ":";
}

LadderEvent read_event(const json& j) {
  LadderEvent e;
  e.frame = j.value("frame", uint64_t(0));
  e.ts = j.value("ts", 0.0);
  e.proto = str(j, "proto");
  e.src = str(j, "src");
  e.dst = str(j, "dst");
  auto add = [&](const char* prefix, const std::string& v) {
    if (!v.empty()) e.who.push_back(prefix + v);
  };
  // An IMEI names its family too (TAC + 4 serial digits: simbox by imei_family flags that).
  auto add_imei = [&](const std::string& imei) {
    add("imei:", imei);
    if (imei.size() > kImeiFamilyDigits) add("imei:", imei.substr(0, kImeiFamilyDigits));
  };
  add("ip:", ip_of(e.src));
  add("ip:", ip_of(e.dst));
  const json* l3 = j.contains("m3ua") ? &j["m3ua"] : j.contains("mtp3") ? &j["mtp3"] : nullptr;
  if (l3 && e.src.empty()) e.src = "pc " + str(*l3, "opc");
  if (l3 && e.dst.empty()) e.dst = "pc " + str(*l3, "dpc");
  if (j.contains("sip")) {
    const json& s = j["sip"];
    for (const char* k : {"from_user", "to_user", "ruri_user", "pai_user"}) add("n:", str(s, k));
    add("ua:", str(s, "user_agent"));
    add_imei(str(s, "imei"));
    add("cell:", str(s, "cell"));
    if (!str(s, "call_id").empty()) e.flow.push_back("cid:" + str(s, "call_id"));
    e.label = s.contains("method") ? str(s, "method") : str(s, "status") + " " + str(s, "reason");
  }
  if (j.contains("sccp")) {
    add("gt:", str(j["sccp"], "calling_gt"));
    add("gt:", str(j["sccp"], "called_gt"));
  }
  if (j.contains("tcap")) {
    const json& t = j["tcap"];
    for (const char* k : {"otid", "dtid"})
      if (!str(t, k).empty()) e.flow.push_back("tid:" + str(t, k));
    e.label = "TCAP " + str(t, "type");
  }
  if (j.contains("map")) {
    const json& m = j["map"];
    add("n:", str(m, "msisdn"));
    add("imsi:", str(m, "imsi"));
    add_imei(str(m, "imei"));
    for (const char* k : {"vlr", "msc", "sgsn"}) add("gt:", str(m, k));
    if (m.contains("sms")) {
      add("n:", str(m["sms"], "oa"));
      add("n:", str(m["sms"], "da"));
    }
    std::string op = str(m, "op").empty() ? (str(m, "opcode").empty() ? "MAP" : "opcode " + str(m, "opcode")) : str(m, "op");
    e.label = op + (str(m, "component").empty() ? "" : " (" + str(m, "component") + ")");
  }
  if (j.contains("cap")) {  // a CAMEL dialogue: the call is its TCAP transaction
    const json& c = j["cap"];
    add("n:", str(c, "calling"));
    add("n:", str(c, "called"));
    add("imsi:", str(c, "imsi"));
    for (const char* k : {"vlr", "msc"}) add("gt:", str(c, k));
    add("cell:", str(c, "cell"));
    std::string op = str(c, "op").empty() ? "CAP opcode " + str(c, "opcode") : str(c, "op");
    e.label = op + (str(c, "event").empty() ? "" : " " + str(c, "event"));
  }
  if (j.contains("isup")) {
    const json& i = j["isup"];
    add("n:", str(i, "calling"));
    add("n:", str(i, "called"));
    if (l3) {
      uint64_t opc = l3->value("opc", uint64_t(0)), dpc = l3->value("dpc", uint64_t(0));
      e.flow.push_back(fmt::format("cic:{}-{}-{}", std::min(opc, dpc), std::max(opc, dpc), str(i, "cic")));
    }
    e.label = "ISUP " + (str(i, "msg").empty() ? str(i, "msg_type") : str(i, "msg"));
  }
  if (e.label.empty()) e.label = e.proto;
  if (e.src.empty()) e.src = "?";
  if (e.dst.empty()) e.dst = "?";
  return e;
}

AlertView read_alert(const json& j) {
  AlertView a;
  a.ts = j.value("ts", 0.0);
  a.id = str(j, "id");
  a.rule = str(j, "rule");
  a.severity = str(j, "severity");
  a.action = str(j, "action");
  if (j.contains("subject")) {
    a.subject_type = str(j["subject"], "type");
    a.subject = str(j["subject"], "value");
  }
  a.evidence = j.value("evidence", json::object());
  for (const json& f : j.value("frames", json::array()))
    if (f.is_number_unsigned()) a.frames.push_back(f.get<uint64_t>());
  for (const json& v : j.value("victims", json::array()))
    if (v.is_string()) a.victims.push_back(v.get<std::string>());
  return a;
}

std::string utc(double ts) {
  time_t s = time_t(std::floor(ts));
  tm t{};
  gmtime_r(&s, &t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &t);
  return fmt::format("{}.{:03d}", buf, int((ts - std::floor(ts)) * 1000));
}

const char* severity_colour(const std::string& s) {
  if (s == "critical") return "#7b1fa2";
  if (s == "high") return "#d32f2f";
  if (s == "medium") return "#f57c00";
  if (s == "low") return "#1976d2";
  return "#607d8b";
}

// The messages of an alert's flow: events that name its subject or are among
// its frames, and every event sharing a Call-ID / TCAP id / circuit with those.
std::vector<const LadderEvent*> flow_of(const AlertView& a, const std::vector<LadderEvent>& events, size_t max) {
  std::string subject = subject_prefix(a.subject_type) + a.subject;
  std::set<uint64_t> frames(a.frames.begin(), a.frames.end());
  auto names = [&](const LadderEvent& e) {
    return std::find(e.who.begin(), e.who.end(), subject) != e.who.end() || frames.count(e.frame) > 0;
  };
  std::set<std::string> keys;
  for (const LadderEvent& e : events)
    if (names(e)) keys.insert(e.flow.begin(), e.flow.end());
  std::vector<const LadderEvent*> out;
  for (const LadderEvent& e : events) {
    if (out.size() == max) break;
    bool in = names(e) || std::any_of(e.flow.begin(), e.flow.end(), [&](const std::string& k) { return keys.count(k) > 0; });
    if (in) out.push_back(&e);
  }
  return out;
}

void ladder_svg(std::string& o, const std::vector<const LadderEvent*>& msgs) {
  std::vector<std::string> parts;
  for (const LadderEvent* e : msgs)
    for (const std::string* p : {&e->src, &e->dst})
      if (std::find(parts.begin(), parts.end(), *p) == parts.end()) parts.push_back(*p);
  const int col = 190, left = 110, top = 40, row = 26;
  int width = left + int(parts.size()) * col, height = top + int(msgs.size()) * row + 20;
  auto x = [&](const std::string& p) {
    return left + col / 2 + col * int(std::find(parts.begin(), parts.end(), p) - parts.begin());
  };
  o += fmt::format("<svg class=\"ladder\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\">", width, height,
                   width, height);
  o += "<defs><marker id=\"arrowhead\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
       "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>";
  for (const std::string& p : parts) {
    int px = x(p);
    o += fmt::format("<text class=\"participant\" x=\"{}\" y=\"18\" text-anchor=\"middle\">{}</text>", px, html_escape(p));
    o += fmt::format("<line class=\"lifeline\" x1=\"{0}\" y1=\"26\" x2=\"{0}\" y2=\"{1}\"/>", px, height - 10);
  }
  double t0 = msgs.empty() ? 0 : msgs.front()->ts;
  for (size_t i = 0; i < msgs.size(); ++i) {
    const LadderEvent& e = *msgs[i];
    int y = top + int(i) * row + 12, x1 = x(e.src), x2 = x(e.dst);
    if (x1 == x2) x2 = x1 + 40;  // a message to itself: a short stub
    o += fmt::format("<text class=\"time\" x=\"4\" y=\"{}\">+{:.3f}s #{}</text>", y + 4, e.ts - t0, e.frame);
    o += fmt::format(
        "<line class=\"msg\" data-frame=\"{}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" marker-end=\"url(#arrowhead)\"><title>{} "
        "{} &#8594; {}</title></line>",
        e.frame, x1, y, x2, y, html_escape(e.label), html_escape(e.src), html_escape(e.dst));
    o += fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", (x1 + x2) / 2, y - 4,
                     html_escape(e.label));
  }
  o += "</svg>";
}

void timeline_svg(std::string& o, const std::vector<AlertView>& alerts, const std::vector<std::string>& rules) {
  double tmin = alerts.front().ts, tmax = tmin;
  for (const AlertView& a : alerts) tmin = std::min(tmin, a.ts), tmax = std::max(tmax, a.ts);
  const int left = 200, plot = 720, row = 28, top = 10;
  int height = top + int(rules.size()) * row + 40;
  o += fmt::format("<svg id=\"timeline\" width=\"{}\" height=\"{}\" role=\"img\">", left + plot + 30, height);
  for (size_t r = 0; r < rules.size(); ++r) {
    int y = top + int(r) * row + row / 2;
    o += fmt::format("<text class=\"rule-name\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 10, y + 4,
                     html_escape(rules[r]));
    o += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", left, y, left + plot, y);
  }
  for (const AlertView& a : alerts) {
    size_t r = size_t(std::find(rules.begin(), rules.end(), a.rule) - rules.begin());
    double f = tmax > tmin ? (a.ts - tmin) / (tmax - tmin) : 0.5;
    o += fmt::format(
        "<a href=\"#alert-{}\"><circle class=\"alert-dot\" data-rule=\"{}\" cx=\"{:.1f}\" cy=\"{}\" r=\"6\" fill=\"{}\"><title>{} "
        "{} {} {}</title></circle></a>",
        html_escape(a.id), html_escape(a.rule), left + f * plot, top + int(r) * row + row / 2, severity_colour(a.severity),
        html_escape(utc(a.ts)), html_escape(a.rule), html_escape(a.subject_type), html_escape(a.subject));
  }
  int ya = top + int(rules.size()) * row + 20;
  o += fmt::format("<text class=\"axis\" x=\"{}\" y=\"{}\">{} UTC</text>", left, ya, utc(tmin));
  o += fmt::format("<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{} UTC</text>", left + plot, ya, utc(tmax));
  o += "</svg>";
}

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:0 0 6px}
table{border-collapse:collapse;margin:6px 0} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eee} .alert{background:#fff;border:1px solid #ddd;border-left:6px solid #999;padding:10px 14px;margin:12px 0}
.sev-critical{border-left-color:#7b1fa2}.sev-high{border-left-color:#d32f2f}.sev-medium{border-left-color:#f57c00}
.sev-low{border-left-color:#1976d2} .badge{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px}
.legend label{margin-right:14px;cursor:pointer} .hidden{display:none}
svg text{font:12px system-ui,sans-serif} .lifeline{stroke:#bbb;stroke-dasharray:4 3} .msg{stroke:#333;stroke-width:1.4}
.grid{stroke:#e0e0e0} .participant{font-weight:600} .time{fill:#777;font-size:11px} .axis{fill:#555}
.ladder-wrap{overflow-x:auto} code{background:#eee;padding:0 3px}
)";

constexpr const char* kScript = R"(
(function(){
  function apply(){
    var off = {};
    document.querySelectorAll('.legend input').forEach(function(c){ if(!c.checked) off[c.value]=1; });
    var shown = 0;
    document.querySelectorAll('.alert').forEach(function(s){
      var h = !!off[s.dataset.rule]; s.classList.toggle('hidden', h); if(!h) shown++; });
    document.querySelectorAll('.alert-dot').forEach(function(d){
      d.style.display = off[d.dataset.rule] ? 'none' : ''; });
    document.getElementById('shown').textContent = shown + ' alert(s) shown';
  }
  document.querySelectorAll('.legend input').forEach(function(c){ c.addEventListener('change', apply); });
  apply();
  document.body.dataset.ready = '1';
})();
)";

}  // namespace

std::string html_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string render_report(const ReportInput& in, std::string& err) {
  std::vector<AlertView> alerts;
  std::vector<LadderEvent> events;
  for (size_t i = 0; i < in.alert_lines.size(); ++i) {
    if (in.alert_lines[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(in.alert_lines[i], nullptr, false);
    if (j.is_discarded() || !j.is_object()) { err = fmt::format("alerts:{}: not a JSON object", i + 1); return {}; }
    alerts.push_back(read_alert(j));
  }
  for (size_t i = 0; i < in.event_lines.size(); ++i) {
    if (in.event_lines[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(in.event_lines[i], nullptr, false);
    if (j.is_discarded() || !j.is_object()) { err = fmt::format("events:{}: not a JSON object", i + 1); return {}; }
    events.push_back(read_event(j));
  }
  std::stable_sort(alerts.begin(), alerts.end(), [](const AlertView& a, const AlertView& b) { return a.ts < b.ts; });

  std::vector<std::string> rules;
  std::map<std::string, size_t> per_rule;
  std::map<std::pair<std::string, std::string>, std::pair<size_t, std::set<std::string>>> subjects;
  for (const AlertView& a : alerts) {
    if (!per_rule.count(a.rule)) rules.push_back(a.rule);
    ++per_rule[a.rule];
    auto& s = subjects[{a.subject_type, a.subject}];
    ++s.first;
    s.second.insert(a.rule);
  }

  std::string o;
  o += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(in.title) + "</title>";
  o += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">";
  o += std::string("<style>") + kStyle + "</style></head><body>";
  o += "<h1>" + html_escape(in.title) + "</h1>";
  o += fmt::format("<p id=\"summary\">{} alert(s), {} rule(s), {} subject(s), {} event line(s)", alerts.size(), rules.size(),
                   subjects.size(), events.size());
  if (!alerts.empty()) o += " from " + utc(alerts.front().ts) + " to " + utc(alerts.back().ts) + " UTC";
  o += ". <span id=\"shown\"></span></p>";

  o += "<h2>Timeline</h2>";
  if (alerts.empty()) {
    o += "<p>No alerts.</p>";
  } else {
    o += "<div class=\"legend\">";
    for (const std::string& r : rules)
      o += fmt::format("<label><input type=\"checkbox\" checked value=\"{0}\"> {0} ({1})</label>", html_escape(r), per_rule[r]);
    o += "</div>";
    timeline_svg(o, alerts, rules);
  }

  o += "<h2>Top subjects</h2><table id=\"subjects\"><tr><th>type</th><th>subject</th><th>alerts</th><th>rules</th></tr>";
  std::vector<std::pair<std::pair<std::string, std::string>, std::pair<size_t, std::set<std::string>>>> top(subjects.begin(),
                                                                                                          subjects.end());
  std::stable_sort(top.begin(), top.end(), [](auto& a, auto& b) { return a.second.first > b.second.first; });
  if (top.size() > 25) top.resize(25);
  for (auto& [k, v] : top) {
    std::string rl;
    for (const std::string& r : v.second) rl += (rl.empty() ? "" : ", ") + html_escape(r);
    o += fmt::format("<tr><td>{}</td><td class=\"subject\">{}</td><td>{}</td><td>{}</td></tr>", html_escape(k.first),
                     html_escape(k.second), v.first, rl);
  }
  o += "</table>";

  o += "<h2>Alerts</h2>";
  for (const AlertView& a : alerts) {
    o += fmt::format("<section class=\"alert sev-{0}\" id=\"alert-{1}\" data-rule=\"{2}\">", html_escape(a.severity),
                     html_escape(a.id), html_escape(a.rule));
    o += fmt::format("<h3><span class=\"badge\" style=\"background:{}\">{}</span> {} &mdash; {} <code>{}</code></h3>",
                     severity_colour(a.severity), html_escape(a.severity), html_escape(a.rule), html_escape(a.subject_type),
                     html_escape(a.subject));
    o += fmt::format("<p>{} UTC &middot; id <code>{}</code> &middot; action {}</p>", utc(a.ts), html_escape(a.id),
                     html_escape(a.action));
    o += "<table class=\"evidence\"><tr><th colspan=\"2\">evidence</th></tr>";
    for (auto it = a.evidence.begin(); it != a.evidence.end(); ++it)
      o += fmt::format("<tr><td>{}</td><td>{}</td></tr>", html_escape(it.key()),
                       html_escape(it->is_string() ? it->get<std::string>()
                                                   : it->dump(-1, ' ', false, json::error_handler_t::replace)));
    o += "</table>";
    std::string frames;
    for (uint64_t f : a.frames) frames += (frames.empty() ? "" : ", ") + std::to_string(f);
    o += "<p>frames: " + (frames.empty() ? std::string("none") : frames) + "</p>";
    o += "<p class=\"victims\">victims: ";
    if (a.victims.empty()) o += "none";
    for (size_t i = 0; i < a.victims.size(); ++i) o += (i ? ", " : "") + std::string("<code>") + html_escape(a.victims[i]) + "</code>";
    o += "</p>";
    if (!events.empty()) {
      auto msgs = flow_of(a, events, in.ladder_max);
      if (msgs.empty()) {
        o += "<p>No events of this flow in the events file.</p>";
      } else {
        o += fmt::format("<p>call ladder: {} message(s){}</p><div class=\"ladder-wrap\">", msgs.size(),
                         msgs.size() == in.ladder_max ? " (first ones only)" : "");
        ladder_svg(o, msgs);
        o += "</div>";
      }
    }
    o += "</section>";
  }
  o += std::string("<script>") + kScript + "</script></body></html>\n";
  return o;
}

}  // namespace sigprobe
