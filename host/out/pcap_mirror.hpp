// --mirror-dir: one pcapng per alert, named by the alert id, with the alert
// line as the section comment; index.tsv lists the files; limits on total
// bytes and file count rotate the oldest files out.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/out/flow_mirror.hpp"
#include "host/out/pcapng_writer.hpp"

namespace sigprobe {

struct PcapMirrorOptions {
  std::string dir;
  uint64_t max_bytes = 1ull << 30;
  size_t max_files = 1000;
};

struct PcapMirrorStats {
  uint64_t files = 0, rotated = 0, packets = 0, dropped_full = 0, write_errors = 0;
};

class PcapMirror final : public FlowOutput {
 public:
  // false and err set when the directory cannot be created or written.
  bool init(const PcapMirrorOptions& opts, std::string& err);

  void open(uint32_t slot, const Alert& a) override;
  void write(uint32_t slot, const MirrorPacket& p) override;
  void close(uint32_t slot) override;
  void end_burst() override;
  void finish() override;

  const PcapMirrorStats& stats() const { return stats_; }
  uint64_t total_bytes() const;
  // A file name for an alert id: [A-Za-z0-9._-] kept, anything else '_'.
  static std::string file_name(const std::string& alert_id);

 private:
  struct File {
    std::string name, alert_id, rule, subject_type, subject;
    uint64_t ts_ns = 0, packets = 0, bytes = 0;
    int slot = -1;  // open for this slot, or -1 when closed
    std::unique_ptr<PcapngWriter> writer;
  };
  void rotate_oldest();
  void write_index();
  File* file_for(uint32_t slot);

  PcapMirrorOptions opts_;
  std::vector<File> files_;  // oldest first
  PcapMirrorStats stats_;
  bool dirty_ = false;      // the index is out of date
  bool unflushed_ = false;  // packets written since the last flush
};

}  // namespace sigprobe
