"""The SIP captures of pcaps/sip (issue 2, "The project's own captures")."""
import struct

from genlib import net, ss7
from genlib.capture import Capture
from genlib.sip import Dialog, digest_response, message, sdp

UE = ("10.10.1.5", 5060)        # a handset / softphone
PROXY = ("10.10.0.1", 5060)     # the operator's P-CSCF / proxy
UE6 = ("2001:db8:10::5", 5060)
PROXY6 = ("2001:db8:10::1", 5060)
DOMAIN = "ims.example.net"


def _udp(cap, src, dst, data, fields, ip_id, vlans=()):
    frame = cap.add(net.udp(src[0], dst[0], src[1], dst[1], data, ip_id=ip_id, vlans=vlans))
    cap.expect(frame, "sip", {"sip": fields}, src, dst, "udp")
    return frame


def register_digest():
    """REGISTER -> 401 (digest challenge) -> REGISTER with Authorization -> 200 OK."""
    cap = Capture()
    user = "8613800138000"
    d = Dialog("reg-7f3a9c01@10.10.1.5", f"sip:+{user}@{DOMAIN}", user, f"sip:+{user}@{DOMAIN}", user,
               "r1a2b3", UE, PROXY, ua="Linphone/5.2.0 (belle-sip/5.2.0)", server="Kamailio (5.7.2 (x86_64/linux))")
    ruri = f"sip:{DOMAIN}"
    extra = [("Expires", "3600"), ("Allow", "INVITE, ACK, CANCEL, BYE, MESSAGE, OPTIONS")]
    msg, f = d.request("REGISTER", ruri, "", 1, extra=extra)
    del f["ruri_user"]
    _udp(cap, UE, PROXY, msg, f, 1)
    nonce = "5f1e2d3c4b5a69788796a5b4c3d2e1f0"
    msg, f = d.response(401, "Unauthorized", "REGISTER", 1, to_tag="as7d9e2c",
                        extra=[("WWW-Authenticate", f'Digest realm="{DOMAIN}", nonce="{nonce}", algorithm=MD5')])
    _udp(cap, PROXY, UE, msg, f, 2)
    resp = digest_response(f"+{user}", DOMAIN, "s3cret", "REGISTER", ruri, nonce)
    auth = (f'Digest username="+{user}", realm="{DOMAIN}", nonce="{nonce}", uri="{ruri}", '
            f'response="{resp}", algorithm=MD5')
    msg, f = d.request("REGISTER", ruri, "", 2, extra=extra + [("Authorization", auth)])
    del f["ruri_user"]
    _udp(cap, UE, PROXY, msg, f, 3)
    msg, f = d.response(200, "OK", "REGISTER", 2, to_tag="as7d9e2c",
                        extra=[("Contact", f"<sip:{user}@{UE[0]}:{UE[1]}>;expires=3600")])
    _udp(cap, PROXY, UE, msg, f, 4)
    return cap.done()


def _call_dialog(call_id, caller, callee, tag, ua="Zoiper rv2.10.19.5", server="Asterisk PBX 20.5.0"):
    return Dialog(call_id, f"sip:+{caller}@{DOMAIN}", caller, f"sip:{callee}@{DOMAIN}", callee, tag,
                  UE, PROXY, ua=ua, server=server, from_display="Alice")


def call_basic():
    """INVITE / 100 / 180 / 200 / ACK / BYE / 200 over UDP, SDP offer and answer."""
    cap = Capture()
    caller, callee = "8613800138000", "8613900139000"
    d = _call_dialog("a84b4c76e66710@10.10.1.5", caller, callee, "1928301774")
    ruri = f"sip:{callee}@{DOMAIN}"
    offer = sdp(UE[0], 40000)
    ip = 10
    for step in [
        (UE, PROXY, d.request("INVITE", ruri, callee, 314159, offer, "application/sdp")),
        (PROXY, UE, d.response(100, "Trying", "INVITE", 314159)),
        (PROXY, UE, d.response(180, "Ringing", "INVITE", 314159, to_tag="314159ab")),
        (PROXY, UE, d.response(200, "OK", "INVITE", 314159, to_tag="314159ab", body=sdp(PROXY[0], 30000),
                               ctype="application/sdp")),
        (UE, PROXY, d.request("ACK", ruri, callee, 314159, to_tag="314159ab")),
        (UE, PROXY, d.request("BYE", ruri, callee, 314160, to_tag="314159ab")),
        (PROXY, UE, d.response(200, "OK", "BYE", 314160, to_tag="314159ab")),
    ]:
        src, dst, (msg, f) = step
        ip += 1
        _udp(cap, src, dst, msg, f, ip)
    return cap.done()


def cancel_before_answer():
    """INVITE / 180 / CANCEL / 200 (CANCEL) / 487 / ACK: the caller gives up while ringing."""
    cap = Capture()
    caller, callee = "8613800138001", "8613900139001"
    d = _call_dialog("c0ffee01-cancel@10.10.1.5", caller, callee, "77aa88bb")
    ruri = f"sip:{callee}@{DOMAIN}"
    ip = 20
    for step in [
        (UE, PROXY, d.request("INVITE", ruri, callee, 1, sdp(UE[0], 40002), "application/sdp")),
        (PROXY, UE, d.response(180, "Ringing", "INVITE", 1, to_tag="cb1")),
        (UE, PROXY, d.request("CANCEL", ruri, callee, 1, new_branch=False)),
        (PROXY, UE, d.response(200, "OK", "CANCEL", 1, to_tag="cb1")),
        (PROXY, UE, d.response(487, "Request Terminated", "INVITE", 1, to_tag="cb1")),
        (UE, PROXY, d.request("ACK", ruri, callee, 1, new_branch=False, to_tag="cb1")),
    ]:
        src, dst, (msg, f) = step
        ip += 1
        _udp(cap, src, dst, msg, f, ip)
    return cap.done()


