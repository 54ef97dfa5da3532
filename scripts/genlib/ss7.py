"""SIGTRAN and SS7 encoders: M3UA (RFC 4666), MTP3 routing label and MTP2 (Q.703/Q.704),
SCCP UDT/XUDT (Q.713), TCAP (Q.773) and ISUP (Q.763)."""
import struct

from genlib import ber
from genlib.numbers import tbcd

# ---- M3UA (RFC 4666 section 3) -----------------------------------------------
M3UA_PPID = 3
M3UA_PORT = 2905


def _param(tag, value):
    body = struct.pack(">HH", tag, 4 + len(value)) + value
    return body + b"\x00" * (-len(body) % 4)


def m3ua_msg(msg_class, msg_type, params=b""):
    return struct.pack(">BBBBI", 1, 0, msg_class, msg_type, 8 + len(params)) + params


def m3ua_data(opc, dpc, si, payload, ni=2, mp=0, sls=0, routing_context=None):
    """TRANSFER DATA (class 1, type 1) with optional Routing Context and Protocol Data."""
    params = b""
    if routing_context is not None:
        params += _param(0x0006, struct.pack(">I", routing_context))
    params += _param(0x0210, struct.pack(">IIBBBB", opc, dpc, si, ni, mp, sls) + payload)
    return m3ua_msg(1, 1, params)


def m3ua_aspup():
    return m3ua_msg(3, 1)


def m3ua_aspup_ack():
    return m3ua_msg(3, 4)


def m3ua_aspac(routing_context):
    return m3ua_msg(4, 1, _param(0x000B, struct.pack(">I", 2)) + _param(0x0006, struct.pack(">I", routing_context)))


def m3ua_aspac_ack(routing_context):
    return m3ua_msg(4, 3, _param(0x000B, struct.pack(">I", 2)) + _param(0x0006, struct.pack(">I", routing_context)))


# ---- MTP3 / MTP2 (Q.704 14.2, Q.703 2.2) ---------------------------------------
SI_SCCP = 3
SI_ISUP = 5


def mtp3_msu(opc, dpc, si, payload, ni=2, sls=0):
    """SIO octet then the ITU routing label (DPC 14 bits, OPC 14 bits, SLS 4 bits, LSB first)."""
    label = (dpc & 0x3FFF) | ((opc & 0x3FFF) << 14) | ((sls & 0xF) << 28)
    return bytes([(ni << 6) | si]) + struct.pack("<I", label) + payload


def mtp2_frame(bsn, fsn, sio_sif=b"", lssu_status=None):
    """A signal unit without flags or FCS (libpcap LINKTYPE_MTP2)."""
    if lssu_status is not None:
        body = bytes([lssu_status])
    else:
        body = sio_sif
    li = min(len(body), 63)
    return bytes([0x80 | (bsn & 0x7F), 0x80 | (fsn & 0x7F), li]) + body


# ---- SCCP (Q.713) ---------------------------------------------------------------
SSN_HLR, SSN_VLR, SSN_MSC, SSN_EIR = 6, 7, 8, 9


def sccp_address(gt, ssn, tt=0, np=1, nai=4, pc=None, route_on_ssn=False):
    """Called/calling party address with global title indicator 4 (Q.713 3.4)."""
    ai = (0x40 if route_on_ssn else 0) | (4 << 2) | 0x02 | (0x01 if pc is not None else 0)
    out = bytes([ai])
    if pc is not None:
        out += struct.pack("<H", pc & 0x3FFF)
    out += bytes([ssn, tt, (np << 4) | (1 if len(gt) % 2 else 2), nai & 0x7F]) + tbcd(gt, filler=0)
    return out


def sccp_udt(called, calling, data, protocol_class=0x80):
    """UDT (type 0x09): class, three pointers, then the variable parts in order."""
    p1 = 3
    p2 = p1 - 1 + 1 + len(called)
    p3 = p2 - 1 + 1 + len(calling)
    return (bytes([0x09, protocol_class, p1, p2, p3])
            + bytes([len(called)]) + called + bytes([len(calling)]) + calling + bytes([len(data)]) + data)


