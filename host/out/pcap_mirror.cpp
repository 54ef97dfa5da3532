#include "host/out/pcap_mirror.hpp"

#include <filesystem>
#include <system_error>

#include "host/out/alert_json.hpp"
#include "host/out/event_json.hpp"

namespace sigprobe {
namespace fs = std::filesystem;

bool PcapMirror::init(const PcapMirrorOptions& opts, std::string& err) {
  opts_ = opts;
  std::error_code ec;
  fs::create_directories(opts_.dir, ec);
  if (ec || !fs::is_directory(opts_.dir)) {
    err = "--mirror-dir " + opts_.dir + ": cannot create directory";
    return false;
  }
  if (opts_.max_files == 0 || opts_.max_bytes == 0) {
    err = "--mirror-dir: the file and byte limits must be > 0";
    return false;
  }
  write_index();
  return true;
}

std::string PcapMirror::file_name(const std::string& alert_id) {
  std::string n;
  for (char c : alert_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    n += ok ? c : '_';
  }
  if (n.empty() || n[0] == '.') n.insert(n.begin(), '_');
  return n + ".pcapng";
}

uint64_t PcapMirror::total_bytes() const {
  uint64_t t = 0;
  for (const File& f : files_) t += f.bytes;
  return t;
}

PcapMirror::File* PcapMirror::file_for(uint32_t slot) {
  for (File& f : files_)
    if (f.slot == int(slot)) return &f;
  return nullptr;
}

void PcapMirror::rotate_oldest() {
  File& f = files_.front();
  if (f.writer) f.writer->close();
  std::error_code ec;
  fs::remove(fs::path(opts_.dir) / f.name, ec);
  files_.erase(files_.begin());
  ++stats_.rotated;
  dirty_ = true;
}

void PcapMirror::open(uint32_t slot, const Alert& a) {
  while (files_.size() >= opts_.max_files) rotate_oldest();
  File f;
  f.name = file_name(a.id);
  f.alert_id = a.id;
  f.rule = a.rule;
  f.subject_type = subject_type_name(a.subject_type);
  f.subject = a.subject;
  f.ts_ns = a.ts_ns;
  // The same id twice (two runs into one directory): the newer file replaces the older.
  for (size_t i = 0; i < files_.size(); ++i)
    if (files_[i].name == f.name) {
      if (files_[i].writer) files_[i].writer->close();
      files_.erase(files_.begin() + long(i));
      break;
    }
  std::string line;
  append_alert_json(line, a);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  f.writer = std::make_unique<PcapngWriter>();
  if (!f.writer->open((fs::path(opts_.dir) / f.name).string(), "sigprobe alert " + line)) {
    ++stats_.write_errors;
    return;
  }
  f.bytes = f.writer->bytes();
  f.slot = int(slot);
  files_.push_back(std::move(f));
  ++stats_.files;
  dirty_ = true;
}

void PcapMirror::write(uint32_t slot, const MirrorPacket& p) {
  File* f = file_for(slot);
  if (!f || !f->writer) return;
  uint64_t need = 64 + p.caplen;
  while (total_bytes() + need > opts_.max_bytes && files_.front().slot != int(slot)) {
    rotate_oldest();
    f = file_for(slot);
  }
  if (total_bytes() + need > opts_.max_bytes) {
    ++stats_.dropped_full;
    return;
  }
  if (!f->writer->write(p.data, p.caplen, p.wirelen, p.ts_ns, p.link, p.port)) ++stats_.write_errors;
  f->bytes = f->writer->bytes();
  ++f->packets;
  ++stats_.packets;
  unflushed_ = true;
}

void PcapMirror::close(uint32_t slot) {
  File* f = file_for(slot);
  if (!f) return;
  if (f->writer) f->writer->close();
  f->writer.reset();
  f->slot = -1;
  dirty_ = true;
}

// Packets reach the files at the end of each burst (a reader sees whole
// bursts); the index is rewritten when files open, close or rotate.
void PcapMirror::end_burst() {
  if (unflushed_)
    for (File& f : files_)
      if (f.writer) f.writer->flush();
  unflushed_ = false;
  if (dirty_) write_index();
}

void PcapMirror::finish() {
  for (File& f : files_)
    if (f.writer) f.writer->close();
  write_index();
}

// index.tsv, rewritten whole (bounded by max_files) and renamed into place so
// a reader never sees half of it.
void PcapMirror::write_index() {
  dirty_ = false;
  fs::path tmp = fs::path(opts_.dir) / ".index.tsv.tmp";
  FILE* out = std::fopen(tmp.c_str(), "w");
  if (!out) { ++stats_.write_errors; return; }
  std::fputs("file\talert_id\trule\tsubject_type\tsubject\tts\tpackets\tbytes\n", out);
  auto clean = [](std::string v) {
    for (char& c : v)
      if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return v;
  };
  for (const File& f : files_) {
    std::string ts;
    append_ts(ts, f.ts_ns);
    std::fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%llu\t%llu\n", f.name.c_str(), clean(f.alert_id).c_str(),
                 clean(f.rule).c_str(), f.subject_type.c_str(), clean(f.subject).c_str(), ts.c_str(), (unsigned long long)f.packets,
                 (unsigned long long)f.bytes);
  }
  std::fclose(out);
  std::error_code ec;
  fs::rename(tmp, fs::path(opts_.dir) / "index.tsv", ec);
  if (ec) ++stats_.write_errors;
}

}  // namespace sigprobe
