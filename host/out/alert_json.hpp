// Alert JSON lines (shared/DESIGN.md, "Alert JSON").
#pragma once
#include <string>

#include "host/detect/alert.hpp"

namespace sigprobe {

void append_alert_json(std::string& out, const Alert& a);

}  // namespace sigprobe
