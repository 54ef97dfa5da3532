// make_analyzer: the rules file and lists -> compiled rules -> offload engines
// -> Detector, behind the pipeline's Analyzer interface. Reloads build the
// next rules and engines here, between bursts, and swap them in; the
// detector's tables and windows stay.
#include "host/detect/analyzer.hpp"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "host/detect/detector.hpp"
#include "host/rules/rule_set.hpp"

namespace sigprobe {
namespace {

namespace fs = std::filesystem;

struct Built {
  std::unique_ptr<detect::CompiledRules> compiled;
  offload::Engines engines;
};

bool build(const AnalyzerOptions& o, const std::string& path, detect::SpecRegistry& reg, Built& out,
           std::string& err) {
  auto loaded = rules::load_rules(path, err);
  if (!loaded) return false;
  auto rs = std::make_shared<rules::RuleSet>(*loaded);
  if (!rules::add_cli_lists(*rs, o.blacklists, o.whitelists, err)) return false;
  out.compiled = detect::compile_rules(rs, reg, err);
  if (!out.compiled) return false;
  out.engines = offload::make_engines(o.offload, out.compiled->patterns, out.compiled->rates, err);
  if (!out.engines.pattern || !out.engines.rate) {
    if (err.empty()) err = "offload: no engines";
    return false;
  }
  return true;
}

fs::file_time_type mtime_of(const std::string& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  return ec ? fs::file_time_type{} : t;
}

class RulesAnalyzer final : public DetectAnalyzer {
 public:
  RulesAnalyzer(AnalyzerOptions o, std::string path, detect::SpecRegistry reg, Built b)
      : opts_(std::move(o)), path_(std::move(path)), reg_(std::move(reg)), mtime_(mtime_of(path_)) {
    why_ = b.engines.why.empty() ? b.engines.backend : b.engines.why;
    cc_ = b.compiled->rules->settings.country_code;
    det_ = std::make_unique<detect::Detector>(std::move(b.compiled), std::move(b.engines.pattern),
                                              std::move(b.engines.rate));
  }

  void on_events(std::span<const SignalEvent> events, std::vector<Alert>& alerts) override {
    det_->on_events(events, alerts);
  }
  bool blocked(const SignalEvent& ev) const override { return det_->blocked(ev); }
  uint16_t sip_reject_status() const override { return det_->compiled().rules->settings.sip_reject; }
  std::span<const uint64_t> calls_to_cut() const override { return det_->calls_to_cut(); }
  bool cuts_calls() const override { return det_->cuts_calls(); }

  void maybe_reload() override {
    bool asked = reload_.exchange(false);
    if (!asked && mtime_of(path_) == mtime_) return;
    mtime_ = mtime_of(path_);
    detect::SpecRegistry next_reg = reg_;
    Built b;
    std::string err;
    if (!build(opts_, path_, next_reg, b, err)) {
      std::fprintf(stderr, "sigprobe: reload failed, keeping the current rules: %s\n", err.c_str());
      return;
    }
    // The decoders were built with the first rules' country code and keep it:
    // numbers of one run stay in one form.
    if (const std::string& cc = b.compiled->rules->settings.country_code; cc != cc_)
      std::fprintf(stderr, "sigprobe: settings.country_code '%s' takes effect at the next start; decoding keeps '%s'\n",
                   cc.c_str(), cc_.c_str());
    bool keep_rates = det_->same_rates(*b.compiled);
    reg_ = std::move(next_reg);
    det_->swap_rules(std::move(b.compiled), std::move(b.engines.pattern),
                     keep_rates ? nullptr : std::move(b.engines.rate));
    std::fprintf(stderr, "sigprobe: rules reloaded from %s (%zu rules%s)\n", path_.c_str(),
                 det_->compiled().compiled.size(), keep_rates ? "" : "; new windows: rate counts restart");
  }

  void finish(uint64_t now_ns, std::vector<Alert>& alerts) override {
    det_->finish(now_ns, alerts);
    if (!opts_.victims_path.empty()) {
      std::ofstream out(opts_.victims_path);
      if (!out) std::fprintf(stderr, "sigprobe: cannot write %s\n", opts_.victims_path.c_str());
      else det_->write_victims(out);
    }
  }

