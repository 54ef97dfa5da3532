"""SS7 message assembly for the captures: nodes, MAP dialogues over SCCP/TCAP, ISUP, and the two
transports (an M3UA association over SCTP, and an MTP2 link). Every message carries the truth
layers a decoder must reproduce; the transport adds frame, ts, src, dst and transport."""
import struct
from dataclasses import dataclass, field

from genlib import ber, net, ss7
from genlib.mapops import ACN, OP


@dataclass
class Node:
    name: str
    pc: int
    gt: str
    ssn: int
    side: str  # "a" or "b": which end of the association or link it sits behind
    nai: int = 4  # its GT's nature of address: 4 international, 3 national significant number


@dataclass
class Msg:
    src: Node
    dst: Node
    si: int
    payload: bytes
    # Empty: the message completes no event. A list of dicts: one event each (the components of
    # one TCAP message, e.g. CAP requestReportBCSMEvent + continue).
    layers: "dict | list" = field(default_factory=dict)


def _sccp_truth(src, dst):
    return {"calling_gt": src.gt, "called_gt": dst.gt, "calling_ssn": src.ssn, "called_ssn": dst.ssn}


def _addrs(src, dst):
    return ss7.sccp_address(dst.gt, dst.ssn, nai=dst.nai), ss7.sccp_address(src.gt, src.ssn, nai=src.nai)