def sccp_xudt(called, calling, data, segmentation=None, protocol_class=0x81, hop_counter=15):
    """XUDT (type 0x11) with an optional segmentation parameter (Q.713 3.17)."""
    p1 = 4
    p2 = p1 - 1 + 1 + len(called)
    p3 = p2 - 1 + 1 + len(calling)
    opt = b""
    p4 = 0
    if segmentation is not None:
        first, remaining, local_ref = segmentation
        seg = bytes([(0x80 if first else 0) | (0x40 if protocol_class & 0x0F else 0) | remaining])
        seg += local_ref.to_bytes(3, "big")
        opt = bytes([0x10, len(seg)]) + seg + b"\x00"
        p4 = p3 - 1 + 1 + len(data)
    return (bytes([0x11, protocol_class, hop_counter, p1, p2, p3, p4])
            + bytes([len(called)]) + called + bytes([len(calling)]) + calling
            + bytes([len(data)]) + data + opt)


# ---- TCAP (Q.773) ---------------------------------------------------------------
DIALOGUE_AS_ID = "0.0.17.773.1.1.1"


def map_acn(context, version):
    """MAP application context name 0.4.0.0.1.0.<context>.<version> (TS 29.002 17.3.3)."""
    return f"0.4.0.0.1.0.{context}.{version}"


MAP_DIALOGUE_AS = "0.4.0.0.1.1.1.1"


def map_open(destination=None, origination=None):
    """AARQ user-information [30] carrying MAP-DialoguePDU map-open [0] (TS 29.002 17.1):
    destinationReference [0] / originationReference [1], AddressStrings given as bytes."""
    refs = b""
    if destination is not None:
        refs += ber.tlv(0x80, destination)
    if origination is not None:
        refs += ber.tlv(0x81, origination)
    external = ber.cons(0x28, ber.oid(MAP_DIALOGUE_AS), ber.cons(0xA0, ber.cons(0xA0, refs)))
    return ber.cons(0xBE, external)


def dialogue_request(acn, user_info=b""):
    aarq = ber.cons(0x60, ber.tlv(0x80, b"\x07\x80"), ber.cons(0xA1, ber.oid(acn)), user_info)
    return ber.cons(0x6B, ber.cons(0x28, ber.oid(DIALOGUE_AS_ID), ber.cons(0xA0, aarq)))


def dialogue_response(acn):
    aare = ber.cons(0x61, ber.tlv(0x80, b"\x07\x80"), ber.cons(0xA1, ber.oid(acn)),
                    ber.cons(0xA2, ber.integer(0)), ber.cons(0xA3, ber.cons(0xA1, ber.integer(0))))
    return ber.cons(0x6B, ber.cons(0x28, ber.oid(DIALOGUE_AS_ID), ber.cons(0xA0, aare)))


def invoke(invoke_id, opcode, param=b""):
    return ber.cons(0xA1, ber.integer(invoke_id), ber.integer(opcode), param)


def return_result_last(invoke_id, opcode=None, param=b""):
    if opcode is None:
        return ber.cons(0xA2, ber.integer(invoke_id))
    return ber.cons(0xA2, ber.integer(invoke_id), ber.cons(0x30, ber.integer(opcode), param))


def return_result_not_last(invoke_id, opcode, param):
    return ber.cons(0xA7, ber.integer(invoke_id), ber.cons(0x30, ber.integer(opcode), param))


def return_error(invoke_id, error_code):
    return ber.cons(0xA3, ber.integer(invoke_id), ber.integer(error_code))


def tcap_begin(otid, components, dialogue=b""):
    return ber.cons(0x62, ber.tlv(0x48, otid), dialogue, ber.cons(0x6C, *components))


