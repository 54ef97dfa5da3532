// `sigprobe report`: one self-contained HTML page (inline CSS, JS and SVG, no
// network) from alert lines and, optionally, event lines: a timeline of
// alerts by rule, the top subjects, each alert's evidence and victims, and
// the call ladder (message sequence) of each alert's flagged flow.
#pragma once
#include <string>
#include <vector>

namespace sigprobe {

struct ReportInput {
  std::vector<std::string> alert_lines;
  std::vector<std::string> event_lines;
  std::string title = "sigprobe report";
  size_t ladder_max = 200;  // messages drawn per ladder
};

// The page, or empty and err set ("alerts.jsonl:3: not JSON") when a line
// cannot be read. Blank lines are skipped.
std::string render_report(const ReportInput& in, std::string& err);

std::string html_escape(std::string_view s);

}  // namespace sigprobe
