"""SMS TPDU encoder (3GPP TS 23.040) with the GSM 7-bit default alphabet (TS 23.038).

Covers SMS-SUBMIT and SMS-DELIVER, numeric and alphanumeric addresses, the user
data header (concatenation with 8- and 16-bit references), the fill bits that
align 7-bit text after a header, and UCS-2.
"""
from genlib.numbers import tbcd

# TS 23.038 6.2.1 default alphabet, code points 0x00..0x7F (0x1B is the escape).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
assert len(GSM7_BASIC) == 128
# TS 23.038 6.2.1.1 default extension table: character -> code after ESC.
GSM7_EXT = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D,
            "]": 0x3E, "|": 0x40, "€": 0x65}


def gsm7_septets(text):
    out = []
    for ch in text:
        if ch in GSM7_EXT:
            out += [0x1B, GSM7_EXT[ch]]
        else:
            idx = GSM7_BASIC.find(ch)
            if idx < 0 or ch == "\x1b":
                raise ValueError(f"not in the GSM 7-bit alphabet: {ch!r}")
            out.append(idx)
    return out


def pack_septets(septets, fill_bits=0):
    """Packs septets LSB first after `fill_bits` zero bits (TS 23.038 6.1.2.1)."""
    acc = 0
    for i, s in enumerate(septets):
        acc |= s << (fill_bits + 7 * i)
    nbits = fill_bits + 7 * len(septets)
    return acc.to_bytes((nbits + 7) // 8, "little")


def address(digits=None, alpha=None, ton=1, npi=1):
    """TP-OA / TP-DA (TS 23.040 9.1.2.5): length in useful semi-octets, type, value."""
    if alpha is not None:
        septets = gsm7_septets(alpha)
        packed = pack_septets(septets)
        semi = (len(septets) * 7 + 3) // 4
        return bytes([semi, 0x80 | (5 << 4) | 0]) + packed
    return bytes([len(digits), 0x80 | (ton << 4) | npi]) + tbcd(digits)


def udh_concat8(ref, total, seq):
    return bytes([0x00, 3, ref, total, seq])


def udh_concat16(ref, total, seq):
    return bytes([0x08, 4, ref >> 8, ref & 0xFF, total, seq])


def user_data(text, dcs, udh_ies=b""):
    """TP-UDL and TP-UD for a text, with an optional header made of the given IEs."""
    udh = (bytes([len(udh_ies)]) + udh_ies) if udh_ies else b""
    if dcs == 0x08:  # UCS-2: UDL counts octets
        body = text.encode("utf-16-be")
        return bytes([len(udh) + len(body)]) + udh + body
    septets = gsm7_septets(text)
    udh_septets = (len(udh) * 8 + 6) // 7
    fill = udh_septets * 7 - len(udh) * 8
    return bytes([udh_septets + len(septets)]) + udh + pack_septets(septets, fill)


def scts(year, month, day, hour, minute, second, tz_quarters):
    """TP-SCTS (9.2.3.11): seven swapped-BCD octets, time zone in quarters of an hour."""
    vals = [year % 100, month, day, hour, minute, second]
    out = bytes(((v % 10) << 4) | (v // 10) for v in vals)
    tz = abs(tz_quarters)
    tzb = ((tz % 10) << 4) | (tz // 10) | (0x08 if tz_quarters < 0 else 0)
    return out + bytes([tzb])


def sms_submit(mr, da_digits, text, dcs, udh_ies=b"", pid=0, vp=0xA7, da_ton=1):
    """SMS-SUBMIT: MTI=01, VPF=relative, UDHI when a header is present."""
    first = 0x01 | 0x10 | (0x40 if udh_ies else 0)
    return (bytes([first, mr]) + address(digits=da_digits, ton=da_ton) + bytes([pid, dcs, vp])
            + user_data(text, dcs, udh_ies))


def sms_deliver(oa_digits=None, oa_alpha=None, text="", dcs=0, udh_ies=b"", pid=0,
                ts=(26, 1, 1, 0, 0, 0, 32)):
    """SMS-DELIVER: MTI=00, MMS=1 (no more messages), UDHI when a header is present."""
    first = 0x00 | 0x04 | (0x40 if udh_ies else 0)
    return (bytes([first]) + address(digits=oa_digits, alpha=oa_alpha) + bytes([pid, dcs])
            + scts(*ts) + user_data(text, dcs, udh_ies))


def ussd_pack(text):
    """USSD string in the 7-bit default alphabet, packed (TS 23.038 6.1.2.3: CR pad)."""
    septets = gsm7_septets(text)
    if len(septets) % 8 == 7:
        septets.append(0x0D)
    return pack_septets(septets)
