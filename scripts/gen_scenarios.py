#!/usr/bin/python3
"""Labelled fraud scenarios for sigprobe's detection (issue 4): pcaps/scenarios/NAME.pcap and
NAME.labels.json, deterministic (seeded random, timestamps from 2026-01-01T00:00:00Z).

Each scenario is a plausible benign background (subscribers with Poisson call arrivals, answer
ratio ~70 %, log-normal talk times, SMS, location updates, roaming) with fraud behaviours mixed
in, and benign hard cases (a busy call centre, a whitelisted police warning line, a company's
phones of one IMEI family, an enterprise IP-PBX with many DIDs, a railway station's cell and
an office of agents calling from one cell, a bus station's GSM cell, verification code SMS, a
parents' group text). Calls are SIP (VoLTE: the cell in P-Access-Network-Info) or, for
circuit-switched prepaid cards, CAMEL dialogues over SIGTRAN (InitialDP with the caller's
cell, then eventReportBCSM); a prepaid card's SMS can be a CAMEL SMS dialogue alone
(initialDPSMS, then continueSMS). The labels say which subject is fraud for which rule, with the
capture time of its first fraudulent message, and which subjects are benign and must never be
flagged. tests/scenarios replays them and computes precision and recall.

Run:  /usr/bin/python3 scripts/gen_scenarios.py [NAME ...]   (needs scapy: Debian's python;
      NAMEs: only those scenarios, e.g. simbox)
The SIP, SIGTRAN, MAP and CAP encoders come from scripts/genlib (read only here).
"""
import json
import math
from datetime import datetime, timedelta, timezone
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from genlib import capops as co  # noqa: E402
from genlib import mapops as mo  # noqa: E402
from genlib import net, sms, ss7  # noqa: E402
from genlib.numbers import tbcd  # noqa: E402
from genlib.pcapfile import EPOCH_2026, PcapWriter  # noqa: E402
from genlib.sigtran import Assoc, Node, cap_msg, invoke_msg, result_msg  # noqa: E402
from genlib.sip import Dialog, sdp  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "pcaps", "scenarios")
PROXY = "10.255.0.1"
DOMAIN = "ims.example.cn"
# CAMEL (CAP v2) for prepaid circuit-switched calls: the serving MSC's gsmSSF behind side a of
# the SIGTRAN association, the prepaid SCP's gsmSCF behind side b, both on SSN 146.
CAP_SSF = Node("MSC/gsmSSF", 1205, "8613900000031", co.SSN_CAP, "a")
CAP_SCF = Node("gsmSCF (prepaid)", 2305, "8613800800001", co.SSN_CAP, "b")
CAP_VLR = "8613900000032"


class Frames:
    """Collects frames at scheduled capture times (the genlib transports call add()), in
    seconds after start_s (seconds after EPOCH_2026, 2026-01-01 00:00 UTC = 08:00 in China)."""

    def __init__(self, start_s=0):
        self.frames = []
        self.now_us = 0
        self.start_s = start_s

    def at(self, t_s):
        self.now_us = int(round(t_s * 1e6))
        return self

    def add(self, frame, gap_us=None):
        self.frames.append((self.now_us, len(self.frames), bytes(frame)))
        self.now_us += 300
        return len(self.frames)

    def expect(self, *args, **kwargs):
        pass

    def write(self, path):
        w = PcapWriter()
        for ts, _, data in sorted(self.frames):
            w.add(data, gap_us=(EPOCH_2026 + self.start_s) * 1_000_000 + ts - w.now_us)
        w.write(path)
        return len(self.frames)


class TimeOrderedAssoc:
    """An association whose messages are sent in capture-time order when the scenario is
    written, so that each side's SCTP TSNs rise with capture time as on a real link. Built in
    the order the scenario code makes them (a background loop first, the attacks after), the
    TSNs of later-built but earlier-timed messages ran ahead, and the receiver took the
    earlier-built ones for retransmissions: the ss7_sms scenario lost 182 of its 400 background
    location updates that way."""

    def __init__(self, assoc, frames):
        self.assoc = assoc
        self.frames = frames
        self.pending = []  # (capture time in us, order built, message)

    def send(self, msg):
        self.pending.append((self.frames.now_us, len(self.pending), msg))

    def flush(self):
        for now_us, _, msg in sorted(self.pending, key=lambda p: (p[0], p[1])):
            self.frames.now_us = now_us
            self.assoc.send(msg)
        self.pending = []


