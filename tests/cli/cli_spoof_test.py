#!/usr/bin/python3
"""Calls from abroad presenting one of our numbers (rule type cli_spoof), end to end.

- pcaps/sip/cli_spoof.pcap with the default rules: the three calls through the international SBC
  (192.0.2.10) under Chinese numbers give two alerts (one per number: the second call under the
  mobile number is counted into the first alert); the victims file lists the numbers the spoofed
  calls reached, not the subscriber's own contact from home.
- pcaps/ss7/national_numbers.pcap with the IAM's point code as an international exchange: its
  national calling number (NAI 3) reads 8613800138077 with the country code, so it is one of ours
  and the call is flagged; without the country code it stays 13800138077 and the rule's "86"
  misses it, as it must (the nature of the number says national; only the country code says
  whose).
- a cli_spoof rule without a source is refused, naming its line.

usage: cli_spoof_test.py SIGPROBE SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

ISUP_RULES = """settings:
  home_gt_prefixes: ["8613"]
{cc}
lists:
  ours: {{entries: ["86"], match: prefix}}
rules:
  - name: spoofed
    type: cli_spoof
    cli: [ours]
    international_opcs: [1301]
"""


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def replay(sigprobe, capture, d, rules=None):
    victims = os.path.join(d, "victims.jsonl")
    args = [sigprobe, "replay", capture, "--offload", "cpu", "--alerts", "-", "--victims", victims, "--no-progress"]
    if rules:
        args += ["--rules", rules]
    p = run(*args)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(args)} exited {p.returncode}: {p.stderr[-400:]}")
    with open(victims) as f:
        return [json.loads(l) for l in p.stdout.splitlines()], [json.loads(l) for l in f]


def main():
    sigprobe, src = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as d:
        alerts, victims = replay(sigprobe, os.path.join(src, "pcaps/sip/cli_spoof.pcap"), d)
        got = [(a["rule"], a["subject"]["value"], a["evidence"]["field"], a["evidence"]["source"], a["action"])
               for a in alerts]
        want = [("spoofed_domestic_cli", "8613812345678", "from", "192.0.2.10:5060", "block"),
                ("spoofed_domestic_cli", "8657112345678", "pai", "192.0.2.10:5060", "block")]
        if got != want:
            sys.exit(f"FAIL: default rules on cli_spoof.pcap gave {got}, want {want}")
        got = {v["subject"]: [x["number"] for x in v["victims"]] for v in victims}
        want = {"8613812345678": ["8613900001001", "8613900001002"], "8657112345678": ["8613900001005"]}
        if got != want:
            sys.exit(f"FAIL: victims should be the numbers the spoofed calls reached, got {got}, want {want}")

        rules = os.path.join(d, "rules.yaml")
        nat = os.path.join(src, "pcaps/ss7/national_numbers.pcap")
        with open(rules, "w") as f:
            f.write(ISUP_RULES.format(cc='  country_code: "86"'))
        alerts, _ = replay(sigprobe, nat, d, rules)
        got = [(a["subject"]["value"], a["evidence"]["field"], a["evidence"]["source"], a["evidence"]["protocol"],
                a["evidence"]["called"], a["frames"]) for a in alerts]
        want = [("8613800138077", "calling", "opc:1301", "isup", "8613900139077", [5])]
        if got != want:
            sys.exit(f"FAIL: the IAM from point code 1301 with a national caller gave {got}, want {want}")
        with open(rules, "w") as f:
            f.write(ISUP_RULES.format(cc=""))
        alerts, _ = replay(sigprobe, nat, d, rules)
        if alerts:
            sys.exit(f"FAIL: without a country code the national caller is not one of '86...', got {alerts}")

        with open(rules, "w") as f:
            f.write(ISUP_RULES.replace("    international_opcs: [1301]\n", "").format(cc=""))
        p = run(sigprobe, "rules", "check", rules)
        if p.returncode == 0 or "rules.yaml:7:" not in p.stderr or "international_opcs" not in p.stderr:
            sys.exit(f"FAIL: a cli_spoof rule without sources should be refused naming line 7: {p.stderr}")
    print("ok: SIP calls from abroad under Chinese numbers flagged with their callees as victims; the ISUP "
          "IAM from an international exchange flagged with the country code, not without; no source refused")


if __name__ == "__main__":
    main()
