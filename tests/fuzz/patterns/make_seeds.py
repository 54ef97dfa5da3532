#!/usr/bin/python3
"""Writes the pattern fuzz seeds (layout: patterns_fuzz_entry.hpp) into seeds/:
keyword families in Chinese and Latin, number prefixes and exact numbers, a
domain list, and the fields they hit and miss."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = {"literal": 0, "nocase": 1, "prefix": 2, "exact": 3}
FIELDS = ["calling", "called", "gt", "imsi", "imei", "user_agent", "display", "text", "url", "forwarded_to"]


def mask(*names):
    m = 0
    for n in names:
        m |= 1 << FIELDS.index(n)
    return m


def seed(patterns, fields):
    out = bytearray([len(patterns) - 1])
    for kind, m, pid, text in patterns:
        t = text.encode()
        out += bytes([KINDS[kind], m & 0xFF, m >> 8, pid, len(t)]) + t
    for name, text in fields:
        t = text.encode()
        out += bytes([FIELDS.index(name), len(t)]) + t
    return bytes(out)


SEEDS = {
    "keywords": seed(
        [("nocase", mask("text"), 0, "医保卡"), ("nocase", mask("text"), 1, "Refund"),
         ("nocase", mask("text"), 2, "safe account"), ("literal", mask("text", "display"), 3, "客服")],
        [("text", "您的医保卡已停用，请联系客服退款"), ("text", "REFUND to a SAFE ACCOUNT now"),
         ("display", "抖音客服"), ("calling", "医保卡")]),
    "numbers": seed(
        [("prefix", mask("calling", "called"), 0, "8617099"), ("prefix", mask("calling"), 1, "86170"),
         ("exact", mask("calling", "called", "forwarded_to"), 2, "8617099990001"),
         ("prefix", mask("gt", "imsi"), 3, "46000"), ("exact", mask("imei"), 4, "35693803")],
        [("calling", "8617099990001"), ("called", "861709999000"), ("forwarded_to", "8617099990001"),
         ("imsi", "460001234567890"), ("gt", "8613800000001"), ("imei", "3569380312345678")]),
    "domains_and_agents": seed(
        [("exact", mask("url"), 0, "evil.cn"), ("exact", mask("url"), 1, "pay-refund.top"),
         ("nocase", mask("user_agent"), 2, "friendly-scanner"), ("nocase", mask("user_agent"), 3, "GoIP"),
         ("exact", mask("url"), 4, "x" * 64)],
        [("url", "evil.cn"), ("url", "www.evil.cn"), ("user_agent", "Friendly-Scanner 1.0"),
         ("user_agent", "DBL GOIP-8"), ("url", "x" * 64)]),
    # Refused by both factories: an empty text, a list text past 64 bytes.
    "refused": seed([("literal", mask("text"), 0, ""), ("prefix", mask("calling"), 1, "8" * 65)],
                    [("text", "anything"), ("calling", "8" * 70)]),
}

os.makedirs(os.path.join(HERE, "seeds"), exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(HERE, "seeds", name + ".bin"), "wb") as f:
        f.write(data)
print(f"{len(SEEDS)} seeds written")
