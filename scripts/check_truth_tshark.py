#!/usr/bin/python3
"""Checks the ground truth of pcaps/ against tshark, the reference decoder.

For every truth line of every capture (or of the captures given as arguments) each
field the generator wrote must be shown by tshark in the same frame: MAP (TCAP type,
OTID/DTID, opcode and its name, component, IMSI, MSISDN and the other numbers, IMEI,
USSD text, SMS addresses, DCS, concatenation and text), CAP (opcode and its name,
component, serviceKey, event type name (BCSM or SMS), calling/called numbers, IMSI, VLR and
MSC addresses, the cell global identity, Q.850 cause; for initialDPSMS also the service
centre and the IMEI), SCCP global titles and SSNs,
M3UA/MTP3 point codes, ISUP (message, CIC, numbers, cause) and SIP (method/status,
Call-ID, CSeq, users, User-Agent/Server). Several messages in one frame are compared
as multisets; the components of one TCAP message (truth lines of one frame with the
same M3UA/MTP3, SCCP and TCAP objects) share those layers, which count once.
Also fails on any frame tshark marks [Malformed Packet].

Usage: /usr/bin/python3 scripts/check_truth_tshark.py [CAPTURE.pcap ...]
Exit status 0 when everything agrees; prints one line per capture and each mismatch.
"""
import collections
import glob
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

