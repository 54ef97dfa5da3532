#include "host/detect/compiled_rules.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "hls_kernels/include/pattern_record.hpp"
#include "host/track/fixed_str.hpp"

namespace sigprobe::detect {
namespace {

using offload::FieldTag;
using offload::PatternKind;
using offload::field_bit;
using rules::Metric;
using rules::RuleType;

// The loader refuses list entries the pattern stage cannot hold.
static_assert(rules::kMaxListEntry == hlsk::kListMaxLen);

// The rate stage estimates distinct counts up to this (hls_kernels/include/rate_record.hpp).
constexpr double kDistinctMax = 255;

class RuleCompiler {
 public:
  // hours_mask: a rule that counts only some hours' messages keeps its own
  // counts (not those of an all-day rule with the same quantity).
  RuleCompiler(CompiledRule& cr, SpecRegistry& reg, uint32_t hours_mask)
      : cr_(cr), reg_(reg), hours_mask_(hours_mask) {}

  uint8_t q(Source s, uint64_t param, uint64_t window_ns, Read read) {
    Quantity nq;
    nq.source = s;
    nq.param = param;
    nq.spec_id = reg_.id_for(window_ns);
    nq.salt = track::hash_u64(param, track::hash_u64(uint64_t(s) + 0x51));
    if (hours_mask_) nq.salt = track::hash_u64(hours_mask_, nq.salt);
    nq.read = read;
    for (size_t i = 0; i < cr_.quantities.size(); ++i) {
      const Quantity& o = cr_.quantities[i];
      if (o.source == s && o.param == param && o.spec_id == nq.spec_id && o.read == read) return uint8_t(i);
    }
    cr_.quantities.push_back(nq);
    return uint8_t(cr_.quantities.size() - 1);
  }
  MetricEval direct(uint8_t qi) { return {MetricEval::Direct, qi, 0}; }
  MetricEval ratio(uint8_t n, uint8_t d) { return {MetricEval::Ratio, n, d}; }
  MetricEval per(uint8_t n, uint8_t d) { return {MetricEval::Per, n, d}; }