def _tcp_invite(cap, client, server, call_id, caller, callee, tag, ua, server_name, cseq, rtp_port, isns):
    """TCP handshake written to cap, then the dialog and its INVITE (Via over TCP), not yet sent."""
    flow = net.TcpFlow(client[0], server[0], client[1], server[1], cisn=isns[0], sisn=isns[1])
    for frame in flow.handshake():
        cap.add(frame)
    d = Dialog(call_id, f"sip:{caller}@{DOMAIN}", caller, f"sip:{callee}@{DOMAIN}", callee, tag, client, server,
               ua=ua, server=server_name)
    ruri = f"sip:{callee}@{DOMAIN};transport=tcp"
    invite, fields = d.request("INVITE", ruri, callee, cseq, sdp(client[0], rtp_port), "application/sdp")
    return flow, d, ruri, invite.replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP"), fields


def tcp_coalesced_split():
    """SIP over TCP: the INVITE split over three segments (headers, headers+body, body),
    100 and 180 coalesced in one segment, a CRLF keep-alive, then 200/ACK/BYE/200 with
    ACK and BYE coalesced."""
    cap = Capture()
    client, server = ("10.10.2.7", 50712), ("10.10.0.2", 5060)
    caller, callee = "8613800138002", "8613900139002"
    flow, d, ruri, invite, f_inv = _tcp_invite(cap, client, server, "tcp-3e4f5a6b@10.10.2.7", caller, callee,
                                               "tcpft1", "MicroSIP/3.21.3", "FreeSWITCH-mod_sofia/1.10.11",
                                               101, 41000, (1000, 5000))
    hdr_end = invite.index(b"\r\n\r\n")
    cut1 = invite.index(b"\r\nCall-ID") + 7          # inside the Call-ID header name
    cut2 = hdr_end + 4 + 40                            # 40 bytes into the SDP body
    for piece in (invite[:cut1], invite[cut1:cut2]):
        cap.add(flow.send("c", piece))
    frame = cap.add(flow.send("c", invite[cut2:]))
    cap.expect(frame, "sip", {"sip": f_inv}, client, server, "tcp")

    def tcp_fix(m):
        return m.replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP")

    trying, f1 = d.response(100, "Trying", "INVITE", 101)
    ringing, f2 = d.response(180, "Ringing", "INVITE", 101, to_tag="fs9z")
    frame = cap.add(flow.send("s", tcp_fix(trying) + tcp_fix(ringing)))
    cap.expect(frame, "sip", {"sip": f1}, server, client, "tcp")
    cap.expect(frame, "sip", {"sip": f2}, server, client, "tcp")
    cap.add(flow.send("c", b"\r\n\r\n"))              # RFC 5626 keep-alive, no message
    ok, f3 = d.response(200, "OK", "INVITE", 101, to_tag="fs9z", body=sdp(server[0], 32000), ctype="application/sdp")
    frame = cap.add(flow.send("s", tcp_fix(ok)))
    cap.expect(frame, "sip", {"sip": f3}, server, client, "tcp")
    ack, f4 = d.request("ACK", ruri, callee, 101, to_tag="fs9z")
    bye, f5 = d.request("BYE", ruri, callee, 102, to_tag="fs9z")
    frame = cap.add(flow.send("c", tcp_fix(ack) + tcp_fix(bye)))
    cap.expect(frame, "sip", {"sip": f4}, client, server, "tcp")
    cap.expect(frame, "sip", {"sip": f5}, client, server, "tcp")
    ok2, f6 = d.response(200, "OK", "BYE", 102, to_tag="fs9z")
    frame = cap.add(flow.send("s", tcp_fix(ok2)))
    cap.expect(frame, "sip", {"sip": f6}, server, client, "tcp")
    return cap.done()


def _big_invite(d, ruri, callee, addr):
    """An INVITE whose SDP offers many codecs, about 1.9 KB: too big for one 1500-byte frame."""
    extra = [f"a=rtpmap:{96 + i} codec{i}/16000" for i in range(20)]
    extra += [f"a=candidate:{i} 1 UDP 2130706431 {addr} {50000 + i} typ host" for i in range(12)]
    return d.request("INVITE", ruri, callee, 7, sdp(addr, 40004, extra_lines=extra), "application/sdp")


def _fragmented(ue, proxy, call_id, caller, callee):
    cap = Capture()
    d = Dialog(call_id, f"sip:{caller}@{DOMAIN}", caller, f"sip:{callee}@{DOMAIN}", callee, "fragtag",
               ue, proxy, ua="Grandstream GXP2170 1.0.11.23", server="OpenSIPS (3.4.3 (x86_64/linux))")
    ruri = f"sip:{callee}@{DOMAIN}"
    invite, f = _big_invite(d, ruri, callee, ue[0])
    assert len(invite) > 1500
    frames = net.udp_fragments(ue[0], proxy[0], ue[1], proxy[1], invite, 680)
    for fr in frames:
        last = cap.add(fr)
    cap.expect(last, "sip", {"sip": f}, ue, proxy, "udp")
    msg, f = d.response(100, "Trying", "INVITE", 7)
    _udp(cap, proxy, ue, msg, f, 9)
    return cap.done()