class Scenario:
    def __init__(self, name, seed, minutes, start_s=0):
        self.name = name
        self.rnd = random.Random(seed)
        self.duration = minutes * 60.0
        self.start_s = start_s
        self.f = Frames(start_s)
        self.fraud = {}     # subject -> {"rules": set, "first_ts": t, "what": text}
        self.benign = {}    # subject -> why
        self.victims = {}   # subject -> {"rules", "first_ts", "what"} (victim_on_line)
        self.n_call = 0
        self.n_cap = 0      # CAMEL calls: the SSF's transaction ids, apart from the MAP ones
        self.n_cap_sms = 0  # CAMEL SMS dialogues: the SSF's transaction ids, apart from the calls'
        self.sms_assoc = None  # the gsmSSF's own M3UA association to the SCP for CAMEL SMS
        self.assoc = None

    # ---- labels ---------------------------------------------------------------
    def label_fraud(self, subject, rules, t, what):
        e = self.fraud.setdefault(subject, {"rules": set(), "first_ts": t, "what": what})
        e["rules"].update(rules)
        e["first_ts"] = min(e["first_ts"], t)

    def label_benign(self, subject, why):
        self.benign[subject] = why

    # A victim a rule must raise (victim_on_line): labelled apart from the fraud
    # subjects; t is when the rule can first know (min_talk after the answer).
    def label_victim(self, subject, rules, t, what):
        self.victims[subject] = {"rules": set(rules), "first_ts": t, "what": what}

    # ---- SIP ------------------------------------------------------------------
    def sip(self, t, src, dst, data):
        self.f.at(t).add(net.udp(src, dst, 5060, 5060, data))

    def call(self, t, a, b, a_ip, ua, ring_s, talk_s, outcome, instance=None, extra=(), cell=None,
             challenge=False, b2bua_ip=None):
        """outcome: answered (talk_s), cancel (after ring_s), busy. instance: the caller's
        Contact +sip.instance (an IMEI URN for a VoLTE terminal). extra: more INVITE headers.
        cell: the E-UTRAN cell of the INVITE's P-Access-Network-Info (3GPP TS 24.229); a VoLTE
        terminal (User-Agent IMS-UE) without one calls from its home cell. challenge: the
        INVITE is answered 407 and resent with credentials (RFC 3261 22.2) before it rings.
        b2bua_ip: a B2BUA (an MMTel AS, an IP-PBX) there carries the call on in a dialog of
        its own (its own Call-ID) 20 ms behind the caller's, with the same outcome."""
        if cell is None and ua.startswith("IMS-UE"):
            cell = home_cell(a)
        if cell:
            extra = (("P-Access-Network-Info", f"3GPP-E-UTRAN-FDD;utran-cell-id-3gpp={cell}"),) + tuple(extra)
        self.n_call += 1
        n = self.n_call
        self._dialog(t, f"{self.name[:3]}{n:06d}@{a_ip}", f"ft{n}", f"tt{n}", n, a, b, a_ip, ua, ring_s, talk_s,
                     outcome, instance, extra, challenge)
        if b2bua_ip:
            self._dialog(t + 0.02, f"{self.name[:3]}{n:06d}b@{b2bua_ip}", f"fb{n}", f"tb{n}", n, a, b, b2bua_ip, ua,
                         ring_s, talk_s, outcome, instance, extra, False)
        return t

    def _dialog(self, t, cid, ftag, tt, n, a, b, a_ip, ua, ring_s, talk_s, outcome, instance, extra, challenge):
        d = Dialog(cid, f"sip:{a}@{DOMAIN}", a, f"sip:{b}@{DOMAIN}", b, ftag,
                   (a_ip, 5060), (PROXY, 5060), ua=ua, server="IMS-PCSCF 1.0", instance=instance)
        ruri = f"sip:{b}@{DOMAIN}"
        body = sdp(a_ip, 40000 + n % 20000)
        cseq = 1
        if challenge:
            inv, _ = d.request("INVITE", ruri, b, 1, body=body, ctype="application/sdp", extra=extra)
            self.sip(t, a_ip, PROXY, inv)
            auth = ("Proxy-Authenticate", f'Digest realm="{DOMAIN}", nonce="n{n:08x}", algorithm=MD5, qop="auth"')
            self.sip(t + 0.01, PROXY, a_ip, d.response(407, "Proxy Authentication Required", "INVITE", 1,
                                                       to_tag=f"c{n}", extra=(auth,))[0])
            self.sip(t + 0.02, a_ip, PROXY, d.request("ACK", ruri, b, 1, new_branch=False, to_tag=f"c{n}")[0])
            cred = ("Proxy-Authorization", f'Digest username="{a}", realm="{DOMAIN}", nonce="n{n:08x}", '
                    f'uri="{ruri}", response="{n:032x}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c{n}"')
            extra = tuple(extra) + (cred,)
            t += 0.04
            cseq = 2
        inv, _ = d.request("INVITE", ruri, b, cseq, body=body, ctype="application/sdp", extra=extra)
        self.sip(t, a_ip, PROXY, inv)
        self.sip(t + 0.25, PROXY, a_ip, d.response(180, "Ringing", "INVITE", cseq, to_tag=tt)[0])
        t1 = t + 0.25 + ring_s
        if outcome == "answered":
            self.sip(t1, PROXY, a_ip, d.response(200, "OK", "INVITE", cseq, to_tag=tt)[0])
            self.sip(t1 + 0.05, a_ip, PROXY, d.request("ACK", ruri, b, cseq, to_tag=tt)[0])
            self.sip(t1 + talk_s, a_ip, PROXY, d.request("BYE", ruri, b, cseq + 1, to_tag=tt)[0])
            self.sip(t1 + talk_s + 0.05, PROXY, a_ip, d.response(200, "OK", "BYE", cseq + 1, to_tag=tt)[0])
        elif outcome == "cancel":
            self.sip(t1, a_ip, PROXY, d.request("CANCEL", ruri, b, cseq, new_branch=False)[0])
            self.sip(t1 + 0.03, PROXY, a_ip, d.response(200, "OK", "CANCEL", cseq)[0])
            self.sip(t1 + 0.05, PROXY, a_ip, d.response(487, "Request Terminated", "INVITE", cseq, to_tag=tt)[0])
        else:
            self.sip(t1, PROXY, a_ip, d.response(486, "Busy Here", "INVITE", cseq, to_tag=tt)[0])

    def request(self, t, src_ip, method, user, ua, status, cseq=1):
        self.n_call += 1
        cid = f"{self.name[:3]}{self.n_call:06d}@{src_ip}"
        d = Dialog(cid, f"sip:{user}@{DOMAIN}", user, f"sip:{user}@{DOMAIN}", user, f"ft{self.n_call}",
                   (src_ip, 5060), (PROXY, 5060), ua=ua, server="IMS-PCSCF 1.0")
        msg, _ = d.request(method, f"sip:{user}@{DOMAIN}", user, cseq)
        self.sip(t, src_ip, PROXY, msg)
        if status:
            reason = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}[status]
            self.sip(t + 0.01, PROXY, src_ip, d.response(status, reason, method, cseq, to_tag=f"r{self.n_call}")[0])

    # ---- background -------------------------------------------------------------
    def subscribers(self, n):
        nums = sorted({"86138" + f"{self.rnd.randrange(10**8):08d}" for _ in range(n)})
        return [(num, f"10.{1 + i // 60000}.{(i // 250) % 240}.{1 + i % 250}") for i, num in enumerate(nums)]

    def background_calls(self, subs, rate_per_s):
        uas = ["Linphone/5.2.0", "Zoiper rv2.10.19", "IMS-UE/3.1", "MicroSIP/3.21.3"]
        t = self.rnd.expovariate(rate_per_s)
        while t < self.duration - 5:
            a, ip = self.rnd.choice(subs)
            b = self.rnd.choice(subs)[0]
            if b != a:
                u = self.rnd.random()
                ring = self.rnd.uniform(3, 15)
                if u < 0.70:
                    talk = min(1800.0, self.rnd.lognormvariate(math.log(70), 0.9))
                    self.call(t, a, b, ip, uas[int(a) % len(uas)], ring, talk, "answered")
                elif u < 0.88:
                    self.call(t, a, b, ip, uas[int(a) % len(uas)], self.rnd.uniform(8, 30), 0, "cancel")
                else:
                    self.call(t, a, b, ip, uas[int(a) % len(uas)], ring, 0, "busy")
            t += self.rnd.expovariate(rate_per_s)

    # ---- SS7 --------------------------------------------------------------------
    def ss7_up(self):
        assoc = Assoc(self.f.at(0.0), "10.20.0.1", "10.20.0.2")
        assoc.bring_up()
        self.assoc = TimeOrderedAssoc(assoc, self.f)
        self.tid = 0x20000000

    def dialogue(self, t, a, b, op, arg, res=None, subscriber_imsi=None):
        """One MAP dialogue: Begin(invoke) a -> b, End(returnResult) 20 ms later. With
        subscriber_imsi the MAP-OPEN names the subscriber (destination reference), as the
        supplementary service dialogues do."""
        self.tid += 1
        otid = self.tid.to_bytes(4, "big")
        fields = {}
        if isinstance(arg, tuple):
            arg, fields = arg
        dlg = True
        if subscriber_imsi:
            ref = b"\x96" + tbcd(subscriber_imsi)  # international, E.212
            dlg = ss7.dialogue_request(ss7.map_acn(*mo.ACN[op]), ss7.map_open(destination=ref))
        self.f.at(t)
        self.assoc.send(invoke_msg(a, b, op, 1, arg, fields, otid, dialogue=dlg))
        self.f.at(t + 0.02)
        if res is None:
            self.assoc.send(result_msg(b, a, op, 1, None, None, dtid=otid))
        else:
            self.assoc.send(result_msg(b, a, op, 1, res[0], res[1], dtid=otid))

    def mo_sms(self, t, msc, smsc, sender, recipient, text, imsi=None, da_ton=1):
        ucs2 = any(ord(c) > 0x7F for c in text)
        tpdu = sms.sms_submit(self.tid & 0xFF, recipient, text, 0x08 if ucs2 else 0x00, da_ton=da_ton)
        self.dialogue(t, msc, smsc, "mo-forwardSM", mo.mo_forward_sm_arg(smsc.gt, sender, tpdu, imsi))

    def cap_call(self, t, calling, called, imsi, cell, ring_s, talk_s, outcome):
        """One mobile-originated call of a prepaid subscriber as the MSC's gsmSSF reports it to
        the prepaid gsmSCF, one CAP v2 dialogue (TS 29.078): Begin{initialDP at collectedInfo}
        naming the caller's cell (cell: capops.cgi(), the CGI of locationInformation), then the
        SCF's Continue{requestReportBCSMEvent, continue} 20 ms later; answered: the SSF's
        Continue{eventReportBCSM oAnswer} after ring_s and oDisconnect (cause 16, normal
        clearing) talk_s later; cancel: oAbandon after ring_s; busy: oCalledPartyBusy (cause 17)
        after ring_s; the SCF closes each with an End. The SSF's transaction id (otid; the SCF's
        dtid) comes from a counter of its own, not the MAP dialogues' self.tid."""
        if self.assoc is None:
            self.ss7_up()
        self.n_cap += 1
        ssf_tid = (0x16000000 + self.n_cap).to_bytes(4, "big")
        scf_tid = (0x26000000 + self.n_cap).to_bytes(4, "big")
        acn = co.CAP_V2_SSF_TO_SCF
        local = datetime.fromtimestamp(EPOCH_2026 + self.start_s + t, timezone(timedelta(hours=8)))
        arg, f = co.initial_dp_arg(100, calling, imsi, CAP_VLR, CAP_SSF.gt, cell,
                                   (0x4C000000 + self.n_cap).to_bytes(4, "big"), called_bcd=called,
                                   time_local=local.strftime("%Y%m%d%H%M%S"))
        self.f.at(t)
        self.assoc.send(cap_msg(CAP_SSF, CAP_SCF, "begin", [(ss7.invoke(1, co.OP["initialDP"], arg), f)],
                                otid=ssf_tid, dialogue=ss7.dialogue_request(acn)))
        edps = [("routeSelectFailure", co.INTERRUPTED, co.LEG2), ("oCalledPartyBusy", co.INTERRUPTED, co.LEG2),
                ("oNoAnswer", co.INTERRUPTED, co.LEG2), ("oAnswer", co.NOTIFY_AND_CONTINUE, co.LEG2),
                ("oDisconnect", co.INTERRUPTED, co.LEG1), ("oDisconnect", co.INTERRUPTED, co.LEG2),
                ("oAbandon", co.NOTIFY_AND_CONTINUE, co.LEG1)]
        arg, f = co.rrbe_arg(edps)
        comps = [(ss7.invoke(1, co.OP["requestReportBCSMEvent"], arg), f)]
        arg, f = co.continue_op()
        comps.append((ss7.invoke(2, co.OP["continue"], arg), f))
        self.f.at(t + 0.02)
        self.assoc.send(cap_msg(CAP_SCF, CAP_SSF, "continue", comps, otid=scf_tid, dtid=ssf_tid,
                                dialogue=ss7.dialogue_response(acn)))
        if outcome == "answered":
            reports = [(ring_s, ("oAnswer", co.LEG2, co.NOTIFICATION)),
                       (ring_s + talk_s, ("oDisconnect", co.LEG1, co.REQUEST, 16))]
        elif outcome == "cancel":
            reports = [(ring_s, ("oAbandon", co.LEG1, co.NOTIFICATION))]
        else:
            reports = [(ring_s, ("oCalledPartyBusy", co.LEG2, co.REQUEST, 17))]
        for invoke_id, (dt, report) in enumerate(reports, 2):
            arg, f = co.erb_arg(*report)
            self.f.at(t + dt)
            self.assoc.send(cap_msg(CAP_SSF, CAP_SCF, "continue",
                                    [(ss7.invoke(invoke_id, co.OP["eventReportBCSM"], arg), f)],
                                    otid=ssf_tid, dtid=scf_tid))
        self.f.at(t + reports[-1][0] + 0.02)
        self.assoc.send(cap_msg(CAP_SCF, CAP_SSF, "end", [], dtid=ssf_tid))
        return t

    def cap_sms(self, t, sender, recipient, imsi, cell, smsc, dcs=0x08):
        """One mobile-originated SMS of a prepaid subscriber as the MSC's gsmSSF (acting as
        SMS-SSF) reports it to the prepaid gsmSCF, one CAP v3 dialogue (TS 29.078 clause 7,
        cap3-sms-AC): Begin{initialDPSMS at sms-CollectedInfo} naming the sender's cell (cell:
        capops.cgi()), the recipient (destinationSubscriberNumber) and the service centre (smsc:
        a Node or its GT), TP-DCS dcs (0x08 UCS2); the SCF lets it through with
        End{continueSMS} 20 ms later. No MAP mo-forwardSM goes with it here. The SSF's
        transaction id comes from a counter of its own (0x17000000 + n; the CAMEL calls use
        0x16000000 + n, the MAP dialogues self.tid).

        The dialogues go over an M3UA association of their own (10.20.1.1 - 10.20.1.2, up at
        t=0, its own verification tags and TSNs): the gsmSSF-SCP link, apart from the MAP one.
        Its SCTP TSNs and stream sequence numbers follow the order of the calls: call this in
        capture-time order (a decoder drops a chunk whose TSN is behind the association's as a
        duplicate; the MAP association is a TimeOrderedAssoc for that reason)."""
        if self.sms_assoc is None:
            self.sms_assoc = Assoc(self.f.at(0.0), "10.20.1.1", "10.20.1.2")
            # Verification tags and initial TSNs of its own, not the MAP association's.
            self.sms_assoc.vtag = {"a": 0x5A5A0011, "b": 0xA5A50012}
            self.sms_assoc.tsn = {"a": 20000, "b": 60000}
            self.sms_assoc.bring_up()
        self.n_cap_sms += 1
        n = self.n_cap_sms
        ssf_tid = (0x17000000 + n).to_bytes(4, "big")
        acn = co.CAP_V3_SMS
        local = datetime.fromtimestamp(EPOCH_2026 + self.start_s + t, timezone(timedelta(hours=8)))
        arg, f = co.initial_dp_sms_arg(300, sender, recipient, imsi, CAP_VLR, CAP_SSF.gt, cell,
                                       getattr(smsc, "gt", smsc), (0x5D000000 + n).to_bytes(4, "big"),
                                       time_local=local.strftime("%Y%m%d%H%M%S"), tp_dcs=dcs)
        self.f.at(t)
        self.sms_assoc.send(cap_msg(CAP_SSF, CAP_SCF, "begin", [(ss7.invoke(1, co.OP["initialDPSMS"], arg), f)],
                                    otid=ssf_tid, dialogue=ss7.dialogue_request(acn)))
        arg, f = co.continue_sms_op()
        self.f.at(t + 0.02)
        self.sms_assoc.send(cap_msg(CAP_SCF, CAP_SSF, "end", [(ss7.invoke(1, co.OP["continueSMS"], arg), f)],
                                    dtid=ssf_tid, dialogue=ss7.dialogue_response(acn)))
        return t

    def write(self):
        if self.assoc is not None:
            self.assoc.flush()
        os.makedirs(OUT, exist_ok=True)
        path = os.path.join(OUT, self.name + ".pcap")
        n = self.f.write(path)
        labels = {
            "scenario": self.name,
            "duration_s": self.duration,
            "fraud": [{"subject": s, "rules": sorted(e["rules"]),
                       "first_ts": round(EPOCH_2026 + self.start_s + e["first_ts"], 6),
                       "what": e["what"]} for s, e in sorted(self.fraud.items())],
            "benign": [{"subject": s, "why": w} for s, w in sorted(self.benign.items())],
        }
        if self.victims:
            labels["victims"] = [{"subject": s, "rules": sorted(e["rules"]),
                                  "first_ts": round(EPOCH_2026 + self.start_s + e["first_ts"], 6),
                                  "what": e["what"]} for s, e in sorted(self.victims.items())]
        with open(os.path.join(OUT, self.name + ".labels.json"), "w") as fh:
            json.dump(labels, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        print(f"{path}: {n} frames, {os.path.getsize(path)} bytes, {len(self.fraud)} fraud / "
              f"{len(self.benign)} benign subjects")


def cell_id(tac, eci):
    """An E-UTRAN cell as P-Access-Network-Info writes it: MCC 460, MNC 00, TAC (4 hex
    digits), E-UTRAN cell identity (7 hex digits: eNodeB id and cell)."""
    return f"46000{tac:04X}{eci:07X}"


def home_cell(number):
    """A subscriber's usual cell, one of 64 of one city, from the number (no random draw, so
    the scenarios' other draws stay as they were)."""
    k = int(number) % 64
    return cell_id(0x2A00 + k // 8, 0x01A2B00 + k)


# ---- the scenarios --------------------------------------------------------------
def calls():
    """Voice fraud among 2,500 subscribers over an hour: a bulk caller, a one-ring caller,
    a sequential dialler and a blacklisted number; a call centre and a police warning line
    are the hard benign cases."""
    s = Scenario("calls", 41, 60)
    subs = s.subscribers(2500)
    s.background_calls(subs, 0.10)
    rnd = s.rnd
    # Bulk caller: 80 calls in 12 minutes, mostly unanswered or hung up quickly.
    a = "8613712340001"
    for i in range(80):
        t = 600 + i * 9
        b = rnd.choice(subs)[0]
        if rnd.random() < 0.85:
            s.call(t, a, b, "10.50.0.9", "IMS-UE/3.1", rnd.uniform(8, 20), 0, "cancel")
        else:
            s.call(t, a, b, "10.50.0.9", "IMS-UE/3.1", 4, rnd.uniform(5, 20), "answered")
    s.label_fraud(a, ["bulk_caller", "short_call_burst", "outbound_only"], 600, "bulk calling, low answer ratio")
    # Wangiri from abroad: rings 1-2.5 s, cancels, 40 distinct callees.
    w = "85512345678"
    rung = []
    for i in range(40):
        rung.append(rnd.choice(subs))
        s.call(1500 + i * 6, w, rung[-1][0], "10.60.0.5", "VoIP-GW", rnd.uniform(1.0, 2.5), 0, "cancel")
    s.label_fraud(w, ["wangiri", "high_risk_prefix"], 1500, "one-ring calls from a Cambodian number")
    # Four of them call the number back (fixed picks and times: no draw from rnd, so the
    # rest of the scenario stays as it was). The first is on the line before the number
    # is flagged (its 15th one-ring call, ~1586 s), the last long after; the premium line
    # holds two of them beyond victim_on_line's 5 minutes.
    for k, (t, talk, outcome) in enumerate([(1530, 400, "answered"), (1560, 0, "cancel"),
                                            (1700, 90, "answered"), (1800, 600, "answered")]):
        v, ip = rung[k]
        s.call(t, v, w, ip, "IMS-UE/3.1", 4, talk, outcome)
        if talk > 300:
            s.label_victim(v, ["victim_on_line"], t + 4 + 300, "called the one-ring number back, held on the line")
    # Sequential dialler: consecutive callee numbers.
    q = "8613712340002"
    for i in range(15):
        s.call(2400 + i * 20, q, f"{8613900100000 + i}", "10.50.0.10", "IMS-UE/3.1", 6, 12,
               "answered" if i % 3 == 0 else "cancel")
    s.label_fraud(q, ["sequential_dialler"], 2400, "dials a number range in order")
    # A number on the police blacklist makes three ordinary calls.
    k = "8617099990001"
    police_called = []
    for i in range(3):
        police_called.append(rnd.choice(subs))
        v = police_called[-1][0]
        s.call(3000 + i * 100, k, v, "10.50.0.11", "IMS-UE/3.1", 5, 600 if i == 0 else 60,
               "answered")  # the first victim stays on the line for 10 minutes: a deep victim
        if i == 0:  # still on the line 5 minutes after the answer (victim_on_line's min_talk)
            s.label_victim(v, ["victim_on_line"], 3000 + 5 + 300, "on the line with the blacklisted number")
    s.label_fraud(k, ["police_blacklist"], 3000, "on the police blacklist")
    # Hard case: a call centre, one number, a call every 20 s, answered and long.
    cc = "8610400800000"
    for i in range(150):
        t = 120 + i * 20
        if rnd.random() < 0.8:
            s.call(t, cc, rnd.choice(subs)[0], "10.70.0.10", "Yealink SIP-T54W", rnd.uniform(4, 12),
                   rnd.uniform(120, 480), "answered")
        else:
            s.call(t, cc, rnd.choice(subs)[0], "10.70.0.10", "Yealink SIP-T54W", rnd.uniform(15, 30), 0, "cancel")
    s.label_benign(cc, "call centre: many calls, answered and long")
    # Hard case: the whitelisted police warning line calls 60 likely victims in 10 minutes.
    for i in range(60):
        s.call(1800 + i * 10, "96110", rnd.choice(subs)[0], "10.80.0.1", "Police-Warning/2.0", 10, 0, "cancel")
    s.label_benign("96110", "whitelisted police anti-fraud warning line")
    # Call forwarding in use: a victim talked into forwarding every call (CFU) to a Cambodian
    # number; the forwarding server sends each incoming call on with History-Info (3GPP TS
    # 24.604: the diverted-to entry carries cause=302). Benign: a subscriber whose calls go to
    # his wife's mobile when he is busy (Diversion, RFC 5806).
    victim, target = subs[7][0], "85598765432"
    for i, caller in enumerate(["8695566", subs[8][0], "8695588"]):
        hi = [("History-Info", f"<sip:+{caller}@{DOMAIN}>;index=1, <sip:+{victim}@{DOMAIN}>;index=1.1"),
              ("History-Info", f"<sip:{target}@{DOMAIN};cause=302>;index=1.1.1;mp=1.1")]
        s.call(2000 + i * 400, caller, target, "10.255.0.3", "IMS-AS CDIV 2.1", 6, 90, "answered", extra=hi)
    s.label_fraud(target, ["forwarding_high_risk"], 2000, "a victim's calls forwarded to a Cambodian number")
    husband, wife = subs[9][0], "8613912345679"
    for i in range(2):
        dv = [("Diversion", f"<sip:{husband}@{DOMAIN}>;reason=user-busy;counter=1")]
        s.call(2500 + i * 300, subs[10 + i][0], wife, "10.255.0.3", "IMS-AS CDIV 2.1", 5, 60, "answered", extra=dv)
    s.label_benign(wife, "forwarding on busy to a family member")
    # Hard case: a company's sales line (one number for the whole team, from its IP-PBX
    # trunk) calls 28 customers in 10 minutes; 45 % answer. The operator's proxy challenges
    # every INVITE (407; the PBX resends it with credentials) and the MMTel AS, a B2BUA,
    # carries each call on in a dialog of its own. Counted per dialog and per INVITE, the
    # line made 84 attempts with a third answered, and bulk_caller flagged it.
    sales = "8657188800000"
    for i in range(28):
        t = 2700 + i * 21 + rnd.uniform(0, 5)
        if rnd.random() < 0.45:
            s.call(t, sales, subs[100 + i][0], "10.70.0.20", "FPBX-16.0", rnd.uniform(5, 15),
                   rnd.uniform(60, 300), "answered", challenge=True, b2bua_ip="10.255.0.5")
        else:
            s.call(t, sales, subs[100 + i][0], "10.70.0.20", "FPBX-16.0", rnd.uniform(15, 25), 0, "cancel",
                   challenge=True, b2bua_ip="10.255.0.5")
    s.label_benign(sales, "a sales line behind an IP-PBX: every call challenged and carried on by a B2BUA")
    # Calls from abroad presenting a Chinese number: an overseas fraud centre dials through
    # the international SBC (INTL_SBC, named in lists/international_gateways.txt) under a real
    # subscriber's number, who keeps calling from home as ever. Hard cases through the same
    # SBC: a UK caller, and our subscriber roaming in Thailand calling home (the HLR's
    # insertSubscriberData for it went to the Thai VLR an hour before).
    intl_sbc = "192.0.2.10"
    spoofed = subs[20][0]
    for i in range(12):
        if rnd.random() < 0.35:
            s.call(3200 + i * 25, spoofed, rnd.choice(subs)[0], intl_sbc, "Sonus SBC 9.2", rnd.uniform(4, 10),
                   rnd.uniform(120, 420), "answered")
        else:
            s.call(3200 + i * 25, spoofed, rnd.choice(subs)[0], intl_sbc, "Sonus SBC 9.2", rnd.uniform(8, 20), 0,
                   "cancel")
    s.label_fraud(spoofed, ["spoofed_domestic_cli"], 3200, "calls from abroad under a subscriber's number")
    roamer, roamer_imsi = subs[21][0], "460001234500021"
    s.ss7_up()
    hlr = Node("HLR", 2302, "8613800000001", ss7.SSN_HLR, "b")
    th_vlr = Node("VLR-TH", 3501, "66810000001", ss7.SSN_VLR, "a")
    s.dialogue(2400, hlr, th_vlr, "insertSubscriberData", mo.insert_subscriber_data_arg(roamer_imsi, roamer))
    for i in range(3):
        s.call(3300 + i * 200, roamer, rnd.choice(subs)[0], intl_sbc, "Sonus SBC 9.2", 6, 180, "answered")
    s.label_benign(roamer, "our subscriber roaming in Thailand calls home through the international SBC")
    uk = "447700900123"
    for i in range(4):
        s.call(3250 + i * 60, uk, rnd.choice(subs)[0], intl_sbc, "Sonus SBC 9.2", 7, 90, "answered")
    s.label_benign(uk, "a UK caller through the international SBC")
    # The blacklisted number's second callee calls it back as dialled on the phone, in
    # national form (17099990001, no 86): a victim that called back (settings.national_forms).
    v, ip = police_called[1]
    s.call(3500, v, k[2:], ip, "IMS-UE/3.1", 4, 45, "answered")
    # A fifth callee of the one-ring number calls it back as a phone in China dials it, with
    # the international call prefix (0085512345678): a victim that called back too.
    v, ip = rung[4]
    s.call(1900, v, "00" + w, ip, "IMS-UE/3.1", 4, 30, "answered")
    s.write()


def simbox():
    """A GoIP gateway with 16 SIM cards behind one IP, a slow SIM box that uses 3 new numbers
    per 10 minutes (under the per-window threshold) for an hour, a VoLTE SIM box of one IMEI
    family, a VoLTE multi-card box seen by its cell, and a 2G multi-card box of 10 prepaid cards
    on one GSM cell, whose circuit-switched calls the probe sees through CAMEL (InitialDP names
    the cell). Benign: a call centre, a company's phones of one IMEI family, an IP-PBX trunk, a
    railway station's and an office's VoLTE cells, and a bus station's GSM cell (60 travellers'
    prepaid cards, one or two calls each). The CS part comes last, after every draw of the SIP
    part, and brings up the SIGTRAN association (its frames at t=0 sort after the SIP ones)."""
    s = Scenario("simbox", 42, 60)
    subs = s.subscribers(2000)
    s.background_calls(subs, 0.06)
    rnd = s.rnd
    sims = [f"86136{rnd.randrange(10**8):08d}" for _ in range(16)]
    for i in range(120):
        t = 300 + i * 10
        out = "answered" if rnd.random() < 0.5 else "cancel"
        s.call(t, sims[i % 16], rnd.choice(subs)[0], "203.0.113.7", "DBL GoIP GST1610 1.01", rnd.uniform(4, 10),
               rnd.uniform(20, 120), out)
    s.label_fraud("203.0.113.7", ["simbox_ip", "gateway_ua"], 300, "GoIP gateway, 16 SIM cards")
    slow = [f"86135{rnd.randrange(10**8):08d}" for _ in range(18)]
    for w in range(6):
        for k in range(3):
            num = slow[w * 3 + k]
            for c in range(2):
                t = 60 + w * 600 + k * 150 + c * 60
                s.call(t, num, rnd.choice(subs)[0], "198.51.100.23", "Asterisk PBX 18.2", rnd.uniform(4, 9),
                       rnd.uniform(30, 90), "answered")
    s.label_fraud("198.51.100.23", ["simbox_slow"], 60, "slow SIM box: 3 numbers per window, for an hour")
    cc = "8610400800001"
    for i in range(100):
        s.call(200 + i * 30, cc, rnd.choice(subs)[0], "10.70.0.11", "Yealink SIP-T54W", 6, rnd.uniform(60, 300),
               "answered")
    s.label_benign(cc, "call centre: one number behind one IP, long answered calls")
    s.label_benign("10.70.0.11", "call centre IP")
    # A VoLTE SIM box: 4 LTE modules of one batch (one IMEI family: TAC + the first 4 serial
    # digits) rotate 3 SIM cards each; every SIM attach gets its own UE address, and the modules
    # announce an ordinary UE User-Agent. Per IP and per User-Agent it is invisible; only the
    # IMEI family ties the 12 numbers together.
    family = "864512034417"
    for m in range(4):
        urn = imei_urn(family + f"{m * 17 + 3:02d}")
        for k in range(3):
            num = f"86134{rnd.randrange(10**8):08d}"
            ip = f"10.200.{7 + m}.{20 + k}"
            for c in range(2):
                t = 400 + m * 90 + k * 700 + c * 200
                s.call(t, num, rnd.choice(subs)[0], ip, "IMS-UE/3.1", rnd.uniform(5, 12), rnd.uniform(30, 150),
                       "answered", instance=urn)
    s.label_fraud(family, ["simbox_imei_family"], 400, "VoLTE SIM box: 4 modules of one IMEI family, 12 SIMs")
    # A company's fleet: 10 phones bought in one batch (one IMEI family, serials close together),
    # each with its own number and address, 3 ordinary answered calls each in the hour. The family
    # shows as many numbers as the SIM box's, but one IMEI per number: benign.
    fleet = "863077041288"
    for k in range(10):
        urn = imei_urn(fleet + f"{k * 3 + 1:02d}")
        num = f"86137{rnd.randrange(10**8):08d}"
        ip = f"10.90.0.{30 + k}"
        for c in range(3):
            s.call(120 + k * 130 + c * 950, num, rnd.choice(subs)[0], ip, "IMS-UE/3.1", rnd.uniform(3, 12),
                   rnd.uniform(40, 240), "answered", instance=urn)
        s.label_benign(num, "company phone: one number, ordinary calls")
    s.label_benign(fleet, "company fleet: 10 phones of one IMEI family, one number each")
    # An enterprise IP-PBX on a SIP trunk: 20 fixed-line DIDs of one block behind one address,
    # 90 ordinary answered calls in the hour (~11 distinct DIDs in any 10 minutes): as many
    # numbers behind one IP as a GoIP, but fixed-line ones.
    pbx, dids = "10.80.0.5", [f"861058886{k:03d}" for k in range(20)]
    for i in range(90):
        s.call(30 + i * 39 + rnd.uniform(0, 10), rnd.choice(dids), rnd.choice(subs)[0], pbx, "FPBX-16.0.33(18.15.0)",
               rnd.uniform(3, 12), rnd.uniform(30, 240) if i < 85 else rnd.uniform(10, 20), "answered")
    s.label_benign(pbx, "enterprise IP-PBX trunk: 20 fixed-line DIDs, ordinary answered calls")
    # A multi-card box (多卡宝) of 12 VoLTE modules in a rented flat: one SIM each, every module
    # writing an IMEI of its own (different TACs: no IMEI family), its own UE address. The
    # cards never move and each dials again and again, few answered: only the cell ties them.
    box_cell = cell_id(0x2B17, 0x0C3D402)
    cards = [f"86139{rnd.randrange(10**8):08d}" for _ in range(12)]
    dial_rounds(s, subs, box_cell, cards, 6, (900, 420, 31, 8), 0.2, (6, 14), (15, 60),
                lambda k: f"10.201.{40 + k}.9", lambda k: f"{35 + k % 5}{rnd.randrange(10**12):012d}")
    s.label_fraud(box_cell, ["simbox_cell"], 900, "multi-card box: 12 VoLTE modules with spoofed IMEIs on one cell")
    # A railway station's cell: 70 travellers calling once or twice (home, a taxi, the hotel),
    # mostly answered: more numbers on one cell than the box, few calls each.
    station = cell_id(0x2B20, 0x0D11001)
    travellers = [f"86158{rnd.randrange(10**8):08d}" for _ in range(70)]
    for k, num in enumerate(travellers):
        for c in range(1 if k % 3 else 2):
            t = 60 + k * 48 + c * 600 + rnd.uniform(0, 30)
            out = "answered" if rnd.random() < 0.75 else "cancel"
            s.call(t, num, rnd.choice(subs)[0], f"10.202.{k // 200}.{1 + k % 200}", "IMS-UE/3.1",
                   rnd.uniform(3, 12), rnd.uniform(20, 200), out, cell=station)
    s.label_benign(station, "railway station cell: many travellers, one or two calls each")
    # An estate agency's 12 agents on their own mobiles in one office, calling clients all
    # afternoon: as many calls per number as the box, but answered and long.
    office = cell_id(0x2B21, 0x0E20A07)
    agents = [f"86137{rnd.randrange(10**8):08d}" for _ in range(12)]
    dial_rounds(s, subs, office, agents, 6, (300, 500, 45, 20), 0.85, (4, 12), (60, 300),
                lambda k: f"10.203.0.{10 + k}")
    s.label_benign(office, "estate agency office cell: 12 agents calling clients, answered and long")
    # A 2G multi-card box (猫池) of 10 GSM modules with prepaid cards: circuit-switched calls,
    # no SIP; every call of a prepaid card goes to the SCP, and CAMEL's InitialDP names the
    # caller's cell (the CGI of locationInformation). Virtual-operator 170/171 cards, outside
    # the 1700/1710 blocks of the high-risk list (the first of the 8 digits is never 0). Each
    # card dials 6 times in the hour, ~20 % answered and briefly, mostly hung up after ringing:
    # about 6 calls per card, too few for any per-caller rule; only the cell ties them.
    gsm_box = co.cgi("460", "00", 0x5A21, 0x3E07)
    cs_cards = [(f"8617{k % 2}{rnd.randrange(10**7, 10**8)}", f"46000{rnd.randrange(10**10):010d}")
                for k in range(10)]
    first = None
    for r in range(6):
        for k, (num, imsi) in enumerate(cs_cards):
            t = 700 + r * 450 + k * 37 + rnd.uniform(0, 10)
            u = rnd.random()
            out = "answered" if u < 0.2 else "busy" if u < 0.3 else "cancel"
            ring = rnd.uniform(6, 14) if out != "busy" else 2.0
            s.cap_call(t, num, rnd.choice(subs)[0], imsi, gsm_box, ring, rnd.uniform(15, 60), out)
            first = t if first is None else min(first, t)
    s.label_fraud(gsm_box[1], ["simbox_cell"], first,
                  "2G multi-card box: 10 prepaid cards on one GSM cell, seen through CAMEL InitialDP")
    # A long-distance bus station's GSM cell: 60 travellers' prepaid cards calling once or twice
    # (home, whoever meets them), mostly answered: more numbers than the box, few calls each.
    bus = co.cgi("460", "00", 0x5A30, 0x1B02)
    for k in range(60):
        num = f"86{('13', '15', '18', '19')[k % 4]}{rnd.randrange(10**9):09d}"
        imsi = f"46000{rnd.randrange(10**10):010d}"
        for c in range(2 if k % 3 == 0 else 1):
            t = 60 + k * 50 + c * 400 + rnd.uniform(0, 30)
            out = "answered" if rnd.random() < 0.75 else "cancel"
            s.cap_call(t, num, rnd.choice(subs)[0], imsi, bus, rnd.uniform(3, 12), rnd.uniform(20, 200), out)
    s.label_benign(bus[1], "long-distance bus station cell: 60 travellers' prepaid cards, one or two calls each")
    s.write()


def dial_rounds(s, subs, cell, numbers, rounds, timing, p_answer, ring, talk, ip_of, imei_of=None):
    """VoLTE calls from one cell: each of numbers dials once per round, round r number k at
    t0 + r * gap + k * step + up to jitter s (timing = (t0, gap, step, jitter)), answered with
    p_answer, else cancelled; ring and talk are (low, high) seconds. ip_of(k) is number k's UE
    address, imei_of(k) (optional) the 14 digits of the IMEI its terminal writes on this call."""
    rnd = s.rnd
    t0, gap, step, jitter = timing
    for r in range(rounds):
        for k, num in enumerate(numbers):
            t = t0 + r * gap + k * step + rnd.uniform(0, jitter)
            out = "answered" if rnd.random() < p_answer else "cancel"
            urn = imei_urn(imei_of(k)) if imei_of else None
            s.call(t, num, rnd.choice(subs)[0], ip_of(k), "IMS-UE/3.1", rnd.uniform(*ring), rnd.uniform(*talk), out,
                   instance=urn, cell=cell)


def imei_urn(imei14):
    """urn:gsma:imei (RFC 7254) for a 14-digit TAC+SNR, with its Luhn check digit."""
    total = 0
    for i, ch in enumerate(imei14):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    check = (10 - total % 10) % 10
    return f"urn:gsma:imei:{imei14[:8]}-{imei14[8:14]}-{check}"


def sip_attack():
    """A friendly-scanner sweep, a sipcli password guesser and an INVITE flood against the
    proxy, over 15 minutes of ordinary traffic with re-registrations."""
    s = Scenario("sip_attack", 43, 15)
    subs = s.subscribers(800)
    s.background_calls(subs, 0.08)
    rnd = s.rnd
    # Ordinary re-registration: 401 challenge then 200 (digest), for 200 subscribers.
    for i, (num, ip) in enumerate(subs[:200]):
        t = rnd.uniform(5, 880)
        s.request(t, ip, "REGISTER", num, "IMS-UE/3.1", 401, 1)
        s.request(t + 0.2, ip, "REGISTER", num, "IMS-UE/3.1", 200, 2)
    s.label_benign(subs[0][1], "subscriber re-registering with a digest challenge")
    scanner = "45.134.26.8"
    for i in range(300):
        s.request(120 + i * 0.05, scanner, "OPTIONS", str(100 + i), "friendly-scanner", 404)
    s.label_fraud(scanner, ["sip_scanner_ua", "sip_scan"], 120, "sipvicious sweep of extensions 100-399")
    brute = "185.53.88.4"
    for i in range(60):
        s.request(300 + i * 2, brute, "REGISTER", "1001", "sipcli/v1.8", 401, i + 1)
    s.label_fraud(brute, ["sip_bruteforce", "sip_scanner_ua"], 300, "password guessing on extension 1001")
    flood = "91.200.12.77"
    for i in range(250):
        s.request(600 + i * 0.02, flood, "INVITE", f"86138{rnd.randrange(10**8):08d}", "VoIP-Flood", 0)
    s.label_fraud(flood, ["invite_flood", "sip_scan"], 600, "INVITE flood, 250 in 5 s")
    s.write()


def ss7_sms():
    """MAP over M3UA: FS.11 category 1/2/3 attacks, a location-query burst, SIM cards roaming
    together into a high-risk VLR, scam and bulk SMS, a black-listed terminal; benign SMS
    (verification codes, a parents' group text), ordinary roamers and a Hong Kong commuter.
    CAMEL SMS (CAP v3 initialDPSMS, no MAP): a 2G SIM box's prepaid card sending one scam SMS
    to 400 subscribers in 10 minutes (sms_flood_sender), and a prepaid subscriber's 15 SMS in
    the hour to 4 friends (benign)."""
    s = Scenario("ss7_sms", 44, 60)
    rnd = s.rnd
    s.ss7_up()
    vlr = Node("VLR", 1201, "8613900000010", ss7.SSN_VLR, "a")
    msc = Node("MSC", 1201, "8613900000011", ss7.SSN_MSC, "a")
    smsc = Node("SMSC", 1202, "8613800500000", ss7.SSN_MSC, "b")
    hlr = Node("HLR", 2302, "8613800000001", ss7.SSN_HLR, "b")
    eir = Node("EIR", 2303, "8613800000009", ss7.SSN_EIR, "b")
    subs = [(f"86138{rnd.randrange(10**8):08d}", f"46000{rnd.randrange(10**10):010d}") for _ in range(1500)]
    # Background: home location updates and SMS between subscribers.
    for msisdn, imsi in subs[:400]:
        s.dialogue(rnd.uniform(1, 3500), vlr, hlr, "updateLocation", mo.update_location_arg(imsi, msc.gt, vlr.gt),
                   mo.update_location_res(hlr.gt))
    texts = ["晚上一起吃饭吗？", "到家了，放心", "Meeting moved to 3pm", "明天早上8点出发", "OK, see you soon",
             "妈，周末回家", "Please send me the report", "收到，谢谢"]
    t = 2.0
    while t < 3550:
        a, imsi = rnd.choice(subs)
        s.mo_sms(t, msc, smsc, a, rnd.choice(subs)[0], rnd.choice(texts), imsi)
        t += rnd.expovariate(0.06)
    # Verification codes from an industry port: one keyword family only (benign).
    for i in range(25):
        s.mo_sms(100 + i * 130, msc, smsc, "1069000012345", rnd.choice(subs)[0],
                 f"您的验证码是{rnd.randrange(10**6):06d}，5分钟内有效，请勿泄露。")
    s.label_benign("1069000012345", "verification codes: one keyword family, varying text")
    # A parents' group text to 30 recipients: same text, under the bulk threshold (benign).
    for i in range(30):
        s.mo_sms(900 + i * 3, msc, smsc, "8613812345678", rnd.choice(subs)[0], "明天下午三点家长会，请准时到校。")
    s.label_benign("8613812345678", "teacher texting 30 parents the same notice")
    # Ordinary roamers: seen at home first (SMS to them), then a location update abroad.
    sg_vlr = Node("VLR-SG", 3101, "6591000001", ss7.SSN_VLR, "a")
    for i, (msisdn, imsi) in enumerate(subs[400:405]):
        tpdu = sms.sms_deliver(oa_digits="8613800138000", text="Have a good trip", dcs=0)
        s.dialogue(500 + i * 60, smsc, msc, "mt-forwardSM", mo.mt_forward_sm_arg(imsi, smsc.gt, tpdu))
        s.dialogue(9000 / 4 + i * 60, sg_vlr, hlr, "updateLocation",
                   mo.update_location_arg(imsi, sg_vlr.gt, sg_vlr.gt), mo.update_location_res(hlr.gt))
        s.label_benign(imsi, "subscriber roaming to Singapore after being seen at home")
    # FS.11 category 1: anyTimeInterrogation from a foreign GT.
    spy = Node("spy", 4001, "23450000001", 147, "a")
    for i in range(5):
        s.dialogue(700 + i * 40, spy, hlr, "anyTimeInterrogation", mo.ati_arg(rnd.choice(subs)[0], spy.gt))
    s.label_fraud(spy.gt, ["ss7_cat1"], 700, "anyTimeInterrogation from a UK GT")
    # Category 2: provideSubscriberInfo at our subscriber from a foreign GT.
    psi = Node("psi", 4002, "4477000001", ss7.SSN_VLR, "a")
    s.dialogue(1100, psi, vlr, "provideSubscriberInfo", mo.psi_arg(subs[10][1]))
    s.label_fraud(psi.gt, ["ss7_cat2"], 1100, "provideSubscriberInfo aimed at our subscriber")
    # Location-query burst: 60 SRI-for-SM in a minute from a foreign GT.
    lb = Node("tracker", 4003, "26201000099", ss7.SSN_MSC, "a")
    for i in range(60):
        s.dialogue(1300 + i, lb, hlr, "sendRoutingInfoForSM", mo.sri_for_sm_arg(subs[20 + i][0], lb.gt))
    s.label_fraud(lb.gt, ["location_query_burst"], 1300, "60 SRI-for-SM in a minute")
    # Seven fresh cards roam into one Cambodian VLR within 20 minutes.
    kh = Node("VLR-KH", 3201, "85512000001", ss7.SSN_VLR, "a")
    for i in range(7):
        imsi = f"46000{9900000000 + i}"
        t = 1600 + i * 170
        s.dialogue(t, kh, hlr, "updateLocation", mo.update_location_arg(imsi, kh.gt, kh.gt),
                   mo.update_location_res(hlr.gt))
        s.label_fraud(imsi, ["roaming_high_risk", "roam_in_first_power_on"], t, "fresh card roaming into Cambodia")
    s.label_fraud(kh.gt, ["roaming_cluster"], 1600, "seven cards roam into one high-risk VLR")
    # Category 3: home, then a UK VLR 20 minutes later.
    uk = Node("VLR-UK", 3301, "4479000001", ss7.SSN_VLR, "a")
    jump = subs[30][1]
    s.dialogue(2000, vlr, hlr, "updateLocation", mo.update_location_arg(jump, msc.gt, vlr.gt),
               mo.update_location_res(hlr.gt))
    s.dialogue(3200, uk, hlr, "updateLocation", mo.update_location_arg(jump, uk.gt, uk.gt),
               mo.update_location_res(hlr.gt))
    s.label_fraud(jump, ["ss7_cat3"], 3200, "Beijing to London in 20 minutes")
    # Scam scripts, a phishing link, bulk text.
    scam = "8613711112222"
    scripts = ["【抖音客服】您的直播会员将按月扣费，如需取消请联系客服办理退款。",
               "医保局通知：您的医保卡已停用，需配合资产核查，请点击链接并开启屏幕共享。",
               "您好，您购买的航班已取消，我司将为您办理退改签并补偿300元，请致电客服１３８－２３４５－６７８９。"]
    for i, text in enumerate(scripts):
        s.mo_sms(2200 + i * 200, msc, smsc, scam, rnd.choice(subs)[0], text)
    s.label_fraud(scam, ["scam_keywords"], 2200, "scam scripts")
    s.label_fraud("8613823456789", ["scam_keywords"], 2600, "the callback number a scam script gives (full width)")
    phish = "8613711113333"
    s.mo_sms(2500, msc, smsc, phish, rnd.choice(subs)[0], "Your parcel is held: https://yibao-check.com/p7 pay 2 yuan")
    s.label_fraud(phish, ["fraud_url"], 2500, "phishing link")
    bulk = "8613711114444"
    for i in range(60):
        s.mo_sms(2700 + i * 8, msc, smsc, bulk, subs[100 + i][0], "低息无抵押贷款，当天放款，详询微信 hb888")
    s.label_fraud(bulk, ["bulk_same_text", "sms_flood_sender"], 2700, "the same ad to 60 people")
    # A black-listed terminal checks in at the EIR.
    imei = "356938031234567"
    s.dialogue(3300, msc, eir, "checkIMEI", mo.check_imei_arg_v2(imei), mo.check_imei_res_v2())
    s.label_fraud(imei, ["black_terminal"], 3300, "SIM-box module TAC")
    # A Shenzhen commuter crosses into Hong Kong and back: a VLR of another country code
    # 20 minutes after the last one, twice, as category 3 would read it; benign, the border is
    # minutes away (the default rules list 86, 852 and 853 as neighbours).
    hk = Node("VLR-HK", 3401, "85291000001", ss7.SSN_VLR, "a")
    commuter = subs[40][1]
    for t, node, gt in ((1900, vlr, msc.gt), (3100, hk, hk.gt), (3500, vlr, msc.gt)):
        s.dialogue(t, node, hlr, "updateLocation", mo.update_location_arg(commuter, gt, node.gt),
                   mo.update_location_res(hlr.gt))
    s.label_benign(commuter, "commuter between Shenzhen and Hong Kong, 20 and 7 minutes apart")
    # Call forwarding. A victim talked into "dial **21*number#" forwards every call to a number
    # on the police list (the bank's and the police's call-backs then reach the scam); another
    # forwards to a Cambodian number when unreachable. Benign: forwarding to a relative's
    # mobile, and the HLR provisioning a forwarding to our voicemail in a location update.
    def register_ss(t, imsi, code, to):
        s.dialogue(t, vlr, hlr, "registerSS", mo.register_ss_arg(code, to), mo.register_ss_res(code, to),
                   subscriber_imsi=imsi)
    register_ss(1250, subs[50][1], mo.SS_CFU, "8617099990002")
    s.label_fraud("8617099990002", ["police_blacklist"], 1250, "call forwarding to a number on the police list")
    register_ss(2900, subs[51][1], mo.SS_CFNRC, "85561234567")
    s.label_fraud("85561234567", ["forwarding_high_risk"], 2900, "call forwarding to Cambodia")
    register_ss(1700, subs[52][1], mo.SS_CFNRY, "8613912345678")
    s.label_benign("8613912345678", "forwarding to a relative's mobile")
    msisdn, imsi = subs[53]
    s.dialogue(2400, hlr, vlr, "insertSubscriberData",
               mo.insert_subscriber_data_arg(imsi, msisdn, (mo.SS_CFB, "8613800138000")), mo.empty_res())
    s.label_benign("8613800138000", "forwarding on busy to our voicemail")
    # CAMEL SMS (appended last: the draws above stay as they were). A prepaid card
    # in a 2G SIM box sends one scam text to 400 distinct subscribers in about 10 minutes; the
    # network sees each SMS only as the MSC's initialDPSMS to the prepaid SCP (no MAP
    # mo-forwardSM here, so no text: only the count of SMS per sender can tell). A virtual-
    # operator 170 number outside the listed 1700/1710 blocks. The CAMEL SMS run over the
    # gsmSSF's own association (see cap_sms), emitted in capture-time order at the end.
    box_cell = co.cgi("460", "00", 0x5B12, 0x2C31)
    card, card_imsi = "8617052867314", "460007318204569"
    victims = rnd.sample(subs, 400)
    flood = [1800 + i * 1.5 + rnd.uniform(0, 1.0) for i in range(len(victims))]
    camel_sms = [(t, card, msisdn, card_imsi, box_cell) for t, (msisdn, _) in zip(flood, victims)]
    s.label_fraud(card, ["sms_flood_sender"], flood[0],
                  "prepaid card in a 2G SIM box: one scam SMS to 400 subscribers in 10 minutes, seen only "
                  "through CAMEL initialDPSMS")
    # A prepaid subscriber texting a few friends through the hour, also seen through CAMEL: 15 SMS.
    chatty, chatty_imsi = "8615912347788", "460002208157734"
    friends = [m for m, _ in rnd.sample(subs, 4)]
    home = co.cgi("460", "00", 0x2A10, 0x0B17)
    for t in sorted(rnd.uniform(60, 3540) for _ in range(15)):
        camel_sms.append((t, chatty, rnd.choice(friends), chatty_imsi, home))
    s.label_benign(chatty, "prepaid subscriber: 15 SMS in the hour to 4 friends, through CAMEL")
    for t, sender, recipient, imsi, cell in sorted(camel_sms):  # capture-time order: see cap_sms
        s.cap_sms(t, sender, recipient, imsi, cell, smsc)
    # A victim of the scam text texts its callback number back, as dialled on the phone
    # (national, type of number unknown): a victim of that number (called_in).
    s.mo_sms(2900, msc, smsc, subs[61][0], "13823456789", "你好，请问退改签怎么办理？", subs[61][1], da_ton=0)
    # Another texted it before any scam text on the link gave it away (the number came from a
    # fake web page): a victim from before its flag (called_in), in the callback alert too.
    s.mo_sms(2450, msc, smsc, subs[62][0], "13823456789", "在吗？看到请回电", subs[62][1], da_ton=0)
    s.write()


def night():
    """01:00-02:00 in China (UTC+8), 2,000 subscribers mostly asleep: a dialler working through
    a list after midnight, under every day-time threshold (night_dialler counts 00:00-06:00
    with its own, lower ones); a taxi dispatcher calling drivers (answered, long) and a man
    calling his family after an accident (a few numbers, unanswered) are the benign cases."""
    s = Scenario("night", 45, 60, start_s=17 * 3600)
    subs = s.subscribers(2000)
    s.background_calls(subs, 0.02)
    rnd = s.rnd
    # The dialler: 16 calls to distinct subscribers in 40 minutes, 3 answered briefly.
    d = "8613712340003"
    for i in range(16):
        t = 900 + i * 150 + rnd.uniform(0, 40)
        b = rnd.choice(subs)[0]
        if i % 5 == 2:
            s.call(t, d, b, "10.50.0.12", "IMS-UE/3.1", rnd.uniform(5, 10), rnd.uniform(8, 25), "answered")
        else:
            s.call(t, d, b, "10.50.0.12", "IMS-UE/3.1", rnd.uniform(15, 30), 0, "cancel")
    s.label_fraud(d, ["night_dialler"], 900, "16 mostly unanswered calls to strangers after 01:00")
    # A taxi dispatcher: 30 calls to drivers, answered, a minute or two each.
    taxi = "8602888800000"
    drivers = [rnd.choice(subs)[0] for _ in range(20)]
    for i in range(30):
        s.call(300 + i * 100, taxi, rnd.choice(drivers), "10.70.0.20", "Yealink SIP-T46U", rnd.uniform(3, 8),
               rnd.uniform(40, 150), "answered")
    s.label_benign(taxi, "taxi dispatcher: night calls to its drivers, answered")
    # After an accident: 9 calls to 4 relatives in 20 minutes, most unanswered (asleep).
    man = "8613812340099"
    family = [rnd.choice(subs)[0] for _ in range(4)]
    for i in range(9):
        answered = i == 8
        s.call(2000 + i * 130, man, family[i % 4], "10.3.0.77", "IMS-UE/3.1", rnd.uniform(20, 30),
               300 if answered else 0, "answered" if answered else "cancel")
    s.label_benign(man, "calling his family at night after an accident")
    s.write()


SCENARIOS = [calls, simbox, sip_attack, ss7_sms, night]

if __name__ == "__main__":
    only = sys.argv[1:]
    for fn in SCENARIOS:
        if not only or fn.__name__ in only:
            fn()
