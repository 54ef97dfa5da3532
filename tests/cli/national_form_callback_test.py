#!/usr/bin/python3
"""A flagged number's victim calling it back as dialled, in national form, called it back.

The bundled calls scenario: 8617099990001 (the police blacklist) calls three subscribers; the
second, 8613814918975, later calls it back as a phone dials it, 17099990001 (no 86). The one-ring
number 85512345678 rings 40; one of them, 8613860032137, calls it back with China's international
call prefix, 0085512345678. With the default rules (settings.national_forms {"1": "861", "0": "86",
"00": ""}) the victims file lists both as victims who called back; with national_forms emptied
neither.

usage: national_form_callback_test.py SIGPROBE SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile


def victims_of(sigprobe, rules, capture, d, subject):
    path = os.path.join(d, "victims.jsonl")
    p = subprocess.run([sigprobe, "replay", capture, "--offload", "cpu", "--rules", rules, "--victims", path],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: replay with {rules}: {p.returncode} {p.stderr}")
    with open(path) as f:
        entries = [json.loads(line) for line in f if line.strip()]
    got = [e for e in entries if e["subject"] == subject]
    if len(got) != 1:
        sys.exit(f"FAIL: one victims entry for {subject} expected, got {got}")
    return {v["number"]: v for v in got[0]["victims"]}


def main():
    sigprobe, src = sys.argv[1], os.path.abspath(sys.argv[2])
    capture = os.path.join(src, "pcaps/scenarios/calls.pcap")
    default = os.path.join(src, "host/rules/default_rules.yaml")
    with open(default) as f:
        text = f.read()
    marker = 'national_forms: {"1": "861", "0": "86", "00": ""}'
    if marker not in text:
        sys.exit(f"FAIL: the default rules should set {marker}")
    p = subprocess.run([sigprobe, "rules", "check", default], capture_output=True, text=True)
    want = "national forms 00 -> (none), 1 -> 861, 0 -> 86: list entries match in both forms; " \
           "a flagged number's national forms are its own"
    if p.returncode != 0 or want not in p.stdout:
        sys.exit(f"FAIL: rules check should name the national forms:\n{p.stdout}{p.stderr}")
    with tempfile.TemporaryDirectory() as d:
        v = victims_of(sigprobe, default, capture, d, "8617099990001")
        back = v.get("8613814918975")
        if not back or not back.get("called_back"):
            sys.exit(f"FAIL: 8613814918975 called 17099990001 back: a victim that called back, got {back}")
        v = victims_of(sigprobe, default, capture, d, "85512345678")
        back = v.get("8613860032137")
        if not back or not back.get("called_back"):
            sys.exit(f"FAIL: 8613860032137 called 0085512345678 back: a victim that called back, got {back}")
        # The same rules without national forms (lists stay where the default rules name them).
        lists = os.path.join(src, "host/rules/lists") + "/"
        bare = os.path.join(d, "rules.yaml")
        with open(bare, "w") as f:
            f.write(text.replace(marker, "national_forms: {}").replace("file: lists/", "file: " + lists))
        v = victims_of(sigprobe, bare, capture, d, "8617099990001")
        if v.get("8613814918975", {}).get("called_back"):
            sys.exit(f"FAIL: without national_forms 17099990001 is another number: {v}")
        v = victims_of(sigprobe, bare, capture, d, "85512345678")
        if v.get("8613860032137", {}).get("called_back"):
            sys.exit(f"FAIL: without national_forms 0085512345678 is another number: {v}")
    print("ok: victims calling flagged numbers back in national form, or with 00, called back")


if __name__ == "__main__":
    main()