def udp_ipv4_fragmented_invite():
    """An INVITE in three IPv4 fragments (MF flag and offsets), then 100 Trying."""
    return _fragmented(UE, PROXY, "frag4-9a8b7c@10.10.1.5", "8613800138003", "8613900139003")


def udp_ipv6_fragmented_invite():
    """The same over IPv6 with a Fragment extension header."""
    return _fragmented(UE6, PROXY6, "frag6-1b2c3d@2001:db8:10::5", "8613800138004", "8613900139004")


def compact_headers():
    """Compact header names (v f t i m l c k s), mixed-case long names and a folded header."""
    cap = Capture()
    caller, callee = "8613800138005", "8613900139005"
    call_id = "cmpct-55aa66bb@10.10.1.5"
    body = sdp(UE[0], 40006)
    msg = message(f"INVITE sip:{callee}@{DOMAIN} SIP/2.0", [
        ("v", f"SIP/2.0/UDP {UE[0]}:{UE[1]};branch=z9hG4bKcmpct1"),
        ("f", f"<sip:{caller}@{DOMAIN}>;tag=cf1"),
        ("t", f"<sip:{callee}@{DOMAIN}>"),
        ("i", call_id),
        ("CSeq", "21 INVITE"),
        ("m", f"<sip:{caller}@{UE[0]}:{UE[1]}>"),
        ("k", "100rel"),
        ("s", "compact"),
        ("User-Agent", "Bria 6 release 6.5.2"),
        ("c", "application/sdp"),
        ("l", str(len(body))),
    ], body, content_length=False)
    _udp(cap, UE, PROXY, msg, {"method": "INVITE", "call_id": call_id, "cseq": "21 INVITE",
                               "from_user": caller, "to_user": callee, "ruri_user": callee,
                               "user_agent": "Bria 6 release 6.5.2"}, 31)
    msg = message("SIP/2.0 180 Ringing", [
        ("v", f"SIP/2.0/UDP {UE[0]}:{UE[1]};branch=z9hG4bKcmpct1"),
        ("f", f"<sip:{caller}@{DOMAIN}>;tag=cf1"),
        ("t", f"<sip:{callee}@{DOMAIN}>;tag=ct2"),
        ("i", call_id),
        ("CSeq", "21 INVITE"),
        ("Server", "Cisco-SIPGateway/IOS-15.x"),
    ], b"", content_length=False) 
    msg = msg[:-2] + b"l: 0\r\n\r\n"
    _udp(cap, PROXY, UE, msg, {"status": 180, "call_id": call_id, "cseq": "21 INVITE", "from_user": caller,
                               "to_user": callee, "user_agent": "Cisco-SIPGateway/IOS-15.x"}, 32)
    call_id2 = "MiXeD-77cc@10.10.1.5"
    msg = message(f"OPTIONS sip:{callee}@{DOMAIN} SIP/2.0", [
        ("VIA", f"SIP/2.0/UDP {UE[0]}:{UE[1]};branch=z9hG4bKcmpct2"),
        ("from", f"<sip:{caller}@{DOMAIN}>;tag=mx1"),
        ("TO", f"<sip:{callee}@{DOMAIN}>"),
        ("cALL-iD", call_id2),
        ("cseq", "1 OPTIONS"),
        ("Subject", "a subject folded\r\n over two lines"),
        ("user-agent", "sipsak 0.9.8"),
    ])
    _udp(cap, UE, PROXY, msg, {"method": "OPTIONS", "call_id": call_id2, "cseq": "1 OPTIONS",
                               "from_user": caller, "to_user": callee, "ruri_user": callee,
                               "user_agent": "sipsak 0.9.8"}, 33)
    return cap.done()


FRAUD_TEXT_ZH = "您的医保卡已停用，请点击链接办理：http://yb-gov.example.cn/k8"


def invite_diversion():
    """Calls diverted by the callee's call forwarding, as the forwarding server sends them on:
    a Diversion header (RFC 5806, two entries, the top one the last diverting user) and
    History-Info entries (RFC 7044) whose diverted-to URI carries an RFC 4458 cause (3GPP
    TS 24.604 CDIV), split over two headers."""
    cap = Capture()
    as_addr = ("10.255.0.3", 5060)
    ip = 70
    for call_id, caller, victim, target, headers in [
        ("div-1@10.255.0.3", "8695566", "8613800138000", "8613912345678",
         [("Diversion", "<tel:+8613800138000>;reason=unconditional;counter=1"),
          ("Diversion", f"<sip:8613900139000@{DOMAIN}>;reason=user-busy;counter=1")]),
        ("div-2@10.255.0.3", "8610086", "8613800138001", "85561234567",
         [("History-Info", f"<sip:+8610086@{DOMAIN}>;index=1, <sip:+8613800138001@{DOMAIN}>;index=1.1"),
          ("History-Info", f"<sip:85561234567@{DOMAIN};cause=302>;index=1.1.1;mp=1.1")]),
    ]:
        d = Dialog(call_id, f"sip:+{caller}@{DOMAIN}", caller, f"sip:+{victim}@{DOMAIN}", victim, "dv" + call_id[4],
                   as_addr, PROXY, ua="IMS-AS CDIV 2.1")
        msg, f = d.request("INVITE", f"sip:{target}@{DOMAIN}", target, 1, sdp(as_addr[0], 41000), "application/sdp",
                           extra=headers)
        ip += 1
        _udp(cap, as_addr, PROXY, msg, dict(f, diversion_user=victim), ip)
    return cap.done()


