"""The SS7 captures of pcaps/ss7 (issue 3, "The project's own captures"): M3UA over SCTP
(PPID 3, port 2905) and one MTP2 link capture."""
from genlib import capops as co
from genlib import mapops as mo
from genlib import ber, sms, ss7
from genlib.numbers import isdn_address, tbcd
from genlib.capture import Capture
from genlib.pcapfile import LINKTYPE_MTP2
from genlib.sigtran import (Assoc, MtpLink, Node, cap_msg, error_msg, invoke_msg, isup_msg, map_fields,
                            map_msg, reject_msg, result_msg, tcap_abort_msg)

SG_A, SG_B = "10.20.0.1", "10.20.0.2"
# Side a: the serving network (VLR/MSC, SMSC, GMSC, gsmSCF); side b: the home network (HLR, EIR).
VLR = Node("VLR", 1201, "8613900000010", ss7.SSN_VLR, "a")
MSC = Node("MSC", 1201, "8613900000011", ss7.SSN_MSC, "a")
SMSC = Node("SMSC", 1202, "8613800500000", ss7.SSN_MSC, "a")
GMSC = Node("GMSC", 1203, "8613800600000", ss7.SSN_MSC, "a")
SCF = Node("gsmSCF", 1204, "8613800700000", 147, "a")
HLR = Node("HLR", 2302, "8613800000001", ss7.SSN_HLR, "b")
EIR = Node("EIR", 2303, "8613800000009", ss7.SSN_EIR, "b")
MSC_B = Node("MSC-B", 2304, "8613900000021", ss7.SSN_MSC, "b")
SWITCH_A = Node("exchange-A", 1301, "", 0, "a")
# CAMEL: the serving MSC's gsmSSF (side a) and a prepaid SCP's gsmSCF (side b), both on SSN 146.
SSF = Node("MSC/gsmSSF", 1205, "8613900000031", co.SSN_CAP, "a")
SCP = Node("gsmSCF (prepaid)", 2305, "8613800800001", co.SSN_CAP, "b")
SWITCH_B = Node("exchange-B", 2401, "", 0, "b")

IMSI = "460001234567890"
IMSI2 = "460009876543210"
MSISDN = "8613800138000"
IMEI = "353456789012345"

SMS_ZH = "您的医保卡已停用，请点击链接办理：http://yb-gov.example.cn/k8 回复TD退订"
SMS_GSM7 = ("Dear customer, account [#4471] is {locked}. Pay €25 fee at bank-secure.example/pay "
            "^_^ or call 400|889~1. \\ Ref: A7")
USSD_REQ = "*100#"
USSD_RES = "Balance: 10.00 EUR, valid until 2026-02-01"


def tid(n):
    return n.to_bytes(4, "big")


def _dialogue(assoc, a, b, op, arg_fields, res_fields, otid, invoke_id=1):
    """Begin(invoke) from a, End(returnResult) from b."""
    arg, af = arg_fields
    assoc.send(invoke_msg(a, b, op, invoke_id, arg, af, otid))
    if res_fields is None:
        assoc.send(result_msg(b, a, op, invoke_id, None, None, dtid=otid))
    else:
        res, rf = res_fields
        assoc.send(result_msg(b, a, op, invoke_id, res, rf, dtid=otid))


