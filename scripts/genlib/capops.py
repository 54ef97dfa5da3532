"""CAMEL Application Part v2 operations between gsmSSF and gsmSCF (3GPP TS 29.078 clause 6),
BER encoded.

Each argument function returns (parameter bytes, fields) where fields are the values a decoder
must find in the event's "cap" object. The CAP modules use IMPLICIT TAGS, so a tagged CHOICE
(eventSpecificInformationBCSM, legID, cellGlobalIdOrServiceAreaIdOrLAI) is explicit: a
constructed tag around the chosen alternative. Numbers inside CAP are ISUP formatted (Q.763
3.9/3.10: CalledPartyNumber, CallingPartyNumber, Cause) or TS 24.008 (CalledPartyBCDNumber),
MAP types (IMSI, ISDN-AddressString, LocationInformation) as in TS 29.002.
"""
from genlib import ber, ss7
from genlib.numbers import isdn_address, tbcd

SSN_CAP = 146  # TS 23.003 annex: CAP, on the gsmSSF and the gsmSCF
CAP_V2_SSF_TO_SCF = "0.4.0.0.1.0.50.1"  # CAP-v2-gsmSSF-to-gsmSCF-AC

# Operation codes (TS 29.078 CAP-operationcodes) used here.
OP = {"initialDP": 0, "connect": 20, "releaseCall": 22, "requestReportBCSMEvent": 23,
      "eventReportBCSM": 24, "continue": 31}

# EventTypeBCSM (CAP-datatypes).
EVENT = {
    "collectedInfo": 2, "analyzedInformation": 3, "routeSelectFailure": 4, "oCalledPartyBusy": 5,
    "oNoAnswer": 6, "oAnswer": 7, "oMidCall": 8, "oDisconnect": 9, "oAbandon": 10,
    "termAttemptAuthorized": 12, "tBusy": 13, "tNoAnswer": 14, "tAnswer": 15, "tMidCall": 16,
    "tDisconnect": 17, "tAbandon": 18,
}

# EventSpecificInformationBCSM alternatives: event -> (context tag, name of its Cause, if any).
# TS 29.078 numbers them from [2] (routeSelectFailureSpecificInfo) to [12]
# (tDisconnectSpecificInfo); oAbandon has none in CAP v2.
SPECIFIC_INFO = {
    "routeSelectFailure": (2, "failureCause"), "oCalledPartyBusy": (3, "busyCause"), "oNoAnswer": (4, None),
    "oAnswer": (5, None), "oMidCall": (6, None), "oDisconnect": (7, "releaseCause"),
    "tBusy": (8, "busyCause"), "tNoAnswer": (9, None), "tAnswer": (10, None), "tMidCall": (11, None),
    "tDisconnect": (12, "releaseCause"),
}

LEG1, LEG2 = 1, 2
INTERRUPTED, NOTIFY_AND_CONTINUE = 0, 1      # MonitorMode
REQUEST, NOTIFICATION = 0, 1                 # MiscCallInfo messageType


def fields(opname, extra=None):
    f = {"opcode": OP[opname], "op": opname, "component": "invoke"}
    f.update(extra or {})
    return f


def cause(value, location=2):
    """ISUP Cause indicators (Q.763 3.12): ext + coding standard ITU + location, ext + Q.850 cause.
    Location 2: public network serving the local user."""
    return bytes([0x80 | location, 0x80 | value])


def calling_party_number(digits):
    """ISUP Calling Party Number: international, ISDN numbering plan, presentation allowed,
    network provided (0x13)."""
    return ss7._isup_number(digits, 4, 0x13)


def called_party_number(digits):
    """ISUP Called Party Number: international, routing to internal network number allowed,
    ISDN numbering plan (0x10)."""
    return ss7._isup_number(digits, 4, 0x10)


def cgi(mcc, mnc, lac, ci):
    """CellGlobalIdOrServiceAreaIdFixedLength (TS 29.002, TS 24.008 10.5.1.3): MCC/MNC in three
    TBCD octets (a two-digit MNC puts filler F in octet 2's high nibble), LAC, CI."""
    m = [int(d) for d in mcc]
    n = [int(d) for d in mnc] + ([0xF] if len(mnc) == 2 else [])
    plmn = bytes([m[0] | m[1] << 4, m[2] | n[2] << 4, n[0] | n[1] << 4])
    return plmn + lac.to_bytes(2, "big") + ci.to_bytes(2, "big"), f"{mcc}{mnc}{lac:04X}{ci:04X}"


