#include "host/rules/catalogue.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include "dataplane/core/signal_event.hpp"

namespace sigprobe::rules {
namespace {

constexpr std::array<std::string_view, size_t(RuleType::Count_)> kTypeNames{
    "number_list", "content",  "bulk_text",    "signature", "caller_behaviour", "wangiri",
    "simbox",      "sip_attack", "ss7_security", "roaming",  "sms_flood",
    "cli_spoof",   "victim_on_line"};

constexpr std::array<std::string_view, size_t(Metric::Count_)> kMetricNames{
    "attempts", "distinct_callees", "answer_ratio", "short_ratio", "cancel_ratio",
    "sequential_callees", "incoming_ratio", "one_ring_calls", "distinct_numbers", "calls",
    "distinct_numbers_across", "windows_seen", "imeis_per_number", "requests", "distinct_users", "fail_ratio",
    "responses", "queries", "distinct_targets", "sms", "distinct_recipients", "calls_per_number"};

struct MapOp {
  int16_t code;
  std::string_view name;
};
// 3GPP TS 29.002 operation codes.
constexpr MapOp kMapOps[] = {
    {2, "updateLocation"},          {3, "cancelLocation"},         {4, "provideRoamingNumber"},
    {7, "insertSubscriberData"},    {8, "deleteSubscriberData"},   {9, "sendParameters"},
    {10, "registerSS"},             {11, "eraseSS"},               {12, "activateSS"},
    {13, "deactivateSS"},           {14, "interrogateSS"},         {22, "sendRoutingInfo"},
    {23, "updateGprsLocation"},     {24, "sendRoutingInfoForGprs"}, {37, "reset"},
    {43, "checkIMEI"},              {44, "mt-forwardSM"},          {45, "sendRoutingInfoForSM"},
    {46, "mo-forwardSM"},           {55, "sendIdentification"},    {56, "sendAuthenticationInfo"},
    {57, "restoreData"},            {58, "sendIMSI"},              {59, "processUnstructuredSS-Request"},
    {65, "anyTimeModification"},    {67, "purgeMS"},               {70, "provideSubscriberInfo"},
    {71, "anyTimeInterrogation"},   {83, "provideSubscriberLocation"},
    {85, "sendRoutingInfoForLCS"},
};

struct SipName {
  std::string_view name;
  SipMethod m;
};
constexpr SipName kSipMethods[] = {
    {"invite", SipMethod::Invite},   {"ack", SipMethod::Ack},         {"bye", SipMethod::Bye},
    {"cancel", SipMethod::Cancel},   {"register", SipMethod::Register}, {"options", SipMethod::Options},
    {"message", SipMethod::Message}, {"info", SipMethod::Info},       {"subscribe", SipMethod::Subscribe},
    {"notify", SipMethod::Notify},   {"refer", SipMethod::Refer},     {"publish", SipMethod::Publish},
};

template <size_t N>
int index_of(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == s) return int(i);
  return -1;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string_view rule_type_name(RuleType t) { return kTypeNames[size_t(t)]; }
std::string_view metric_name(Metric m) { return kMetricNames[size_t(m)]; }

std::optional<RuleType> rule_type_from(std::string_view s) {
  int i = index_of(kTypeNames, s);
  if (i < 0) return std::nullopt;
  return RuleType(i);
}
std::optional<Metric> metric_from(std::string_view s) {
  int i = index_of(kMetricNames, s);
  if (i < 0) return std::nullopt;
  return Metric(i);
}

std::optional<int16_t> map_operation_from(std::string_view s) {
  for (const MapOp& op : kMapOps)
    if (op.name == s) return op.code;
  int v = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc{} && p == s.data() + s.size() && v >= 0 && v < 256) return int16_t(v);
  return std::nullopt;
}

std::string_view map_operation_name(int16_t code) {
  for (const MapOp& op : kMapOps)
    if (op.code == code) return op.name;
  return {};
}

std::optional<uint32_t> sip_method_bit(std::string_view s) {
  std::string low(s);
  for (char& c : low) c = char(c >= 'A' && c <= 'Z' ? c + 32 : c);
  for (const SipName& n : kSipMethods)
    if (n.name == low) return 1u << uint32_t(n.m);
  return std::nullopt;
}

bool metric_allowed(RuleType t, Metric m) {
  using M = Metric;
  switch (t) {
    case RuleType::CallerBehaviour:
      return m == M::Attempts || m == M::DistinctCallees || m == M::AnswerRatio || m == M::ShortRatio ||
             m == M::CancelRatio || m == M::SequentialCallees || m == M::IncomingRatio;
    case RuleType::Wangiri: return m == M::OneRingCalls || m == M::DistinctCallees;
    case RuleType::SimBox:
      return m == M::DistinctNumbers || m == M::Calls || m == M::DistinctNumbersAcross || m == M::WindowsSeen ||
             m == M::ImeisPerNumber || m == M::CallsPerNumber || m == M::AnswerRatio;
    case RuleType::SipAttack:
      return m == M::Requests || m == M::DistinctUsers || m == M::FailRatio || m == M::Responses;
    case RuleType::Ss7Security: return m == M::Queries || m == M::DistinctTargets;
    case RuleType::Roaming: return m == M::DistinctNumbers;
    case RuleType::SmsFlood:
    case RuleType::BulkText: return m == M::Sms || m == M::DistinctRecipients;
    default: return false;
  }
}

std::string_view closest(std::string_view s, const std::string_view* candidates, size_t n) {
  std::string_view best;
  size_t best_d = 4;
  for (size_t i = 0; i < n; ++i) {
    size_t d = edit_distance(s, candidates[i]);
    if (d < best_d) { best_d = d; best = candidates[i]; }
  }
  return best;
}

}  // namespace sigprobe::rules