def map_operations():
    """Invoke and result of every MAP operation fraud detection needs, one dialogue each."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    # updateLocation with insertSubscriberData inside the same dialogue (Begin/Continue/Continue/End).
    t_vlr, t_hlr = tid(0x0A000001), tid(0x0B000001)
    arg, f = mo.update_location_arg(IMSI, MSC.gt, VLR.gt)
    assoc.send(invoke_msg(VLR, HLR, "updateLocation", 1, arg, f, t_vlr))
    arg, f = mo.insert_subscriber_data_arg(IMSI, MSISDN)
    ul_acn = ss7.map_acn(*mo.ACN["updateLocation"])
    assoc.send(invoke_msg(HLR, VLR, "insertSubscriberData", 2, arg, f, t_hlr, t_vlr, "continue",
                          dialogue=ss7.dialogue_response(ul_acn)))
    res, f = mo.empty_res()
    assoc.send(result_msg(VLR, HLR, "insertSubscriberData", 2, res, f, dtid=t_hlr, otid=t_vlr,
                          tcap_type="continue", dialogue=False))
    res, f = mo.update_location_res(HLR.gt)
    assoc.send(result_msg(HLR, VLR, "updateLocation", 1, res, f, dtid=t_vlr, dialogue=False))

    _dialogue(assoc, GMSC, HLR, "sendRoutingInfo", mo.send_routing_info_arg(MSISDN, GMSC.gt),
              mo.send_routing_info_res(IMSI, "8613900990001"), tid(0x0A000002))
    _dialogue(assoc, SMSC, HLR, "sendRoutingInfoForSM", mo.sri_for_sm_arg(MSISDN, SMSC.gt),
              mo.sri_for_sm_res(IMSI, MSC.gt), tid(0x0A000003))
    _dialogue(assoc, HLR, VLR, "provideSubscriberInfo", mo.psi_arg(IMSI), mo.psi_res(VLR.gt), tid(0x0B000004))
    _dialogue(assoc, SCF, HLR, "anyTimeInterrogation", mo.ati_arg(MSISDN, SCF.gt), mo.ati_res(VLR.gt),
              tid(0x0A000005))
    _dialogue(assoc, HLR, VLR, "cancelLocation", mo.cancel_location_arg(IMSI2), mo.empty_res(), tid(0x0B000006))
    _dialogue(assoc, MSC, EIR, "checkIMEI", mo.check_imei_arg_v2(IMEI), mo.check_imei_res_v2(), tid(0x0A000007))
    _dialogue(assoc, VLR, HLR, "sendAuthenticationInfo", mo.sai_arg(IMSI), mo.sai_res(7), tid(0x0A000008))
    _dialogue(assoc, MSC, HLR, "processUnstructuredSS-Request", mo.ussd_arg(USSD_REQ, MSISDN),
              mo.ussd_res(USSD_RES), tid(0x0A000009))
    # sendRoutingInfoForSM for a number the HLR does not know: returnError unknownSubscriber (1).
    t = tid(0x0A00000A)
    arg, f = mo.sri_for_sm_arg("8613800138999", SMSC.gt)
    assoc.send(invoke_msg(SMSC, HLR, "sendRoutingInfoForSM", 1, arg, f, t))
    assoc.send(error_msg(HLR, SMSC, 1, 1, t))
    return cap.done()


def map_call_forwarding():
    """Call forwarding on the wire: a subscriber registers CFU (registerSS, VLR -> HLR; the
    subscriber is the IMSI in the MAP-OPEN destination reference), the HLR answers with the
    forwarding as registered; then an insertSubscriberData (HLR -> VLR) that provisions CFB."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    t = tid(0x0A000101)
    arg, f = mo.register_ss_arg(mo.SS_CFU, "8613912345678")
    acn = ss7.map_acn(*mo.ACN["registerSS"])
    dlg = ss7.dialogue_request(acn, ss7.map_open(destination=b"\x96" + tbcd(IMSI)))
    assoc.send(invoke_msg(VLR, HLR, "registerSS", 1, arg, dict(f, imsi=IMSI), t, dialogue=dlg))
    res, f = mo.register_ss_res(mo.SS_CFU, "8613912345678")
    assoc.send(result_msg(HLR, VLR, "registerSS", 1, res, f, dtid=t))
    _dialogue(assoc, HLR, VLR, "insertSubscriberData",
              mo.insert_subscriber_data_arg(IMSI2, "8613800138002", (mo.SS_CFB, "8613800138000")),
              mo.empty_res(), tid(0x0B000102))
    return cap.done()


def m3ua_multi_chunk():
    """ASP up/active, then packets that carry two or three M3UA DATA messages each (one DATA
    chunk per message), MAP and ISUP mixed in one packet."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    numbers = ["8613800138101", "8613800138102", "8613800138103"]
    otids = [tid(0x0C000001 + i) for i in range(3)]
    begins, ends = [], []
    for i, (num, t) in enumerate(zip(numbers, otids)):
        arg, f = mo.sri_for_sm_arg(num, SMSC.gt)
        begins += invoke_msg(SMSC, HLR, "sendRoutingInfoForSM", 1, arg, f, t)
        res, rf = mo.sri_for_sm_res(f"46000123456710{i}", MSC_B.gt)
        ends += result_msg(HLR, SMSC, "sendRoutingInfoForSM", 1, res, rf, dtid=t)
    assoc.send(begins)
    assoc.send(ends)
    arg, f = mo.ati_arg(MSISDN, SCF.gt)
    mixed = invoke_msg(SCF, HLR, "anyTimeInterrogation", 1, arg, f, tid(0x0C000010))
    mixed.append(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_iam(7, "8613900139000", MSISDN),
                          {"calling": MSISDN, "called": "8613900139000"}))
    assoc.send(mixed)
    res, f = mo.ati_res(VLR.gt)
    back = result_msg(HLR, SCF, "anyTimeInterrogation", 1, res, f, dtid=tid(0x0C000010))
    back.append(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_acm(7), {}))
    assoc.send(back)
    return cap.done()


def m3ua_fragmented_data():
    """A user message fragmented over three DATA chunks (B, -, E) in three packets, and one
    over two; each completes on its last fragment."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    text = "Your one-time code is 482913. Never share it, not even with bank staff. " * 2
    text = text[:160]
    tpdu = sms.sms_deliver(oa_alpha="BANK", text=text, dcs=0)
    t = tid(0x0D000001)
    arg = mo.mt_forward_sm_arg(IMSI, SMSC.gt, tpdu)
    f = {"imsi": IMSI, "sms": {"tp_mti": 0, "oa": "BANK", "dcs": 0, "text": text}}
    (m,) = invoke_msg(SMSC, MSC_B, "mt-forwardSM", 1, arg, f, t)
    assoc.send_fragmented(m, 3)
    assoc.send(result_msg(MSC_B, SMSC, "mt-forwardSM", 1, None, None, dtid=t))
    t2 = tid(0x0D000002)
    arg, f = mo.insert_subscriber_data_arg(IMSI, MSISDN)
    (m,) = invoke_msg(HLR, VLR, "insertSubscriberData", 1, arg, f, t2)
    assoc.send_fragmented(m, 2)
    res, f = mo.empty_res()
    assoc.send(result_msg(VLR, HLR, "insertSubscriberData", 1, res, f, dtid=t2))
    return cap.done()


