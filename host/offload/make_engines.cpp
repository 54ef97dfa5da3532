// Chooses the offload backend once, at start-up (STYLE rule 7).
#include "host/offload/backend_detail.hpp"
#include "host/offload/fpga_probe.hpp"

namespace sigprobe::offload {
namespace {

Engines build(std::string_view name, std::span<const PatternSpec> patterns, std::span<const RateSpec> rates,
              std::string& err) {
  Engines e;
  e.backend = std::string(name);
  if (name == "cpu") {
    e.pattern = make_cpu_pattern_engine(patterns, err);
    if (e.pattern) e.rate = make_cpu_rate_engine(rates, err);
  } else {
    e.pattern = make_csim_pattern_engine(patterns, err);
    if (e.pattern) e.rate = make_csim_rate_engine(rates, err);
  }
  if (!e.pattern || !e.rate) {
    err = "--offload " + std::string(name) + ": " + err;
    return {};
  }
  return e;
}

}  // namespace

Engines make_engines(const OffloadOptions& opts, std::span<const PatternSpec> patterns,
                     std::span<const RateSpec> rates, std::string& err) {
  err.clear();
  switch (opts.backend) {
    case Backend::Cpu: {
      Engines e = build("cpu", patterns, rates, err);
      if (e.pattern) e.why = "cpu: asked for";
      return e;
    }
    case Backend::Csim: {
      Engines e = build("csim", patterns, rates, err);
      if (e.pattern) e.why = "csim: asked for (the kernels' C++ on the cpu)";
      return e;
    }
    case Backend::Fpga:
    case Backend::Auto:
      break;
  }
  const bool named = opts.backend == Backend::Fpga;
  std::string why;
  CardProbe probe = probe_card(opts, why);
  if (probe.usable) {
    Engines e = make_fpga_engines(probe, patterns, rates, err);
    if (e.pattern) {
      e.why = std::string(named ? "fpga: asked for, " : "auto: ") + probe.description;
      return e;
    }
    if (named) return {};  // err says why the card could not be used
    why = err;
    err.clear();
  }
  if (named) {
    err = "--offload fpga: " + why;
    return {};
  }
  Engines e = build("cpu", patterns, rates, err);
  if (e.pattern) e.why = "auto: " + why + ", using cpu";
  return e;
}

}  // namespace sigprobe::offload
