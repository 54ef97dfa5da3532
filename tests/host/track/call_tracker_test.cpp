// Call tracking from hand-built events (tests/host/track/event_builder.hpp):
// the field values are what the SIP/ISUP decoders produce for RFC 3261 /
// Q.764 call flows.
#include "host/track/call_tracker.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "tests/host/track/event_builder.hpp"

namespace sigprobe::track {
namespace {

using testing::EventBuilder;

struct TrackRun {
  CallTracker t;
  std::vector<CallFact> facts;
  explicit TrackRun(CallTrackerConfig c = {}) : t(c) {}
  void feed(const SignalEvent& e) { t.on_event(e, 0, facts); }
  std::vector<CallFactKind> kinds() const {
    std::vector<CallFactKind> k;
    for (auto& f : facts) k.push_back(f.kind);
    return k;
  }
};

TEST(CallTracker, SipCallGoesFromInviteToCompletedWithTalkTime) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.sip_request(SipMethod::Invite, 100.0, "c1", "8613800000001", "8613900000002"));
  r.feed(b.sip_response(180, 100.5, "c1", "8613800000001", "8613900000002"));
  r.feed(b.sip_response(200, 104.0, "c1", "8613800000001", "8613900000002"));
  r.feed(b.sip_request(SipMethod::Ack, 104.1, "c1", "8613800000001", "8613900000002", {}, "tt"));
  r.feed(b.sip_request(SipMethod::Bye, 164.0, "c1", "8613800000001", "8613900000002", {}, "tt"));
  ASSERT_EQ(r.kinds(), (std::vector<CallFactKind>{CallFactKind::Started, CallFactKind::Ringing,
                                                  CallFactKind::Answered, CallFactKind::Ended}));
  const CallRecord& rec = *r.facts.back().rec;
  EXPECT_EQ(rec.end, CallEnd::Completed);
  EXPECT_EQ(rec.a.view(), "8613800000001");
  EXPECT_EQ(rec.b.view(), "8613900000002");
  EXPECT_EQ(rec.source.view(), "10.0.0.1:5060");
  EXPECT_EQ(rec.talk_ns(), 60'000'000'000ull);
  EXPECT_EQ(rec.ring_duration_ns(), 3'500'000'000ull);
  EXPECT_EQ(r.t.open_calls(), 0u);
}

TEST(CallTracker, A2xxToAByeTheLinkDidNotShowEndsTheCall) {
  // The BYE was lost before the probe, or was the inline probe's own (it cut
  // the call): the callee's 200 to it ends the call there. A 481 does not.
  EventBuilder b;
  TrackRun r;
  auto to_bye = [&](uint16_t status, double t) {
    SignalEvent e = b.sip_response(status, t, "c1", "8613800000001", "8613900000002");
    e.sip.cseq_method = SipMethod::Bye;
    return e;
  };
  r.feed(b.sip_request(SipMethod::Invite, 100.0, "c1", "8613800000001", "8613900000002"));
  r.feed(b.sip_response(200, 104.0, "c1", "8613800000001", "8613900000002"));
  r.feed(to_bye(481, 150.0));
  EXPECT_EQ(r.t.open_calls(), 1u);
  r.feed(to_bye(200, 164.0));
  ASSERT_EQ(r.kinds(), (std::vector<CallFactKind>{CallFactKind::Started, CallFactKind::Answered, CallFactKind::Ended}));
  const CallRecord& rec = *r.facts.back().rec;
  EXPECT_EQ(rec.end, CallEnd::Completed);
  EXPECT_EQ(rec.talk_ns(), 60'000'000'000ull);
  EXPECT_EQ(r.t.open_calls(), 0u);
}

TEST(CallTracker, CancelBeforeAnswerEndsTheCallAsCancelled) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.sip_request(SipMethod::Invite, 10.0, "c2", "111", "222"));
  r.feed(b.sip_response(180, 10.2, "c2", "111", "222"));
  r.feed(b.sip_request(SipMethod::Cancel, 11.7, "c2", "111", "222"));
  r.feed(b.sip_response(487, 11.8, "c2", "111", "222"));  // after the end: nothing more
  ASSERT_EQ(r.facts.size(), 3u);
  const CallRecord& rec = *r.facts.back().rec;
  EXPECT_TRUE(rec.cancelled_before_answer());
  EXPECT_FALSE(rec.answered());
  EXPECT_EQ(rec.ring_duration_ns(), 1'500'000'000ull);
  EXPECT_EQ(r.t.counters().cancelled, 1u);
}

TEST(CallTracker, ReInviteInsideTheDialogIsNotANewCall) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.sip_request(SipMethod::Invite, 1.0, "c3", "111", "222"));
  r.feed(b.sip_response(200, 2.0, "c3", "111", "222"));
  r.feed(b.sip_request(SipMethod::Invite, 30.0, "c3", "111", "222", {}, "tt"));
  r.feed(b.sip_request(SipMethod::Invite, 1.5, "c3", "111", "222"));  // retransmission
  EXPECT_EQ(r.t.counters().calls, 1u);
  EXPECT_EQ(r.t.counters().reinvites, 1u);
  EXPECT_EQ(r.t.counters().retransmissions, 1u);
  EXPECT_EQ(r.t.open_calls(), 1u);
}