def location_information(vlr, cell, age=0):
    """MAP LocationInformation: ageOfLocationInformation, vlr-number [1],
    cellGlobalIdOrServiceAreaIdOrLAI [3] { cellGlobalIdOrServiceAreaIdFixedLength [0] }."""
    return (ber.integer(age) + ber.tlv(0x81, isdn_address(vlr))
            + ber.cons(0xA3, ber.tlv(0x80, cell)))


def time_and_timezone(local="20260101080000", tz_quarters=32):
    """TimeAndTimezone (8 octets): YYYYMMDDhhmmss as swapped BCD, then the time zone in quarter
    hours (TS 23.040 9.2.3.11 coding: swapped BCD, bit 3 of the first digit the sign)."""
    return tbcd(local) + tbcd(f"{tz_quarters:02d}")


def initial_dp_arg(service_key, calling, imsi, vlr, msc, cell, call_ref, called_bcd=None, called_isup=None,
                   event="collectedInfo", time_local="20260101080000"):
    """InitialDPArg: serviceKey [0], calledPartyNumber [2] (MT), callingPartyNumber [3],
    callingPartysCategory [5] ordinary subscriber, eventTypeBCSM [28], iMSI [50],
    locationInformation [52], callReferenceNumber [54], mscAddress [55],
    calledPartyBCDNumber [56] (MO), timeAndTimezone [57]."""
    cell_bytes, cell_text = cell
    parts = [ber.integer(service_key, 0x80)]
    if called_isup:
        parts.append(ber.tlv(0x82, called_party_number(called_isup)))
    parts += [ber.tlv(0x83, calling_party_number(calling)), ber.tlv(0x85, b"\x0a"),
              ber.enumerated(EVENT[event], (0x9F, 0x1C)), ber.tlv((0x9F, 0x32), tbcd(imsi)),
              ber.cons((0xBF, 0x34), location_information(vlr, cell_bytes)),
              ber.tlv((0x9F, 0x36), call_ref), ber.tlv((0x9F, 0x37), isdn_address(msc))]
    if called_bcd:
        parts.append(ber.tlv((0x9F, 0x38), isdn_address(called_bcd)))
    parts.append(ber.tlv((0x9F, 0x39), time_and_timezone(time_local)))
    f = {"service_key": service_key, "event": event, "calling": calling, "called": called_bcd or called_isup,
         "imsi": imsi, "vlr": vlr, "msc": msc, "cell": cell_text}
    return ber.cons(0x30, *parts), fields("initialDP", f)


def rrbe_arg(events):
    """RequestReportBCSMEventArg: bcsmEvents [0] SEQUENCE OF BCSMEvent { eventTypeBCSM [0],
    monitorMode [1], legID [2] { sendingSideID [0] } }; events: (name, monitor mode, leg)."""
    seq = [ber.cons(0x30, ber.enumerated(EVENT[name], 0x80), ber.enumerated(mode, 0x81),
                    ber.cons(0xA2, ber.tlv(0x80, bytes([leg]))))
           for name, mode, leg in events]
    return ber.cons(0x30, ber.cons(0xA0, *seq)), fields("requestReportBCSMEvent")


def erb_arg(event, leg, message_type, cause_value=None):
    """EventReportBCSMArg: eventTypeBCSM [0], eventSpecificInformationBCSM [2] (the event's
    alternative, with its cause when given), legID [3] { receivingSideID [1] },
    miscCallInfo [4] { messageType [0] }."""
    parts = [ber.enumerated(EVENT[event], 0x80)]
    f = {"event": event}
    if event in SPECIFIC_INFO:
        tag, cause_name = SPECIFIC_INFO[event]
        inner = ber.tlv(0x80, cause(cause_value)) if cause_name and cause_value is not None else b""
        parts.append(ber.cons(0xA2, ber.cons(0xA0 | tag, inner)))
        if inner:
            f["cause"] = cause_value
    parts += [ber.cons(0xA3, ber.tlv(0x81, bytes([leg]))), ber.cons(0xA4, ber.enumerated(message_type, 0x80))]
    return ber.cons(0x30, *parts), fields("eventReportBCSM", f)


def release_call_arg(cause_value):
    """ReleaseCallArg, CAP v2: allCallSegments, a Cause as a universal OCTET STRING."""
    return ber.tlv(0x04, cause(cause_value)), fields("releaseCall", {"cause": cause_value})


def continue_op():
    """continue: no argument."""
    return b"", fields("continue")
