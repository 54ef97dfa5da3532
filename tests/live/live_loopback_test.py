"""sigprobe live on lo: SIP sent over loopback while it captures must come out
as events and a scanner alert, a SIP-I INVITE's national numbers in international
form (the default rules' country code), and --duration must end the run on an
idle link. Only 127.0.0.1 is used."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sigprobe = sys.argv[1]
port = 25060 + os.getpid() % 1000  # a port of our own, filtered by BPF
tmp = tempfile.mkdtemp()
events, alerts = os.path.join(tmp, "ev.jsonl"), os.path.join(tmp, "al.jsonl")
start = time.monotonic()
proc = subprocess.Popen([sigprobe, "live", "--iface", "lo", "--bpf", f"udp dst port {port}",
                         "--duration", "3", "--events", events, "--alerts", alerts],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
# Send only once it captures (it says so on stderr): a fixed wait lost packets
# on a slow host.
head = []
while True:
    line = proc.stderr.readline()
    if not line:
        break
    head.append(line)
    if line.startswith("sigprobe live: capturing on"):
        break
if proc.poll() is not None or not head or not head[-1].startswith("sigprobe live: capturing on"):
    out, err = proc.communicate()
    err = "".join(head) + err
    if "ermission" in err or "Operation not permitted" in err:
        print("SKIP: no capture privileges:", err.strip())
        sys.exit(77)
    print("sigprobe live exited early:", proc.returncode, err)
    sys.exit(1)

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    msg = (f"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK{i}\r\n"
           f"From: <sip:8613800138000@127.0.0.1>;tag={i}\r\nTo: <sip:100@127.0.0.1>\r\n"
           f"Call-ID: live-{i}\r\nCSeq: 1 OPTIONS\r\nUser-Agent: friendly-scanner\r\n"
           f"Content-Length: 0\r\n\r\n")
    s.sendto(msg.encode(), ("127.0.0.1", port))
# A SIP-I INVITE whose IAM names its numbers national (NAI 3): with the default rules'
# settings.country_code "86", live decodes them in international form, as replay does.
# IAM from its type (RFC 3204: no CIC), as scripts/genlib/ss7.py isup_iam() writes it: called
# 13900139066 and calling 13800138066, both NAI 3, odd number of digits.
iam = bytes.fromhex("010060010a00020a" "0883103109109360" "06" "0a0883133108108360" "0600")
body = (b"--b\r\nContent-Type: application/ISUP;version=itu-t92+\r\n\r\n" + iam + b"\r\n--b--\r\n")
invite = (b"INVITE sip:13900139066@127.0.0.1;user=phone SIP/2.0\r\n"
          b"Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKsipi\r\n"
          b"From: <sip:13800138066@127.0.0.1;user=phone>;tag=si\r\nTo: <sip:13900139066@127.0.0.1;user=phone>\r\n"
          b"Call-ID: live-sipi\r\nCSeq: 1 INVITE\r\nContent-Type: multipart/mixed;boundary=b\r\n"
          b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
s.sendto(invite, ("127.0.0.1", port))
out, err = proc.communicate(timeout=30)
elapsed = time.monotonic() - start
failures = []
if proc.returncode != 0:
    failures.append(f"exit {proc.returncode}: {err.strip()}")
if elapsed > 10:
    failures.append(f"--duration 3 took {elapsed:.1f} s: the source does not stop on an idle link")
ev = [json.loads(l) for l in open(events)] if os.path.exists(events) else []
call_ids = sorted(e["sip"]["call_id"] for e in ev if e.get("proto") == "sip")
if call_ids != ["live-0", "live-1", "live-2", "live-sipi"]:
    failures.append(f"events: expected the 3 OPTIONS and the SIP-I INVITE, got call ids {call_ids}")
sipi = [e["sip"] for e in ev if e.get("proto") == "sip" and e["sip"]["call_id"] == "live-sipi"]
if sipi and (sipi[0]["from_user"], sipi[0]["to_user"], sipi[0].get("isup", {}).get("calling")) != \
        ("8613800138066", "8613900139066", "8613800138066"):
    failures.append(f"the SIP-I INVITE's national numbers should read with 86 in front: {sipi[0]}")
al = [json.loads(l) for l in open(alerts)] if os.path.exists(alerts) else []
if not any(a["rule"] == "sip_scanner_ua" and a["subject"]["value"] == "127.0.0.1" for a in al):
    failures.append(f"no sip_scanner_ua alert on 127.0.0.1: {al}")
for f in failures:
    print("FAIL:", f)
print(f"live on lo: {len(ev)} events, {len(al)} alerts, {elapsed:.1f} s")
sys.exit(1 if failures else 0)
