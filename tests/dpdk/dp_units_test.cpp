// Pieces of the DPDK dataplane that need no EAL: how a burst's events are
// indexed by packet, and which events belong to a flagged flow.
#include <gtest/gtest.h>

#include "host/dp/flagged_flows.hpp"
#include "host/dp/slot.hpp"

namespace sigprobe::dp {
namespace {

SignalEvent* push_event(BurstSlot& s, uint64_t frame) {
  SignalEvent* e = s.batch.push();
  e->frame = frame;
  return e;
}

TEST(IndexEvents, GivesEachPacketItsOwnEventsIncludingPacketsWithNone) {
  BurstSlot s(4096);
  s.n = 4;
  push_event(s, 1);
  push_event(s, 1);
  push_event(s, 3);
  push_event(s, 4);
  EXPECT_TRUE(index_events(s));
  EXPECT_EQ(s.ev_begin[0], 0);
  EXPECT_EQ(s.ev_begin[1], 2);  // packet 0: events 0 and 1
  EXPECT_EQ(s.ev_begin[2], 2);  // packet 1: none
  EXPECT_EQ(s.ev_begin[3], 3);  // packet 2: event 2
  EXPECT_EQ(s.ev_begin[4], 4);  // packet 3: event 3
}

TEST(IndexEvents, ChargesOutOfOrderEventsToTheLastPacket) {
  BurstSlot s(4096);
  s.n = 3;
  push_event(s, 2);
  push_event(s, 1);
  EXPECT_FALSE(index_events(s));
  EXPECT_EQ(s.ev_begin[2], 0);
  EXPECT_EQ(s.ev_begin[3], 2);
  for (const auto& e : s.batch.events()) EXPECT_EQ(e.frame, 3u);
}

TEST(IndexEvents, RejectsAFrameBeyondTheBurst) {
  BurstSlot s(4096);
  s.n = 2;
  push_event(s, 5);
  EXPECT_FALSE(index_events(s));
  EXPECT_EQ(s.ev_begin[2], 1);
}

TEST(FlaggedFlows, MatchesTheAlertsCallIdOnly) {
  FlaggedFlows f;
  Alert a;
  a.call_ids = {"a84b4c76e66710"};
  f.add(a);
  SignalEvent ev;
  ev.layers = kLayerSip;
  ev.sip.call_id = "a84b4c76e66710";
  EXPECT_TRUE(f.matches(ev));
  ev.sip.call_id = "a84b4c76e66711";
  EXPECT_FALSE(f.matches(ev));
}

TEST(FlaggedFlows, MatchesALongCallIdByTheBytesACallRecordKeeps) {
  // The alert names the call as its record keeps it (96 bytes); the
  // messages carry the whole Call-ID.
  const std::string id = std::string(120, 'c') + "@ims.example.net";
  FlaggedFlows f;
  Alert a;
  a.call_ids = {id.substr(0, 96)};
  f.add(a);
  SignalEvent ev;
  ev.layers = kLayerSip;
  ev.sip.call_id = id;
  EXPECT_TRUE(f.matches(ev));
  const std::string other = std::string(120, 'd') + "@ims.example.net";
  ev.sip.call_id = other;
  EXPECT_FALSE(f.matches(ev));
}

TEST(FlaggedFlows, MatchesBothEndsOfAFlaggedTcapTransaction) {
  // "opc-otid" as alerts name transactions (host/out/flow_keys.hpp).
  FlaggedFlows f;
  Alert a;
  a.tcap_tids = {"1201-0a1b2c3d"};
  f.add(a);
  SignalEvent begin;
  begin.layers = kLayerMtp3 | kLayerTcap;
  begin.mtp3.opc = 1201;
  begin.mtp3.dpc = 2302;
  begin.tcap.otid = {0x0a, 0x1b, 0x2c, 0x3d};
  begin.tcap.otid_len = 4;
  EXPECT_TRUE(f.matches(begin));
  SignalEvent end;  // the responder's End: dtid is the Begin's otid, its DPC the Begin's OPC
  end.layers = kLayerMtp3 | kLayerTcap;
  end.mtp3.opc = 2302;
  end.mtp3.dpc = 1201;
  end.tcap.dtid = {0x0a, 0x1b, 0x2c, 0x3d};
  end.tcap.dtid_len = 4;
  EXPECT_TRUE(f.matches(end));
  end.mtp3.dpc = 1202;  // same id allocated by another node: another transaction
  EXPECT_FALSE(f.matches(end));
}

}  // namespace
}  // namespace sigprobe::dp