def sccp_xudt_segmented():
    """A mo-forwardSM whose TCAP message is carried in two XUDT segments (segmentation
    parameter, F bit and remaining count), each in its own packet."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    text = SMS_ZH
    tpdu = sms.sms_submit(0x21, "10086", text, 0x08)
    arg = mo.mo_forward_sm_arg(SMSC.gt, MSISDN, tpdu, IMSI)
    f = {"imsi": IMSI, "sms": {"tp_mti": 1, "oa": MSISDN, "da": "10086", "dcs": 8, "text": text}}
    t = tid(0x0E000001)
    msgs = invoke_msg(MSC, SMSC, "mo-forwardSM", 1, arg, f, t, xudt_segments=2)
    assert len(msgs) == 2
    assoc.send_each(msgs)
    assoc.send(result_msg(SMSC, MSC, "mo-forwardSM", 1, None, None, dtid=t))
    return cap.done()


def _split(text, n):
    size = -(-len(text) // n)
    return [text[i:i + size] for i in range(0, len(text), size)]


def map_sms_mo_ucs2_concat():
    """mo-forwardSM (MAP v3, opcode 46): a UCS-2 Chinese text in three concatenated parts
    (UDH IEI 0x00, 8-bit reference); the third part completes the text."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    parts = _split(SMS_ZH, 3)
    ref = 0x5C
    for seq, part in enumerate(parts, 1):
        tpdu = sms.sms_submit(0x30 + seq, "10086", part, 0x08, sms.udh_concat8(ref, 3, seq))
        arg = mo.mo_forward_sm_arg(SMSC.gt, MSISDN, tpdu, IMSI)
        s = {"tp_mti": 1, "oa": MSISDN, "da": "10086", "dcs": 8, "concat": {"ref": ref, "total": 3, "seq": seq}}
        if seq == 3:
            s["text"] = SMS_ZH
        t = tid(0x0F000000 + seq)
        _dialogue(assoc, MSC, SMSC, "mo-forwardSM", (arg, {"imsi": IMSI, "sms": s}), None, t)
    return cap.done()


def _mt_concat(assoc, text, oa_kw, oa, udh, ref, order, tid_base):
    """A GSM 7-bit text as two concatenated mt-forwardSM parts sent in `order`; the part sent
    last completes the text. Each part is a Begin/End dialogue from the SMSC to MSC-B."""
    parts = _split(text, 2)
    for seq in order:
        tpdu = sms.sms_deliver(text=parts[seq - 1], dcs=0, udh_ies=udh(ref, 2, seq), **oa_kw)
        arg = mo.mt_forward_sm_arg(IMSI, SMSC.gt, tpdu)
        s = {"tp_mti": 0, "oa": oa, "dcs": 0, "concat": {"ref": ref, "total": 2, "seq": seq}}
        if seq == order[-1]:
            s["text"] = text
        _dialogue(assoc, SMSC, MSC_B, "mt-forwardSM", (arg, {"imsi": IMSI, "sms": s}), None, tid(tid_base + seq))


def map_sms_mt_gsm7():
    """sendRoutingInfoForSM, then mt-forwardSM (opcode 44) from the alphanumeric sender "BANK":
    a GSM 7-bit text with extension characters ([ ] { } € ^ | ~ \\) in two concatenated parts
    (8-bit reference, one fill bit after the header); the second part completes the text."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    _dialogue(assoc, SMSC, HLR, "sendRoutingInfoForSM", mo.sri_for_sm_arg(MSISDN, SMSC.gt),
              mo.sri_for_sm_res(IMSI, MSC_B.gt), tid(0x10000001))
    _mt_concat(assoc, SMS_GSM7, {"oa_alpha": "BANK"}, "BANK", sms.udh_concat8, 0xA7, (1, 2), 0x10000001)
    return cap.done()


SMS_EMOJI = "验证码 482913 😀 请勿泄露"


def map_sms_variants():
    """mt-forwardSM variants: a GSM 7-bit text in two parts with a 16-bit reference (UDH IEI
    0x08, no fill bits) whose second part arrives first, so the first part completes it; and a
    single UCS-2 message with a character outside the BMP (a UTF-16 surrogate pair)."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    text = "Your parcel is held at customs. Pay the 2.99€ fee at parcel-help.example/track [ID 7731]"
    _mt_concat(assoc, text, {"oa_digits": "8613700000001"}, "8613700000001", sms.udh_concat16, 0x1F2E, (2, 1),
               0x12000000)
    tpdu = sms.sms_deliver(oa_digits="10690000", text=SMS_EMOJI, dcs=0x08)
    arg = mo.mt_forward_sm_arg(IMSI, SMSC.gt, tpdu)
    s = {"tp_mti": 0, "oa": "10690000", "dcs": 8, "text": SMS_EMOJI}
    _dialogue(assoc, SMSC, MSC_B, "mt-forwardSM", (arg, {"imsi": IMSI, "sms": s}), None, tid(0x12000003))
    return cap.done()


