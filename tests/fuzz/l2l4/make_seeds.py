#!/usr/bin/python3
"""Writes tests/fuzz/l2l4/seeds/: each capture of pcaps/ as one fuzz input in
the record format of l2l4_fuzz_entry.hpp (link selector, 16-bit length,
bytes). Classic pcap only (what scripts/gen_pcaps.py writes)."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
from genlib.pcapfile import read_pcap  # noqa: E402

# Position in kLinks of l2l4_fuzz_entry.hpp, by pcap LINKTYPE.
SELECTOR = {1: 0, 113: 1, 276: 2, 101: 3, 0: 4, 108: 5, 228: 6, 229: 7, 140: 8, 139: 9, 141: 10}
MAX_PACKETS = 64


def records(path):
    parsed = read_pcap(path)
    if parsed is None or parsed[0] not in SELECTOR:
        return None
    linktype, frames = parsed
    out = bytearray()
    for frame in frames[:MAX_PACKETS]:
        out += bytes([SELECTOR[linktype]]) + struct.pack(">H", len(frame)) + frame
    return bytes(out)


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    pcaps = os.path.join(root, "pcaps")
    seeds = os.path.join(root, "tests", "fuzz", "l2l4", "seeds")
    os.makedirs(seeds, exist_ok=True)
    count = 0
    for dirpath, _, files in sorted(os.walk(pcaps)):
        for name in sorted(files):
            if not name.endswith(".pcap"):
                continue
            rec = records(os.path.join(dirpath, name))
            if rec is None:
                continue
            sub = os.path.basename(dirpath)
            with open(os.path.join(seeds, f"{sub}-{name[:-5]}.bin"), "wb") as f:
                f.write(rec)
            count += 1
    print(f"wrote {count} seeds to {seeds}", file=sys.stderr)


if __name__ == "__main__":
    main()
