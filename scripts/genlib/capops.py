"""CAMEL Application Part operations between gsmSSF and gsmSCF, BER encoded: the CAP v2 call
operations (3GPP TS 29.078 clause 6) and the CAP v3 SMS operations (TS 29.078 clause 7,
CAP-SMS-ops-args: the MSC's gsmSSF, acting as SMS-SSF, towards the gsmSCF).

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
CAP_V3_SMS = "0.4.0.0.1.21.3.61"        # id-ac-cap3-sms-AC (tshark: cap3-sms-AC)

# Operation codes (TS 29.078 CAP-operationcodes) used here.
OP = {"initialDP": 0, "connect": 20, "releaseCall": 22, "requestReportBCSMEvent": 23,
      "eventReportBCSM": 24, "continue": 31,
      "initialDPSMS": 60, "requestReportSMSEvent": 63, "eventReportSMS": 64, "continueSMS": 65,
      "releaseSMS": 66}

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


# ---- CAP v3 SMS (TS 29.078 clause 7) ------------------------------------------------
# EventTypeSMS (CAP-datatypes): MO SMS 1-3, MT SMS (CAP v4) 11-13.
EVENT_SMS = {"sms-CollectedInfo": 1, "o-smsFailure": 2, "o-smsSubmission": 3,
             "sms-DeliveryRequested": 11, "t-smsFailure": 12, "t-smsDelivery": 13}
# EventSpecificInformationSMS alternatives (a tagged CHOICE, so explicit): event -> context tag.
SPECIFIC_INFO_SMS = {"o-smsFailure": 0, "o-smsSubmission": 1, "t-smsFailure": 2, "t-smsDelivery": 3}
RP_CALL_BARRED = 10   # RP-Cause (TS 24.011 8.2.5.4): call barred


def initial_dp_sms_arg(service_key, calling, called, imsi, vlr, msc, cell, smsc, sms_ref, imei=None,
                       time_local="20260101080000", tp_first_octet=0x11, tp_pid=0x00, tp_dcs=0x08, tp_vp=0xA7,
                       event="sms-CollectedInfo"):
    """InitialDPSMSArg (MO SMS at sms-CollectedInfo): serviceKey [0], destinationSubscriberNumber
    [1] (CalledPartyBCDNumber, TS 24.008 10.5.4.7: the TP-DA), callingPartyNumber [2]
    (SMS-AddressString), eventTypeSMS [3], iMSI [4], locationInformationMSC [5] (MAP
    LocationInformation), sMSCAddress [7], timeAndTimezone [8], tPShortMessageSpecificInfo [9]
    (the TPDU's first octet: 0x11 SMS-SUBMIT, relative validity period),
    tPProtocolIdentifier [10], tPDataCodingScheme [11] (0x08 UCS2), tPValidityPeriod [12]
    (relative, 0xA7: 24 hours), then after the extension marker smsReferenceNumber [14],
    mscAddress [15] and, when given, iMEI [19] (TBCD, 8 octets: 15 digits and a filler)."""
    cell_bytes, cell_text = cell
    parts = [ber.integer(service_key, 0x80), ber.tlv(0x81, isdn_address(called)),
             ber.tlv(0x82, isdn_address(calling)), ber.enumerated(EVENT_SMS[event], 0x83),
             ber.tlv(0x84, tbcd(imsi)), ber.cons(0xA5, location_information(vlr, cell_bytes)),
             ber.tlv(0x87, isdn_address(smsc)), ber.tlv(0x88, time_and_timezone(time_local)),
             ber.tlv(0x89, bytes([tp_first_octet])), ber.tlv(0x8A, bytes([tp_pid])),
             ber.tlv(0x8B, bytes([tp_dcs])), ber.tlv(0x8C, bytes([tp_vp])), ber.tlv(0x8E, sms_ref),
             ber.tlv(0x8F, isdn_address(msc))]
    f = {"service_key": service_key, "event": event, "calling": calling, "called": called, "imsi": imsi,
         "vlr": vlr, "msc": msc, "cell": cell_text, "service_centre": smsc}
    if imei:
        parts.append(ber.tlv(0x93, tbcd(imei)))
        f["imei"] = imei
    return ber.cons(0x30, *parts), fields("initialDPSMS", f)


def rrse_arg(events):
    """RequestReportSMSEventArg: sMSEvents [0] SEQUENCE OF SMSEvent { eventTypeSMS [0],
    monitorMode [1] }; events: (name, monitor mode)."""
    seq = [ber.cons(0x30, ber.enumerated(EVENT_SMS[name], 0x80), ber.enumerated(mode, 0x81))
           for name, mode in events]
    return ber.cons(0x30, ber.cons(0xA0, *seq)), fields("requestReportSMSEvent")


def ersms_arg(event, message_type):
    """EventReportSMSArg: eventTypeSMS [0], eventSpecificInformationSMS [1] (the event's
    alternative, empty), miscCallInfo [2] { messageType [0] }."""
    parts = [ber.enumerated(EVENT_SMS[event], 0x80),
             ber.cons(0xA1, ber.cons(0xA0 | SPECIFIC_INFO_SMS[event])),
             ber.cons(0xA2, ber.enumerated(message_type, 0x80))]
    return ber.cons(0x30, *parts), fields("eventReportSMS", {"event": event})


def continue_sms_op():
    """continueSMS: no argument."""
    return b"", fields("continueSMS")


def release_sms_arg(rp_cause=RP_CALL_BARRED):
    """ReleaseSMSArg ::= RPCause, an OCTET STRING of one octet (TS 24.011 RP-Cause value)."""
    return ber.tlv(0x04, bytes([rp_cause])), fields("releaseSMS")
