"""MAP operation arguments and results (3GPP TS 29.002 chapter 17), BER encoded.

Each function returns (parameter bytes, fields) where fields are the values a
decoder must find in the event's "map" object. The MAP modules use IMPLICIT
TAGS; CHOICE types that carry a context tag are therefore explicit.
"""
from genlib import ber
from genlib.numbers import isdn_address, tbcd
from genlib.sms import ussd_pack

# Operation codes (TS 29.002 17.5) and application contexts (17.3.3) used here.
OP = {
    "updateLocation": 2, "cancelLocation": 3, "insertSubscriberData": 7,
    "sendRoutingInfo": 22, "checkIMEI": 43, "mt-forwardSM": 44, "sendRoutingInfoForSM": 45,
    "mo-forwardSM": 46, "sendAuthenticationInfo": 56, "processUnstructuredSS-Request": 59,
    "provideSubscriberInfo": 70, "anyTimeInterrogation": 71, "registerSS": 10,
}
ACN = {  # operation -> (application context number, version)
    "updateLocation": (1, 3), "cancelLocation": (2, 3), "insertSubscriberData": (16, 3),
    "sendRoutingInfo": (5, 3), "checkIMEI": (13, 2), "mt-forwardSM": (25, 3),
    "sendRoutingInfoForSM": (20, 3), "mo-forwardSM": (21, 3), "sendAuthenticationInfo": (14, 3),
    "processUnstructuredSS-Request": (19, 2), "provideSubscriberInfo": (28, 3),
    "anyTimeInterrogation": (29, 3), "registerSS": (18, 2),
}


def imsi(d, tag=0x04):
    return ber.tlv(tag, tbcd(d))


def isdn(d, tag=0x04):
    return ber.tlv(tag, isdn_address(d))


def update_location_arg(imsi_d, msc, vlr):
    return ber.cons(0x30, imsi(imsi_d), isdn(msc, 0x81), isdn(vlr)), {"imsi": imsi_d, "msc": msc, "vlr": vlr}


def update_location_res(hlr):
    return ber.cons(0x30, isdn(hlr)), {"hlr": hlr}


def cancel_location_arg(imsi_d):
    # v3: [3] SEQUENCE { identity Identity (imsi), cancellationType updateProcedure }
    return ber.cons(0xA3, imsi(imsi_d), ber.enumerated(0)), {"imsi": imsi_d}


def empty_res():
    return ber.cons(0x30), {}


# SS-Codes (TS 29.002 17.7.5) of call forwarding.
SS_CFU, SS_CFB, SS_CFNRY, SS_CFNRC = 0x21, 0x29, 0x2A, 0x2B


def _forwarding_info(ss_code, number, number_tag):
    """ForwardingInfo / Ext-ForwInfo [0] { ss-Code, forwardingFeatureList { { teleservice [3]
    telephony, ss-Status [4] (active, registered, provisioned), forwardedToNumber } } }."""
    feature = ber.cons(0x30, ber.tlv(0x83, b"\x11"), ber.tlv(0x84, b"\x07"), isdn(number, number_tag))
    return ber.cons(0xA0, ber.tlv(0x04, bytes([ss_code])), ber.cons(0x30, feature))


def insert_subscriber_data_arg(imsi_d, msisdn, forwarding=None):
    """forwarding: (ss_code, number) provisioned in provisionedSS [7]."""
    parts = [imsi(imsi_d, 0x80), isdn(msisdn, 0x81), ber.tlv(0x82, b"\x0a"),
             ber.enumerated(0, 0x83), ber.cons(0xA6, ber.tlv(0x04, b"\x11"), ber.tlv(0x04, b"\x21"))]
    fields = {"imsi": imsi_d, "msisdn": msisdn}
    if forwarding:
        parts.append(ber.cons(0xA7, _forwarding_info(forwarding[0], forwarding[1], 0x85)))
        fields.update(forwarded_to=forwarding[1], ss_code=forwarding[0])
    return ber.cons(0x30, *parts), fields


def register_ss_arg(ss_code, forwarded_to):
    """RegisterSS-Arg: SEQUENCE { ss-Code, basicService teleservice [3] telephony,
    forwardedToNumber [4] }. The subscriber is the dialogue's destination reference."""
    return ber.cons(0x30, ber.tlv(0x04, bytes([ss_code])), ber.tlv(0x83, b"\x11"), isdn(forwarded_to, 0x84)), \
        {"ss_code": ss_code, "forwarded_to": forwarded_to}


