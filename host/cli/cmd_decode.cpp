// sigprobe decode CAPTURE... [--json]: one event per decoded signaling message.
#include <cstdio>
#include <string>

#include "dataplane/core/country_code.hpp"
#include "dataplane/io/packet_source.hpp"
#include "host/cli/commands.hpp"
#include "host/out/event_json.hpp"
#include "host/pipeline.hpp"

namespace sigprobe::cli {
namespace {

// Prints each event as a JSON line, or as a one-line text summary.
class EventPrinter final : public Sink {
 public:
  explicit EventPrinter(bool json) : json_(json) {}
  void on_burst(std::span<const PacketRef>, std::span<const SignalEvent> events) override {
    buf_.clear();
    for (const SignalEvent& e : events) {
      if (json_) append_event_json(buf_, e);
      else append_text(e);
    }
    std::fwrite(buf_.data(), 1, buf_.size(), stdout);
  }

 private:
  void append_text(const SignalEvent& e) {
    buf_ += std::to_string(e.frame);
    buf_ += ' ';
    buf_ += proto_name(e.proto);
    buf_ += ' ';
    buf_ += format_endpoint(e.src);
    buf_ += " -> ";
    buf_ += format_endpoint(e.dst);
    buf_ += ' ';
    if (e.has(kLayerSip)) {
      if (e.sip.status) buf_ += std::to_string(e.sip.status);
      else buf_ += e.sip.method_name;
      buf_ += " from=";
      buf_ += e.sip.from_user;
      buf_ += " to=";
      buf_ += e.sip.to_user;
    } else if (e.has(kLayerMap)) {
      buf_ += tcap_type_name(e.tcap.type);
      buf_ += ' ';
      buf_ += map_component_name(e.map.component);
      buf_ += ' ';
      buf_ += std::to_string(e.map.opcode);
    } else if (e.has(kLayerCap)) {
      buf_ += tcap_type_name(e.tcap.type);
      buf_ += ' ';
      buf_ += map_component_name(e.cap.component);
      buf_ += " cap ";
      buf_ += std::to_string(e.cap.opcode);
      if (!e.cap.calling.empty()) {
        buf_ += " from=";
        buf_ += e.cap.calling;
      }
      if (!e.cap.called.empty()) {
        buf_ += " to=";
        buf_ += e.cap.called;
      }
    } else if (e.has(kLayerIsup)) {
      buf_ += "isup type=" + std::to_string(e.isup.msg_type) + " cic=" + std::to_string(e.isup.cic);
    }
    buf_ += '\n';
  }
  bool json_;
  std::string buf_;
};

}  // namespace

void add_decode(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("decode", "Decode captures: one event per signaling message");
  auto captures = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  auto cfg = std::make_shared<DecoderConfig>();
  sub->add_option("captures", *captures, "pcap or pcapng files, in order")->required();
  sub->add_flag("--json", *json, "JSON lines (the event contract)");
  sub->add_option("--country-code", cfg->country_code,
                  "SS7 numbers marked national in international form: this country code in front (as "
                  "settings.country_code does for replay, live and dpdk); default: the digits as sent")
      ->check([](const std::string& cc) -> std::string {
        return is_country_code(cc) ? "" : "an E.164 country code is 1 to 3 digits, not starting with 0 (China: 86), got '" + cc + "'";
      });
  cmds.push_back({sub, [captures, json, cfg]() -> int {
    EventPrinter printer(*json);
    Pipeline pipe(*cfg, nullptr, {&printer});
    int rc = 0;
    for (size_t i = 0; i < captures->size(); ++i) {
      std::string err;
      auto src = open_pcap_file((*captures)[i], uint16_t(i), err);
      if (!src) { rc = fail(err); continue; }
      if (!pipe.run(*src, uint16_t(i), err)) rc = fail(err);
    }
    pipe.finish();
    std::fflush(stdout);
    return rc;
  }});
}

}  // namespace sigprobe::cli
