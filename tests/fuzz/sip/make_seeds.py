#!/usr/bin/python3
"""Writes the SIP fuzz seeds: the UDP/TCP payloads of the project's own
captures in pcaps/ (made by scripts/gen_pcaps.py), one file per payload that
starts like SIP. Run from anywhere: /usr/bin/python3 tests/fuzz/sip/make_seeds.py"""
import hashlib
from pathlib import Path

from scapy.all import TCP, UDP, rdpcap  # noqa: E402  (Debian's python3-scapy)

here = Path(__file__).resolve().parent
root = here.parents[2]
out = here / "seeds"
out.mkdir(exist_ok=True)
n = 0
for pcap in sorted((root / "pcaps").rglob("*.pcap")):
    for pkt in rdpcap(str(pcap)):
        l4 = pkt.getlayer(UDP) or pkt.getlayer(TCP)
        if l4 is None:
            continue
        data = bytes(l4.payload)
        if len(data) < 8 or not (data[:4] == b"SIP/" or b" SIP/2.0" in data[:512]):
            continue
        name = f"{pcap.stem}-{hashlib.sha1(data).hexdigest()[:12]}.sip"
        (out / name).write_bytes(data)
        n += 1
print(f"{n} seeds in {out}")