def register_ss_res(ss_code, forwarded_to):
    """SS-Info: forwardingInfo [0] as now registered (the decoder reads no fields of it)."""
    return _forwarding_info(ss_code, forwarded_to, 0x85), {}


def send_routing_info_arg(msisdn, gmsc):
    return ber.cons(0x30, isdn(msisdn, 0x80), ber.enumerated(0, 0x83), isdn(gmsc, 0x86)), {"msisdn": msisdn}


def send_routing_info_res(imsi_d, roaming):
    # v3: [3] SEQUENCE { imsi [9], extendedRoutingInfo: routingInfo: roamingNumber }
    return ber.cons(0xA3, imsi(imsi_d, 0x89), isdn(roaming)), {"imsi": imsi_d, "roaming_number": roaming}


def sri_for_sm_arg(msisdn, sca):
    return ber.cons(0x30, isdn(msisdn, 0x80), ber.boolean(True, 0x81), isdn(sca, 0x82)), \
        {"msisdn": msisdn, "service_centre": sca}


def sri_for_sm_res(imsi_d, msc):
    return ber.cons(0x30, imsi(imsi_d), ber.cons(0xA0, isdn(msc, 0x81))), {"imsi": imsi_d, "msc": msc}


def psi_arg(imsi_d):
    req = ber.cons(0xA2, ber.null(0x80), ber.null(0x81))
    return ber.cons(0x30, imsi(imsi_d, 0x80), req), {"imsi": imsi_d}


def _subscriber_info(vlr):
    loc = ber.cons(0xA0, ber.integer(5), isdn(vlr, 0x81))
    state = ber.cons(0xA1, ber.null(0x80))  # assumedIdle
    return ber.cons(0x30, loc, state)


def psi_res(vlr):
    return ber.cons(0x30, _subscriber_info(vlr)), {"vlr": vlr}


def ati_arg(msisdn, gsmscf):
    ident = ber.cons(0xA0, isdn(msisdn, 0x81))
    req = ber.cons(0xA1, ber.null(0x80), ber.null(0x81))
    return ber.cons(0x30, ident, req, isdn(gsmscf, 0x83)), {"msisdn": msisdn}


def ati_res(vlr):
    return ber.cons(0x30, _subscriber_info(vlr)), {"vlr": vlr}


def check_imei_arg_v2(imei):
    return ber.tlv(0x04, tbcd(imei)), {"imei": imei}


def check_imei_res_v2():
    return ber.enumerated(0), {}  # whiteListed


def sai_arg(imsi_d, vectors=1):
    return ber.cons(0x30, imsi(imsi_d, 0x80), ber.integer(vectors)), {"imsi": imsi_d}


def sai_res(seed):
    rand = bytes((seed * 7 + i * 13) & 0xFF for i in range(16))
    sres = bytes((seed + i * 29) & 0xFF for i in range(4))
    kc = bytes((seed * 3 + i * 17) & 0xFF for i in range(8))
    triplet = ber.cons(0x30, ber.tlv(0x04, rand), ber.tlv(0x04, sres), ber.tlv(0x04, kc))
    return ber.cons(0xA3, ber.cons(0xA0, triplet)), {}


def ussd_arg(text, msisdn=None):
    parts = [ber.tlv(0x04, b"\x0f"), ber.tlv(0x04, ussd_pack(text))]
    if msisdn:
        parts.append(isdn(msisdn, 0x80))
    fields = {"ussd": text}
    if msisdn:
        fields["msisdn"] = msisdn
    return ber.cons(0x30, *parts), fields


def ussd_res(text):
    return ber.cons(0x30, ber.tlv(0x04, b"\x0f"), ber.tlv(0x04, ussd_pack(text))), {"ussd": text}


def mo_forward_sm_arg(sca, msisdn, tpdu, imsi_d=None):
    parts = [isdn(sca, 0x84), isdn(msisdn, 0x82), ber.tlv(0x04, tpdu)]
    if imsi_d:
        parts.append(imsi(imsi_d))
    return ber.cons(0x30, *parts)


def mt_forward_sm_arg(imsi_d, sca, tpdu):
    return ber.cons(0x30, imsi(imsi_d, 0x80), isdn(sca, 0x84), ber.tlv(0x04, tpdu))
