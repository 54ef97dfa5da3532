#!/usr/bin/python3
"""`sigprobe replay CAPTURE --alerts -` (and `--events -`) keep stdout to JSON lines, one alert
(event) a line, so that `| jq` works; the end-of-run report then goes to stderr and still says
how many alerts were caught.

usage: stdout_json_test.py SIGPROBE CAPTURE
"""
import json
import re
import subprocess
import sys


def run(args):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(args)} exited {p.returncode}: {p.stderr[-500:]}")
    return p.stdout, p.stderr


def json_lines(out, key):
    lines = out.splitlines()
    for n, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            sys.exit(f"FAIL: stdout line {n} is not JSON: {line[:120]!r}")
        if key not in obj:
            sys.exit(f"FAIL: stdout line {n} has no '{key}': {line[:120]!r}")
    return lines


def main():
    sigprobe, capture = sys.argv[1], sys.argv[2]
    out, err = run([sigprobe, "replay", capture, "--alerts", "-", "--no-progress"])
    alerts = json_lines(out, "rule")
    m = re.search(r"^== caught: (\d+) alert\(s\)$", err, re.M)
    if not m or "== sigprobe replay" not in err:
        sys.exit("FAIL: the end-of-run report is not on stderr")
    if not alerts or int(m.group(1)) != len(alerts):
        sys.exit(f"FAIL: report says {m.group(1)} alerts, stdout has {len(alerts)}")

    out, err = run([sigprobe, "replay", capture, "--events", "-", "--no-progress"])
    events = json_lines(out, "proto")
    if not events or "== sigprobe replay" not in err:
        sys.exit("FAIL: --events - must leave stdout to the events and the report on stderr")

    out, err = run([sigprobe, "replay", capture, "--no-progress"])
    if "== sigprobe replay" not in out or "== caught:" not in out:
        sys.exit("FAIL: without - outputs the report belongs on stdout")
    print(f"ok: {len(alerts)} alert lines, {len(events)} event lines on stdout; report on stderr")


if __name__ == "__main__":
    main()
