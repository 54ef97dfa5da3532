#!/usr/bin/python3
"""The default rules raise the callback number a scam text gives, and list who contacts it.

`rules check` on the default rules names the rule that raises callback numbers. Replaying the
bundled ss7_sms scenario: the scam script that ends "请致电客服１３８－２３４５－６７８９" raises
scam_keywords on 8613823456789 (international form, evidence with the text's own bytes and its
sender), and the victims file lists both subscribers who texted that number as dialled
(13823456789, national) as its victims, called in: one after the flag, and one before it (the
number found elsewhere), who is in the alert's own victims too.

usage: callback_numbers_test.py SIGPROBE SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    sigprobe, src = sys.argv[1], sys.argv[2]
    rules = os.path.join(src, "host/rules/default_rules.yaml")
    p = subprocess.run([sigprobe, "rules", "check", rules], capture_output=True, text=True)
    want = "callback numbers: scam_keywords also raises the phone numbers of the texts it flags"
    if p.returncode != 0 or want not in p.stdout:
        sys.exit(f"FAIL: rules check should say which rule raises callback numbers:\n{p.stdout}{p.stderr}")
    with tempfile.TemporaryDirectory() as d:
        alerts_path, victims_path = os.path.join(d, "alerts.jsonl"), os.path.join(d, "victims.jsonl")
        p = subprocess.run([sigprobe, "replay", os.path.join(src, "pcaps/scenarios/ss7_sms.pcap"), "--offload",
                            "cpu", "--alerts", alerts_path, "--victims", victims_path],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"FAIL: replay: {p.returncode} {p.stderr}")
        with open(alerts_path) as f:
            alerts = [json.loads(line) for line in f if line.strip()]
        with open(victims_path) as f:
            victims = [json.loads(line) for line in f if line.strip()]
    cb = [a for a in alerts if a["subject"]["value"] == "8613823456789"]
    if len(cb) != 1 or cb[0]["rule"] != "scam_keywords":
        sys.exit(f"FAIL: one scam_keywords alert on the callback number expected, got {cb}")
    ev = cb[0]["evidence"]
    if ev.get("op") != "callback number in text" or ev.get("written") != "１３８－２３４５－６７８９" \
            or ev.get("text_from") != "8613711112222":
        sys.exit(f"FAIL: evidence {ev}")
    before, after = "8613871611597", "8613816190353"
    at_alert = cb[0].get("victims", [])
    if at_alert != [before]:
        sys.exit(f"FAIL: the alert should list who texted the number before it: {at_alert}")
    entry = [v for v in victims if v["subject"] == "8613823456789"]
    if len(entry) != 1 or sorted(v.get("number") for v in entry[0]["victims"]) != sorted([before, after]):
        sys.exit(f"FAIL: the callback number should have two victims: {entry}")
    for v in entry[0]["victims"]:
        if not v.get("called_in"):
            sys.exit(f"FAIL: a subscriber who texted it should be its victim, called in: {v}")
    print("ok: callback number raised with its evidence, its victims before and after its flag listed")


if __name__ == "__main__":
    main()
