// TCAP dialogues, locations, SMS records and contacts from hand-built events.
#include "host/track/ss7_tracker.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "host/track/contact_log.hpp"
#include "tests/host/track/event_builder.hpp"

namespace sigprobe::track {
namespace {

using testing::EventBuilder;

TEST(TransactionTracker, EndWithDtidClosesTheDialogueItsOriginatorBegan) {
  EventBuilder b;
  TransactionTracker t;
  auto begin = b.map_invoke(map_op::kSendRoutingInfo, 1.0, "8613800600000", "", TcapType::Begin, 0x11000001);
  const Transaction* tx = t.on_event(begin);
  ASSERT_NE(tx, nullptr);
  EXPECT_EQ(tx->tid_text.view(), "100-11000001");
  // The answer comes back from the HLR: opc/dpc swapped, our otid as its dtid.
  SignalEvent end = begin;
  end.mtp3.opc = 200;
  end.mtp3.dpc = 100;
  end.tcap.type = TcapType::End;
  end.tcap.dtid = begin.tcap.otid;
  end.tcap.dtid_len = 4;
  end.tcap.otid_len = 0;
  end.map.component = MapComponent::ReturnResult;
  const Transaction* tx2 = t.on_event(end);
  ASSERT_EQ(tx2, tx);
  EXPECT_TRUE(tx2->ended);
  EXPECT_EQ(t.counters().ended, 1u);
  t.expire(2'000'000'000ull);
  EXPECT_EQ(t.open(), 0u);
}

// expire() skips its sweep when no dialogue can be due; a Begin whose
// capture time is earlier than one already seen must still time out on time.
TEST(TransactionTracker, DialoguesTimeOutOnTheirOwnLastMessageEvenOutOfOrder) {
  EventBuilder b;
  TransactionTracker t(1024, 60'000'000'000ull);
  t.on_event(b.map_invoke(map_op::kSendRoutingInfo, 10.0, "8613800600000", "", TcapType::Begin, 0x21));
  t.on_event(b.map_invoke(map_op::kSendRoutingInfo, 5.0, "8613800600000", "", TcapType::Begin, 0x22));
  t.expire(64'999'999'999ull);
  EXPECT_EQ(t.open(), 2u);
  t.expire(65'000'000'000ull);
  EXPECT_EQ(t.open(), 1u);
  EXPECT_EQ(t.counters().timed_out, 1u);
  t.expire(69'000'000'000ull);
  EXPECT_EQ(t.open(), 1u);
  t.expire(70'000'000'000ull);
  EXPECT_EQ(t.open(), 0u);
  EXPECT_EQ(t.counters().timed_out, 2u);
}

TEST(TransactionTracker, ContinueOfAnUnknownDialogueIsCountedAsOrphan) {
  EventBuilder b;
  TransactionTracker t;
  auto cont = b.map_invoke(map_op::kInsertSubscriberData, 1.0, "8613800000001", "", TcapType::Continue, 5);
  cont.tcap.dtid = {0, 0, 0, 9};
  cont.tcap.dtid_len = 4;
  EXPECT_EQ(t.on_event(cont), nullptr);
  EXPECT_EQ(t.counters().orphans, 1u);
}

TEST(SubscriberNumbers, PairsAnImsiWithItsMsisdnOnlyWhereOneOperationNamesOneSubscriber) {
  EventBuilder b;
  TransactionTracker tx;
  auto pair = [&](const SignalEvent& e) {
    auto p = SubscriberNumbers::pair_of(e, tx.on_event(e));
    return std::pair<std::string, std::string>(p.imsi, p.msisdn);
  };
  using P = std::pair<std::string, std::string>;
  // sendRoutingInfoForSM: the SMSC asks with the MSISDN, the HLR answers with the IMSI.
  auto sri = b.map_invoke(map_op::kSendRoutingInfoForSm, 1.0, "6590000001", "", TcapType::Begin, 5);
  sri.map.msisdn = b.keep("8613912345678");
  EXPECT_EQ(pair(sri), P());
  EXPECT_EQ(pair(b.map_result(map_op::kSendRoutingInfoForSm, 1.1, 5, "460001234567890")),
            P("460001234567890", "8613912345678"));
  // updateLocation names the IMSI, the HLR's insertSubscriberData in its dialogue the MSISDN.
  auto ul = b.map_invoke(map_op::kUpdateLocation, 2.0, "8613900000001", "460001111111111", TcapType::Begin, 6);
  EXPECT_EQ(pair(ul), P());
  auto isd = b.map_result(map_op::kInsertSubscriberData, 2.1, 6, "", TcapType::Continue);
  isd.map.component = MapComponent::Invoke;
  isd.map.msisdn = b.keep("8613911111111");
  EXPECT_EQ(pair(isd), P("460001111111111", "8613911111111"));
  // Standalone, it names both.
  auto alone = b.map_invoke(map_op::kInsertSubscriberData, 3.0, "8613800000002", "460002222222222", TcapType::Begin, 7);
  alone.map.msisdn = b.keep("8613922222222");
  EXPECT_EQ(pair(alone), P("460002222222222", "8613922222222"));
  // An mt-forwardSM names its recipient's IMSI and, as SM-RP-OA, the centre:
  // not the same subscriber. Nor is an SRI-for-SM's error an answer.
  auto mt = b.map_invoke(map_op::kMtForwardSm, 4.0, "6590000001", "460003333333333", TcapType::Begin, 8);
  mt.map.msisdn = b.keep("6590000001");
  EXPECT_EQ(pair(mt), P());
  auto sri2 = b.map_invoke(map_op::kSendRoutingInfoForSm, 5.0, "6590000001", "", TcapType::Begin, 9);
  sri2.map.msisdn = b.keep("8613944444444");
  pair(sri2);
  auto err = b.map_result(map_op::kSendRoutingInfoForSm, 5.1, 9, "460004444444444");
  err.map.component = MapComponent::ReturnError;
  EXPECT_EQ(pair(err), P());

  SubscriberNumbers n(16);
  n.learn("460001234567890", "8613912345678");
  EXPECT_EQ(n.msisdn_of("460001234567890"), "8613912345678");
  EXPECT_EQ(n.msisdn_of("460009999999999"), "");
  n.learn("460001234567890", "8613900000000");  // the SIM given another number: the last pairing wins
  EXPECT_EQ(n.msisdn_of("460001234567890"), "8613900000000");
}

TEST(LocationTable, SecondUpdateReportsThePreviousVlrAndTime) {
  LocationTable l;
  auto first = l.update("460001234567890", "8613900000010", 100);
  EXPECT_TRUE(first.first_seen);
  EXPECT_TRUE(first.prev_vlr.empty());
  auto second = l.update("460001234567890", "85512345", 500);
  EXPECT_FALSE(second.first_seen);
  EXPECT_EQ(second.prev_vlr, "8613900000010");
  EXPECT_EQ(second.prev_ns, 100u);
}

TEST(LocationTable, SubscriberSeenBeforeIsNotFirstSeenAtItsFirstUpdate) {
  LocationTable l;
  l.touch("460001111111111", 50);
  EXPECT_FALSE(l.update("460001111111111", "85512345", 100).first_seen);
}

TEST(SmsRecord, MoForwardSmTakesTheTpduAddressesAndText) {
  EventBuilder b;
  auto e = b.map_invoke(map_op::kMoForwardSm, 1.0, "8613900000011");
  e.map.msisdn = b.keep("8613800138000");
  e.map.service_centre = b.keep("8613800500000");
  e.map.sms.present = true;
  e.map.sms.tpdu_type = 1;
  e.map.sms.da = b.keep("10086");
  e.map.sms.text = b.keep("您的医保卡已停用");
  SmsRecord r = sms_record(e);
  ASSERT_TRUE(r.valid);
  EXPECT_TRUE(r.mobile_originated);
  EXPECT_EQ(r.sender, "8613800138000");
  EXPECT_EQ(r.recipient, "10086");
  EXPECT_EQ(r.service_centre, "8613800500000");
  EXPECT_EQ(r.text, "您的医保卡已停用");
}

// MAP v1/v2 carry both directions in forwardSM (opcode 46): the TPDU tells
// an SMS-DELIVER (from the centre, recipient by IMSI) from an SMS-SUBMIT.
TEST(SmsRecord, V2ForwardSmCarryingADeliverIsMobileTerminated) {
  EventBuilder b;
  auto e = b.map_invoke(map_op::kMoForwardSm, 1.0, "8613800500000");
  e.map.imsi = b.keep("460001234567890");
  e.map.service_centre = b.keep("8613800500000");
  e.map.sms.present = true;
  e.map.sms.tpdu_type = 0;  // SMS-DELIVER
  e.map.sms.oa = b.keep("8613800138000");
  e.map.sms.text = b.keep("parcel");
  SmsRecord r = sms_record(e);
  ASSERT_TRUE(r.valid);
  EXPECT_FALSE(r.mobile_originated);
  EXPECT_EQ(r.sender, "8613800138000");
  EXPECT_EQ(r.recipient, "460001234567890");
  e.map.sms.tpdu_type = 2;  // a COMMAND towards the centre in a forwardSM
  EXPECT_TRUE(sms_record(e).mobile_originated);
  e.map.opcode = map_op::kMtForwardSm;  // a STATUS-REPORT from it
  EXPECT_FALSE(sms_record(e).mobile_originated);
}

TEST(SmsRecord, CamelInitialDpSmsIsAnSmsWithoutText) {
  EventBuilder b;
  SmsRecord r = sms_record(b.cap_initial_dp_sms(1.0, 7, "8617012340100", "8613900001000"));
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.sender, "8617012340100");
  EXPECT_EQ(r.recipient, "8613900001000");
  EXPECT_EQ(r.service_centre, "8613800500000");
  EXPECT_TRUE(r.text.empty());
  EXPECT_TRUE(r.mobile_originated);
  // A call's InitialDP is not an SMS, nor is the SMS dialogue's later traffic.
  EXPECT_FALSE(sms_record(b.cap_initial_dp(1.0, 1205, 8, "8617012340100", "8613900001000")).valid);
  EXPECT_FALSE(sms_record(b.cap_invoke(cap_op::kContinueSms, 1.1, 2305, 1205, TcapType::End, 0, 7)).valid);
}

TEST(SmsRecord, SipMessageBodyIsAnSms) {
  EventBuilder b;
  auto e = b.sip_request(SipMethod::Message, 1.0, "m1", "111", "222");
  e.sip.body_text = b.keep("hello");
  SmsRecord r = sms_record(e);
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.sender, "111");
  EXPECT_EQ(r.recipient, "222");
  EXPECT_FALSE(sms_record(b.sip_request(SipMethod::Invite, 1.0, "c", "1", "2")).valid);
}

TEST(ContactLog, KeepsWhomANumberCalledAndTheLongestTalk) {
  ContactLog log(16, 2);
  log.call_started("111", "201", 10);
  log.call_answered("111", "201", 11);
  log.call_ended("111", "201", 400, 411);
  log.sms("111", "202", 20);
  const ContactList* l = log.find("111");
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->contacts.size(), 2u);
  EXPECT_EQ(l->contacts[0].talk_ns, 400u);
  EXPECT_FALSE(l->contacts[0].on_call);
  EXPECT_EQ(l->contacts[1].sms, 1u);
  log.sms("111", "203", 30);  // over the per-number bound: the oldest goes
  EXPECT_EQ(log.dropped(), 1u);
  EXPECT_EQ(log.find("111")->contacts.size(), 2u);
}

TEST(ContactLog, PrefetchingABurstChangesNothing) {
  EventBuilder b;
  ContactLog log(16, 4);
  log.call_started("111", "201", 10);
  std::vector<SignalEvent> burst;
  burst.push_back(b.sip_request(SipMethod::Invite, 1.0, "p1", "111", "202"));   // known caller
  burst.push_back(b.sip_request(SipMethod::Invite, 1.1, "p2", "999", "203"));   // unknown caller
  burst.push_back(b.sip_request(SipMethod::Message, 1.2, "p3", "888", "204"));  // a text
  burst.push_back(b.sip_request(SipMethod::Bye, 1.3, "p1", "111", "202", {}, "tt"));
  log.prefetch(burst);
  EXPECT_EQ(log.find("999"), nullptr);
  EXPECT_EQ(log.find("888"), nullptr);
  ASSERT_NE(log.find("111"), nullptr);
  ASSERT_EQ(log.find("111")->contacts.size(), 1u);
  EXPECT_EQ(log.find("111")->contacts[0].number.view(), "201");
  EXPECT_EQ(log.table_counters().inserts, 1u);
}

// The handle from call_started() is a shortcut, never a different answer:
// one log answers and ends calls through handles, the other by lookup, under
// per-number drops and evictions of whole numbers (small bounds).
TEST(ContactLog, HandlesChangeTheSameContactsAsLookups) {
  ContactLog with_ref(4, 3), by_lookup(4, 3);
  struct Call {
    std::string a, b;
    ContactRef ref;
    bool answered = false;
  };
  std::vector<Call> open;
  std::mt19937_64 rnd(17);
  auto number = [&](int n) { return "86138" + std::to_string(n); };
  uint64_t ts = 1;
  for (int step = 0; step < 20'000; ++step) {
    ++ts;
    const unsigned op = unsigned(rnd() % 4);
    if (op == 0 || open.empty()) {
      Call c{number(int(rnd() % 6)), number(100 + int(rnd() % 10)), {}, false};
      c.ref = with_ref.call_started(c.a, c.b, ts);
      by_lookup.call_started(c.a, c.b, ts);
      open.push_back(c);
    } else if (op == 1) {
      const std::string a = number(int(rnd() % 6)), b = number(100 + int(rnd() % 10));
      with_ref.sms(a, b, ts);
      by_lookup.sms(a, b, ts);
    } else {
      const size_t k = size_t(rnd() % open.size());
      Call& c = open[k];
      if (op == 2 && !c.answered) {
        with_ref.call_answered(c.a, c.b, ts, c.ref);
        by_lookup.call_answered(c.a, c.b, ts);
        c.answered = true;
      } else {
        with_ref.call_ended(c.a, c.b, c.answered ? ts % 97 : 0, ts, c.ref);
        by_lookup.call_ended(c.a, c.b, c.answered ? ts % 97 : 0, ts);
        open.erase(open.begin() + std::ptrdiff_t(k));
      }
    }
    for (int n = 0; n < 6; ++n) {
      const ContactList* x = with_ref.find(number(n));
      const ContactList* y = by_lookup.find(number(n));
      ASSERT_EQ(x == nullptr, y == nullptr) << "step " << step;
      if (!x) continue;
      ASSERT_EQ(x->contacts.size(), y->contacts.size()) << "step " << step;
      for (size_t i = 0; i < x->contacts.size(); ++i) {
        const Contact &p = x->contacts[i], &q = y->contacts[i];
        ASSERT_EQ(p.number.view(), q.number.view()) << "step " << step;
        ASSERT_EQ(std::tie(p.first_ns, p.last_ns, p.talk_ns, p.calls, p.sms, p.on_call, p.answer_ns),
                  std::tie(q.first_ns, q.last_ns, q.talk_ns, q.calls, q.sms, q.on_call, q.answer_ns))
            << "step " << step;
      }
    }
  }
  EXPECT_EQ(with_ref.dropped(), by_lookup.dropped());
  EXPECT_GT(with_ref.dropped(), 0u);
  EXPECT_GT(with_ref.table_counters().evictions, 0u);
}

}  // namespace
}  // namespace sigprobe::track