  void print_caught(std::ostream& os) const override { det_->print_caught(os); }
  std::string offload_description() const override { return why_; }
  uint64_t offload_fallbacks() const override { return det_->offload_fallbacks(); }
  void request_reload() override { reload_ = true; }
  std::string country_code() const override { return cc_; }

  void append_metrics(std::vector<std::pair<std::string, double>>& out) const override {
    auto table = [&](const char* name, size_t open, const track::TableCounters& t) {
      const std::string label = std::string("{table=\"") + name + "\"}";
      out.emplace_back("sigprobe_table_entries" + label, double(open));
      out.emplace_back("sigprobe_table_capacity" + label, double(t.capacity));
      out.emplace_back("sigprobe_table_evictions_total" + label, double(t.evictions));
    };
    table("calls", det_->calls().open_calls(), det_->calls().table_counters());
    table("tcap_transactions", det_->transactions().open(), det_->transactions().table_counters());
    table("contacts", det_->contacts().numbers(), det_->contacts().table_counters());
    table("callers", det_->contacts().called_numbers(), det_->contacts().caller_table_counters());
    table("locations", det_->locations().size(), det_->locations().table_counters());
    table("subscriber_numbers", det_->subscriber_numbers().size(), det_->subscriber_numbers().table_counters());
    table("flagged_numbers", det_->flagged_count(), det_->flagged_counters());
    table("flagged_inbound", det_->inbound_count(), det_->inbound_counters());
    table("flagged_national_forms", det_->national_alias_count(), det_->national_alias_counters());
    out.emplace_back("sigprobe_detect_calls_on_watch", double(det_->calls_on_watch()));
    const detect::DetectCounters& c = det_->counters();
    out.emplace_back("sigprobe_detect_profile_evictions_total", double(c.profile_evictions));
    out.emplace_back("sigprobe_detect_caught_evictions_total", double(c.caught_evictions));
    out.emplace_back("sigprobe_detect_blocked_subject_evictions_total", double(c.blocked_subject_evictions));
    out.emplace_back("sigprobe_detect_blocked_call_evictions_total", double(c.blocked_call_evictions));
    out.emplace_back("sigprobe_detect_whitelisted_suppressed_total", double(c.whitelisted_suppressed));
    out.emplace_back("sigprobe_detect_cli_roaming_passed_total", double(c.cli_roaming_passed));
    out.emplace_back("sigprobe_detect_on_line_unwatched_total", double(c.on_line_unwatched));
    out.emplace_back("sigprobe_detect_inbound_dropped_total", double(c.inbound_dropped));
    out.emplace_back("sigprobe_track_contacts_dropped_total", double(det_->contacts().dropped()));
    out.emplace_back("sigprobe_track_callers_forgotten_total", double(det_->contacts().callers_forgotten()));
    out.emplace_back("sigprobe_detect_calls_cut_total", double(c.calls_cut));
    out.emplace_back("sigprobe_rules_reloads_total", double(c.reloads));
    out.emplace_back("sigprobe_offload_fallbacks_total", double(det_->offload_fallbacks()));
  }

 private:
  AnalyzerOptions opts_;
  std::string path_;
  detect::SpecRegistry reg_;
  fs::file_time_type mtime_;
  std::string why_;
  std::string cc_;  // settings.country_code at the start
  std::unique_ptr<detect::Detector> det_;
  std::atomic<bool> reload_{false};
};

}  // namespace

std::unique_ptr<DetectAnalyzer> make_analyzer(const AnalyzerOptions& opts, std::string& err) {
  std::string path = opts.rules_path.empty() ? rules::default_rules_path() : opts.rules_path;
  detect::SpecRegistry reg;
  Built b;
  if (!build(opts, path, reg, b, err)) return nullptr;
  return std::make_unique<RulesAnalyzer>(opts, path, std::move(reg), std::move(b));
}

}  // namespace sigprobe