NUMBER_FIELDS = ["e164.msisdn"]
# (layer, key) -> tshark fields whose values may show it.
FIELDS = {
    ("m3ua", "opc"): ["m3ua.protocol_data_opc"], ("m3ua", "dpc"): ["m3ua.protocol_data_dpc"],
    ("m3ua", "si"): ["m3ua.protocol_data_si"],
    ("mtp3", "opc"): ["mtp3.opc"], ("mtp3", "dpc"): ["mtp3.dpc"], ("mtp3", "si"): ["mtp3.service_indicator"],
    ("sccp", "calling_gt"): ["sccp.calling.digits"], ("sccp", "called_gt"): ["sccp.called.digits"],
    ("sccp", "calling_ssn"): ["sccp.calling.ssn"], ("sccp", "called_ssn"): ["sccp.called.ssn"],
    ("tcap", "otid"): ["tcap.otid"], ("tcap", "dtid"): ["tcap.dtid"],
    ("map", "opcode"): ["gsm_old.localValue"], ("map", "error_code"): ["gsm_old.localValue"],
    ("map", "op"): ["op_name"], ("map", "component"): ["gsm_map.old.Component"],
    ("map", "imsi"): ["e212.imsi"], ("map", "msisdn"): NUMBER_FIELDS, ("map", "msc"): NUMBER_FIELDS,
    ("map", "vlr"): NUMBER_FIELDS, ("map", "hlr"): NUMBER_FIELDS, ("map", "roaming_number"): NUMBER_FIELDS,
    ("map", "service_centre"): NUMBER_FIELDS, ("map", "imei"): ["gsm_map.tbcd_digits"],
    ("map", "ussd"): ["gsm_map.ussd_string"], ("map", "forwarded_to"): NUMBER_FIELDS,
    ("map", "ss_code"): ["gsm_map.ss.ss_Code", "gsm_map.ms.ss_Code"],
    # SMS-SUBMIT: the sender is SM-RP-OA, E.164 when international, plain address digits when national.
    ("sms", "oa"): ["gsm_sms.tp-oa", "e164.msisdn", "gsm_map.address.digits"], ("sms", "da"): ["gsm_sms.tp-da"],
    ("sms", "dcs"): ["gsm_sms.tp-dcs"], ("sms", "tp_mti"): ["gsm_sms.tp-mti"],
    ("concat", "ref"): ["gsm_sms.udh.mm.msg_id"], ("concat", "total"): ["gsm_sms.udh.mm.msg_parts"],
    ("concat", "seq"): ["gsm_sms.udh.mm.msg_part"],
    ("isup", "msg"): ["isup_name"], ("isup", "cic"): ["isup.cic"], ("isup", "calling"): ["isup.calling"],
    ("isup", "called"): ["isup.called"], ("isup", "cause"): ["isup.cause_indicator"],
    ("isup", "redirecting"): ["isup.redirecting", "isup.original_called_number"],
    ("isup", "calling_nai"): ["isup.calling_party_nature_of_address_indicator"],
    ("isup", "called_nai"): ["isup.called_party_nature_of_address_indicator"],
    # CAP (camel): the ISUP numbers are dissected inside callingPartyNumber/calledPartyNumber,
    # calledPartyBCDNumber as TS 24.008, the MAP addresses as E.164, the causes as Q.850.
    ("cap", "opcode"): ["camel.local"], ("cap", "op"): ["cap_op_name"], ("cap", "component"): ["cap_component"],
    ("cap", "service_key"): ["camel.serviceKey"], ("cap", "event"): ["cap_event"],
    # initialDPSMS: callingPartyNumber is an SMS-AddressString (E.164 inside it), sMSCAddress an
    # ISDN-AddressString, iMEI TBCD; each is read from inside its own CAP field.
    ("cap", "calling"): ["isup.calling", "cap_sms_calling"],
    ("cap", "called"): ["gsm_a.dtap.cld_party_bcd_num", "isup.called"],
    ("cap", "service_centre"): ["cap_smsc"], ("cap", "imei"): ["cap_imei"],
    ("cap", "imsi"): ["e212.imsi"], ("cap", "vlr"): NUMBER_FIELDS, ("cap", "msc"): NUMBER_FIELDS,
    ("cap", "cell"): ["cap_cell"], ("cap", "cause"): ["camel.cause_indicator"],
    ("sip", "method"): ["sip.Method"], ("sip", "status"): ["sip.Status-Code"], ("sip", "call_id"): ["sip.Call-ID"],
    ("sip", "cseq"): ["sip.CSeq"], ("sip", "from_user"): ["sip.from.user"], ("sip", "to_user"): ["sip.to.user"],
    ("sip", "ruri_user"): ["sip.r-uri.user"], ("sip", "pai_user"): ["sip.pai.user"], ("sip", "user_agent"): ["sip.User-Agent", "sip.Server"],
}
COMPONENTS = {"invoke": "1", "returnResult": "2", "returnError": "3", "reject": "4", "returnResultNotLast": "7"}
ISUP_NAMES = {"1": "IAM", "6": "ACM", "9": "ANM", "12": "REL", "16": "RLC", "44": "CPG", "7": "CON", "13": "SUS", "14": "RES"}
# tshark shows the body as text lines, and the +sip.instance only inside the Contact parameters
# (sip.diversion_user is checked against the users of tshark's Diversion/History-Info values,
# and on SIP-I against the IAM's redirecting and original called numbers).
UNCHECKED = {("sip", "body_text"), ("sip", "contact_instance"), ("sip", "imei")}
# Layers the components of one TCAP message share.
SHARED = ("m3ua", "mtp3", "sccp", "tcap")
CAP_COMPONENTS = {"camel.invoke_element": "invoke", "camel.returnResult_element": "returnResult",
                  "camel.returnError_element": "returnError", "camel.reject_element": "reject"}
# CAP fields whose number or digits tshark shows in a child field: parent -> (child, derived name).
CAP_NESTED = {"camel.callingPartyNumber": ("e164.msisdn", "cap_sms_calling"),
              "camel.sMSCAddress": ("e164.msisdn", "cap_smsc"),
              "camel.iMEI": ("gsm_map.tbcd_digits", "cap_imei")}
# tshark 4.0 shows a CGI in CAP only as its 7 octets.
CELL_FIELDS = ("gsm_map.cellGlobalIdOrServiceAreaIdFixedLength", "camel.cellGlobalId",
               "camel.CellGlobalIdOrServiceAreaIdFixedLength")