TEST(CallTracker, ForkedCallIsAnsweredOnceByTheFirst2xx) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.sip_request(SipMethod::Invite, 1.0, "c4", "111", "222"));
  r.feed(b.sip_response(180, 1.1, "c4", "111", "222", "branchA"));
  r.feed(b.sip_response(180, 1.2, "c4", "111", "222", "branchB"));
  r.feed(b.sip_response(200, 3.0, "c4", "111", "222", "branchB"));
  r.feed(b.sip_response(200, 3.2, "c4", "111", "222", "branchA"));
  EXPECT_EQ(r.kinds(), (std::vector<CallFactKind>{CallFactKind::Started, CallFactKind::Ringing,
                                                  CallFactKind::Answered}));
  EXPECT_EQ(r.t.counters().answered, 1u);
}

TEST(CallTracker, BusyResponseRejectsTheCallWithItsStatus) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.sip_request(SipMethod::Invite, 1.0, "c5", "111", "222"));
  r.feed(b.sip_response(486, 1.4, "c5", "111", "222"));
  ASSERT_EQ(r.facts.back().kind, CallFactKind::Ended);
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::Rejected);
  EXPECT_EQ(r.facts.back().rec->release_cause, 486);
}

// RFC 3261 22.2: a 401/407 asks the caller for credentials; its UA resends
// the INVITE with the same Call-ID, a higher CSeq and no To tag. One call:
// before, the challenge ended it as rejected and the resent INVITE opened a
// second, so a PBX or SIP trunk that authenticates every call showed each
// caller's attempts doubled and half of them rejected.
TEST(CallTracker, AChallengedInviteResentWithCredentialsIsOneCall) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.sip_request(SipMethod::Invite, 10.0, "c7", "111", "222"));
  r.feed(b.sip_response(407, 10.1, "c7", "111", "222"));
  r.feed(b.sip_request(SipMethod::Ack, 10.2, "c7", "111", "222", {}, "tt"));
  r.feed(b.sip_request(SipMethod::Invite, 10.3, "c7", "111", "222"));  // CSeq 2, credentials
  r.feed(b.sip_response(180, 10.5, "c7", "111", "222"));
  r.feed(b.sip_response(200, 14.0, "c7", "111", "222"));
  r.feed(b.sip_request(SipMethod::Bye, 20.0, "c7", "111", "222", {}, "tt"));
  ASSERT_EQ(r.kinds(), (std::vector<CallFactKind>{CallFactKind::Started, CallFactKind::Ringing,
                                                  CallFactKind::Answered, CallFactKind::Ended}));
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::Completed);
  EXPECT_EQ(r.facts.back().rec->ring_duration_ns(), 3'500'000'000ull);
  EXPECT_EQ(r.t.counters().calls, 1u);
  EXPECT_EQ(r.t.counters().rejected, 0u);
  EXPECT_EQ(r.t.counters().retransmissions, 0u);
  EXPECT_EQ(r.t.counters().challenged, 1u);
}

