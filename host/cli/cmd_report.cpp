// sigprobe report ALERTS [--events EVENTS] -o report.html: one self-contained
// HTML page for analysts (host/out/report_html.hpp).
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "host/cli/commands.hpp"
#include "host/out/report_html.hpp"

namespace sigprobe::cli {
namespace {

struct ReportOptions {
  std::string alerts, events, output = "report.html", title = "sigprobe report";
  size_t ladder_max = 200;
};

bool read_lines(const std::string& path, std::vector<std::string>& lines) {
  std::ifstream in(path);
  if (!in) return false;
  for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
  return true;
}

int run_report(const ReportOptions& o) {
  ReportInput in;
  in.title = o.title;
  in.ladder_max = o.ladder_max;
  if (!read_lines(o.alerts, in.alert_lines)) return fail(o.alerts + ": cannot read");
  if (!o.events.empty() && !read_lines(o.events, in.event_lines)) return fail(o.events + ": cannot read");
  std::string err;
  std::string html = render_report(in, err);
  if (!err.empty()) return fail(err);
  std::ofstream out(o.output, std::ios::binary);
  if (!out || !(out << html) || !out.flush()) return fail(o.output + ": cannot write");
  return 0;
}

}  // namespace

void add_report(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("report", "One self-contained HTML report from alert (and event) lines");
  auto o = std::make_shared<ReportOptions>();
  sub->add_option("alerts", o->alerts, "alert JSON lines (replay --alerts)")->required();
  sub->add_option("--events", o->events, "event JSON lines (replay --events), for the call ladders");
  sub->add_option("-o,--output", o->output, "HTML file to write (default report.html)");
  sub->add_option("--title", o->title, "page title");
  sub->add_option("--ladder-max", o->ladder_max, "messages drawn per call ladder (default 200)");
  cmds.push_back({sub, [o]() { return run_report(*o); }});
}

}  // namespace sigprobe::cli
