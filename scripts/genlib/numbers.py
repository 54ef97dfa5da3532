"""Digit encodings shared by MAP, SCCP, ISUP and the SMS TPDU.

TBCD (3GPP TS 29.002 TBCD-STRING, also Q.713 global title digits and the
TS 23.040 address field): two digits per octet, the first in the low nibble,
an odd count padded with filler 0xF (or 0x0 for SCCP/ISUP, see `filler`).
"""


def tbcd(digits, filler=0xF):
    nibbles = [int(d, 16) if d not in "*#" else {"*": 0xA, "#": 0xB}[d] for d in digits]
    if len(nibbles) % 2:
        nibbles.append(filler)
    return bytes(nibbles[i] | (nibbles[i + 1] << 4) for i in range(0, len(nibbles), 2))


def isdn_address(digits, ton=1, npi=1):
    """AddressString / ISDN-AddressString (TS 29.002 17.7.8): ext=1, TON, NPI, TBCD."""
    return bytes([0x80 | (ton << 4) | npi]) + tbcd(digits)
