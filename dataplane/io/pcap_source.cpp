// PacketSource over libpcap (files: pcap and pcapng; live interfaces).
#include <pcap/pcap.h>
#include <poll.h>

#include <cstring>
#include <vector>

#include "dataplane/io/packet_source.hpp"

namespace sigprobe {
namespace {

// libpcap reports DLT_* values, which differ from the file's LINKTYPE_* for a
// few types (LINKTYPE_RAW 101 reads back as DLT_RAW, 12 or 14 by platform).
LinkType link_type_of(int dlt) {
  switch (dlt) {
    case DLT_NULL: return LinkType::Null;
    case DLT_EN10MB: return LinkType::Ethernet;
    case DLT_RAW: return LinkType::Raw;
#ifdef DLT_LOOP
    case DLT_LOOP: return LinkType::Loop;
#endif
    case DLT_LINUX_SLL: return LinkType::LinuxSll;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2: return LinkType::LinuxSll2;
#endif
    case DLT_MTP2_WITH_PHDR: return LinkType::Mtp2WithPhdr;
    case DLT_MTP2: return LinkType::Mtp2;
    case DLT_MTP3: return LinkType::Mtp3;
    case DLT_IPV4: return LinkType::Ipv4;
    case DLT_IPV6: return LinkType::Ipv6;
    default: return static_cast<LinkType>(dlt);  // decode counts it as unsupported
  }
}

class PcapSource final : public PacketSource {
 public:
  PcapSource(pcap_t* p, std::string name, uint16_t index, bool is_file, long file_size)
      : p_(p), name_(std::move(name)), index_(index), is_file_(is_file), file_size_(file_size),
        slab_(kBurstMax * kSlabPerPacket) {
    link_ = link_type_of(pcap_datalink(p_));
    nano_ = pcap_get_tstamp_precision(p_) == PCAP_TSTAMP_PRECISION_NANO;
  }
  ~PcapSource() override { pcap_close(p_); }

  uint16_t rx_burst(std::span<PacketRef> out) override {
    uint16_t n = 0;
    size_t used = 0;
    // A packet that did not fit in the slab last time goes first.
    if (carry_) {
      if (slab_.size() < carry_data_.size()) slab_.resize(carry_data_.size());
      std::memcpy(slab_.data(), carry_data_.data(), carry_data_.size());
      fill(out[n++], slab_.data(), carry_hdr_, carry_frame_);
      used = carry_data_.size();
      carry_ = false;
    }
    while (n < out.size() && !done_) {
      pcap_pkthdr* h = nullptr;
      const u_char* data = nullptr;
      int rc = pcap_next_ex(p_, &h, &data);
      if (rc == 0) {
        // Live capture, nothing waiting: the handle is non-blocking, so wait
        // here at most kLiveWaitMs and hand back what we have. The caller
        // stays responsive (stop requests, periodic work) on an idle link.
        if (n == 0 && !is_file_) wait_readable();
        break;
      }
      if (rc == PCAP_ERROR_BREAK) { done_ = true; break; }
      if (rc < 0) {
        error_ = name_ + ": packet " + std::to_string(frame_ + 1) + ": " + pcap_geterr(p_);
        done_ = true;
        break;
      }
      ++frame_;
      // libpcap reuses its buffer on the next call, so the bytes go to our
      // slab. The slab only grows while no reference into it is handed out.
      if (slab_.size() - used < h->caplen) {
        if (n == 0) {
          slab_.resize(h->caplen);
        } else {
          carry_ = true;
          carry_hdr_ = *h;
          carry_frame_ = frame_;
          carry_data_.assign(data, data + h->caplen);
          break;
        }
      }
      std::memcpy(slab_.data() + used, data, h->caplen);
      fill(out[n++], slab_.data() + used, *h, frame_);
      used += h->caplen;
    }
    return n;
  }
  bool at_end() const override { return done_ && !carry_; }
  const std::string& error() const override { return error_; }
  std::string describe() const override { return name_; }
  double progress() const override {
    if (!is_file_ || file_size_ <= 0) return -1.0;
    FILE* f = pcap_file(p_);
    if (!f) return -1.0;
    long pos = ftell(f);
    return pos < 0 ? -1.0 : double(pos) / double(file_size_);
  }

 private:
  static constexpr size_t kSlabPerPacket = 2048;
  void fill(PacketRef& r, const uint8_t* d, const pcap_pkthdr& h, uint64_t frame) {
    r.data = d;
    r.caplen = h.caplen;
    r.wirelen = h.len;
    r.ts_ns = uint64_t(h.ts.tv_sec) * 1'000'000'000ull + (nano_ ? uint64_t(h.ts.tv_usec) : uint64_t(h.ts.tv_usec) * 1000ull);
    r.frame = frame;
    r.link = link_;
    r.port = index_;
  }

  pcap_t* p_;
  std::string name_;
  uint16_t index_;
  bool is_file_;
  static constexpr int kLiveWaitMs = 50;
  void wait_readable() {
    int fd = pcap_get_selectable_fd(p_);
    if (fd < 0) return;
    pollfd pfd{fd, POLLIN, 0};
    ::poll(&pfd, 1, kLiveWaitMs);
  }
  long file_size_;
  std::vector<uint8_t> slab_;
  LinkType link_;
  bool nano_ = false;
  bool done_ = false;
  bool carry_ = false;
  pcap_pkthdr carry_hdr_{};
  uint64_t carry_frame_ = 0;
  std::vector<uint8_t> carry_data_;
  uint64_t frame_ = 0;
  std::string error_;
};

}  // namespace

std::unique_ptr<PacketSource> open_pcap_file(const std::string& path, uint16_t index, std::string& err) {
  char ebuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, ebuf);
  if (!p) {
    // libpcap names the file itself when it cannot open it, not when it cannot read it.
    const std::string_view why(ebuf);
    err = why.starts_with(path + ":") ? std::string(why) : path + ": " + std::string(why);
    return nullptr;
  }
  long size = -1;
  if (FILE* f = fopen(path.c_str(), "rb")) { fseek(f, 0, SEEK_END); size = ftell(f); fclose(f); }
  return std::make_unique<PcapSource>(p, path, index, true, size);
}

std::unique_ptr<PacketSource> open_pcap_live(const std::string& iface, const std::string& bpf, std::string& err) {
  char ebuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(iface.c_str(), ebuf);
  if (!p) { err = iface + ": " + ebuf; return nullptr; }
  pcap_set_snaplen(p, 65535);
  pcap_set_promisc(p, 1);
  pcap_set_timeout(p, 10);
  pcap_set_immediate_mode(p, 1);
  if (pcap_activate(p) < 0) { err = iface + ": " + pcap_geterr(p); pcap_close(p); return nullptr; }
  // Non-blocking: rx_burst polls with a short timeout instead of sleeping in
  // libpcap until the next packet (an idle interface would never stop).
  if (pcap_setnonblock(p, 1, ebuf) < 0) { err = iface + ": " + ebuf; pcap_close(p); return nullptr; }
  if (!bpf.empty()) {
    bpf_program prog;
    if (pcap_compile(p, &prog, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) < 0 || pcap_setfilter(p, &prog) < 0) {
      err = iface + ": filter '" + bpf + "': " + pcap_geterr(p);
      pcap_close(p);
      return nullptr;
    }
    pcap_freecode(&prog);
  }
  return std::make_unique<PcapSource>(p, iface, 0, false, -1);
}

}  // namespace sigprobe