// Not resent before the setup timeout (a scanner, a wrong account): rejected,
// at the challenge and with its status, once the sweep or the end of input
// sees it. Before that a resend goes on with the call, however late.
TEST(CallTracker, AChallengeNeverAnsweredIsTheCallsRejection) {
  EventBuilder b;
  CallTrackerConfig c;
  c.setup_timeout_ns = 60'000'000'000ull;
  TrackRun r(c);
  r.feed(b.sip_request(SipMethod::Invite, 10.0, "c8", "111", "222"));
  r.feed(b.sip_response(401, 10.1, "c8", "111", "222"));
  r.t.expire(uint64_t(69e9), r.facts);
  ASSERT_EQ(r.facts.size(), 1u) << "still waiting 59 s after the INVITE";
  r.t.expire(uint64_t(71e9), r.facts);
  ASSERT_EQ(r.kinds(), (std::vector<CallFactKind>{CallFactKind::Started, CallFactKind::Ended}));
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::Rejected);
  EXPECT_EQ(r.facts.back().rec->release_cause, 401);
  EXPECT_EQ(r.facts.back().rec->end_ns, uint64_t(10.1e9));
  EXPECT_EQ(r.t.counters().rejected, 1u);
  // The end of input the same way, and a second challenge (wrong
  // credentials) after a resend is a challenge more, still one call.
  TrackRun f;
  f.feed(b.sip_request(SipMethod::Invite, 10.0, "c9", "111", "222"));
  f.feed(b.sip_response(407, 10.1, "c9", "111", "222"));
  f.feed(b.sip_request(SipMethod::Invite, 10.2, "c9", "111", "222"));
  f.feed(b.sip_response(407, 10.3, "c9", "111", "222"));
  f.t.finish(uint64_t(11e9), f.facts);
  ASSERT_EQ(f.kinds(), (std::vector<CallFactKind>{CallFactKind::Started, CallFactKind::Ended}));
  EXPECT_EQ(f.facts.back().rec->end, CallEnd::Rejected);
  EXPECT_EQ(f.facts.back().rec->end_ns, uint64_t(10.3e9));
  EXPECT_EQ(f.t.counters().challenged, 2u);
  EXPECT_EQ(f.t.counters().calls, 1u);
}

// The other answers that ask for the INVITE again on the same Call-ID: a 302
// (RFC 3261 8.1.3.4: the caller's UA or its proxy tries the Contact) and a
// 422 (RFC 4028: a longer Session-Expires). One call each, as for a challenge;
// a 486 or a 488 is the call's outcome, and an INVITE after it is a new call.
TEST(CallTracker, ARedirectOrA422FollowedByTheSameCallIdIsOneCall) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.sip_request(SipMethod::Invite, 10.0, "r1", "111", "222"));
  r.feed(b.sip_response(302, 10.1, "r1", "111", "222"));
  r.feed(b.sip_request(SipMethod::Invite, 10.2, "r1", "111", "222"));  // to the Contact of the 302
  r.feed(b.sip_response(422, 10.3, "r1", "111", "222"));
  r.feed(b.sip_request(SipMethod::Invite, 10.4, "r1", "111", "222"));  // Session-Expires raised
  r.feed(b.sip_response(200, 12.0, "r1", "111", "222"));
  r.feed(b.sip_request(SipMethod::Bye, 30.0, "r1", "111", "222", {}, "tt"));
  ASSERT_EQ(r.kinds(), (std::vector<CallFactKind>{CallFactKind::Started, CallFactKind::Answered,
                                                  CallFactKind::Ended}));
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::Completed);
  EXPECT_EQ(r.t.counters().calls, 1u);
  EXPECT_EQ(r.t.counters().retry_asked, 2u);
  EXPECT_EQ(r.t.counters().challenged, 0u);
  EXPECT_EQ(r.t.counters().rejected, 0u);

  for (uint16_t final_status : {486, 488, 503}) {
    TrackRun o;
    o.feed(b.sip_request(SipMethod::Invite, 10.0, "r2", "111", "222"));
    o.feed(b.sip_response(final_status, 10.1, "r2", "111", "222"));
    o.feed(b.sip_request(SipMethod::Invite, 10.4, "r2", "111", "222"));
    EXPECT_EQ(o.t.counters().calls, 2u) << final_status;
    EXPECT_EQ(o.t.counters().rejected, 1u) << final_status;
    EXPECT_EQ(o.t.counters().retry_asked, 0u) << final_status;
  }
}

// A fork that redirects (302) while another answers: the call was answered,
// and its timeout ends it as answered, not rejected at the 302.
TEST(CallTracker, AnAnswerAfterAnotherForksRedirectIsNotARejection) {
  EventBuilder b;
  CallTrackerConfig c;
  c.call_timeout_ns = 60'000'000'000ull;
  TrackRun r(c);
  r.feed(b.sip_request(SipMethod::Invite, 10.0, "f1", "111", "222"));
  r.feed(b.sip_response(302, 10.1, "f1", "111", "222"));
  r.feed(b.sip_response(200, 11.0, "f1", "111", "222"));
  r.t.expire(uint64_t(80e9), r.facts);
  ASSERT_EQ(r.kinds(), (std::vector<CallFactKind>{CallFactKind::Started, CallFactKind::Answered,
                                                  CallFactKind::Ended}));
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::TimedOut);
  EXPECT_EQ(r.facts.back().rec->talk_ns(), 69'000'000'000ull);
  EXPECT_EQ(r.t.counters().rejected, 0u);
}

