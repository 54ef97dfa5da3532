// Name tables of the rules schema: rule types, metrics, MAP operations,
// SIP methods. Data next to the code that reads it (STYLE 5).
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "host/rules/rule_set.hpp"

namespace sigprobe::rules {

std::optional<RuleType> rule_type_from(std::string_view s);
std::optional<Metric> metric_from(std::string_view s);
// MAP operation by name ("anyTimeInterrogation") or decimal code ("71").
std::optional<int16_t> map_operation_from(std::string_view s);
std::string_view map_operation_name(int16_t code);
// SIP method by name, as a bit for Rule::methods (bit = SipMethod value).
std::optional<uint32_t> sip_method_bit(std::string_view s);

// The metrics a rule type accepts thresholds on.
bool metric_allowed(RuleType t, Metric m);

// Closest of the candidates to s (edit distance <= 3), or empty.
std::string_view closest(std::string_view s, const std::string_view* candidates, size_t n);

}  // namespace sigprobe::rules
