"""SIP message text (RFC 3261) and the fields a decoder must extract from it."""
import hashlib


def message(start_line, headers, body=b"", content_length=None):
    """Start line, headers in the given order, Content-Length (computed unless given), body."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    lines = [start_line] + [f"{name}: {value}" for name, value in headers]
    if content_length is not False:
        cl = len(body) if content_length is None else content_length
        lines.append(f"Content-Length: {cl}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def sdp(addr, port, session_id=20260101, extra_lines=()):
    lines = ["v=0", f"o=- {session_id} {session_id} IN IP4 {addr}", "s=-", f"c=IN IP4 {addr}",
             "t=0 0", f"m=audio {port} RTP/AVP 8 0 101", "a=rtpmap:8 PCMA/8000",
             "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15",
             "a=ptime:20", "a=sendrecv", *extra_lines]
    return ("\r\n".join(lines) + "\r\n").encode()


def digest_response(user, realm, password, method, uri, nonce):
    """RFC 2617 digest without qop: MD5(HA1:nonce:HA2)."""
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    return hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()


class Dialog:
    """One SIP dialog between a caller and a callee; builds requests and responses with
    consistent Via/From/To/Call-ID/CSeq and returns (bytes, expected sip fields)."""

    def __init__(self, call_id, from_uri, from_user, to_uri, to_user, from_tag,
                 caller_addr, callee_addr, ua=None, server=None, from_display=None, instance=None):
        self.call_id = call_id
        self.from_uri, self.from_user = from_uri, from_user
        self.to_uri, self.to_user = to_uri, to_user
        self.from_tag = from_tag
        self.to_tag = None
        self.caller_addr, self.callee_addr = caller_addr, callee_addr
        self.ua, self.server = ua, server
        self.from_display = from_display
        self.instance = instance  # Contact +sip.instance (RFC 5626), e.g. an IMEI URN (RFC 7254)
        self.branch = 0

    def _from(self):
        name = f'"{self.from_display}" ' if self.from_display else ""
        return f"{name}<{self.from_uri}>;tag={self.from_tag}"

    def _to(self, tag=None):
        return f"<{self.to_uri}>" + (f";tag={tag}" if tag else "")

    def request(self, method, ruri, ruri_user, cseq, body=b"", ctype=None, extra=(), new_branch=True,
                to_tag=None):
        if new_branch:
            self.branch += 1
        host, port = self.caller_addr
        headers = [("Via", f"SIP/2.0/UDP {host}:{port};branch=z9hG4bK{self.call_id[:8]}{self.branch:04d};rport"),
                   ("Max-Forwards", "70"), ("From", self._from()), ("To", self._to(to_tag)),
                   ("Call-ID", self.call_id), ("CSeq", f"{cseq} {method}"),
                   ("Contact", f"<sip:{self.from_user}@{host}:{port}>" +
                    (f';+sip.instance="<{self.instance}>"' if self.instance else ""))]
        if self.ua:
            headers.append(("User-Agent", self.ua))
        headers += list(extra)
        if ctype:
            headers.append(("Content-Type", ctype))
        fields = {"method": method, "call_id": self.call_id, "cseq": f"{cseq} {method}",
                  "from_user": self.from_user, "to_user": self.to_user, "ruri_user": ruri_user}
        if self.ua:
            fields["user_agent"] = self.ua
        return message(f"{method} {ruri} SIP/2.0", headers, body), fields

    def response(self, status, reason, method, cseq, to_tag=None, body=b"", ctype=None, extra=()):
        host, port = self.caller_addr
        headers = [("Via", f"SIP/2.0/UDP {host}:{port};branch=z9hG4bK{self.call_id[:8]}{self.branch:04d};rport={port}"),
                   ("From", self._from()), ("To", self._to(to_tag)), ("Call-ID", self.call_id),
                   ("CSeq", f"{cseq} {method}")]
        if to_tag and status < 300 and method in ("INVITE",):
            chost, cport = self.callee_addr
            headers.append(("Contact", f"<sip:{self.to_user}@{chost}:{cport}>"))
        if self.server:
            headers.append(("Server", self.server))
        headers += list(extra)
        if ctype:
            headers.append(("Content-Type", ctype))
        fields = {"status": status, "call_id": self.call_id, "cseq": f"{cseq} {method}",
                  "from_user": self.from_user, "to_user": self.to_user}
        if self.server:
            fields["user_agent"] = self.server
        return message(f"SIP/2.0 {status} {reason}", headers, body), fields