def map_msg(src, dst, tcap_type, component, map_fields, otid=None, dtid=None, dialogue=b"", xudt_segments=0,
            local_ref=0x0A0B0C, indefinite=False):
    """A TCAP message with one MAP component, in an SCCP UDT (or XUDT segments); with
    `indefinite` every constructed element of the TCAP message uses the indefinite length form."""
    if tcap_type == "begin":
        tcap = ss7.tcap_begin(otid, [component], dialogue)
    elif tcap_type == "continue":
        tcap = ss7.tcap_continue(otid, dtid, [component], dialogue)
    else:
        tcap = ss7.tcap_end(dtid, [component], dialogue)
    if indefinite:
        tcap = ber.to_indefinite(tcap)
    t = {"type": tcap_type}
    if otid:
        t["otid"] = otid.hex()
    if dtid:
        t["dtid"] = dtid.hex()
    layers = {"sccp": _sccp_truth(src, dst), "tcap": t, "map": map_fields}
    called, calling = _addrs(src, dst)
    if not xudt_segments:
        return [Msg(src, dst, ss7.SI_SCCP, ss7.sccp_udt(called, calling, tcap), layers)]
    size = -(-len(tcap) // xudt_segments)
    pieces = [tcap[i:i + size] for i in range(0, len(tcap), size)]
    out = []
    for i, piece in enumerate(pieces):
        seg = (i == 0, len(pieces) - 1 - i, local_ref)
        last = i == len(pieces) - 1
        out.append(Msg(src, dst, ss7.SI_SCCP, ss7.sccp_xudt(called, calling, piece, seg),
                       layers if last else {}))
    return out


def error_msg(src, dst, invoke_id, error_code, dtid, **kw):
    comp = ss7.return_error(invoke_id, error_code)
    return map_msg(src, dst, "end", comp, {"component": "returnError", "error_code": error_code}, None, dtid,
                   **kw)


def map_fields(opname, component, fields):
    f = {"opcode": OP[opname], "op": opname, "component": component}
    f.update(fields)
    return f


def invoke_msg(src, dst, opname, invoke_id, arg, fields, otid, dtid=None, tcap_type="begin", dialogue=True,
               **kw):
    ctx, ver = ACN[opname]
    if isinstance(dialogue, bytes):
        dlg = dialogue
    else:
        dlg = ss7.dialogue_request(ss7.map_acn(ctx, ver)) if dialogue else b""
    comp = ss7.invoke(invoke_id, OP[opname], arg)
    return map_msg(src, dst, tcap_type, comp, map_fields(opname, "invoke", fields), otid, dtid, dlg, **kw)


def result_msg(src, dst, opname, invoke_id, res, fields, dtid, otid=None, tcap_type="end", dialogue=True, **kw):
    ctx, ver = ACN[opname]
    dlg = ss7.dialogue_response(ss7.map_acn(ctx, ver)) if dialogue else b""
    if res is None:
        comp = ss7.return_result_last(invoke_id)
        mf = {"component": "returnResult"}
    else:
        comp = ss7.return_result_last(invoke_id, OP[opname], res)
        mf = map_fields(opname, "returnResult", fields)
    return map_msg(src, dst, tcap_type, comp, mf, otid, dtid, dlg, **kw)


_ISUP_NAMES = {ss7.ISUP_IAM: "IAM", ss7.ISUP_ACM: "ACM", ss7.ISUP_ANM: "ANM", ss7.ISUP_REL: "REL",
               ss7.ISUP_RLC: "RLC", ss7.ISUP_CON: "CON", ss7.ISUP_SUS: "SUS", ss7.ISUP_RES: "RES",
               ss7.ISUP_CPG: "CPG"}


def isup_msg(src, dst, payload, fields):
    f = {"msg": _ISUP_NAMES[payload[2]], "cic": int.from_bytes(payload[:2], "little") & 0x0FFF}
    f.update(fields)
    return Msg(src, dst, ss7.SI_ISUP, payload, {"isup": f})


def _proto(layers):
    """The event's proto: isup, map, cap, or tcap for a TCAP message without a component (abort,
    an End without components)."""
    return "isup" if "isup" in layers else "map" if "map" in layers else "cap" if "cap" in layers else "tcap"


def _events(layers):
    return layers if isinstance(layers, list) else [layers] if layers else []


def cap_msg(src, dst, tcap_type, components, otid=None, dtid=None, dialogue=b""):
    """A TCAP message carrying CAP components (each (component bytes, cap fields)), or none, in an
    SCCP UDT. Every component is an event of its own; without components the message is one
    event with proto tcap."""
    comps = [c for c, _ in components]
    if tcap_type == "begin":
        tcap = ss7.tcap_begin(otid, comps, dialogue)
    elif tcap_type == "continue":
        tcap = ss7.tcap_continue(otid, dtid, comps, dialogue)
    else:
        tcap = ss7.tcap_end(dtid, comps, dialogue)
    t = {"type": tcap_type}
    if otid:
        t["otid"] = otid.hex()
    if dtid:
        t["dtid"] = dtid.hex()
    base = {"sccp": _sccp_truth(src, dst), "tcap": t}
    layers = [dict(base, cap=f) for _, f in components] or [base]
    called, calling = _addrs(src, dst)
    return [Msg(src, dst, ss7.SI_SCCP, ss7.sccp_udt(called, calling, tcap), layers)]


def tcap_abort_msg(src, dst, dtid, p_abort_cause):
    """TC-Abort (Q.773 [APPLICATION 7]) with a P-Abort cause: no component, so no map layer."""
    abort = ber.cons(0x67, ber.tlv(0x49, dtid), ber.tlv(0x4A, bytes([p_abort_cause])))
    called, calling = _addrs(src, dst)
    layers = {"sccp": _sccp_truth(src, dst), "tcap": {"type": "abort", "dtid": dtid.hex()}}
    return [Msg(src, dst, ss7.SI_SCCP, ss7.sccp_udt(called, calling, abort), layers)]


def reject_msg(src, dst, invoke_id, problem_tag, problem, dtid):
    """A TC-End carrying a Reject component (Q.773: invoke ID, then the problem code)."""
    comp = ber.cons(0xA4, ber.integer(invoke_id), ber.tlv(problem_tag, bytes([problem])))
    return map_msg(src, dst, "end", comp, {"component": "reject"}, None, dtid)


class Assoc:
    """An M3UA association over SCTP between two signalling gateways (sides a and b)."""

    def __init__(self, cap, ip_a, ip_b, routing_context=100):
        self.cap = cap
        self.ip = {"a": ip_a, "b": ip_b}
        self.vtag = {"a": 0x5A5A0001, "b": 0xA5A50002}   # tag the sender puts in: the peer's
        self.tsn = {"a": 1000, "b": 5000}
        self.ssn = {}
        self.ip_id = {"a": 1, "b": 1}
        self.rc = routing_context

    def _stream_seq(self, side, stream):
        n = self.ssn.get((side, stream), 0)
        self.ssn[(side, stream)] = n + 1
        return n

    def _packet(self, side, chunks):
        other = "b" if side == "a" else "a"
        self.ip_id[side] += 1
        return net.sctp(self.ip[side], self.ip[other], ss7.M3UA_PORT, ss7.M3UA_PORT, self.vtag[other], chunks,
                        ip_id=self.ip_id[side])

    def _chunk(self, side, stream, data, begin=True, end=True, ssn=None):
        tsn = self.tsn[side]
        self.tsn[side] += 1
        if ssn is None:
            ssn = self._stream_seq(side, stream)
        return net.sctp_data_chunk(tsn, stream, ssn, ss7.M3UA_PPID, data, begin, end)

    def _m3ua(self, m):
        return ss7.m3ua_data(m.src.pc, m.dst.pc, m.si, m.payload, sls=m.si & 0x0F, routing_context=self.rc)

    def _expect(self, frame, m):
        other = "b" if m.src.side == "a" else "a"
        for event in _events(m.layers):
            layers = {"m3ua": {"opc": m.src.pc, "dpc": m.dst.pc, "si": m.si}}
            layers.update(event)
            self.cap.expect(frame, _proto(event), layers, (self.ip[m.src.side], ss7.M3UA_PORT),
                            (self.ip[other], ss7.M3UA_PORT), "sctp")

    def management(self, side, m3ua_bytes):
        return self.cap.add(self._packet(side, [self._chunk(side, 0, m3ua_bytes)]))

    def bring_up(self):
        self.management("a", ss7.m3ua_aspup())
        self.management("b", ss7.m3ua_aspup_ack())
        self.management("a", ss7.m3ua_aspac(self.rc))
        self.management("b", ss7.m3ua_aspac_ack(self.rc))

    def send(self, msgs, stream=1):
        """All msgs (same direction) in one SCTP packet, one DATA chunk each."""
        side = msgs[0].src.side
        frame = self.cap.add(self._packet(side, [self._chunk(side, stream, self._m3ua(m)) for m in msgs]))
        for m in msgs:
            self._expect(frame, m)
        return frame

    def send_each(self, msgs, stream=1):
        for m in msgs:
            self.send([m], stream)

    def send_fragmented(self, m, parts, stream=1):
        """One M3UA message as a user message fragmented over `parts` DATA chunks (B/E flags),
        each in its own packet."""
        side = m.src.side
        data = self._m3ua(m)
        size = -(-len(data) // parts)
        ssn = self._stream_seq(side, stream)
        frame = None
        for i in range(parts):
            piece = data[i * size:(i + 1) * size]
            chunk = self._chunk(side, stream, piece, begin=i == 0, end=i == parts - 1, ssn=ssn)
            frame = self.cap.add(self._packet(side, [chunk]))
        self._expect(frame, m)
        return frame


class MtpLink:
    """A classic signalling link captured as MTP2 signal units (libpcap link type 140), MTP2
    units behind the 4-byte pseudo-header (139: sent, annex A used, link number), or bare MTP3
    MSUs (141: SIO and SIF only, no MTP2)."""

    def __init__(self, cap, linktype=140):
        self.cap = cap
        self.fsn = {"a": 0, "b": 0}
        self.linktype = linktype
        self.transport = "mtp3" if linktype == 141 else "mtp2"

    def _frame(self, side, su):
        if self.linktype == 139:
            return struct.pack(">BBH", 1 if side == "a" else 0, 0, 3) + su
        return su

    def fisu(self, side="a"):
        return self.cap.add(self._frame(side, ss7.mtp2_frame(self.fsn["b" if side == "a" else "a"], self.fsn[side])))

    def lssu(self, status, side="a"):
        su = ss7.mtp2_frame(self.fsn["b" if side == "a" else "a"], self.fsn[side], lssu_status=status)
        return self.cap.add(self._frame(side, su))

    def send(self, m):
        side = m.src.side
        other = "b" if side == "a" else "a"
        self.fsn[side] = (self.fsn[side] + 1) & 0x7F
        msu = ss7.mtp3_msu(m.src.pc, m.dst.pc, m.si, m.payload, sls=m.si & 0x0F)
        if self.linktype == 141:
            frame = self.cap.add(msu)
        else:
            frame = self.cap.add(self._frame(side, ss7.mtp2_frame(self.fsn[other], self.fsn[side], msu)))
        for event in _events(m.layers):
            layers = {"mtp3": {"opc": m.src.pc, "dpc": m.dst.pc, "si": m.si}}
            layers.update(event)
            self.cap.expect(frame, _proto(event), layers, transport=self.transport)
        return frame

    def send_each(self, msgs):
        for m in msgs:
            self.send(m)