def sms_spoof_from_abroad():
    """Texts a service centre abroad (Singapore, GT 6590000001) delivers to our subscriber under
    Chinese senders, so that the victim reads a domestic bank or a domestic number: after its
    sendRoutingInfoForSM to our HLR, an mt-forwardSM from ICBC's service number 95588 (a scam:
    "your account is frozen, verify at the link") and one from a Chinese mobile number. Beside
    them, genuine ones: the same centre delivering a Singapore sender's text, and our own SMSC
    delivering ICBC's real notice from 95588."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    abroad = Node("SMSC-SG", 3601, "6590000001", ss7.SSN_MSC, "a")
    _dialogue(assoc, abroad, HLR, "sendRoutingInfoForSM", mo.sri_for_sm_arg(MSISDN, abroad.gt),
              mo.sri_for_sm_res(IMSI, MSC_B.gt), tid(0x13000001))
    for n, (centre, oa, text) in enumerate([
            (abroad, "95588", "【工商银行】您的账户已被冻结，请点击 icbc-verify.example.top 核实身份"),
            (abroad, "8613812345678", "我是你领导，明天来我办公室，先加这个微信"),
            (abroad, "6591234567", "See you at Changi tomorrow 9am"),
            (SMSC, "95588", "【工商银行】您尾号1234卡12月01日消费100.00元"),
    ], 2):
        dcs = 0 if text.isascii() else 0x08
        tpdu = sms.sms_deliver(oa_digits=oa, text=text, dcs=dcs)
        arg = mo.mt_forward_sm_arg(IMSI, centre.gt, tpdu)
        fields = {"imsi": IMSI, "sms": {"tp_mti": 0, "oa": oa, "dcs": dcs, "text": text}}
        _dialogue(assoc, centre, MSC_B, "mt-forwardSM", (arg, fields), None, tid(0x13000000 + n))
    return cap.done()


def tcap_isup_variants():
    """Encodings a decoder meets in the field: an SRI-for-SM dialogue whose TCAP messages use
    BER indefinite lengths throughout; a sendAuthenticationInfo answered in two parts
    (returnResultNotLast in a Continue, then returnResultLast in the End); a TC-Abort and a
    Reject component; ISUP CPG, SUS, RES and CON besides IAM/ANM/REL/RLC."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    t = tid(0x13000001)
    arg, f = mo.sri_for_sm_arg("8613800138123", SMSC.gt)
    assoc.send(invoke_msg(SMSC, HLR, "sendRoutingInfoForSM", 1, arg, f, t, indefinite=True))
    res, f = mo.sri_for_sm_res("460001234567123", MSC_B.gt)
    assoc.send(result_msg(HLR, SMSC, "sendRoutingInfoForSM", 1, res, f, dtid=t, indefinite=True))

    t_vlr, t_hlr = tid(0x13000002), tid(0x13000003)
    arg, f = mo.sai_arg(IMSI, vectors=2)
    assoc.send(invoke_msg(VLR, HLR, "sendAuthenticationInfo", 1, arg, f, t_vlr))
    sai_acn = ss7.map_acn(*mo.ACN["sendAuthenticationInfo"])
    res, _ = mo.sai_res(3)
    comp = ss7.return_result_not_last(1, mo.OP["sendAuthenticationInfo"], res)
    assoc.send(map_msg(HLR, VLR, "continue", comp, map_fields("sendAuthenticationInfo", "returnResultNotLast", {}),
                       otid=t_hlr, dtid=t_vlr, dialogue=ss7.dialogue_response(sai_acn)))
    res, f = mo.sai_res(4)
    assoc.send(result_msg(HLR, VLR, "sendAuthenticationInfo", 1, res, f, dtid=t_vlr, dialogue=False))

    # A dialogue the HLR aborts (P-Abort cause 1, unrecognised transaction ID) and one it
    # answers with a Reject (invoke problem 1, mistyped parameter).
    t = tid(0x15000001)
    arg, f = mo.sri_for_sm_arg("8613800138555", SMSC.gt)
    assoc.send(invoke_msg(SMSC, HLR, "sendRoutingInfoForSM", 1, arg, f, t))
    assoc.send(tcap_abort_msg(HLR, SMSC, t, 1))
    t = tid(0x15000002)
    assoc.send(invoke_msg(SMSC, HLR, "sendRoutingInfoForSM", 1, arg, f, t))
    assoc.send(reject_msg(HLR, SMSC, 1, 0x81, 1, t))

    def send(m):
        assoc.send([m], stream=2)

    calling, called = "8613800138321", "8613900139321"
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_iam(23, called, calling), {"calling": calling, "called": called}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_cpg(23), {}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_anm(23), {}))
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_sus(23), {}))
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_res(23), {}))
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_rel(23, 16), {"cause": 16}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_rlc(23), {}))
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_iam(24, called, calling), {"calling": calling, "called": called}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_con(24), {}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_rel(24, 31, location=2), {"cause": 31}))
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_rlc(24), {}))
    return cap.done()


