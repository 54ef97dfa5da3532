"""Ethernet / VLAN / IPv4 / IPv6 / UDP / TCP / SCTP framing with scapy (RFC 791, 8200,
768, 793, 4960). Every identifier (MAC, IP id, sequence numbers, tags) is fixed so the
captures are byte-identical on every run."""
import struct

from scapy.all import IP, TCP, UDP, Dot1AD, Dot1Q, Ether, IPv6, IPv6ExtHdrFragment, Raw
from scapy.layers.sctp import SCTP

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def _l2(vlans=()):
    """Ethernet header with 0, 1 (802.1Q) or 2 (802.1ad outer + 802.1Q inner) tags."""
    eth = Ether(src=MAC_A, dst=MAC_B)
    if len(vlans) == 1:
        return eth / Dot1Q(vlan=vlans[0])
    if len(vlans) == 2:
        return eth / Dot1AD(vlan=vlans[0]) / Dot1Q(vlan=vlans[1])
    return eth


def _ip(src, dst, ip_id=1):
    if ":" in src:
        return IPv6(src=src, dst=dst, hlim=64)
    return IP(src=src, dst=dst, id=ip_id, ttl=64, flags="DF")


def udp(src, dst, sport, dport, payload, ip_id=1, vlans=()):
    return bytes(_l2(vlans) / _ip(src, dst, ip_id) / UDP(sport=sport, dport=dport) / Raw(payload))


def udp_fragments(src, dst, sport, dport, payload, frag_size, ip_id=0x1234):
    """One UDP datagram split into IP fragments of frag_size payload bytes (a multiple of 8).
    IPv4 uses MF/offset in the header, IPv6 a Fragment extension header."""
    v6 = ":" in src
    if v6:
        whole = bytes(IPv6(src=src, dst=dst, hlim=64) / UDP(sport=sport, dport=dport) / Raw(payload))[40:]
    else:
        whole = bytes(IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload))[20:]
    assert frag_size % 8 == 0
    frames = []
    for off in range(0, len(whole), frag_size):
        piece = whole[off:off + frag_size]
        more = off + frag_size < len(whole)
        if v6:
            pkt = (Ether(src=MAC_A, dst=MAC_B) / IPv6(src=src, dst=dst, hlim=64, nh=44)
                   / IPv6ExtHdrFragment(nh=17, offset=off // 8, m=int(more), id=ip_id) / Raw(piece))
        else:
            pkt = (Ether(src=MAC_A, dst=MAC_B)
                   / IP(src=src, dst=dst, id=ip_id, ttl=64, proto=17, flags="MF" if more else 0,
                        frag=off // 8) / Raw(piece))
        frames.append(bytes(pkt))
    return frames


class TcpFlow:
    """A TCP connection between a client and a server with running sequence numbers."""

    def __init__(self, client, server, cport, sport, cisn=1000, sisn=5000):
        self.ends = {"c": (client, cport), "s": (server, sport)}
        self.seq = {"c": cisn, "s": sisn}
        self.ip_id = {"c": 100, "s": 200}

    def _pkt(self, side, flags, payload=b""):
        other = "s" if side == "c" else "c"
        (src, sp), (dst, dp) = self.ends[side], self.ends[other]
        self.ip_id[side] += 1
        seg = TCP(sport=sp, dport=dp, flags=flags, seq=self.seq[side],
                  ack=self.seq[other] if "A" in flags else 0, window=65535)
        pkt = Ether(src=MAC_A, dst=MAC_B) / _ip(src, dst, self.ip_id[side]) / seg
        if payload:
            pkt = pkt / Raw(payload)
        self.seq[side] += len(payload) + (1 if ("S" in flags or "F" in flags) else 0)
        return bytes(pkt)

    def handshake(self):
        return [self._pkt("c", "S"), self._pkt("s", "SA"), self._pkt("c", "A")]

    def send(self, side, payload):
        return self._pkt(side, "PA", payload)


def sctp_data_chunk(tsn, stream, ssn, ppid, data, begin=True, end=True):
    """DATA chunk (RFC 4960 3.3.1): flags U/B/E, length without padding, padded to 4."""
    flags = (0x02 if begin else 0) | (0x01 if end else 0)
    body = struct.pack(">BBHIHHI", 0, flags, 16 + len(data), tsn, stream, ssn, ppid) + data
    return body + b"\x00" * (-len(body) % 4)


def sctp(src, dst, sport, dport, vtag, chunks, ip_id=1):
    """An SCTP packet over IPv4; scapy fills in the CRC32c checksum."""
    return bytes(Ether(src=MAC_A, dst=MAC_B) / IP(src=src, dst=dst, id=ip_id, ttl=64, flags="DF")
                 / SCTP(sport=sport, dport=dport, tag=vtag) / Raw(b"".join(chunks)))