 private:
  CompiledRule& cr_;
  SpecRegistry& reg_;
  uint32_t hours_mask_;
};

uint64_t hash_ops(const std::vector<int16_t>& ops) {
  uint64_t h = track::kFnvOffset;
  for (int16_t o : ops) h = track::hash_u64(uint64_t(o), h);
  return h;
}
uint64_t hash_lists(const std::vector<uint32_t>& l) {
  uint64_t h = track::kFnvOffset;
  for (uint32_t i : l) h = track::hash_u64(i, h);
  return h;
}

bool compile_one(const rules::Rule& r, CompiledRule& cr, SpecRegistry& reg, const std::string& file,
                 std::string& err) {
  cr.rule = &r;
  RuleCompiler c(cr, reg, r.hours_mask);
  const uint64_t w = r.window_ns;
  for (const rules::Condition& cond : r.conditions) {
    MetricEval e;
    bool distinct = false;
    switch (r.type) {
      case RuleType::CallerBehaviour:
        switch (cond.metric) {
          case Metric::Attempts: e = c.direct(c.q(Source::CallAttempt, 0, w, Read::Count)); break;
          case Metric::DistinctCallees: e = c.direct(c.q(Source::CallAttempt, 0, w, Read::Distinct)); distinct = true; break;
          case Metric::AnswerRatio:
            e = c.ratio(c.q(Source::CallAnswered, 0, w, Read::Count), c.q(Source::CallSettled, 0, w, Read::Count));
            break;
          case Metric::ShortRatio:
            e = c.ratio(c.q(Source::CallShort, r.short_call_ns, w, Read::Count),
                        c.q(Source::CallEnded, 0, w, Read::Count));
            break;
          case Metric::CancelRatio:
            e = c.ratio(c.q(Source::CallCancelled, 0, w, Read::Count), c.q(Source::CallSettled, 0, w, Read::Count));
            break;
          case Metric::IncomingRatio:
            e = c.ratio(c.q(Source::CallIncoming, 0, w, Read::Count), c.q(Source::CallInvolved, 0, w, Read::Count));
            break;
          case Metric::SequentialCallees:  // run of callees, updated on each attempt
            e = {MetricEval::Sequential, c.q(Source::CallAttempt, 0, w, Read::Count), 0};
            break;
          default: break;
        }
        break;
      case RuleType::Wangiri:
        e = c.direct(c.q(Source::OneRing, r.max_ring_ns, w,
                         cond.metric == Metric::DistinctCallees ? Read::Distinct : Read::Count));
        distinct = cond.metric == Metric::DistinctCallees;
        break;
      case RuleType::SimBox: {
        Source s = r.group_by == rules::GroupBy::Vlr ? Source::VlrSubscriber : Source::GroupCall;
        uint64_t g = uint64_t(r.group_by);
        switch (cond.metric) {
          case Metric::DistinctNumbers: e = c.direct(c.q(s, g, w, Read::Distinct)); distinct = true; break;
          case Metric::Calls: e = c.direct(c.q(s, g, w, Read::Count)); break;
          case Metric::DistinctNumbersAcross: e = c.direct(c.q(s, g, r.across_ns, Read::Distinct)); distinct = true; break;
          case Metric::WindowsSeen:
            e = c.direct(c.q(Source::GroupWindow, g << 56 | w, r.across_ns, Read::Distinct));
            distinct = true;
            break;
          case Metric::ImeisPerNumber:  // a phone has one number; a SIM box module rotates several
            e = c.ratio(c.q(Source::GroupImei, g, w, Read::Distinct), c.q(s, g, w, Read::Distinct));
            break;
          case Metric::CallsPerNumber:  // a SIM box's cards each dial many times; a busy cell's people once or twice
            e = c.per(c.q(s, g, w, Read::Count), c.q(s, g, w, Read::Distinct));
            break;
          case Metric::AnswerRatio:  // of the calls whose outcome is known, as caller_behaviour reads it
            e = c.ratio(c.q(Source::GroupAnswered, g, w, Read::Count), c.q(Source::GroupSettled, g, w, Read::Count));
            break;
          default: break;
        }
        break;
      }
      case RuleType::SipAttack:
        switch (cond.metric) {
          case Metric::Requests: e = c.direct(c.q(Source::SipRequest, r.methods, w, Read::Count)); break;
          case Metric::DistinctUsers: e = c.direct(c.q(Source::SipRequest, r.methods, w, Read::Distinct)); distinct = true; break;
          case Metric::FailRatio:
            e = c.ratio(c.q(Source::SipFailure, r.methods, w, Read::Count),
                        c.q(Source::SipResponse, r.methods, w, Read::Count));
            break;
          case Metric::Responses: e = c.direct(c.q(Source::SipResponse, r.methods, w, Read::Count)); break;
          default: break;
        }
        break;
      case RuleType::Ss7Security:
        distinct = cond.metric == Metric::DistinctTargets;
        e = c.direct(c.q(Source::LocationQuery, hash_ops(r.operations), w, distinct ? Read::Distinct : Read::Count));
        break;
      case RuleType::Roaming:
        distinct = true;
        e = c.direct(c.q(Source::RoamCluster, hash_lists(r.lists), w, Read::Distinct));
        break;
      case RuleType::SmsFlood:
      case RuleType::BulkText: {
        Source s = r.type == RuleType::BulkText ? Source::SmsByText
                   : r.group_by == rules::GroupBy::ServiceCentre ? Source::SmsByCentre
                                                                 : Source::SmsBySender;
        distinct = cond.metric == Metric::DistinctRecipients;
        e = c.direct(c.q(s, r.type == RuleType::BulkText ? r.min_text_len : 0, w,
                         distinct ? Read::Distinct : Read::Count));
        break;
      }
      default: break;
    }
    if (distinct && cond.is_min && cond.threshold > kDistinctMax) {
      err = file + ":" + std::to_string(r.line) + ": rule '" + r.name + "': min_" +
            std::string(rules::metric_name(cond.metric)) + " " + fmt::format("{:g}", cond.threshold) +
            " is above what the rate stage can count distinct (255)";
      return false;
    }
    cr.evals.push_back(e);
  }
  if (cr.quantities.size() > kMaxQuantities) {
    err = file + ":" + std::to_string(r.line) + ": rule '" + r.name + "' uses too many windowed quantities";
    return false;
  }
  uint64_t fp = track::hash_bytes(r.name);
  for (const Quantity& qq : cr.quantities) fp = track::hash_u64(qq.salt ^ qq.spec_id ^ uint64_t(qq.read), fp);
  cr.fingerprint = fp;
  return true;
}

}  // namespace

uint32_t SpecRegistry::id_for(uint64_t window_ns) {
  for (size_t i = 0; i < windows_ns.size(); ++i)
    if (windows_ns[i] == window_ns) return uint32_t(i);
  windows_ns.push_back(window_ns);
  return uint32_t(windows_ns.size() - 1);
}

void ListSet::add(const rules::NumberList& list) {
  // An IP address or block goes to blocks_ whether the list matches exact or
  // by prefix (a block is its own prefix); the loader refused malformed ones.
  auto ip = [&](const std::string& e) {
    if (!rules::looks_like_ip_entry(e)) return false;
    if (auto b = rules::parse_ip_block(e)) blocks_.push_back(*b);
    return true;
  };
  auto add_length = [](std::vector<size_t>& lengths, size_t n) {
    auto at = std::lower_bound(lengths.begin(), lengths.end(), n);
    if (at == lengths.end() || *at != n) lengths.insert(at, n);
  };
  for (const auto& e : list.exact) {
    if (ip(e)) continue;
    if (e.size() < list.min_digits) continue;  // shorter than the list takes: never matches
    exact_.insert(e);
    small_ = false;
  }
  for (const auto& p : list.prefixes) {
    if (ip(p)) continue;
    if (list.min_digits > p.size()) {
      auto [it, fresh] = gated_.emplace(p, list.min_digits);
      if (!fresh) it->second = std::min<size_t>(it->second, list.min_digits);
      add_length(gated_lengths_, p.size());
      small_ = false;
      continue;
    }
    prefixes_.insert(p);
    if (p.size() <= 8 && words_.size() < 32) {
      Word w{0, p.size() == 8 ? ~0ull : (1ull << (8 * p.size())) - 1, p.size()};
      std::memcpy(&w.bits, p.data(), p.size());
      words_.push_back(w);
    } else {
      small_ = false;
    }
    add_length(prefix_lengths_, p.size());
  }
}

bool ListSet::covers_ip(std::string_view subject) const {
  if (blocks_.empty() || subject.empty()) return false;
  auto a = rules::parse_ip_block(subject);
  return a && covers_ip(*a);
}

bool ListSet::covers_ip(const rules::IpBlock& a) const {
  for (const rules::IpBlock& b : blocks_)
    if (rules::ip_block_contains(b, a)) return true;
  return false;
}

bool ListSet::covers(std::string_view subject) const {
  if (small_) {  // prefixes only, as words (words_ is every entry)
    uint64_t head = 0;
    std::memcpy(&head, subject.data(), std::min<size_t>(8, subject.size()));
    for (const Word& w : words_)
      if (subject.size() >= w.len && (head & w.mask) == w.bits) return true;
    return false;
  }
  if (exact_.find(subject) != exact_.end()) return true;
  for (size_t len : prefix_lengths_) {
    if (len > subject.size()) break;
    if (prefixes_.find(subject.substr(0, len)) != prefixes_.end()) return true;
  }
  for (size_t len : gated_lengths_) {
    if (len > subject.size()) break;
    auto it = gated_.find(subject.substr(0, len));
    if (it != gated_.end() && subject.size() >= it->second) return true;
  }
  return false;
}

std::unique_ptr<CompiledRules> compile_rules(std::shared_ptr<const rules::RuleSet> rs, SpecRegistry& reg,
                                             std::string& err) {
  auto out = std::make_unique<CompiledRules>();
  out->rules = rs;
  const std::string file = rs->path.substr(rs->path.find_last_of('/') + 1);
  const auto& rl = rs->rules;
  out->compiled.resize(rl.size());
  // Whitelists are looked up by subject when a rule would flag it (absorbed());
  // their entries become patterns only where a rule also names the list.
  std::vector<uint32_t> list_masks(rs->lists.size(), 0);
  for (uint32_t w : rs->settings.whitelists) out->whitelist.add(rs->lists[w]);
  for (size_t i = 0; i < rl.size(); ++i) {
    const rules::Rule& r = rl[i];
    if (!compile_one(r, out->compiled[i], reg, file, err)) return nullptr;
    for (uint32_t l : r.caller_lists) out->compiled[i].callers.add(rs->lists[l]);
    if (r.type == RuleType::CliSpoof) {
      for (uint32_t l : r.lists) out->compiled[i].cli.add(rs->lists[l]);
      for (uint32_t l : r.source_lists) out->compiled[i].sources.add(rs->lists[l]);
      continue;  // no pattern, no windowed quantity
    }
    if (r.type == RuleType::VictimOnLine) continue;  // the detector watches flagged numbers' calls
    for (const auto& cond : r.conditions)
      if (cond.metric == Metric::SequentialCallees) out->needs_sequential = true;
    uint32_t mask = 0;
    switch (r.type) {
      case RuleType::NumberList:
        if (r.fields & (rules::kFieldCalling | rules::kFieldPai)) mask |= field_bit(FieldTag::Calling);
        if (r.fields & rules::kFieldCalled) mask |= field_bit(FieldTag::Called);
        if (r.fields & rules::kFieldForwardedTo) mask |= field_bit(FieldTag::ForwardedTo);
        if (r.fields & rules::kFieldGt) mask |= field_bit(FieldTag::Gt);
        if (r.fields & rules::kFieldImsi) mask |= field_bit(FieldTag::Imsi);
        break;
      case RuleType::Roaming: mask = field_bit(FieldTag::Gt); break;
      case RuleType::Signature: mask = field_bit(FieldTag::Imei); break;
      case RuleType::Content: mask = field_bit(FieldTag::Url); break;
      default: break;
    }
    for (uint32_t l : r.lists) list_masks[l] |= mask;
  }
  auto add = [&](PatternKind k, uint32_t mask, const std::string& text, PatternTarget t) {
    offload::PatternSpec p;
    p.id = uint32_t(out->patterns.size());
    p.kind = k;
    p.field_mask = mask;
    p.text = text;
    out->patterns.push_back(std::move(p));
    out->targets.push_back(t);
  };
  for (size_t l = 0; l < rs->lists.size(); ++l) {
    if (!list_masks[l]) continue;
    const rules::NumberList& nl = rs->lists[l];
    PatternTarget t{PatternTarget::List, uint32_t(l), 0, nl.min_digits};
    out->any_min_len = out->any_min_len || nl.min_digits != 0;
    out->patterns.reserve(out->patterns.size() + nl.size());
    out->targets.reserve(out->targets.size() + nl.size());
    for (const auto& e : nl.exact) add(PatternKind::Exact, list_masks[l], e, t);
    for (const auto& e : nl.prefixes) add(PatternKind::Prefix, list_masks[l], e, t);
  }
  for (size_t i = 0; i < rl.size(); ++i) {
    const rules::Rule& r = rl[i];
    for (size_t f = 0; f < r.families.size(); ++f)
      for (const auto& w : r.families[f].words)
        add(PatternKind::LiteralNocase, field_bit(FieldTag::Text), w,
            {PatternTarget::Keyword, uint32_t(i), uint16_t(f)});
    for (const auto& ua : r.user_agents)
      add(PatternKind::LiteralNocase, field_bit(FieldTag::UserAgent), ua, {PatternTarget::UserAgent, uint32_t(i), 0});
    for (const auto& d : r.display_names)
      add(PatternKind::LiteralNocase, field_bit(FieldTag::FromDisplay), d, {PatternTarget::Display, uint32_t(i), 0});
  }
  for (size_t id = 0; id < reg.windows_ns.size(); ++id) {
    offload::RateSpec s;
    s.id = uint32_t(id);
    s.window_ns = reg.windows_ns[id];
    out->rates.push_back(s);  // thresholds are the rules' business, not the stage's
  }
  return out;
}

}  // namespace sigprobe::detect