def _isup_call(send, cic, calling, called):
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_iam(cic, called, calling), {"calling": calling, "called": called}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_acm(cic), {}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_anm(cic), {}))
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_rel(cic, 16), {"cause": 16}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_rlc(cic), {}))


def isup_m3ua_call():
    """ISUP over M3UA (SI 5): IAM, ACM, ANM, REL (cause 16, normal clearing), RLC on CIC 17."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    _isup_call(lambda m: assoc.send([m], stream=2), 17, MSISDN, "8613900139000")
    return cap.done()


def mtp2_isup_map():
    """A classic link (libpcap link type 140, MTP2 without pseudo-header): FISUs and an LSSU,
    an ISUP call on CIC 42, a sendRoutingInfo dialogue and a GSM 7-bit mo-forwardSM in SCCP UDTs."""
    cap = Capture(linktype=LINKTYPE_MTP2)
    link = MtpLink(cap)
    link.lssu(1)            # SIN: normal proving
    link.fisu("a")
    link.fisu("b")
    _isup_call(link.send, 42, "8613800138011", "8613900139011")
    t = tid(0x11000001)
    arg, f = mo.send_routing_info_arg("8613900139011", GMSC.gt)
    link.send_each(invoke_msg(GMSC, HLR, "sendRoutingInfo", 1, arg, f, t))
    res, f = mo.send_routing_info_res(IMSI, "8613900990002")
    link.send_each(result_msg(HLR, GMSC, "sendRoutingInfo", 1, res, f, dtid=t))
    text = "Meet at 10:00 [room B]"
    tpdu = sms.sms_submit(0x05, "8613900139011", text, 0x00)
    arg = mo.mo_forward_sm_arg(SMSC.gt, "8613800138011", tpdu)
    f = {"sms": {"tp_mti": 1, "oa": "8613800138011", "da": "8613900139011", "dcs": 0, "text": text}}
    t = tid(0x11000002)
    link.send_each(invoke_msg(MSC, SMSC, "mo-forwardSM", 1, arg, f, t))
    link.send_each(result_msg(SMSC, MSC, "mo-forwardSM", 1, None, None, dtid=t))
    link.fisu("a")
    return cap.done()


def national_numbers():
    """A national network as its own trunks and nodes write numbers, without the country code:
    an ISUP call whose calling and called numbers are national significant numbers (NAI 3), one
    from an international caller (NAI 4) to a subscriber number (NAI 1), and a mo-forwardSM from
    an MSC whose GT is national (NAI 3), with a national SM-RP-OA (nature 010) and TP-DA (type
    of number 010). The truth holds the digits as sent; with settings.country_code "86" the
    national ones read as 86 and their digits (dataplane/ss7/ss7_decoder.hpp)."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()

    def send(m):
        assoc.send([m], stream=2)

    calling, called = "13800138077", "13900139077"
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_iam(31, called, calling, called_nai=3, calling_nai=3),
                  {"calling": calling, "called": called, "calling_nai": 3, "called_nai": 3}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_acm(31), {}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_anm(31), {}))
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_rel(31, 16), {"cause": 16}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_rlc(31), {}))
    calling, called = "85291230077", "65529988"
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_iam(32, called, calling, called_nai=1, calling_nai=4),
                  {"calling": calling, "called": called, "calling_nai": 4, "called_nai": 1}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_rel(32, 17), {"cause": 17}))
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_rlc(32), {}))

    msc = Node("MSC (national GT)", 1201, "13900000011", ss7.SSN_MSC, "a", nai=3)
    text = "Loan approved, no collateral"
    tpdu = sms.sms_submit(0x07, "13900139077", text, 0x00, da_ton=2)
    arg = ber.cons(0x30, mo.isdn(SMSC.gt, 0x84), ber.tlv(0x82, isdn_address("13800138077", ton=2)),
                   ber.tlv(0x04, tpdu))
    f = {"sms": {"tp_mti": 1, "oa": "13800138077", "da": "13900139077", "dcs": 0, "text": text}}
    t = tid(0x16000001)
    assoc.send(invoke_msg(msc, SMSC, "mo-forwardSM", 1, arg, f, t))
    assoc.send(result_msg(SMSC, msc, "mo-forwardSM", 1, None, None, dtid=t))
    return cap.done()