def sip_i_call():
    """SIP-I (RFC 3204, ITU-T Q.1912.5) as an interconnect carries a call from the ISUP network:
    the INVITE's multipart/mixed body holds the SDP and the IAM, whose calling and called numbers
    are national significant numbers (NAI 3), as the SIP users are (no '+', user=phone); the call
    was diverted on busy (the IAM's redirecting number, no Diversion header). Then 100, 180 with
    the ACM, 200 with the ANM, ACK, BYE with the REL (cause 16) and its 200. The truth holds the
    digits as sent; with settings.country_code "86" they read as 86 and their digits."""
    cap = Capture()
    mgcf, peer = ("10.30.0.1", 5060), ("10.40.0.1", 5060)
    caller, callee, diverted_from = "13800138066", "13900139066", "13700137066"
    dom = "sipi.example.cn"
    d = Dialog("sipi-1@10.30.0.1", f"sip:{caller}@{dom};user=phone", caller, f"sip:{callee}@{dom};user=phone",
               callee, "si1", mgcf, peer, ua="MGCF SIP-I 3.0", server="IBCF 7.1")
    ruri = f"sip:{callee}@{dom};user=phone"
    boundary = "sipi-b0undary"

    def multipart(sdp_body, isup_msg):
        isup_body = isup_msg[2:]  # RFC 3204: the ISUP message from its type, no CIC
        parts = [(b"application/sdp", sdp_body), (b"application/ISUP;version=itu-t92+;base=itu-t92+", isup_body)]
        out = b""
        for ctype, body in parts:
            out += b"--" + boundary.encode() + b"\r\nContent-Type: " + ctype + b"\r\n"
            if b"ISUP" in ctype:
                out += b"Content-Disposition: signal;handling=required\r\n"
            out += b"\r\n" + body + b"\r\n"
        return out + b"--" + boundary.encode() + b"--\r\n"

    ctype = f'multipart/mixed;boundary="{boundary}"'
    iam = ss7.isup_iam(0, callee, caller, called_nai=3, calling_nai=3, redirecting=diverted_from)
    isup = {"msg": "IAM", "calling": caller, "called": callee, "calling_nai": 3, "called_nai": 3}
    ip = 120
    for src, dst, (msg, f), extra in [
        (mgcf, peer, d.request("INVITE", ruri, callee, 1, multipart(sdp(mgcf[0], 42000), iam), ctype),
         {"isup": isup, "diversion_user": diverted_from}),
        (peer, mgcf, d.response(100, "Trying", "INVITE", 1), {}),
        (peer, mgcf, d.response(180, "Ringing", "INVITE", 1, to_tag="pe1", body=ss7.isup_acm(0)[2:],
                                ctype="application/ISUP;version=itu-t92+"), {"isup": {"msg": "ACM"}}),
        (peer, mgcf, d.response(200, "OK", "INVITE", 1, to_tag="pe1",
                                body=multipart(sdp(peer[0], 43000), ss7.isup_anm(0)), ctype=ctype),
         {"isup": {"msg": "ANM"}}),
        (mgcf, peer, d.request("ACK", ruri, callee, 1, to_tag="pe1"), {}),
        (mgcf, peer, d.request("BYE", ruri, callee, 2, to_tag="pe1", body=ss7.isup_rel(0, 16)[2:],
                               ctype="application/ISUP;version=itu-t92+"), {"isup": {"msg": "REL", "cause": 16}}),
        (peer, mgcf, d.response(200, "OK", "BYE", 2, to_tag="pe1"), {}),
    ]:
        ip += 1
        _udp(cap, src, dst, msg, dict(f, **extra), ip)
    return cap.done()


