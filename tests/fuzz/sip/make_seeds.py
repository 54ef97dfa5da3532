#!/usr/bin/python3
"""Writes the SIP fuzz seeds: the UDP/TCP payloads and SCTP DATA chunks of the
project's own SIP captures in pcaps/sip (made by scripts/gen_pcaps.py; not the
scenarios, thousands of similar calls), one file per payload that starts like
SIP. Run from anywhere: /usr/bin/python3 tests/fuzz/sip/make_seeds.py
Seeds named manual-* are written by hand (URIs with an RFC 3966 phone-context, a SIP-I INVITE
with a multipart SDP + ISUP body: no bundled capture carries them) and left alone."""
import hashlib
from pathlib import Path

from scapy.all import TCP, UDP, SCTPChunkData, rdpcap  # noqa: E402  (Debian's python3-scapy)

here = Path(__file__).resolve().parent
root = here.parents[2]
out = here / "seeds"
out.mkdir(exist_ok=True)
n = 0
for pcap in sorted((root / "pcaps" / "sip").rglob("*.pcap")):
    for pkt in rdpcap(str(pcap)):
        l4 = pkt.getlayer(UDP) or pkt.getlayer(TCP)
        chunk = pkt.getlayer(SCTPChunkData)
        if l4 is None and chunk is None:
            continue
        data = bytes(l4.payload) if l4 is not None else bytes(chunk.data)
        if len(data) < 8 or not (data[:4] == b"SIP/" or b" SIP/2.0" in data[:512]):
            continue
        name = f"{pcap.stem}-{hashlib.sha1(data).hexdigest()[:12]}.sip"
        (out / name).write_bytes(data)
        n += 1
print(f"{n} seeds in {out}")