def isup_diverted_call():
    """Calls diverted on a plain ISUP trunk, as the diverting exchange sends them on: a bank's call
    to a subscriber whose calls go unconditionally to Cambodia (the IAM's called number is the
    forwarding target; the redirecting number, national, and the original called number name the
    subscriber; redirection information: call diverted), answered and released; then a call whose
    IAM names only the original called number (some exchanges send no redirecting number), to a
    number on the police list, unanswered. The truth holds the digits as sent; with
    settings.country_code "86" the national ones read as 86 and their digits."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()

    def send(m):
        assoc.send([m], stream=2)

    calling, subscriber, target = "8695566", "13800138000", "85561234567"
    send(isup_msg(SWITCH_A, SWITCH_B,
                  ss7.isup_iam(61, target, calling, redirecting=subscriber, original_called=subscriber),
                  {"calling": calling, "called": target, "redirecting": subscriber}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_acm(61), {}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_anm(61), {}))
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_rel(61, 16), {"cause": 16}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_rlc(61), {}))
    calling, subscriber, target = "8613911112222", "8613800138001", "8617099990001"
    send(isup_msg(SWITCH_A, SWITCH_B,
                  ss7.isup_iam(62, target, calling, original_called=subscriber, original_called_nai=4),
                  {"calling": calling, "called": target, "redirecting": subscriber}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_acm(62), {}))
    send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_rel(62, 16), {"cause": 16}))
    send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_rlc(62), {}))
    return cap.done()


def _short_link(linktype):
    def build():
        cap = Capture(linktype=linktype)
        link = MtpLink(cap, linktype)
        if linktype != 141:
            link.fisu("a")
        calling, called = "8613800138012", "8613900139012"
        link.send(isup_msg(SWITCH_A, SWITCH_B, ss7.isup_iam(51, called, calling),
                           {"calling": calling, "called": called}))
        link.send(isup_msg(SWITCH_B, SWITCH_A, ss7.isup_rel(51, 17), {"cause": 17}))
        t = tid(0x14000000 + linktype)
        arg, f = mo.sri_for_sm_arg(called, SMSC.gt)
        link.send_each(invoke_msg(SMSC, HLR, "sendRoutingInfoForSM", 1, arg, f, t))
        res, f = mo.sri_for_sm_res(IMSI, MSC_B.gt)
        link.send_each(result_msg(HLR, SMSC, "sendRoutingInfoForSM", 1, res, f, dtid=t))
        return cap.done()
    kind = {139: "MTP2 with the 4-byte pseudo-header", 141: "bare MTP3 MSUs"}[linktype]
    build.__doc__ = f"Link type {linktype} ({kind}): ISUP IAM and REL (cause 17), an SRI-for-SM Begin/End."
    return build


def _cap_call(assoc, n, idp, rrbe_events, reports, scf_close, ssf_close=False):
    """One CAMEL dialogue: the gsmSSF's Begin{initialDP}; unless the gsmSCF refuses the call at
    once (`rrbe_events` None: End{releaseCall}), its Continue{requestReportBCSMEvent, continue};
    then each report as a Continue{eventReportBCSM} from the gsmSSF; `scf_close` ends the dialogue
    with an End without components; `ssf_close` sends the last report in the gsmSSF's End (no
    armed event left: TS 29.078), which names only the gsmSCF's transaction id."""
    t_ssf, t_scf = tid(0x16000000 + n), tid(0x26000000 + n)
    acn = co.CAP_V2_SSF_TO_SCF
    arg, f = idp
    assoc.send(cap_msg(SSF, SCP, "begin", [(ss7.invoke(1, co.OP["initialDP"], arg), f)], otid=t_ssf,
                       dialogue=ss7.dialogue_request(acn)))
    if rrbe_events is None:
        arg, f = co.release_call_arg(31)
        assoc.send(cap_msg(SCP, SSF, "end", [(ss7.invoke(1, co.OP["releaseCall"], arg), f)], dtid=t_ssf,
                           dialogue=ss7.dialogue_response(acn)))
        return
    arg, f = co.rrbe_arg(rrbe_events)
    comps = [(ss7.invoke(1, co.OP["requestReportBCSMEvent"], arg), f)]
    arg, f = co.continue_op()
    comps.append((ss7.invoke(2, co.OP["continue"], arg), f))
    assoc.send(cap_msg(SCP, SSF, "continue", comps, otid=t_scf, dtid=t_ssf, dialogue=ss7.dialogue_response(acn)))
    for i, report in enumerate(reports, 2):
        arg, f = co.erb_arg(*report)
        comps = [(ss7.invoke(i, co.OP["eventReportBCSM"], arg), f)]
        if ssf_close and i == len(reports) + 1:
            assoc.send(cap_msg(SSF, SCP, "end", comps, dtid=t_scf))
        else:
            assoc.send(cap_msg(SSF, SCP, "continue", comps, otid=t_ssf, dtid=t_scf))
    if scf_close:
        assoc.send(cap_msg(SCP, SSF, "end", [], dtid=t_ssf))