def cli_spoof():
    """Calls that come in from abroad through the international SBC (192.0.2.10, from the
    documentation block the default rules name as the link's international gateway) while
    presenting a Chinese number, as an overseas fraud centre does so that the victim sees a
    domestic caller: two calls with a mobile subscriber's number in From (one cancelled while
    ringing, one answered for two minutes) and one with an anonymous From and a Hangzhou
    fixed-line number in P-Asserted-Identity. Between them, a genuine call from a UK mobile
    through the same SBC and the subscriber's own call from its handset at home: neither is
    spoofed. Calls are a minute apart."""
    cap = Capture()
    sbc = ("192.0.2.10", 5060)
    spoofed, uk = "8613812345678", "447700900123"
    ip = 140
    gap = 60_000_000

    def send(src, dst, built, extra=None, gap_us=None):
        nonlocal ip
        ip += 1
        msg, f = built
        frame = cap.add(net.udp(src[0], dst[0], src[1], dst[1], msg, ip_id=ip), gap_us)
        cap.expect(frame, "sip", {"sip": dict(f, **(extra or {}))}, src, dst, "udp")

    def dialog(call_id, caller, callee, tag, addr, from_uri=None, ua="Sonus SBC 9.2"):
        return Dialog(call_id, from_uri or f"sip:+{caller}@{DOMAIN};user=phone", caller,
                      f"sip:+{callee}@{DOMAIN};user=phone", callee, tag, addr, PROXY, ua=ua)

    def cancelled(d, callee, first_gap, extra_invite=(), pai=None):
        ruri = f"sip:+{callee}@{DOMAIN};user=phone"
        send(d.caller_addr, PROXY, d.request("INVITE", ruri, callee, 1, sdp(d.caller_addr[0], 44000),
                                             "application/sdp", extra=extra_invite),
             {"pai_user": pai} if pai else None, first_gap)
        send(PROXY, d.caller_addr, d.response(180, "Ringing", "INVITE", 1, to_tag="rg" + d.from_tag))
        send(d.caller_addr, PROXY, d.request("CANCEL", ruri, callee, 1, new_branch=False), gap_us=3_000_000)
        send(PROXY, d.caller_addr, d.response(200, "OK", "CANCEL", 1, to_tag="rg" + d.from_tag))
        send(PROXY, d.caller_addr, d.response(487, "Request Terminated", "INVITE", 1, to_tag="rg" + d.from_tag))
        send(d.caller_addr, PROXY, d.request("ACK", ruri, callee, 1, new_branch=False, to_tag="rg" + d.from_tag))

    def answered(d, callee, first_gap, talk_us):
        ruri = f"sip:+{callee}@{DOMAIN};user=phone"
        tag = "an" + d.from_tag
        send(d.caller_addr, PROXY, d.request("INVITE", ruri, callee, 1, sdp(d.caller_addr[0], 44002),
                                             "application/sdp"), gap_us=first_gap)
        send(PROXY, d.caller_addr, d.response(180, "Ringing", "INVITE", 1, to_tag=tag))
        send(PROXY, d.caller_addr, d.response(200, "OK", "INVITE", 1, to_tag=tag, body=sdp(PROXY[0], 31000),
                                              ctype="application/sdp"), gap_us=4_000_000)
        send(d.caller_addr, PROXY, d.request("ACK", ruri, callee, 1, to_tag=tag))
        send(d.caller_addr, PROXY, d.request("BYE", ruri, callee, 2, to_tag=tag), gap_us=talk_us)
        send(PROXY, d.caller_addr, d.response(200, "OK", "BYE", 2, to_tag=tag))

    cancelled(dialog("spoof-1@192.0.2.10", spoofed, "8613900001001", "sp1", sbc), "8613900001001", None)
    answered(dialog("intl-1@192.0.2.10", uk, "8613900001003", "uk1", sbc), "8613900001003", gap, 90_000_000)
    answered(dialog("home-1@10.10.1.5", spoofed, "8613900001004", "hm1", UE, ua="Samsung IMS 6.0"),
             "8613900001004", gap, 45_000_000)
    answered(dialog("spoof-2@192.0.2.10", spoofed, "8613900001002", "sp2", sbc), "8613900001002", gap,
             120_000_000)
    pai = "8657112345678"
    cancelled(dialog("spoof-3@192.0.2.10", "anonymous", "8613900001005", "sp3", sbc,
                     from_uri="sip:anonymous@anonymous.invalid"),
              "8613900001005", gap, extra_invite=[("P-Asserted-Identity", f"<tel:+{pai}>")], pai=pai)
    return cap.done()


def message_utf8_chinese():
    """A SIP MESSAGE with a Chinese (UTF-8) fraud text, then 202 Accepted."""
    cap = Capture()
    caller, callee = "8617000000001", "8613800138006"
    d = Dialog("msg-0d0e0f10@10.10.1.9", f"sip:+{caller}@{DOMAIN}", caller, f"sip:+{callee}@{DOMAIN}", callee,
               "m77", ("10.10.1.9", 5060), PROXY, ua="GoIP-8 v1.25", server="Kamailio (5.7.2 (x86_64/linux))")
    msg, f = d.request("MESSAGE", f"sip:+{callee}@{DOMAIN}", callee, 1, FRAUD_TEXT_ZH.encode(),
                       "text/plain;charset=UTF-8")
    f["body_text"] = FRAUD_TEXT_ZH
    _udp(cap, ("10.10.1.9", 5060), PROXY, msg, f, 41)
    msg, f = d.response(202, "Accepted", "MESSAGE", 1, to_tag="acc1")
    _udp(cap, PROXY, ("10.10.1.9", 5060), msg, f, 42)
    return cap.done()