def tcap_continue(otid, dtid, components, dialogue=b""):
    return ber.cons(0x65, ber.tlv(0x48, otid), ber.tlv(0x49, dtid), dialogue, ber.cons(0x6C, *components))


def tcap_end(dtid, components, dialogue=b""):
    comp = ber.cons(0x6C, *components) if components else b""
    return ber.cons(0x64, ber.tlv(0x49, dtid), dialogue, comp)


# ---- ISUP (Q.763) ---------------------------------------------------------------
ISUP_IAM, ISUP_ACM, ISUP_ANM, ISUP_REL, ISUP_RLC = 0x01, 0x06, 0x09, 0x0C, 0x10
ISUP_CON, ISUP_SUS, ISUP_RES, ISUP_CPG = 0x07, 0x0D, 0x0E, 0x2C


def _isup_number(digits, nai, second_octet):
    odd = 0x80 if len(digits) % 2 else 0
    return bytes([odd | (nai & 0x7F), second_octet]) + tbcd(digits, filler=0)


def isup_iam(cic, called, calling, called_nai=4, calling_nai=4, category=0x0A, redirecting=None,
             redirecting_nai=3, original_called=None, original_called_nai=3):
    """IAM: fixed part (NCI, FCI, CPC, TMR), called party number, calling party number, and for a
    diverted call the redirecting number (Q.763 3.44) with redirection information (3.45: call
    diverted, reason user busy, counter 1), and the original called number (3.39) when given."""
    called_p = _isup_number(called, called_nai, 0x10)           # INN=0, NPI=1 (E.164)
    calling_p = _isup_number(calling, calling_nai, 0x13)        # NPI=1, APRI=0, network provided
    fixed = bytes([0x00, 0x60, 0x01, category, 0x00])
    ptr_called = 2
    ptr_opt = 1 + 1 + len(called_p)
    optional = bytes([0x0A, len(calling_p)]) + calling_p
    if redirecting:
        red_p = _isup_number(redirecting, redirecting_nai, 0x10)
        optional += bytes([0x0B, len(red_p)]) + red_p + bytes([0x13, 2, 0x03, 0x11])
    if original_called:
        ocn_p = _isup_number(original_called, original_called_nai, 0x10)
        optional += bytes([0x28, len(ocn_p)]) + ocn_p
    optional += b"\x00"
    return (struct.pack("<H", cic) + bytes([ISUP_IAM]) + fixed + bytes([ptr_called, ptr_opt])
            + bytes([len(called_p)]) + called_p + optional)


def isup_acm(cic):
    return struct.pack("<H", cic) + bytes([ISUP_ACM, 0x16, 0x14, 0x00])


def isup_anm(cic):
    return struct.pack("<H", cic) + bytes([ISUP_ANM, 0x00])


def isup_rel(cic, cause, location=1):
    cause_p = bytes([0x80 | location, 0x80 | cause])
    return struct.pack("<H", cic) + bytes([ISUP_REL, 0x02, 0x00, len(cause_p)]) + cause_p


def isup_rlc(cic):
    return struct.pack("<H", cic) + bytes([ISUP_RLC, 0x00])


def isup_con(cic):
    """CON: backward call indicators (answered, subscriber free), no optional part."""
    return struct.pack("<H", cic) + bytes([ISUP_CON, 0x16, 0x14, 0x00])


def isup_cpg(cic, event=0x01):
    """CPG: event information (1 = alerting), no optional part."""
    return struct.pack("<H", cic) + bytes([ISUP_CPG, event, 0x00])


def isup_sus(cic, network_initiated=False):
    return struct.pack("<H", cic) + bytes([ISUP_SUS, 1 if network_initiated else 0, 0x00])


def isup_res(cic, network_initiated=False):
    return struct.pack("<H", cic) + bytes([ISUP_RES, 1 if network_initiated else 0, 0x00])
