"""Classic libpcap file writer (microsecond timestamps), deterministic.

File format: the libpcap savefile layout (magic a1b2c3d4, version 2.4, then one
16-byte record header per packet). Link types used here: 1 Ethernet, 140 MTP2.
"""
import struct

LINKTYPE_ETHERNET = 1
LINKTYPE_MTP2 = 140

# 2026-01-01T00:00:00Z: every capture starts here, so the files never change.
EPOCH_2026 = 1767225600


class PcapWriter:
    """Collects frames with their timestamps; frame numbers are 1-based like tshark."""

    def __init__(self, linktype=LINKTYPE_ETHERNET, start=EPOCH_2026, step_us=10000):
        self.linktype = linktype
        self.now_us = start * 1_000_000
        self.step_us = step_us
        self.frames = []  # (ts_us, bytes)

    def add(self, data, gap_us=None):
        """Appends one frame and returns its 1-based number."""
        self.now_us += self.step_us if gap_us is None else gap_us
        self.frames.append((self.now_us, bytes(data)))
        return len(self.frames)

    def ts_of(self, frame):
        """Timestamp of a frame in seconds, as a float."""
        return self.frames[frame - 1][0] / 1_000_000

    @property
    def next_frame(self):
        return len(self.frames) + 1

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, self.linktype))
            for ts_us, data in self.frames:
                f.write(struct.pack("<IIII", ts_us // 1_000_000, ts_us % 1_000_000, len(data), len(data)))
                f.write(data)


def read_pcap(path):
    """(linktype, [frame bytes]) of a classic pcap file (either byte order, us or ns
    timestamps), or None for other formats such as pcapng."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        order = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = ">"
    else:
        return None
    linktype = struct.unpack(order + "I", data[20:24])[0] & 0xFFFF
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(order + "I", data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return linktype, frames