TEST(CallTracker, UnansweredCallTimesOutOnCaptureTime) {
  EventBuilder b;
  CallTrackerConfig c;
  c.setup_timeout_ns = 60'000'000'000ull;
  TrackRun r(c);
  r.feed(b.sip_request(SipMethod::Invite, 1.0, "c6", "111", "222"));
  r.t.expire(uint64_t(30e9), r.facts);
  EXPECT_EQ(r.t.open_calls(), 1u);
  r.t.expire(uint64_t(61e9), r.facts);
  ASSERT_EQ(r.facts.back().kind, CallFactKind::Ended);
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::TimedOut);
  EXPECT_EQ(r.t.open_calls(), 0u);
}

TEST(CallTracker, TimedOutCallsEndOldestFirstAndStayReadableUntilTheNextBurst) {
  EventBuilder b;
  CallTrackerConfig c;
  c.setup_timeout_ns = 60'000'000'000ull;
  TrackRun r(c);
  std::vector<std::string> ids;
  for (int k = 0; k < 40; ++k) {
    ids.push_back("t" + std::to_string(k * 7919 % 1000));  // Call-IDs in no sorted order
    r.feed(b.sip_request(SipMethod::Invite, 1.0 + k * 0.01, ids.back(), "111", "2" + std::to_string(k)));
  }
  r.facts.clear();
  r.t.expire(uint64_t(100e9), r.facts);
  ASSERT_EQ(r.facts.size(), ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    EXPECT_EQ(r.facts[k].kind, CallFactKind::Ended);
    EXPECT_EQ(r.facts[k].rec->call_id.view(), ids[k]) << k;
    EXPECT_EQ(r.facts[k].rec->end, CallEnd::TimedOut);
  }
  // New calls in the same burst do not reuse the ended calls' records.
  r.feed(b.sip_request(SipMethod::Invite, 101.0, "next", "111", "299"));
  EXPECT_EQ(r.facts.front().rec->call_id.view(), ids.front());
  EXPECT_EQ(r.facts[ids.size() - 1].rec->call_id.view(), ids.back());
}

TEST(CallTracker, FullTableEvictsTheOldestCallAndCountsIt) {
  EventBuilder b;
  CallTrackerConfig c;
  c.max_calls = 2;
  TrackRun r(c);
  r.feed(b.sip_request(SipMethod::Invite, 1.0, "e1", "111", "201"));
  r.feed(b.sip_request(SipMethod::Invite, 2.0, "e2", "111", "202"));
  r.feed(b.sip_request(SipMethod::Invite, 3.0, "e3", "111", "203"));
  EXPECT_EQ(r.t.open_calls(), 2u);
  EXPECT_EQ(r.t.table_counters().evictions, 1u);
  EXPECT_EQ(r.t.table_counters().capacity, 2u);
  EXPECT_EQ(r.t.find_sip("e1"), nullptr);
  ASSERT_NE(r.t.find_sip("e3"), nullptr);
}

TEST(CallTracker, IsupCallByCircuitFromIamToRelease) {
  EventBuilder b;
  TrackRun r;
  // Q.764 basic call: IAM A->B, ACM and ANM B->A, REL A->B (cause 16), RLC B->A.
  r.feed(b.isup(0x01, 5.0, 1201, 2302, 17, "8613800138000", "8613900139000"));
  r.feed(b.isup(0x06, 5.5, 2302, 1201, 17));
  r.feed(b.isup(0x09, 9.0, 2302, 1201, 17));
  auto rel = b.isup(0x0C, 69.0, 1201, 2302, 17);
  rel.isup.cause = 16;
  rel.isup.has_cause = true;
  r.feed(rel);
  r.feed(b.isup(0x10, 69.1, 2302, 1201, 17));
  ASSERT_EQ(r.facts.size(), 4u);
  const CallRecord& rec = *r.facts.back().rec;
  EXPECT_EQ(rec.proto, CallProto::Isup);
  EXPECT_EQ(rec.end, CallEnd::Completed);
  EXPECT_EQ(rec.release_cause, 16);
  EXPECT_EQ(rec.talk_ns(), 60'000'000'000ull);
  EXPECT_EQ(rec.call_id.view(), "isup:1201-2302-17");
  EXPECT_EQ(rec.source.view(), "opc:1201");
}

TEST(CallTracker, IsupReleaseFromTheCallerBeforeAnswerIsACancel) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.isup(0x01, 5.0, 1201, 2302, 18, "111", "222"));
  r.feed(b.isup(0x06, 5.5, 2302, 1201, 18));
  r.feed(b.isup(0x0C, 7.0, 1201, 2302, 18));
  EXPECT_TRUE(r.facts.back().rec->cancelled_before_answer());
  r.feed(b.isup(0x01, 8.0, 1201, 2302, 19, "111", "223"));
  r.feed(b.isup(0x0C, 8.5, 2302, 1201, 19));  // released by the far end: busy
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::Rejected);
}

