// Named, counted anomalies: every malformed case the decoders meet has a stable
// id here. The catalogue is data: one .def file per layer, each line
//   SP_ANOMALY(EnumName, "proto.snake_case", "what it means")
// Ids are append-only within a file; the strings are a stable contract
// (they appear in `replay` summaries and in metrics).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sigprobe {

enum class Anomaly : uint16_t {
#define SP_ANOMALY(name, id, text) name,
#include "dataplane/core/anomalies_l2l4.def"
#include "dataplane/core/anomalies_sip.def"
#include "dataplane/core/anomalies_ss7.def"
#undef SP_ANOMALY
  Count_
};

inline constexpr size_t kAnomalyCount = static_cast<size_t>(Anomaly::Count_);

struct AnomalyInfo {
  std::string_view id;
  std::string_view text;
};

inline constexpr std::array<AnomalyInfo, kAnomalyCount> kAnomalyCatalogue{{
#define SP_ANOMALY(name, id, text) {id, text},
#include "dataplane/core/anomalies_l2l4.def"
#include "dataplane/core/anomalies_sip.def"
#include "dataplane/core/anomalies_ss7.def"
#undef SP_ANOMALY
}};

constexpr std::string_view anomaly_id(Anomaly a) {
  return kAnomalyCatalogue[static_cast<size_t>(a)].id;
}

}  // namespace sigprobe
