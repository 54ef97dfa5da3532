#!/usr/bin/python3
"""Writes tests/fuzz/pipeline/seeds/: inputs for the pipeline fuzz target (the
record format of tests/fuzz/l2l4/l2l4_fuzz_entry.hpp: selector, 16-bit length,
bytes) that the L2-L4 seeds, each a capture of pcaps/ alone, do not give: a
number that rings a subscriber once and is called back, the call that makes
the callee a victim that called back, and that keeps it on the line; a
sequential dialler and an IMEI family of two numbers behind one address in
two windows; a subscriber whose
location jumps abroad in minutes.

The selector's low nibble is the link (0: Ethernet); its high nibble moves
capture time on by that many times 97 s before the packet."""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from genlib.capture import Capture  # noqa: E402
from genlib.captures_sip import PROXY, UE, _call_dialog, _udp, DOMAIN  # noqa: E402
from genlib import mapops as mo, ss7  # noqa: E402
from genlib.captures_ss7 import HLR, IMSI, SG_A, SG_B, VLR, _dialogue, tid  # noqa: E402
from genlib.sigtran import Assoc, Node  # noqa: E402
from genlib.sip import Dialog, sdp  # noqa: E402


def one_ring_then_callback():
    """8613800138000 rings 8613900139000 once (INVITE, 180, CANCEL, 200, 487, ACK); minutes
    later 8613900139000 calls it back, is answered, and talks (BYE after another wait)."""
    cap = Capture()
    a, b = "8613800138000", "8613900139000"
    ring = _call_dialog("seed-ring@10.10.1.5", a, b, "r1ng")
    ruri_b = f"sip:{b}@{DOMAIN}"
    steps = [
        (0, UE, PROXY, ring.request("INVITE", ruri_b, b, 1, sdp(UE[0], 40000), "application/sdp")),
        (0, PROXY, UE, ring.response(180, "Ringing", "INVITE", 1, to_tag="t1")),
        (0, UE, PROXY, ring.request("CANCEL", ruri_b, b, 1)),
        (0, PROXY, UE, ring.response(200, "OK", "CANCEL", 1, to_tag="t1")),
        (0, PROXY, UE, ring.response(487, "Request Terminated", "INVITE", 1, to_tag="t1")),
        (0, UE, PROXY, ring.request("ACK", ruri_b, b, 1, to_tag="t1")),
    ]
    back = _call_dialog("seed-back@10.10.1.6", b, a, "b4ck")
    ruri_a = f"sip:{a}@{DOMAIN}"
    steps += [
        (2, UE, PROXY, back.request("INVITE", ruri_a, a, 1, sdp(UE[0], 40002), "application/sdp")),
        (0, PROXY, UE, back.response(180, "Ringing", "INVITE", 1, to_tag="t2")),
        (0, PROXY, UE, back.response(200, "OK", "INVITE", 1, to_tag="t2", body=sdp(PROXY[0], 30002),
                                     ctype="application/sdp")),
        (0, UE, PROXY, back.request("ACK", ruri_a, a, 1, to_tag="t2")),
        (4, UE, PROXY, back.request("BYE", ruri_a, a, 2, to_tag="t2")),
        (0, PROXY, UE, back.response(200, "OK", "BYE", 2, to_tag="t2")),
    ]
    out = bytearray()
    ip = 100
    for wait, src, dst, (msg, fields) in steps:
        ip += 1
        frame = _udp(cap, src, dst, msg, fields, ip)
        data = cap.writer.frames[frame - 1][1]
        out += bytes([wait << 4]) + struct.pack(">H", len(data)) + data
    return bytes(out)


def records(cap, waits):
    """Every frame of cap as a record on Ethernet, frame n (1-based) after waits.get(n, 0)."""
    out = bytearray()
    for n, (_, data) in enumerate(cap.writer.frames, 1):
        out += bytes([waits.get(n, 0) << 4]) + struct.pack(">H", len(data)) + data
    return bytes(out)


def dialler_and_imei_family():
    """A caller dialling three numbers in a row (sequential callees), and, 11 minutes later from
    the same address (another window), two callers whose terminals name IMEIs of one family (TAC
    + 4 serial digits) in Contact +sip.instance."""
    cap = Capture()
    ip = 200
    calls = [("seq-%d@10.10.1.5" % k, "8613800138020", "86139001390%02d" % k, None) for k in (1, 2, 3)]
    calls += [("fam-%d@10.10.1.5" % k, "86138001381%02d" % k, "8613900139050",
               "urn:gsma:imei:35693803-5643%02d-0" % k) for k in (1, 2)]
    for call_id, a, b, imei in calls:
        d = Dialog(call_id, f"sip:+{a}@{DOMAIN}", a, f"sip:{b}@{DOMAIN}", b, "t" + call_id[:5], UE, PROXY,
                   ua="Zoiper rv2.10.19.5", instance=imei)
        ip += 1
        _udp(cap, UE, PROXY, *d.request("INVITE", f"sip:{b}@{DOMAIN}", b, 1, sdp(UE[0], 40000), "application/sdp"),
             ip)
    return records(cap, {4: 7})


def location_jump():
    """A subscriber's updateLocation from a VLR at home, then, minutes later, from one in the UK."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    _dialogue(assoc, VLR, HLR, "updateLocation", mo.update_location_arg(IMSI, VLR.gt, VLR.gt),
              mo.update_location_res(HLR.gt), tid(0x31000001))
    jump = cap.writer.next_frame
    far = Node("VLR-UK", 3701, "447700900010", ss7.SSN_VLR, "a")
    _dialogue(assoc, far, HLR, "updateLocation", mo.update_location_arg(IMSI, far.gt, far.gt),
              mo.update_location_res(HLR.gt), tid(0x31000002))
    return records(cap, {jump: 3})


SEEDS = [("one_ring_then_callback.bin", one_ring_then_callback),
         ("dialler_and_imei_family.bin", dialler_and_imei_family),
         ("location_jump.bin", location_jump)]


def main():
    seeds = os.path.join(ROOT, "tests", "fuzz", "pipeline", "seeds")
    os.makedirs(seeds, exist_ok=True)
    for name, build in SEEDS:
        with open(os.path.join(seeds, name), "wb") as f:
            f.write(build())
    print(f"wrote {len(SEEDS)} seeds to {seeds}", file=sys.stderr)


if __name__ == "__main__":
    main()