// CAMEL (TS 29.078): the gsmSSF (point code 1205) opens a dialogue per call
// with InitialDP; the gsmSCF (2305) answers with dtid = the SSF's id; the SSF
// reports the armed events in Continue messages carrying both ids.
TEST(CallTracker, CapCallFromInitialDpToDisconnectWithTalkTime) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.cap_initial_dp(10.0, 1205, 0x16000001, "8613812340001", "8613987650001", "460001A2B3C4D"));
  r.feed(b.cap_invoke(cap_op::kContinue, 10.1, 2305, 1205, TcapType::Continue, 0x26000001, 0x16000001));
  r.feed(b.cap_invoke(cap_op::kEventReportBcsm, 14.0, 1205, 2305, TcapType::Continue, 0x16000001, 0x26000001,
                      cap_event::kOAnswer));
  auto disc = b.cap_invoke(cap_op::kEventReportBcsm, 74.0, 1205, 2305, TcapType::Continue, 0x16000001,
                           0x26000001, cap_event::kODisconnect);
  disc.cap.cause = 16;
  disc.cap.has_cause = true;
  r.feed(disc);
  ASSERT_EQ(r.kinds(), (std::vector<CallFactKind>{CallFactKind::Started, CallFactKind::Answered,
                                                  CallFactKind::Ended}));
  const CallRecord& rec = *r.facts.back().rec;
  EXPECT_EQ(rec.proto, CallProto::Cap);
  EXPECT_EQ(rec.a.view(), "8613812340001");
  EXPECT_EQ(rec.b.view(), "8613987650001");
  EXPECT_EQ(rec.cell.view(), "460001A2B3C4D");
  EXPECT_EQ(rec.source.view(), "msc:8613900000031");
  EXPECT_EQ(rec.call_id.view(), "cap:1205-16000001");
  EXPECT_EQ(rec.end, CallEnd::Completed);
  EXPECT_EQ(rec.release_cause, 16);
  EXPECT_EQ(rec.talk_ns(), 60'000'000'000ull);
}

// The gsmSSF closes the dialogue itself: the last armed event reported in
// its TC-END (EDP-N), or a TC-ABORT. Both carry only the SCF's transaction
// id (the dtid), which the tracker learnt from the SCF's first TC-CONTINUE.
TEST(CallTracker, CapDialogueClosedByTheSsfEndsItsCall) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.cap_initial_dp(10.0, 1205, 0x16000001, "8613812340011", "8613987650011"));
  r.feed(b.cap_invoke(cap_op::kContinue, 10.1, 2305, 1205, TcapType::Continue, 0x26000001, 0x16000001));
  r.feed(b.cap_invoke(cap_op::kEventReportBcsm, 14.0, 1205, 2305, TcapType::Continue, 0x16000001, 0x26000001,
                      cap_event::kOAnswer));
  r.feed(b.cap_invoke(cap_op::kEventReportBcsm, 74.0, 1205, 2305, TcapType::End, 0, 0x26000001,
                      cap_event::kODisconnect));
  ASSERT_EQ(r.kinds(), (std::vector<CallFactKind>{CallFactKind::Started, CallFactKind::Answered,
                                                  CallFactKind::Ended}));
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::Completed);
  EXPECT_EQ(r.facts.back().rec->talk_ns(), 60'000'000'000ull);
  EXPECT_EQ(r.t.open_calls(), 0u);
  EXPECT_EQ(r.t.counters().orphan_messages, 0u);

  // Before the answer, the SSF aborts (an empty TC-ABORT: a tcap event).
  r.feed(b.cap_initial_dp(20.0, 1205, 0x16000002, "8613812340012", "8613987650012"));
  r.feed(b.cap_invoke(cap_op::kContinue, 20.1, 2305, 1205, TcapType::Continue, 0x26000002, 0x16000002));
  r.feed(b.tcap_empty(23.0, 1205, 2305, TcapType::Abort, 0, 0x26000002));
  ASSERT_EQ(r.facts.back().kind, CallFactKind::Ended);
  EXPECT_EQ(r.facts.back().rec->a.view(), "8613812340012");
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::Unseen);
  EXPECT_EQ(r.facts.back().rec->end_ns, 23'000'000'000ull);
  EXPECT_EQ(r.t.open_calls(), 0u);
}

