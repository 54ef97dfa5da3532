#!/usr/bin/python3
"""Differential test of sigprobe's SIP decoding against tshark, the reference.

For every capture in pcaps/ and, when present, every capture in
../shared/corpus/, each SIP message that tshark decodes is paired with the
event sigprobe prints for the same frame (in order, when a frame carries
several messages) and these fields are compared:

  frame number, method or status code, Call-ID, CSeq, From user, To user,
  User-Agent.

How both sides are normalized (decided once, here):
  * From/To user: sigprobe prints user parts normalized to digits when they are
    telephone numbers (no '+', no visual separators - . ( ) space) and without
    ';' user parameters. tshark's sip.from.user is the raw userinfo, parameters
    included ("1741003;phone-context=x"). We cut tshark's value at the first ';'
    and apply the same digit rule (is_phone_number / normalize_user below, the
    rule of dataplane/sip/sip_fields.cpp). tshark leaves sip.from.user empty for
    tel: URIs; there we take the number from tshark's own sip.from.addr.
  * User-Agent: sigprobe's user_agent is User-Agent for requests and Server
    (else User-Agent) for responses; we build tshark's side the same way from
    sip.User-Agent and sip.Server.
  * CSeq and Call-ID: compared as strings after collapsing runs of white space
    (folded lines), nothing else.

Every difference must be listed in sip_known_differences.tsv with the reason
(a tshark behaviour explained, or our bug left open); an unlisted difference
fails the test, and so does an agreement under 99.5 %.

Exit codes: 0 pass, 1 fail, 77 skipped (tshark absent).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

FIELDS = ("method", "call_id", "cseq", "from_user", "to_user", "user_agent")
REQUIRED_AGREEMENT = 0.995

# For every capture: reassemble out-of-order TCP segments, as sigprobe does
# (tshark 4.0's default decodes a segment after a hole on its own and drops
# the message whose start arrives late, e.g. pcaps/sip/tcp_reorder_retrans).
TSHARK_GLOBAL_OPTIONS = ["-o", "tcp.reassemble_out_of_order:TRUE"]

# tshark options some captures need (see shared/corpus/README.md).
TSHARK_OPTIONS = {
    # SIP sent from UDP port 1293, which tshark gives to PacketCable (PKTC)
    # by port; sigprobe finds SIP by content.
    "initconf__sip-attacks/SIP-Bruteforce-Single-IP.pcap": ["-d", "udp.port==1293,sip"],
    "sipcapture__heplify/sip_ipv4_tcp_fragmented.pcap": ["-d", "tcp.port==6060,sip"],
    "omarhrc__CN-Trace-Analyzer/volte_calls_2.pcapng": [
        "-d", "tcp.port==6060,sip",
        "-o", "esp.enable_null_encryption_decode_heuristic:TRUE",
    ],
}

SEPARATORS = set("+-.() ")


def is_phone_number(user):
    return any(c.isdigit() for c in user) and all(
        c in SEPARATORS or ("0" <= c <= "9") for c in user)


def normalize_user(user):
    if is_phone_number(user):
        return "".join(c for c in user if "0" <= c <= "9")
    return user


def squash(s):
    """Same text on both sides: white space runs (folding) become one space;
    a string ends at a NUL byte (tshark's string fields are C strings); a byte
    that is not UTF-8 becomes '?' (tshark prints U+FFFD, sigprobe's JSON
    writer escapes the byte as \\u00XX, so U+0080..U+00FF are folded too)."""
    s = (s or "").split("\x00", 1)[0]
    s = "".join("?" if c == "\ufffd" or "\x80" <= c <= "\xff" else c for c in s)
    return re.sub(r"[ \t\r\n]+", " ", s).strip()


def first(v):
    if isinstance(v, list):
        return v[0] if v else ""
    return v if v is not None else ""


def find_key(obj, key):
    """First value of key anywhere inside a tshark JSON object."""
    if isinstance(obj, dict):
        if key in obj:
            return first(obj[key])
        for v in obj.values():
            r = find_key(v, key)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


def tshark_user(sip, which):
    user = find_key(sip, f"sip.{which}.user")
    if user:
        return normalize_user(user.split(";", 1)[0])
    addr = find_key(sip, f"sip.{which}.addr") or ""
    if addr.lower().startswith("tel:"):
        return normalize_user(addr[4:].split(";", 1)[0].strip())
    return ""


def tshark_messages(path, rel, tshark):
    cmd = [tshark, "-r", str(path), "-n", *TSHARK_GLOBAL_OPTIONS, *TSHARK_OPTIONS.get(rel, []),
           "-Y", "sip",
           "-T", "json", "--no-duplicate-keys", "-J", "frame sip"]
    out = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if not out.stdout.strip():
        return {}
    msgs = {}
    for pkt in json.loads(out.stdout):
        layers = pkt["_source"]["layers"]
        frame = int(first(find_key(layers["frame"], "frame.number")))
        sips = layers.get("sip", [])
        if isinstance(sips, dict):
            sips = [sips]
        for sip in sips:
            status = find_key(sip, "sip.Status-Code")
            method = find_key(sip, "sip.Method")
            if status is None and method is None:
                continue  # tshark saw "sip" but no start line (continuation data)
            ua = find_key(sip, "sip.User-Agent")
            if status is not None and find_key(sip, "sip.Server") is not None:
                ua = find_key(sip, "sip.Server")
            msgs.setdefault(frame, []).append({
                "method": str(status) if status is not None else method,
                "call_id": squash(find_key(sip, "sip.Call-ID")),
                "cseq": squash(find_key(sip, "sip.CSeq")),
                "from_user": squash(tshark_user(sip, "from")),
                "to_user": squash(tshark_user(sip, "to")),
                "user_agent": squash(ua),
            })
    return msgs


def sigprobe_messages(path, sigprobe):
    out = subprocess.run([sigprobe, "decode", "--json", str(path)], capture_output=True,
                         text=True, errors="replace")
    msgs = {}
    for line in out.stdout.splitlines():
        if not line.startswith("{"):
            continue
        ev = json.loads(line)
        if ev.get("proto") != "sip":
            continue
        s = ev.get("sip", {})
        msgs.setdefault(int(ev["frame"]), []).append({
            "method": str(s["status"]) if "status" in s else s.get("method", ""),
            "call_id": squash(s.get("call_id")),
            "cseq": squash(s.get("cseq")),
            "from_user": squash(s.get("from_user", "")),
            "to_user": squash(s.get("to_user", "")),
            "user_agent": squash(s.get("user_agent")),
        })
    return msgs, out.returncode, out.stderr.strip()


def load_known(path):
    """(file, frame or '*', field or '*') -> reason."""
    known = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4 or not parts[3].strip():
            sys.exit(f"{path}:{n}: expected file<TAB>frame<TAB>field<TAB>reason")
        known[(parts[0], parts[1], parts[2])] = parts[3]
    return known


def explained(known, rel, frame, field):
    for key in ((rel, str(frame), field), (rel, str(frame), "*"), (rel, "*", field),
                (rel, "*", "*")):
        if key in known:
            return key
    return None


def compare_file(path, rel, tshark, sigprobe, known, used, report):
    ts = tshark_messages(path, rel, tshark)
    ours, rc, err = sigprobe_messages(path, sigprobe)
    total = agree = 0
    unexplained = []
    for frame in sorted(set(ts) | set(ours)):
        a, b = ts.get(frame, []), ours.get(frame, [])
        for i in range(max(len(a), len(b))):
            total += 1
            if i >= len(a) or i >= len(b):
                diffs = {"message": ("present" if i < len(a) else "absent",
                                     "present" if i < len(b) else "absent")}
            else:
                diffs = {f: (a[i][f], b[i][f]) for f in FIELDS if a[i][f] != b[i][f]}
            if not diffs:
                agree += 1
                continue
            for field, (want, got) in diffs.items():
                key = explained(known, rel, frame, field)
                if key:
                    used.add(key)
                else:
                    unexplained.append(f"  {rel} frame {frame} msg {i} {field}: "
                                       f"tshark={want!r} sigprobe={got!r}")
    if total:
        note = f" (sigprobe exit {rc}: {err.splitlines()[-1]})" if rc and err else ""
        report.append(f"{agree:6d}/{total:<6d} {100.0 * agree / total:6.2f}%  {rel}{note}")
    return total, agree, unexplained


def captures(source_dir):
    roots = [("pcaps", source_dir / "pcaps")]
    corpus = source_dir.parent / "shared" / "corpus"
    if corpus.is_dir():
        roots.append(("corpus", corpus))
    else:
        print(f"note: {corpus} absent, corpus skipped")
    for _, root in roots:
        for p in sorted(root.rglob("*")):
            if not p.is_file() or p.suffix in (".md", ".tsv", ".txt", ".jsonl", ".py"):
                continue
            if "tshark" in p.relative_to(root).parts:
                continue  # the corpus's saved tshark outputs
            yield p, str(p.relative_to(root))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigprobe", required=True)
    ap.add_argument("--source-dir", default=os.environ.get("SIGPROBE_SOURCE_DIR", "."))
    ap.add_argument("--only", help="substring of the capture paths to compare")
    args = ap.parse_args()
    tshark = shutil.which("tshark")
    if not tshark:
        print("tshark not found: skipped")
        return 77
    here = Path(__file__).resolve().parent
    known = load_known(here / "sip_known_differences.tsv")
    used = set()
    report, unexplained = [], []
    total = agree = 0
    for path, rel in captures(Path(args.source_dir).resolve()):
        if args.only and args.only not in rel:
            continue
        t, a, u = compare_file(path, rel, tshark, args.sigprobe, known, used, report)
        total += t
        agree += a
        unexplained += u
    print("agree/total   rate    capture")
    print("\n".join(report))
    rate = agree / total if total else 1.0
    print(f"TOTAL {agree}/{total} SIP messages agree: {100.0 * rate:.2f}% "
          f"(required {100.0 * REQUIRED_AGREEMENT:.1f}%)")
    stale = sorted(set(known) - used)
    if stale and not args.only:
        print("note: known differences that no longer occur (remove them):")
        for k in stale:
            print("  " + "\t".join(k))
    ok = True
    if unexplained:
        print(f"FAIL: {len(unexplained)} unexplained differences "
              "(fix them, or explain them in sip_known_differences.tsv):")
        print("\n".join(unexplained[:200]))
        ok = False
    if rate < REQUIRED_AGREEMENT:
        print("FAIL: agreement below the requirement")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