def vlan_qinq():
    """OPTIONS/200 on 802.1Q VLAN 100; INVITE/100 in QinQ (802.1ad 300 outer, 802.1Q 100 inner)."""
    cap = Capture()
    caller, callee = "8613800138007", "8613900139007"
    d = Dialog("vlan-1111@10.10.1.5", f"sip:{caller}@{DOMAIN}", caller, f"sip:{callee}@{DOMAIN}", callee,
               "v1", UE, PROXY, ua="PolycomVVX-VVX_411-UA/6.4.3", server="Asterisk PBX 18.20.0")
    ruri = f"sip:{callee}@{DOMAIN}"
    msg, f = d.request("OPTIONS", ruri, callee, 1)
    _udp(cap, UE, PROXY, msg, f, 51, vlans=(100,))
    msg, f = d.response(200, "OK", "OPTIONS", 1, to_tag="v2")
    _udp(cap, PROXY, UE, msg, f, 52, vlans=(100,))
    d2 = Dialog("qinq-2222@10.10.1.5", f"sip:{caller}@{DOMAIN}", caller, f"sip:{callee}@{DOMAIN}", callee,
                "q1", UE, PROXY, ua="PolycomVVX-VVX_411-UA/6.4.3", server="Asterisk PBX 18.20.0")
    msg, f = d2.request("INVITE", ruri, callee, 1, sdp(UE[0], 40008), "application/sdp")
    _udp(cap, UE, PROXY, msg, f, 53, vlans=(300, 100))
    msg, f = d2.response(100, "Trying", "INVITE", 1)
    _udp(cap, PROXY, UE, msg, f, 54, vlans=(300, 100))
    return cap.done()


def malformed():
    """Broken messages between good ones: each broken one must be counted, never crash,
    and the good message after it must still decode."""
    cap = Capture()
    caller, callee = "8613800138008", "8613900139008"
    d = Dialog("malf-0001@10.10.1.5", f"sip:{caller}@{DOMAIN}", caller, f"sip:{callee}@{DOMAIN}", callee,
               "bad1", UE, PROXY, ua="sipvicious-probe", server="Kamailio (5.7.2 (x86_64/linux))")
    ruri = f"sip:{callee}@{DOMAIN}"
    ip = 60

    def good(src, dst, built):
        nonlocal ip
        ip += 1
        _udp(cap, src, dst, built[0], built[1], ip)

    def bad(src, dst, data, what):
        nonlocal ip
        ip += 1
        frame = cap.add(net.udp(src[0], dst[0], src[1], dst[1], data, ip_id=ip))
        cap.malformed(frame, what)

    good(UE, PROXY, d.request("OPTIONS", ruri, callee, 1))
    ok, _ = d.response(200, "OK", "OPTIONS", 1, to_tag="t1")
    bad(PROXY, UE, ok.replace(b"SIP/2.0 200 OK", b"SIP/2.0 2x0 OK"), "bad_start_line: status code not numeric")
    inv, _ = d.request("INVITE", ruri, callee, 2, sdp(UE[0], 40010), "application/sdp")
    bad(UE, PROXY, inv.replace(f"INVITE {ruri} SIP/2.0".encode(), f"INVITE {ruri}".encode(), 1),
        "bad_start_line: request line without SIP version")
    inv, _ = d.request("INVITE", ruri, callee, 3, sdp(UE[0], 40010), "application/sdp")
    bad(UE, PROXY, inv.replace(b"Content-Length: ", b"Content-Length: 9", 1),
        "bad_content_length: larger than the datagram")
    inv, _ = d.request("INVITE", ruri, callee, 4, sdp(UE[0], 40010), "application/sdp")
    cl = inv.index(b"Content-Length: ") + len(b"Content-Length: ")
    end = inv.index(b"\r\n", cl)
    bad(UE, PROXY, inv[:cl] + b"abc" + inv[end:], "bad_content_length: not a number")
    inv, _ = d.request("INVITE", ruri, callee, 5)
    bad(UE, PROXY, inv[:inv.index(b"CSeq") + 6], "truncated: headers cut mid-line, no blank line")
    bad(UE, PROXY, b"\x00\x01SIP/2.0\xff\xfe garbage", "not_sip: binary junk on port 5060")
    good(UE, PROXY, d.request("BYE", ruri, callee, 6, to_tag="t1"))
    good(PROXY, UE, d.response(200, "OK", "BYE", 6, to_tag="t1"))
    return cap.done()