// One call crossing the link as several legs: the MSC's CAMEL InitialDP
// (international format), its ISUP IAM onwards (national format) and the
// terminating InitialDP of the called prepaid subscriber. The first is the
// call; the others are later legs. A redial (the same kind of leg again) and
// an IAM long after are calls of their own.
TEST(CallTracker, LegsOfOneCallOnSeveralProtocolsAreOneCall) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.cap_initial_dp(10.0, 1205, 0x71, "8613812340021", "8613987650021"));
  r.feed(b.isup(0x01, 10.3, 1205, 2302, 77, "13812340021", "13987650021"));
  SignalEvent t_idp = b.cap_initial_dp(11.0, 1206, 0x72, "8613812340021", "8613987650021");
  t_idp.cap.event_type = cap_event::kTermAttemptAuthorized;
  r.feed(t_idp);
  r.feed(b.cap_initial_dp(14.0, 1205, 0x73, "8613812340021", "8613987650021"));  // redial
  r.feed(b.isup(0x01, 40.0, 1205, 2302, 78, "13812340021", "13987650021"));      // 30 s on
  ASSERT_EQ(r.facts.size(), 5u);
  std::vector<bool> later;
  for (const CallFact& f : r.facts) later.push_back(f.rec->later_leg);
  EXPECT_EQ(later, (std::vector<bool>{false, true, true, false, false}));
  EXPECT_EQ(r.t.counters().calls, 5u);
  EXPECT_EQ(r.t.counters().later_legs, 2u);
  // Off: every start is a call.
  CallTrackerConfig off;
  off.same_call_window_ns = 0;
  TrackRun r0(off);
  r0.feed(b.cap_initial_dp(10.0, 1205, 0x81, "8613812340022", "8613987650022"));
  r0.feed(b.isup(0x01, 10.3, 1205, 2302, 79, "13812340022", "13987650022"));
  EXPECT_EQ(r0.t.counters().later_legs, 0u);
}

// A B2BUA (an SBC, a PBX, an IMS AS) ends the caller's dialog and opens one
// of its own to the callee: a second Call-ID from A to B moments later, between
// other addresses. A later leg; the same caller redialling over the same hop
// is a call.
TEST(CallTracker, ABackToBackUasSecondDialogIsALaterLeg) {
  EventBuilder b;
  TrackRun r;
  const Endpoint phone = EventBuilder::ip4(180, 173, 83, 248, 5060), pbx = EventBuilder::ip4(192, 168, 1, 191, 5060);
  ASSERT_NE(LegWindow::hop_kind(3, phone, EventBuilder::ip4(10, 9, 9, 9, 5060)),
            LegWindow::hop_kind(3, pbx, EventBuilder::ip4(10, 9, 9, 9, 5060)))
      << "the two hops must not share a kind for this test";
  r.feed(b.sip_request(SipMethod::Invite, 24.28, "bf3880", "20008909", "20008910", phone));
  r.feed(b.sip_request(SipMethod::Invite, 24.39, "cdfef7", "20008909", "20008910", pbx));
  r.feed(b.sip_request(SipMethod::Invite, 30.00, "bf3881", "20008909", "20008910", phone));  // redial
  ASSERT_EQ(r.facts.size(), 3u);
  EXPECT_FALSE(r.facts[0].rec->later_leg);
  EXPECT_TRUE(r.facts[1].rec->later_leg);
  EXPECT_FALSE(r.facts[2].rec->later_leg);
  EXPECT_EQ(r.t.counters().later_legs, 1u);
}

TEST(CallTracker, CapTerminatingCallHasNoCellOfTheCaller) {
  EventBuilder b;
  TrackRun r;
  // T-CSI: the called subscriber's gsmSSF reports the call; its location is the callee's.
  SignalEvent idp = b.cap_initial_dp(10.0, 1205, 0x51, "8613912340005", "8613812340005", "460002B3C4D5E");
  idp.cap.event_type = cap_event::kTermAttemptAuthorized;
  r.feed(idp);
  ASSERT_EQ(r.facts.size(), 1u);
  EXPECT_EQ(r.facts[0].rec->a.view(), "8613912340005");
  EXPECT_TRUE(r.facts[0].rec->cell.empty());
}

