#!/usr/bin/python3
"""Golden and ground-truth tests of `sigprobe decode --json` on the project's captures.

  run_golden.py golden --sigprobe BIN --capture PCAP --expected EVENTS.jsonl
      decodes PCAP into a temporary file and diffs it against the committed event lines;
      every produced line is also validated against host/out/schema/event.schema.json (the
      event contract of shared/DESIGN.md as JSON Schema).
  run_golden.py truth --sigprobe BIN --capture PCAP --truth PCAP.truth.jsonl
      every truth line written by scripts/gen_pcaps.py must be matched by one event of the
      same frame whose fields include all of the truth's fields with equal values (the
      independent check: the truth comes from the generator, not from sigprobe). Truth lines
      marked "malformed" must instead show up as anomalies in `sigprobe replay`'s summary.

Exit status 0 on success; differences are printed for the reviewer.
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from genlib.pcapfile import read_pcap  # noqa: E402

# The event contract as JSON Schema, owned by host/out next to the writer of the lines.
SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "host", "out", "schema",
                           "event.schema.json")


def event_validator():
    """A validator of host/out/schema/event.schema.json, or None without python3-jsonschema."""
    try:
        import jsonschema
    except ImportError:
        return None
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        return jsonschema.Draft202012Validator(json.load(f))


def decode(sigprobe, capture):
    proc = subprocess.run([sigprobe, "decode", "--json", capture], capture_output=True)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def pcap_frame_count(path):
    """Records in a classic pcap file, or None for other formats."""
    parsed = read_pcap(path)
    return None if parsed is None else len(parsed[1])


def schema_errors(ev, frames, validator):
    """What in one event line breaks the event contract (the JSON schema, and the frame
    number must be a packet of the capture)."""
    errs = []
    if validator is not None:
        errs += [f"{e.json_path}: {e.message}" for e in validator.iter_errors(ev)]
    frame = ev.get("frame") if isinstance(ev, dict) else None
    if frames is not None and isinstance(frame, int) and frame > frames:
        errs.append(f"frame {frame} is past the last packet ({frames})")
    return errs


def cmd_golden(a):
    rc, out, err = decode(a.sigprobe, a.capture)
    if rc != 0:
        print(f"sigprobe decode exited {rc}: {err.strip()}")
        return 1
    with tempfile.NamedTemporaryFile("w", suffix=".events.jsonl", delete=False, encoding="utf-8") as f:
        f.write(out)
        produced_path = f.name
    try:
        frames = pcap_frame_count(a.capture)
        validator = event_validator()
        if validator is None:
            print("python3-jsonschema missing: event lines not checked against the event schema")
        bad = 0
        for i, line in enumerate(out.splitlines(), 1):
            try:
                errs = schema_errors(json.loads(line), frames, validator)
            except json.JSONDecodeError as e:
                errs = [f"not JSON: {e}"]
            for e in errs:
                print(f"line {i}: {e}")
                bad += 1
        with open(a.expected, encoding="utf-8") as f:
            expected = f.read()
        if expected != out:
            sys.stdout.writelines(difflib.unified_diff(
                expected.splitlines(True), out.splitlines(True), a.expected, "sigprobe decode --json (now)"))
            print(f"\n{a.capture}: events differ from the golden file; if the change is intended, run "
                  f"scripts/regen_golden.sh, read the diff and commit it")
            return 1
        print(f"{a.capture}: {len(out.splitlines())} events equal to the golden file")
        return 1 if bad else 0
    finally:
        os.unlink(produced_path)


def subset(want, have, path=""):
    """Keys of `want` that `have` lacks or holds with another value (ts within 1 us)."""
    diffs = []
    for k, v in want.items():
        p = f"{path}{k}"
        if k not in have:
            diffs.append(f"{p}: missing (want {v!r})")
        elif isinstance(v, dict):
            if isinstance(have[k], dict):
                diffs += subset(v, have[k], p + ".")
            else:
                diffs.append(f"{p}: want object, have {have[k]!r}")
        elif k == "ts" and isinstance(have[k], (int, float)):
            if abs(have[k] - v) > 1e-6:
                diffs.append(f"{p}: want {v!r}, have {have[k]!r}")
        elif have[k] != v:
            diffs.append(f"{p}: want {v!r}, have {have[k]!r}")
    return diffs


def replay_anomalies(sigprobe, capture):
    proc = subprocess.run([sigprobe, "replay", capture, "--offload", "cpu"], capture_output=True)
    text = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
    total, names, section = 0, [], False
    for line in text.splitlines():
        if line.strip() == "anomalies":
            section = True
            continue
        if section:
            m = re.match(r"^\s+(\S+)\s+(\d+)\s*$", line)
            if not m:
                section = False
                continue
            names.append(f"{m.group(1)}={m.group(2)}")
            total += int(m.group(2))
    return proc.returncode, total, names


def cmd_truth(a):
    rc, out, err = decode(a.sigprobe, a.capture)
    if rc != 0:
        print(f"sigprobe decode exited {rc}: {err.strip()}")
        return 1
    events = [json.loads(line) for line in out.splitlines() if line.strip()]
    truth = [json.loads(line) for line in open(a.truth, encoding="utf-8")]
    used = set()
    missed = 0
    malformed = []
    for t in truth:
        if "malformed" in t:
            malformed.append(t)
            continue
        candidates = [(i, e) for i, e in enumerate(events) if e.get("frame") == t["frame"] and i not in used]
        best = None
        for i, e in candidates:
            d = subset(t, e)
            if not d:
                used.add(i)
                best = None
                break
            if best is None or len(d) < len(best):
                best = d
        else:
            missed += 1
            what = t.get("sip", {}).get("method") or t.get("sip", {}).get("status") or \
                t.get("map", {}).get("op") or t.get("map", {}).get("component") or t.get("isup", {}).get("msg")
            if best is None:
                print(f"frame {t['frame']} ({t['proto']} {what}): no event for this frame")
            else:
                print(f"frame {t['frame']} ({t['proto']} {what}): closest event differs: " + "; ".join(best))
    matched = len(truth) - len(malformed) - missed
    print(f"{a.capture}: {matched}/{len(truth) - len(malformed)} truth lines matched by events "
          f"({len(events)} events)")
    counted = [t for t in malformed if not t["malformed"].startswith("not_sip")]
    if malformed:
        rrc, total, names = replay_anomalies(a.sigprobe, a.capture)
        ok = rrc == 0 and total >= len(counted)
        print(f"{len(malformed)} malformed messages, {len(counted)} must be counted: replay exit {rrc}, "
              f"anomalies {total} ({', '.join(names) or 'none'}): {'ok' if ok else 'NOT COUNTED'}")
        if not ok:
            return 1
    return 1 if missed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["golden", "truth"])
    ap.add_argument("--sigprobe", required=True)
    ap.add_argument("--capture", required=True)
    ap.add_argument("--expected")
    ap.add_argument("--truth")
    a = ap.parse_args()
    return cmd_golden(a) if a.mode == "golden" else cmd_truth(a)


if __name__ == "__main__":
    sys.exit(main())