# Detection points a prepaid service arms for an MO and for an MT call: busy, no answer and
# disconnect interrupt call processing, answer and abandon only notify.
_MO_EDPS = [("routeSelectFailure", co.INTERRUPTED, co.LEG2), ("oCalledPartyBusy", co.INTERRUPTED, co.LEG2),
            ("oNoAnswer", co.INTERRUPTED, co.LEG2), ("oAnswer", co.NOTIFY_AND_CONTINUE, co.LEG2),
            ("oDisconnect", co.INTERRUPTED, co.LEG1), ("oDisconnect", co.INTERRUPTED, co.LEG2),
            ("oAbandon", co.NOTIFY_AND_CONTINUE, co.LEG1)]
_MT_EDPS = [("tBusy", co.INTERRUPTED, co.LEG2), ("tNoAnswer", co.INTERRUPTED, co.LEG2),
            ("tAnswer", co.NOTIFY_AND_CONTINUE, co.LEG2), ("tDisconnect", co.INTERRUPTED, co.LEG1),
            ("tDisconnect", co.INTERRUPTED, co.LEG2), ("tAbandon", co.NOTIFY_AND_CONTINUE, co.LEG1)]


def cap_calls():
    """CAMEL (CAP v2, CAP-v2-gsmSSF-to-gsmSCF-AC, SSN 146) between an MSC/gsmSSF and a prepaid
    gsmSCF, one TCAP dialogue per call: an MO call answered and cleared (oAnswer, oDisconnect
    cause 16), one abandoned before answer (oAbandon), one to a busy party (oCalledPartyBusy
    cause 17), one the gsmSCF refuses (End{releaseCall cause 31}), and an MT call (initialDP at
    termAttemptAuthorized with an ISUP calledPartyNumber) answered and cleared (tAnswer,
    tDisconnect cause 16), and an MO call whose disconnect the gsmSCF armed as notify only: the
    gsmSSF reports oDisconnect (cause 16) in its own End, carrying only the gsmSCF's id."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    vlr, msc = "8613900000032", SSF.gt

    def mo_idp(n, calling, imsi, called, lac, ci):
        return co.initial_dp_arg(100, calling, imsi, vlr, msc, co.cgi("460", "00", lac, ci),
                                 bytes([0x4C, 0x10, 0x00, n]), called_bcd=called,
                                 time_local=f"202601010800{n:02d}")

    _cap_call(assoc, 1, mo_idp(1, "8613812340001", "460001122330001", "8613987650001", 0x1A2B, 0x3C4D),
              _MO_EDPS, [("oAnswer", co.LEG2, co.NOTIFICATION), ("oDisconnect", co.LEG1, co.REQUEST, 16)], True)
    _cap_call(assoc, 2, mo_idp(2, "8613812340002", "460001122330002", "8613987650002", 0x1A2B, 0x3C4E),
              _MO_EDPS, [("oAbandon", co.LEG1, co.NOTIFICATION)], True)
    _cap_call(assoc, 3, mo_idp(3, "8613812340003", "460001122330003", "8613987650003", 0x1A2C, 0x0101),
              _MO_EDPS, [("oCalledPartyBusy", co.LEG2, co.REQUEST, 17)], True)
    _cap_call(assoc, 4, mo_idp(4, "8613812340004", "460001122330004", "8613987650004", 0x1A2C, 0x0102),
              None, [], False)
    idp = co.initial_dp_arg(200, "8613912340005", "460001122330005", vlr, msc, co.cgi("460", "00", 0x2B3C, 0x4D5E),
                            bytes([0x4C, 0x20, 0x00, 0x05]), called_isup="8613812340005",
                            event="termAttemptAuthorized", time_local="20260101080005")
    _cap_call(assoc, 5, idp, _MT_EDPS,
              [("tAnswer", co.LEG2, co.NOTIFICATION), ("tDisconnect", co.LEG2, co.REQUEST, 16)], True)
    notify_edps = [(e, co.NOTIFY_AND_CONTINUE if e == "oDisconnect" else m, leg) for e, m, leg in _MO_EDPS]
    _cap_call(assoc, 6, mo_idp(6, "8613812340006", "460001122330006", "8613987650006", 0x1A2B, 0x3C4D),
              notify_edps, [("oAnswer", co.LEG2, co.NOTIFICATION), ("oDisconnect", co.LEG1, co.NOTIFICATION, 16)],
              False, ssf_close=True)
    return cap.done()


def cap_sms():
    """CAMEL SMS (CAP v3, cap3-sms-AC 0.4.0.0.1.21.3.61, SSN 146): the MSC's gsmSSF (as SMS-SSF)
    asks the prepaid gsmSCF about each MO SMS with initialDPSMS at sms-CollectedInfo, one TCAP
    dialogue each. A prepaid subscriber's SMS: the gsmSCF arms o-smsSubmission and
    o-smsFailure (notifyAndContinue) and lets it go (Continue{requestReportSMSEvent,
    continueSMS}), the gsmSSF reports the submission (eventReportSMS o-smsSubmission,
    notification) and the gsmSCF closes with an empty End; a second subscriber's SMS is refused
    (End{releaseSMS, RP-Cause 10 call barred}); a third is let through at once (End{continueSMS})."""
    cap = Capture()
    assoc = Assoc(cap, SG_A, SG_B)
    assoc.bring_up()
    acn = co.CAP_V3_SMS
    vlr, smsc = "8613900000032", "8613800500000"

    def begin(n, calling, called, imsi, imei, lac, ci):
        arg, f = co.initial_dp_sms_arg(300, calling, called, imsi, vlr, SSF.gt, co.cgi("460", "00", lac, ci), smsc,
                                       bytes([0x5D, 0x10, 0x00, n]), imei=imei, time_local=f"202601010810{n:02d}")
        t_ssf, t_scf = tid(0x17000000 + n), tid(0x27000000 + n)
        assoc.send(cap_msg(SSF, SCP, "begin", [(ss7.invoke(1, co.OP["initialDPSMS"], arg), f)], otid=t_ssf,
                           dialogue=ss7.dialogue_request(acn)))
        return t_ssf, t_scf

    t_ssf, t_scf = begin(1, "8613812340011", "8613987650011", "460001122330011", IMEI, 0x1A2B, 0x3C4D)
    arg, f = co.rrse_arg([("o-smsSubmission", co.NOTIFY_AND_CONTINUE), ("o-smsFailure", co.NOTIFY_AND_CONTINUE)])
    comps = [(ss7.invoke(1, co.OP["requestReportSMSEvent"], arg), f)]
    arg, f = co.continue_sms_op()
    comps.append((ss7.invoke(2, co.OP["continueSMS"], arg), f))
    assoc.send(cap_msg(SCP, SSF, "continue", comps, otid=t_scf, dtid=t_ssf, dialogue=ss7.dialogue_response(acn)))
    arg, f = co.ersms_arg("o-smsSubmission", co.NOTIFICATION)
    assoc.send(cap_msg(SSF, SCP, "continue", [(ss7.invoke(2, co.OP["eventReportSMS"], arg), f)],
                       otid=t_ssf, dtid=t_scf))
    assoc.send(cap_msg(SCP, SSF, "end", [], dtid=t_ssf))

    t_ssf, _ = begin(2, "8613812340012", "8613987650012", "460001122330012", "356789012345672", 0x1A2B, 0x3C4E)
    arg, f = co.release_sms_arg(co.RP_CALL_BARRED)
    assoc.send(cap_msg(SCP, SSF, "end", [(ss7.invoke(1, co.OP["releaseSMS"], arg), f)], dtid=t_ssf,
                       dialogue=ss7.dialogue_response(acn)))

    t_ssf, _ = begin(3, "8613812340013", "8613987650013", "460001122330013", None, 0x1A2C, 0x0101)
    arg, f = co.continue_sms_op()
    assoc.send(cap_msg(SCP, SSF, "end", [(ss7.invoke(1, co.OP["continueSMS"], arg), f)], dtid=t_ssf,
                       dialogue=ss7.dialogue_response(acn)))
    return cap.done()


SS7_CAPTURES = [
    ("ss7/map_operations.pcap", map_operations),
    ("ss7/map_call_forwarding.pcap", map_call_forwarding),
    ("ss7/m3ua_multi_chunk.pcap", m3ua_multi_chunk),
    ("ss7/m3ua_fragmented_data.pcap", m3ua_fragmented_data),
    ("ss7/sccp_xudt_segmented.pcap", sccp_xudt_segmented),
    ("ss7/map_sms_mo_ucs2_concat.pcap", map_sms_mo_ucs2_concat),
    ("ss7/map_sms_mt_gsm7.pcap", map_sms_mt_gsm7),
    ("ss7/map_sms_variants.pcap", map_sms_variants),
    ("ss7/isup_m3ua_call.pcap", isup_m3ua_call),
    ("ss7/tcap_isup_variants.pcap", tcap_isup_variants),
    ("ss7/mtp2_isup_map.pcap", mtp2_isup_map),
    ("ss7/linktype_mtp2_phdr.pcap", _short_link(139)),
    ("ss7/linktype_mtp3.pcap", _short_link(141)),
    ("ss7/cap_calls.pcap", cap_calls),
    ("ss7/cap_sms.pcap", cap_sms),
    ("ss7/national_numbers.pcap", national_numbers),
    ("ss7/isup_diverted_call.pcap", isup_diverted_call),
    ("ss7/sms_spoof_from_abroad.pcap", sms_spoof_from_abroad),
]