TEST(CallTracker, CapOutcomesBeforeAnswer) {
  struct Case {
    const char* name;
    int16_t op;
    uint8_t event;
    bool from_scf;
    CallEnd want;
  };
  const Case cases[] = {
      {"oAbandon", cap_op::kEventReportBcsm, cap_event::kOAbandon, false, CallEnd::CancelledBeforeAnswer},
      {"oCalledPartyBusy", cap_op::kEventReportBcsm, cap_event::kOCalledPartyBusy, false, CallEnd::Rejected},
      {"oNoAnswer", cap_op::kEventReportBcsm, cap_event::kONoAnswer, false, CallEnd::Rejected},
      {"routeSelectFailure", cap_op::kEventReportBcsm, cap_event::kRouteSelectFailure, false, CallEnd::Rejected},
      {"releaseCall from the SCF", cap_op::kReleaseCall, 0, true, CallEnd::Rejected},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EventBuilder b;
    TrackRun r;
    r.feed(b.cap_initial_dp(10.0, 1205, 7, "8613812340002", "8613987650002"));
    if (c.from_scf)
      r.feed(b.cap_invoke(c.op, 10.2, 2305, 1205, TcapType::End, 0, 7));
    else
      r.feed(b.cap_invoke(c.op, 12.0, 1205, 2305, TcapType::Continue, 7, 0x99, c.event));
    ASSERT_EQ(r.facts.size(), 2u);
    EXPECT_EQ(r.facts[1].kind, CallFactKind::Ended);
    EXPECT_EQ(r.facts[1].rec->end, c.want);
    EXPECT_FALSE(r.facts[1].rec->answered());
  }
}

TEST(CallTracker, CapDialoguesOfTwoSsfsWithOneTidAreTwoCalls) {
  EventBuilder b;
  TrackRun r;
  r.feed(b.cap_initial_dp(10.0, 1205, 7, "8613812340003", "8613987650003"));
  r.feed(b.cap_initial_dp(10.0, 1206, 7, "8613812340004", "8613987650004"));
  r.feed(b.cap_initial_dp(10.1, 1205, 7, "8613812340003", "8613987650003"));  // retransmitted
  EXPECT_EQ(r.t.open_calls(), 2u);
  EXPECT_EQ(r.t.counters().retransmissions, 1u);
  // The SCF's answer to the second SSF finds its call by (dpc, dtid).
  r.feed(b.cap_invoke(cap_op::kEventReportBcsm, 11.0, 1206, 2305, TcapType::Continue, 7, 0x55,
                      cap_event::kOAnswer));
  ASSERT_EQ(r.facts.back().kind, CallFactKind::Answered);
  EXPECT_EQ(r.facts.back().rec->a.view(), "8613812340004");
  r.feed(b.cap_invoke(cap_op::kReleaseCall, 12.0, 2305, 1205, TcapType::End, 0, 7));
  EXPECT_EQ(r.facts.back().rec->a.view(), "8613812340003");
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::Rejected);
  // A report of a dialogue never opened is an orphan.
  r.feed(b.cap_invoke(cap_op::kEventReportBcsm, 13.0, 1205, 2305, TcapType::Continue, 8, 0x56,
                      cap_event::kOAnswer));
  EXPECT_EQ(r.t.counters().orphan_messages, 1u);
}

TEST(CallTracker, CapDialogueClosedBeforeTheOutcomeEndsTheCallUnseen) {
  EventBuilder b;
  TrackRun r;
  // A VPN service: the SCF translates the number and ends the dialogue with
  // continue, arming nothing; how the call goes is not on this link.
  r.feed(b.cap_initial_dp(10.0, 1205, 0x31, "8613812340006", "8613987650006"));
  r.feed(b.cap_invoke(cap_op::kContinue, 10.1, 2305, 1205, TcapType::End, 0, 0x31));
  ASSERT_EQ(r.facts.size(), 2u);
  EXPECT_EQ(r.facts[1].rec->end, CallEnd::Unseen);
  EXPECT_FALSE(r.facts[1].rec->answered());
  // Answered, then the SCF stops monitoring: an empty TC-END (a tcap event).
  r.feed(b.cap_initial_dp(20.0, 1205, 0x32, "8613812340007", "8613987650007"));
  r.feed(b.cap_invoke(cap_op::kEventReportBcsm, 25.0, 1205, 2305, TcapType::Continue, 0x32, 0x41, cap_event::kOAnswer));
  r.feed(b.tcap_empty(25.1, 2305, 1205, TcapType::End, 0, 0x32));
  EXPECT_EQ(r.facts.back().kind, CallFactKind::Ended);
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::Unseen);
  EXPECT_TRUE(r.facts.back().rec->answered());
  EXPECT_EQ(r.t.counters().unseen, 2u);
  // The SCF's End after the call's last report changes nothing.
  r.feed(b.cap_initial_dp(30.0, 1205, 0x33, "8613812340008", "8613987650008"));
  r.feed(b.cap_invoke(cap_op::kEventReportBcsm, 33.0, 1205, 2305, TcapType::Continue, 0x33, 0x42, cap_event::kOAbandon));
  size_t before = r.facts.size();
  r.feed(b.tcap_empty(33.1, 2305, 1205, TcapType::End, 0, 0x33));
  EXPECT_EQ(r.facts.size(), before);
  EXPECT_EQ(r.facts.back().rec->end, CallEnd::CancelledBeforeAnswer);
  EXPECT_EQ(r.t.counters().orphan_messages, 0u) << "a closing message without a call is not an orphan report";
}

