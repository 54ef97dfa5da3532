#!/usr/bin/python3
"""Writes sigprobe's own captures into pcaps/sip and pcaps/ss7, each with its ground truth.

Run with Debian's python (scapy lives there):  /usr/bin/python3 scripts/gen_pcaps.py
Output is deterministic: fixed identifiers, timestamps from 2026-01-01T00:00:00Z.

Next to every FILE.pcap the generator writes FILE.truth.jsonl: one JSON object per
signaling message the capture carries, in the shape of the event contract
(shared/DESIGN.md): frame (the packet completing the message, 1-based), ts, proto,
src, dst, transport and the protocol objects with the fields the generator put in.
A decoder is right when every truth object is a subset of one of its events.
Lines with "malformed" describe input that must be counted as an anomaly; they
carry no expectation about events.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from genlib.captures_sip import SIP_CAPTURES  # noqa: E402
from genlib.captures_ss7 import SS7_CAPTURES  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_capture(relpath, writer, truth):
    path = os.path.join(ROOT, "pcaps", relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    writer.write(path)
    with open(path[:-len(".pcap")] + ".truth.jsonl", "w", encoding="utf-8") as f:
        for t in truth:
            f.write(json.dumps(t, ensure_ascii=False, separators=(",", ":")) + "\n")
    return path


def main():
    only = set(sys.argv[1:])
    for relpath, build in SIP_CAPTURES + SS7_CAPTURES:
        if only and relpath not in only:
            continue
        writer, truth = build()
        path = write_capture(relpath, writer, truth)
        print(f"{os.path.relpath(path, ROOT)}: {len(writer.frames)} frames, {len(truth)} truth lines, "
              f"{os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
