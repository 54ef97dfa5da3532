#!/usr/bin/python3
"""Writes tests/fuzz/pipeline/seeds/: inputs for the pipeline fuzz target (the
record format of tests/fuzz/l2l4/l2l4_fuzz_entry.hpp: selector, 16-bit length,
bytes) that the L2-L4 seeds, each a capture of pcaps/ alone, do not give: a
number that rings a subscriber once and is called back, the call that makes
the callee a victim that called back, and that keeps it on the line.

The selector's low nibble is the link (0: Ethernet); its high nibble moves
capture time on by that many times 97 s before the packet."""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from genlib.capture import Capture  # noqa: E402
from genlib.captures_sip import PROXY, UE, _call_dialog, _udp, DOMAIN  # noqa: E402
from genlib.sip import sdp  # noqa: E402


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


SEEDS = [("one_ring_then_callback.bin", one_ring_then_callback)]


def main():
    seeds = os.path.join(ROOT, "tests", "fuzz", "pipeline", "seeds")
    os.makedirs(seeds, exist_ok=True)
    for name, build in SEEDS:
        with open(os.path.join(seeds, name), "wb") as f:
            f.write(build())
    print(f"wrote {len(SEEDS)} seeds to {seeds}", file=sys.stderr)


if __name__ == "__main__":
    main()
