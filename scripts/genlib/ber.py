"""Minimal BER encoder (ITU-T X.690): definite lengths, tags given as raw bytes.

Tags are passed as the identifier octet(s) already built (e.g. 0x30 SEQUENCE,
0xA1 [1] constructed, 0x80 [0] primitive), which is how the MAP and TCAP ASN.1
modules read when written out with their IMPLICIT/EXPLICIT rules applied.
"""


def length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, value):
    tag_bytes = bytes([tag]) if isinstance(tag, int) else bytes(tag)
    return tag_bytes + length(len(value)) + bytes(value)


def cons(tag, *parts):
    """A constructed element whose contents are the concatenated parts."""
    return tlv(tag, b"".join(parts))


def integer(value, tag=0x02):
    n = max(1, (value.bit_length() + 8) // 8)
    return tlv(tag, value.to_bytes(n, "big", signed=True))


def oid(dotted, tag=0x06):
    """OBJECT IDENTIFIER contents (X.690 8.19)."""
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return tlv(tag, out)


def null(tag=0x05):
    return tlv(tag, b"")


def enumerated(value, tag=0x0A):
    return integer(value, tag)


def boolean(value, tag=0x01):
    return tlv(tag, b"\xff" if value else b"\x00")


def to_indefinite(data):
    """Re-encodes BER with single-octet tags so that every constructed element uses the
    indefinite length form (0x80 ... 00 00, X.690 8.1.3.6); primitives keep definite lengths."""
    out = bytearray()
    i = 0
    while i < len(data):
        tag = data[i]
        n = data[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(data[i:i + k], "big")
            i += k
        value = data[i:i + n]
        i += n
        if tag & 0x20:
            out += bytes([tag, 0x80]) + to_indefinite(value) + b"\x00\x00"
        else:
            out += tlv(tag, value)
    return bytes(out)