def cell_text(show):
    """CellGlobalIdOrServiceAreaIdFixedLength octets (MCC/MNC TBCD as TS 24.008, LAC, CI) as
    the truth's text: MCC digits, MNC digits, LAC and CI as 4 upper-case hex digits each."""
    b = bytes.fromhex(show.replace(":", ""))
    if len(b) != 7:
        return show
    mcc = f"{b[0] & 0xF}{b[0] >> 4}{b[1] & 0xF}"
    mnc = f"{b[2] & 0xF}{b[2] >> 4}" + ("" if b[1] >> 4 == 0xF else f"{b[1] >> 4}")
    return f"{mcc}{mnc}{int.from_bytes(b[3:5], 'big'):04X}{int.from_bytes(b[5:7], 'big'):04X}"


def norm(field, show, showname):
    if field in ("tcap.otid", "tcap.dtid"):
        return show.replace(":", "")
    if field in ("mtp3.service_indicator",):
        return str(int(show, 16))
    if field in ("sip.from.user", "sip.to.user", "sip.r-uri.user", "sip.pai.user") and show.startswith("+"):
        return show[1:]
    return show


def tshark_frames(path):
    """frame number -> {"fields": Counter of (field, value), "sms_text": str, "malformed": bool}"""
    # Out-of-order TCP segments are reassembled only when asked (tshark 4.0 default: off).
    out = subprocess.run(["tshark", "-o", "tcp.reassemble_out_of_order:TRUE", "-r", path, "-T", "pdml"],
                         capture_output=True, check=True).stdout
    frames = {}
    for pkt in ET.fromstring(out).iter("packet"):
        fields = collections.Counter()
        texts = []
        num = None
        malformed = False
        for el in pkt.iter():
            name = el.get("name")
            if el.tag == "proto" and name == "_ws.malformed":
                malformed = True
            if el.tag != "field" or not name:
                continue
            show, showname = el.get("show", ""), el.get("showname", "")
            if name == "num" and num is None:
                num = int(show)
            elif name == "gsm_sms.sms_text":
                texts.append(show)
            elif name == "gsm_old.localValue":
                m = re.match(r"localValue: (\S+) \(", showname)
                if m:
                    fields[("op_name", m.group(1))] += 1
            elif name in CAP_NESTED:
                child, derived = CAP_NESTED[name]
                for sub in el.iter("field"):
                    if sub.get("name") == child:
                        fields[(derived, sub.get("show", ""))] += 1
            elif name in ("camel.local", "camel.eventTypeBCSM", "camel.eventTypeSMS"):
                m = re.match(r"\S+: (\S+) \(", showname)
                if m:
                    fields[("cap_op_name" if name == "camel.local" else "cap_event", m.group(1))] += 1
            elif name in CAP_COMPONENTS:
                fields[("cap_component", CAP_COMPONENTS[name])] += 1
            elif name in CELL_FIELDS:
                fields[("cap_cell", cell_text(show))] += 1
            elif name == "isup.message_type":
                fields[("isup_name", ISUP_NAMES.get(show, show))] += 1
            elif name == "sip.pai.addr" and show.startswith("tel:"):
                # tshark 4.0 gives a tel: URI's number (RFC 3966) only inside the whole address
                fields[("sip.pai.user", show[4:].split(";")[0].lstrip("+"))] += 1
            elif name.startswith("tcap.") and name.endswith("_element") and name[5:-8] in (
                    "begin", "continue", "end", "abort"):
                fields[("tcap_type", name[5:-8])] += 1
            fields[(name, norm(name, show, showname))] += 1
        frames[num] = {"fields": fields, "sms_text": "".join(texts), "malformed": malformed}
    return frames


def wanted(truth):
    """(layer, key, value) triples of one truth line."""
    out = []

    def walk(layer, obj):
        for k, v in obj.items():
            if isinstance(v, dict):
                walk(k, v)
            else:
                out.append((layer, k, v))

    for layer in ("m3ua", "mtp3", "sccp", "tcap", "map", "cap", "isup", "sip"):
        if layer in truth:
            walk(layer, truth[layer])
    return out


