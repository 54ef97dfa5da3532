#!/usr/bin/python3
"""`sigprobe replay --whitelist FILE` with an IP block: the subjects inside it are never flagged
(the GoIP gateway of the simbox scenario, flagged by simbox_ip and gateway_ua without it), the
report counts the suppressed hits, and every other alert stays as it was; `rules check` counts
the block. A malformed block in the file is refused with the file and line named.

usage: whitelist_ip_test.py SIGPROBE SIMBOX_CAPTURE
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def replay(sigprobe, capture, *extra):
    p = subprocess.run([sigprobe, "replay", capture, "--alerts", "-", "--no-progress", *extra],
                       capture_output=True, text=True)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()], p.stderr


def main():
    sigprobe, capture = sys.argv[1], sys.argv[2]
    rc, before, _ = replay(sigprobe, capture)
    if rc != 0:
        sys.exit(f"FAIL: replay exited {rc}")
    gateway = [a for a in before if a["subject"]["value"] == "203.0.113.7"]
    if {a["rule"] for a in gateway} != {"simbox_ip", "gateway_ua"}:
        sys.exit(f"FAIL: without a whitelist the GoIP gateway should be flagged, got {gateway}")
    with tempfile.TemporaryDirectory() as d:
        wl = os.path.join(d, "sbc.txt")
        with open(wl, "w") as f:
            f.write("# the gateway's block, as an operator lists its own SBCs\n203.0.113.0/24\n")
        rc, after, err = replay(sigprobe, capture, "--whitelist", wl)
        if rc != 0:
            sys.exit(f"FAIL: replay --whitelist exited {rc}: {err[-300:]}")
        if any(a["subject"]["value"] == "203.0.113.7" for a in after):
            sys.exit("FAIL: a whitelisted address was flagged")
        rest = [a for a in before if a["subject"]["value"] != "203.0.113.7"]
        if [(a["rule"], a["subject"]["value"], a["ts"]) for a in after] != \
           [(a["rule"], a["subject"]["value"], a["ts"]) for a in rest]:
            sys.exit("FAIL: the whitelist changed alerts of other subjects")
        m = re.search(r"whitelisted subjects not flagged: (\d+)", err)
        if not m or int(m.group(1)) == 0:
            sys.exit("FAIL: the report does not count the suppressed hits")
        rules = os.path.join(d, "rules.yaml")
        with open(rules, "w") as f:
            f.write("settings:\n  whitelists: [sbc]\nlists:\n  sbc: {file: sbc.txt}\n"
                    "rules:\n  - name: w\n    type: wangiri\n    min_one_ring_calls: 3\n")
        p = subprocess.run([sigprobe, "rules", "check", rules], capture_output=True, text=True)
        if p.returncode != 0 or "list sbc: 1 IP block(s)" not in p.stdout:
            sys.exit(f"FAIL: rules check should count the IP block: {p.stdout}{p.stderr}")
        with open(wl, "a") as f:
            f.write("203.0.113.0/33\n")
        p = subprocess.run([sigprobe, "replay", capture, "--whitelist", wl, "--no-progress"],
                           capture_output=True, text=True)
        if p.returncode == 0 or "sbc.txt:3:" not in p.stderr or "203.0.113.0/33" not in p.stderr:
            sys.exit(f"FAIL: a malformed block should be refused naming its line, got {p.returncode}: {p.stderr}")
    print(f"ok: {len(gateway)} gateway alerts gone, {len(rest)} others unchanged, {m.group(1)} hits suppressed")


if __name__ == "__main__":
    main()
