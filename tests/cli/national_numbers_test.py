#!/usr/bin/python3
"""settings.country_code: SS7 numbers the signalling marks national are read in international
form, so a list entry in international form finds them and the caller is one subject on every
protocol. pcaps/ss7/national_numbers.pcap carries an ISUP call whose numbers are national (NAI 3)
and a mo-forwardSM with a national SM-RP-OA and TP-DA from a national GT; a police list holds
the caller as 8613800138077 only.

With the country code the call is flagged with the callee as victim, the report counts the
national numbers, and `decode --country-code` shows the same digits; without it nothing is
flagged (the numbers stay as sent, as tshark shows them). A bad code is refused, naming the
rules file's line.

usage: national_numbers_test.py SIGPROBE CAPTURE
"""
import json
import os
import re
import subprocess
import sys
import tempfile

RULES = """settings:
{settings}
lists:
  police: {{entries: ["8613800138077"], match: exact}}
rules:
  - name: police
    type: number_list
    lists: [police]
    fields: [calling, called]
"""


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def replay(sigprobe, capture, d, settings):
    rules = os.path.join(d, "rules.yaml")
    with open(rules, "w") as f:
        f.write(RULES.format(settings=settings))
    victims = os.path.join(d, "victims.jsonl")
    p = run(sigprobe, "replay", capture, "--offload", "cpu", "--rules", rules, "--alerts", "-",
            "--victims", victims, "--no-progress")
    if p.returncode != 0:
        sys.exit(f"FAIL: replay with settings {settings!r} exited {p.returncode}: {p.stderr[-400:]}")
    with open(victims) as f:
        v = [json.loads(l) for l in f]
    return [json.loads(l) for l in p.stdout.splitlines()], v, p.stderr


def main():
    sigprobe, capture = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as d:
        alerts, victims, err = replay(sigprobe, capture, d, '  country_code: "86"')
        subjects = [(a["rule"], a["subject"]["value"]) for a in alerts]
        if subjects != [("police", "8613800138077")]:
            sys.exit(f"FAIL: with country_code 86 the national caller should be flagged once, got {subjects}")
        if alerts[0]["frames"] != [5] or alerts[0]["victims"] != ["8613900139077"]:
            sys.exit(f"FAIL: the alert should name the IAM (frame 5) and the callee, got {alerts[0]}")
        if [v["subject"] for v in victims] != ["8613800138077"] or \
           [x["number"] for x in victims[0]["victims"]] != ["8613900139077"]:
            sys.exit(f"FAIL: victims file: {victims}")
        m = re.search(r"national numbers +(\d+)", err)
        # IAM calling and called, the MAP GT of each direction, SM-RP-OA, TP-DA
        if not m or int(m.group(1)) != 6:
            sys.exit(f"FAIL: the report should count 6 national numbers: {err}")

        alerts, victims, err = replay(sigprobe, capture, d, '  victims_lookback: 24h')
        if alerts or victims or "national numbers" in err:
            sys.exit(f"FAIL: without a country code the numbers stay national and nothing matches, got {alerts}")

        p = run(sigprobe, "decode", "--json", "--country-code", "86", capture)
        events = [json.loads(l) for l in p.stdout.splitlines()]
        iam = next(e for e in events if e.get("isup", {}).get("msg") == "IAM")
        sms = next(e for e in events if "sms" in e.get("map", {}))
        got = (iam["isup"]["calling"], iam["isup"]["called"], sms["map"]["msisdn"], sms["map"]["sms"]["oa"],
               sms["map"]["sms"]["da"], sms["sccp"]["calling_gt"], sms["map"]["service_centre"])
        want = ("8613800138077", "8613900139077", "8613800138077", "8613800138077", "8613900139077",
                "8613900000011", "8613800500000")
        if got != want:
            sys.exit(f"FAIL: decode --country-code 86 gave {got}, want {want}")
        other = [e for e in events if e.get("isup", {}).get("cic") == 32 and e["isup"]["msg"] == "IAM"][0]
        if (other["isup"]["calling"], other["isup"]["called"]) != ("85291230077", "65529988"):
            sys.exit(f"FAIL: an international caller and a subscriber number stay as sent: {other['isup']}")
        p = run(sigprobe, "decode", "--json", capture)
        if '"calling":"13800138077"' not in p.stdout:
            sys.exit("FAIL: decode without --country-code should give the digits as sent")
        p = run(sigprobe, "decode", "--country-code", "086", capture)
        if p.returncode == 0 or "086" not in p.stderr:
            sys.exit(f"FAIL: decode --country-code 086 should be refused: {p.returncode} {p.stderr}")

        rules = os.path.join(d, "rules.yaml")
        with open(rules, "w") as f:
            f.write(RULES.format(settings='  country_code: "86"'))
        p = run(sigprobe, "rules", "check", rules)
        if p.returncode != 0 or "country code 86: SS7 numbers marked national are read as 86 + their digits" not in p.stdout:
            sys.exit(f"FAIL: rules check should name the country code: {p.stdout}{p.stderr}")
        with open(rules, "w") as f:
            f.write(RULES.format(settings='  country_code: "+86"'))
        p = run(sigprobe, "rules", "check", rules)
        if p.returncode == 0 or "rules.yaml:2:" not in p.stderr or "country_code" not in p.stderr:
            sys.exit(f"FAIL: a bad country_code should be refused naming line 2: {p.stdout}{p.stderr}")
    # SIP-I, a real capture (Russia, country code 7): the IAM in the INVITE's multipart body
    # says the SIP users are national numbers.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(capture))))
    sip_i = os.path.join(root, "..", "shared", "corpus", "sipcapture__heplify", "sip_sctp.pcap")
    sip_i_note = "SIP-I corpus capture absent: skipped"
    if os.path.exists(sip_i):
        p = run(sigprobe, "decode", "--json", "--country-code", "7", sip_i)
        inv = next(json.loads(l) for l in p.stdout.splitlines() if '"method":"INVITE"' in l)
        s = inv["sip"]
        got = (s["from_user"], s["to_user"], s["ruri_user"], s["pai_user"], s["isup"]["calling"],
               s["isup"]["called"], s["isup"]["calling_nai"], s["sdp_addr"], s["diversion_user"])
        # the call was diverted (user busy) from 9275685122: the IAM's redirecting number
        want = ("79171969136", "79275890000", "79275890000", "79171969136", "79171969136", "79275890000", 3,
                "10.249.30.145", "79275685122")
        if got != want:
            sys.exit(f"FAIL: SIP-I INVITE of sip_sctp.pcap read {got}, want {want}")
        sip_i_note = "the SIP-I INVITE of sip_sctp.pcap in international form"
    print("ok: the national caller flagged in international form, 6 national numbers counted; "
          f"none without a country code; {sip_i_note}")


if __name__ == "__main__":
    main()