def check_capture(path):
    truth_path = path[:-len(".pcap")] + ".truth.jsonl"
    truth = [json.loads(line) for line in open(truth_path, encoding="utf-8")]
    frames = tshark_frames(path)
    problems = []
    checked = 0
    declared = {t["frame"] for t in truth if "malformed" in t}
    for num, fr in frames.items():
        if fr["malformed"] and num not in declared:
            problems.append(f"frame {num}: tshark reports [Malformed Packet]")
    by_frame = collections.defaultdict(list)
    for t in truth:
        if "malformed" not in t:
            by_frame[t["frame"]].append(t)
    for num, lines in sorted(by_frame.items()):
        fr = frames.get(num)
        if fr is None:
            problems.append(f"frame {num}: not in the capture")
            continue
        need = collections.Counter()
        messages = set()
        for t in lines:
            # A further component of a TCAP message already counted: its shared layers are there once.
            message = json.dumps([t.get(k) for k in SHARED], sort_keys=True) if "tcap" in t else None
            again = message in messages
            messages.add(message)
            for layer, key, value in wanted(t):
                if (layer, key) in UNCHECKED or (again and layer in SHARED):
                    continue
                if layer == "sms" and key == "text":
                    checked += 1
                    if fr["sms_text"] != value:
                        problems.append(f"frame {num}: sms.text {value!r} != tshark {fr['sms_text']!r}")
                    continue
                if layer == "tcap" and key == "type":
                    need[(("tcap_type",), value)] += 1
                    continue
                if layer == "sip" and key == "diversion_user":
                    # tshark shows Diversion and History-Info as text: the user must be one of
                    # the users of their URIs as tshark delimits the header values.
                    checked += 1
                    users = {u.lstrip("+") for (f, v), _ in fr["fields"].items()
                             if f in ("sip.Diversion", "sip.History-Info")
                             for u in re.findall(r"(?:sips?|tel):([^@;>]+)", v)}
                    # SIP-I without those headers: the IAM's redirecting or original called number.
                    users |= {v for (f, v), _ in fr["fields"].items()
                              if f in ("isup.redirecting", "isup.original_called_number")}
                    if value not in users:
                        problems.append(f"frame {num}: sip.diversion_user {value!r} not among tshark's {sorted(users)}")
                    continue
                if layer == "sip" and key == "cell":
                    # The cell must be one of the cells tshark finds in P-Access-Network-Info (which
                    # one, the network-provided, is tests/dataplane/sip's). tshark 4.0 runs a cell
                    # into the next comma-separated value ("460001a2b3c4d5e7, 3GPP-E-UTRAN-FDD").
                    checked += 1
                    cells = {v.split(",")[0].strip().upper() for (f, v), _ in fr["fields"].items()
                             if f in ("sip.P-Access-Network-Info.utran-cell-id-3gpp",
                                      "sip.P-Access-Network-Info.cgi-3gpp")}
                    if value not in cells:
                        problems.append(f"frame {num}: sip.cell {value!r} not among tshark's {sorted(cells)}")
                    continue
                if layer == "map" and key == "component":
                    value = COMPONENTS[value]
                fields = FIELDS.get((layer, key))
                if fields is None:
                    problems.append(f"frame {num}: no tshark field for {layer}.{key}")
                    continue
                need[(tuple(fields), str(value))] += 1
        for (fields, value), count in need.items():
            checked += count
            have = sum(fr["fields"][(f, value)] for f in fields)
            if have < count:
                problems.append(f"frame {num}: {'/'.join(fields)} = {value!r} x{count}, tshark has {have}")
    return len(truth), checked, problems


def main():
    paths = sys.argv[1:] or sorted(glob.glob(os.path.join(ROOT, "pcaps", "**", "*.pcap"), recursive=True))
    failed = 0
    for path in paths:
        if not os.path.exists(path[:-len(".pcap")] + ".truth.jsonl"):
            continue
        lines, checked, problems = check_capture(path)
        status = "ok" if not problems else "MISMATCH"
        print(f"{os.path.relpath(path, ROOT)}: {lines} truth lines, {checked} values checked against tshark: {status}")
        for p in problems:
            print("  " + p)
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