def sctp_identity():
    """SIP over SCTP (PPID 0, port 5060) between two IMS nodes: an INVITE with
    P-Asserted-Identity (user=phone), a Contact carrying +sip.instance with an IMEI URN and
    P-Access-Network-Info with the terminal's cell (lower-case hex, stale) and the P-CSCF's
    network-provided one (3GPP TS 24.229 7.2A.4), then 180 Ringing; two DATA chunks, one per
    packet."""
    cap = Capture()
    pcscf, scscf = ("10.10.3.1", 5060), ("10.10.3.2", 5060)
    caller, callee = "8613800138009", "8613900139009"
    call_id = "sctp-4a5b6c7d@10.10.3.1"
    imei_urn = "urn:gsma:imei:35345678-901234-5"
    body = sdp("10.10.9.9", 40020)
    invite = message(f"INVITE sip:+{callee}@{DOMAIN};user=phone SIP/2.0", [
        ("Via", f"SIP/2.0/SCTP {pcscf[0]}:{pcscf[1]};branch=z9hG4bKsctp1"),
        ("Max-Forwards", "69"),
        ("From", f"<sip:+{caller}@{DOMAIN}>;tag=sc1"),
        ("To", f"<sip:+{callee}@{DOMAIN};user=phone>"),
        ("Call-ID", call_id),
        ("CSeq", "1 INVITE"),
        ("P-Asserted-Identity", f'"Caller" <sip:+{caller}@{DOMAIN};user=phone>'),
        ("Contact", f'<sip:{caller}@10.10.9.9:5060>;+sip.instance="<{imei_urn}>";+g.3gpp.icsi-ref'),
        ("User-Agent", "Samsung IMS 6.0"),
        ("P-Access-Network-Info", "3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=460001a2b3c4d5e7, "
                                  "3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=460001A2B3C4D5E6;network-provided"),
        ("Content-Type", "application/sdp"),
    ], body)
    ringing = message("SIP/2.0 180 Ringing", [
        ("Via", f"SIP/2.0/SCTP {pcscf[0]}:{pcscf[1]};branch=z9hG4bKsctp1"),
        ("From", f"<sip:+{caller}@{DOMAIN}>;tag=sc1"),
        ("To", f"<sip:+{callee}@{DOMAIN};user=phone>;tag=sc2"),
        ("Call-ID", call_id),
        ("CSeq", "1 INVITE"),
        ("Server", "Ericsson CSCF"),
    ])
    tsn = {"a": 100, "b": 900}
    for src, dst, side, msg, fields in [
        (pcscf, scscf, "a", invite, {"method": "INVITE", "call_id": call_id, "cseq": "1 INVITE",
                                     "from_user": caller, "to_user": callee, "ruri_user": callee,
                                     "pai_user": caller, "user_agent": "Samsung IMS 6.0",
                                     "contact_instance": imei_urn, "imei": "353456789012345",
                                     "cell": "460001A2B3C4D5E6"}),
        (scscf, pcscf, "b", ringing, {"status": 180, "call_id": call_id, "cseq": "1 INVITE",
                                      "from_user": caller, "to_user": callee, "user_agent": "Ericsson CSCF"}),
    ]:
        chunk = net.sctp_data_chunk(tsn[side], 0, 0, 0, msg)
        frame = cap.add(net.sctp(src[0], dst[0], src[1], dst[1], 0x1234ABCD, [chunk]))
        cap.expect(frame, "sip", {"sip": fields}, src, dst, "sctp")
    return cap.done()