TEST(CallTracker, PaiIsTheCallingNumberWhenPresent) {
  SipInfo s;
  s.from_user = "anonymous";
  s.pai_user = "8613800000001";
  s.to_user = "222";
  EXPECT_EQ(sip_calling(s), "8613800000001");
  EXPECT_EQ(sip_called(s), "222");
  s.ruri_user = "333";
  EXPECT_EQ(sip_called(s), "333");
}

// format_ip writes digits by hand; snprintf is the reference it must equal.
TEST(FormatIp, MatchesPrintfForRandomV4AndV6Addresses) {
  std::mt19937 rnd(42);
  for (int k = 0; k < 2000; ++k) {
    Endpoint e;
    e.family = k % 2 ? 6 : 4;
    for (auto& byte : e.addr) byte = uint8_t(k < 4 ? (k < 2 ? 0 : 255) : rnd());
    char want[64];
    int n = 0;
    if (e.family == 4) {
      n = std::snprintf(want, sizeof want, "%u.%u.%u.%u", e.addr[0], e.addr[1], e.addr[2], e.addr[3]);
    } else {
      n = std::snprintf(want, sizeof want, "[");
      for (int i = 0; i < 16; i += 2)
        n += std::snprintf(want + n, sizeof want - size_t(n), i ? ":%x" : "%x", unsigned(e.addr[i] << 8 | e.addr[i + 1]));
      n += std::snprintf(want + n, sizeof want - size_t(n), "]");
    }
    char got[64];
    size_t len = 0;
    format_ip(e, got, sizeof got, len);
    EXPECT_EQ(std::string_view(got, len), std::string_view(want, size_t(n)));
  }
}

// Each byte value in each position (the v4 path copies from a per-byte table).
TEST(FormatIp, EveryByteValueInEveryV4Position) {
  for (unsigned v = 0; v < 256; ++v) {
    Endpoint e;
    e.family = 4;
    e.addr[0] = uint8_t(v);
    e.addr[1] = uint8_t(255 - v);
    e.addr[2] = uint8_t((v * 7) & 0xFF);
    e.addr[3] = uint8_t(v ^ 0x5A);
    char want[32];
    int n = std::snprintf(want, sizeof want, "%u.%u.%u.%u", e.addr[0], e.addr[1], e.addr[2], e.addr[3]);
    char got[64];
    size_t len = 0;
    format_ip(e, got, sizeof got, len);
    EXPECT_EQ(std::string_view(got, len), std::string_view(want, size_t(n))) << v;
  }
}

TEST(FormatIp, RefusesABufferTooSmallForAnyAddress) {
  Endpoint e;
  e.family = 4;
  char out[16];
  size_t len = 99;
  format_ip(e, out, sizeof out, len);
  EXPECT_EQ(len, 0u);
}

TEST(WriteDigits, DecimalAndHexAtTheirLimits) {
  char out[16];
  EXPECT_EQ(std::string_view(out, write_dec(out, 0)), "0");
  EXPECT_EQ(std::string_view(out, write_dec(out, 65535)), "65535");
  EXPECT_EQ(std::string_view(out, write_dec(out, UINT32_MAX)), "4294967295");
  EXPECT_EQ(std::string_view(out, write_hex(out, 0)), "0");
  EXPECT_EQ(std::string_view(out, write_hex(out, 0xabcdef12)), "abcdef12");
}

}  // namespace
}  // namespace sigprobe::track
