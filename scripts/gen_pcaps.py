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
import argparse
import filecmp
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    from genlib.captures_sip import SIP_CAPTURES  # noqa: E402
    from genlib.captures_ss7 import SS7_CAPTURES  # noqa: E402
except ImportError as e:  # scapy lives in Debian's python3-scapy
    print(f"gen_pcaps: {e} (run with /usr/bin/python3; scapy comes from python3-scapy)", file=sys.stderr)
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_capture(out_dir, relpath, writer, truth):
    path = os.path.join(out_dir, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    writer.write(path)
    with open(path[:-len(".pcap")] + ".truth.jsonl", "w", encoding="utf-8") as f:
        for t in truth:
            f.write(json.dumps(t, ensure_ascii=False, separators=(",", ":")) + "\n")
    return path


def generate(out_dir, only, verbose):
    written = []
    for relpath, build in SIP_CAPTURES + SS7_CAPTURES:
        if only and relpath not in only:
            continue
        writer, truth = build()
        path = write_capture(out_dir, relpath, writer, truth)
        written += [relpath, relpath[:-len(".pcap")] + ".truth.jsonl"]
        if verbose:
            print(f"{os.path.relpath(path, ROOT)}: {len(writer.frames)} frames, {len(truth)} truth lines, "
                  f"{os.path.getsize(path)} bytes")
    return written


def check(only):
    """Regenerates into a temporary folder and compares byte for byte with pcaps/."""
    with tempfile.TemporaryDirectory() as tmp:
        stale = [rel for rel in generate(tmp, only, False)
                 if not os.path.exists(os.path.join(ROOT, "pcaps", rel))
                 or not filecmp.cmp(os.path.join(tmp, rel), os.path.join(ROOT, "pcaps", rel), shallow=False)]
    for rel in stale:
        print(f"pcaps/{rel} differs from what scripts/gen_pcaps.py writes: regenerate and commit it")
    print(f"gen_pcaps --check: {len(stale)} stale files")
    return 1 if stale else 0


def main():
    ap = argparse.ArgumentParser(description="Writes pcaps/sip and pcaps/ss7 with their ground truth.")
    ap.add_argument("captures", nargs="*", help="only these, e.g. sip/call_basic.pcap")
    ap.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    a = ap.parse_args()
    if a.check:
        return check(set(a.captures))
    generate(os.path.join(ROOT, "pcaps"), set(a.captures), True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