def tcp_reorder_retrans():
    """SIP over TCP with loss recovery seen on the wire: the INVITE's three segments arrive
    1, 3, 2 (out of order, completes at frame 6), segment 2 is then retransmitted (frame 7,
    no new message), and the 200 OK arrives twice (frames 8 and 9: a retransmitted segment
    that must not yield a second message)."""
    cap = Capture()
    client, server = ("10.10.2.8", 50800), ("10.10.0.2", 5060)
    flow, d, ruri, invite, f = _tcp_invite(cap, client, server, "tcpooo-0a0b@10.10.2.8", "8613800138010",
                                           "8613900139010", "oo1", "Yealink SIP-T46U 108.86.0.45",
                                           "Asterisk PBX 21.1.0", 11, 41010, (7000, 9000))
    third = len(invite) // 3
    pieces = [invite[:third], invite[third:2 * third], invite[2 * third:]]
    segs = [flow.send("c", p) for p in pieces]
    cap.add(segs[0])
    cap.add(segs[2])
    frame = cap.add(segs[1])
    cap.expect(frame, "sip", {"sip": f}, client, server, "tcp")
    cap.add(segs[1])
    ok, f = d.response(200, "OK", "INVITE", 11, to_tag="oo2", body=sdp(server[0], 32010), ctype="application/sdp")
    seg = flow.send("s", ok.replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP"))
    frame = cap.add(seg)
    cap.expect(frame, "sip", {"sip": f}, server, client, "tcp")
    cap.add(seg)
    return cap.done()


def _options_pair(cap, wrap, call_id, tag):
    """OPTIONS and its 200 OK, each IPv4/UDP packet re-framed by `wrap(ip_packet)`."""
    caller, callee = "8613800138011", "8613900139011"
    d = Dialog(call_id, f"sip:{caller}@{DOMAIN}", caller, f"sip:{callee}@{DOMAIN}", callee, tag, UE, PROXY,
               ua="sipp 3.7.2", server="Kamailio (5.7.2 (x86_64/linux))")
    for src, dst, (msg, f), ip_id in [(UE, PROXY, d.request("OPTIONS", f"sip:{callee}@{DOMAIN}", callee, 1), 71),
                                      (PROXY, UE, d.response(200, "OK", "OPTIONS", 1, to_tag="lt"), 72)]:
        ip_packet = net.udp(src[0], dst[0], src[1], dst[1], msg, ip_id=ip_id)[14:]
        frame = cap.add(wrap(ip_packet))
        cap.expect(frame, "sip", {"sip": f}, src, dst, "udp")


def _linktype_capture(linktype, wrap, name):
    def build():
        cap = Capture(linktype=linktype)
        _options_pair(cap, wrap, f"lt-{name}@10.10.1.5", name)
        return cap.done()
    build.__doc__ = f"OPTIONS / 200 OK over IPv4/UDP in libpcap link type {linktype} ({name})."
    return build


def _sll(ip):
    # Linux cooked v1: packet type (0 = to us), ARPHRD_ETHER, address length 6, address, EtherType.
    return struct.pack(">HHH8sH", 0, 1, 6, bytes.fromhex("02000000000a") + b"\0\0", 0x0800) + ip


def _sll2(ip):
    # Linux cooked v2: EtherType, reserved, ifindex, ARPHRD_ETHER, packet type, address length, address.
    return struct.pack(">HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, bytes.fromhex("02000000000a") + b"\0\0") + ip


def _ws_frame(payload, opcode=0x1, mask=None):
    """A WebSocket frame (RFC 6455 5.2), FIN set; masked with the 4-byte mask when given."""
    head = bytes([0x80 | opcode])
    m = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    if not mask:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def sip_websocket():
    """SIP over WebSocket (RFC 7118) from a WebRTC softphone on port 8080: the HTTP Upgrade
    handshake with the "sip" subprotocol, a masked INVITE frame split over two segments, a
    ping, the proxy's unmasked 100/180 coalesced in one segment, then 486 and ACK."""
    cap = Capture()
    client, server = ("10.10.3.9", 43380), ("10.10.0.3", 8080)
    caller, callee = "8613800138003", "8613900139003"
    flow = net.TcpFlow(client[0], server[0], client[1], server[1], cisn=7000, sisn=9000)
    for frame in flow.handshake():
        cap.add(frame)
    cap.add(flow.send("c", b"GET / HTTP/1.1\r\nHost: 10.10.0.3:8080\r\nUpgrade: websocket\r\n"
                           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           b"Origin: https://webphone.example.net\r\nSec-WebSocket-Protocol: sip\r\n"
                           b"Sec-WebSocket-Version: 13\r\n\r\n"))
    cap.add(flow.send("s", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                           b"Sec-WebSocket-Protocol: sip\r\n\r\n"))
    d = Dialog("ws-7fa3c21d@webphone", f"sip:{caller}@{DOMAIN}", caller, f"sip:{callee}@{DOMAIN}", callee,
               "wsft1", ("df7jal23ls0d.invalid", 0), server, ua="JsSIP 3.10.0", server="Kamailio 5.7")

    def ws_fix(m):  # RFC 7118 section 5: the Via transport is WS, the host a made-up .invalid name
        return m.replace(b"SIP/2.0/UDP df7jal23ls0d.invalid:0", b"SIP/2.0/WS df7jal23ls0d.invalid")

    ruri = f"sip:{callee}@{DOMAIN}"
    invite, f_inv = d.request("INVITE", ruri, callee, 1, sdp(client[0], 50000), "application/sdp")
    frame_bytes = _ws_frame(ws_fix(invite), mask=b"\x35\xba\x59\x9f")
    cap.add(flow.send("c", frame_bytes[:300]))
    frame = cap.add(flow.send("c", frame_bytes[300:] + _ws_frame(b"", opcode=0x9, mask=b"\x01\x02\x03\x04")))
    cap.expect(frame, "sip", {"sip": f_inv}, client, server, "tcp")
    trying, f1 = d.response(100, "Trying", "INVITE", 1)
    ringing, f2 = d.response(180, "Ringing", "INVITE", 1, to_tag="kz81")
    frame = cap.add(flow.send("s", _ws_frame(ws_fix(trying)) + _ws_frame(ws_fix(ringing))))
    cap.expect(frame, "sip", {"sip": f1}, server, client, "tcp")
    cap.expect(frame, "sip", {"sip": f2}, server, client, "tcp")
    busy, f3 = d.response(486, "Busy Here", "INVITE", 1, to_tag="kz81")
    frame = cap.add(flow.send("s", _ws_frame(ws_fix(busy))))
    cap.expect(frame, "sip", {"sip": f3}, server, client, "tcp")
    ack, f4 = d.request("ACK", ruri, callee, 1, to_tag="kz81", new_branch=False)
    frame = cap.add(flow.send("c", _ws_frame(ws_fix(ack), mask=b"\x9c\x11\x7e\x42")))
    cap.expect(frame, "sip", {"sip": f4}, client, server, "tcp")
    return cap.done()


def _null(ip):
    # BSD loopback: the address family in the capturing host's byte order (little-endian here).
    return struct.pack("<I", 2) + ip


SIP_CAPTURES = [
    ("sip/register_digest.pcap", register_digest),
    ("sip/call_basic.pcap", call_basic),
    ("sip/cancel_before_answer.pcap", cancel_before_answer),
    ("sip/tcp_coalesced_split.pcap", tcp_coalesced_split),
    ("sip/udp_ipv4_fragmented_invite.pcap", udp_ipv4_fragmented_invite),
    ("sip/udp_ipv6_fragmented_invite.pcap", udp_ipv6_fragmented_invite),
    ("sip/compact_headers.pcap", compact_headers),
    ("sip/invite_diversion.pcap", invite_diversion),
    ("sip/message_utf8_chinese.pcap", message_utf8_chinese),
    ("sip/sip_i_call.pcap", sip_i_call),
    ("sip/cli_spoof.pcap", cli_spoof),
    ("sip/vlan_qinq.pcap", vlan_qinq),
    ("sip/malformed.pcap", malformed),
    ("sip/sctp_identity.pcap", sctp_identity),
    ("sip/tcp_reorder_retrans.pcap", tcp_reorder_retrans),
    ("sip/sip_websocket.pcap", sip_websocket),
    ("sip/linktype_sll.pcap", _linktype_capture(113, _sll, "sll")),
    ("sip/linktype_sll2.pcap", _linktype_capture(276, _sll2, "sll2")),
    ("sip/linktype_raw.pcap", _linktype_capture(101, lambda ip: ip, "raw")),
    ("sip/linktype_null.pcap", _linktype_capture(0, _null, "null")),
]
