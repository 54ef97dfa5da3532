#include "dataplane/ss7/ss7_names.hpp"

#include <algorithm>
#include <iterator>

namespace sigprobe::ss7 {
namespace {

struct OpName {
  int code;
  const char* name;
};

// 3GPP TS 29.002 section 17.5 (operation codes, localValue), with the names
// of the MAP v1/v2 operations whose codes were later reused or retired.
// Sorted by code.
constexpr OpName kMapOps[] = {
    {2, "updateLocation"},
    {3, "cancelLocation"},
    {4, "provideRoamingNumber"},
    {5, "noteSubscriberDataModified"},
    {6, "resumeCallHandling"},
    {7, "insertSubscriberData"},
    {8, "deleteSubscriberData"},
    {9, "sendParameters"},
    {10, "registerSS"},
    {11, "eraseSS"},
    {12, "activateSS"},
    {13, "deactivateSS"},
    {14, "interrogateSS"},
    {15, "authenticationFailureReport"},
    {16, "notifySS"},
    {17, "registerPassword"},
    {18, "getPassword"},
    {19, "processUnstructuredSS-Data"},
    {20, "releaseResources"},
    {21, "mt-ForwardSM-VGCS"},
    {22, "sendRoutingInfo"},
    {23, "updateGprsLocation"},
    {24, "sendRoutingInfoForGprs"},
    {25, "failureReport"},
    {26, "noteMsPresentForGprs"},
    {28, "performHandover"},
    {29, "sendEndSignal"},
    {30, "performSubsequentHandover"},
    {31, "provideSIWFSNumber"},
    {32, "sIWFSSignallingModify"},
    {33, "processAccessSignalling"},
    {34, "forwardAccessSignalling"},
    {35, "noteInternalHandover"},
    {36, "cancelVcsgLocation"},
    {37, "reset"},
    {38, "forwardCheckSS-Indication"},
    {39, "prepareGroupCall"},
    {40, "sendGroupCallEndSignal"},
    {41, "processGroupCallSignalling"},
    {42, "forwardGroupCallSignalling"},
    {43, "checkIMEI"},
    {44, "mt-forwardSM"},
    {45, "sendRoutingInfoForSM"},
    {46, "mo-forwardSM"},
    {47, "reportSM-DeliveryStatus"},
    {48, "noteSubscriberPresent"},
    {49, "alertServiceCentreWithoutResult"},
    {50, "activateTraceMode"},
    {51, "deactivateTraceMode"},
    {52, "traceSubscriberActivity"},
    {53, "updateVcsgLocation"},
    {54, "beginSubscriberActivity"},
    {55, "sendIdentification"},
    {56, "sendAuthenticationInfo"},
    {57, "restoreData"},
    {58, "sendIMSI"},
    {59, "processUnstructuredSS-Request"},
    {60, "unstructuredSS-Request"},
    {61, "unstructuredSS-Notify"},
    {62, "anyTimeSubscriptionInterrogation"},
    {63, "informServiceCentre"},
    {64, "alertServiceCentre"},
    {65, "anyTimeModification"},
    {66, "readyForSM"},
    {67, "purgeMS"},
    {68, "prepareHandover"},
    {69, "prepareSubsequentHandover"},
    {70, "provideSubscriberInfo"},
    {71, "anyTimeInterrogation"},
    {72, "ss-InvocationNotification"},
    {73, "setReportingState"},
    {74, "statusReport"},
    {75, "remoteUserFree"},
    {76, "registerCC-Entry"},
    {77, "eraseCC-Entry"},
    {78, "secureTransportClass1"},
    {79, "secureTransportClass2"},
    {80, "secureTransportClass3"},
    {81, "secureTransportClass4"},
    {83, "provideSubscriberLocation"},
    {84, "sendGroupCallInfo"},
    {85, "sendRoutingInfoForLCS"},
    {86, "subscriberLocationReport"},
    {87, "ist-Alert"},
    {88, "ist-Command"},
    {89, "noteMM-Event"},
    {109, "lcs-PeriodicLocationCancellation"},
    {110, "lcs-LocationUpdate"},
    {111, "lcs-PeriodicLocationRequest"},
    {112, "lcs-AreaEventCancellation"},
    {113, "lcs-AreaEventReport"},
    {114, "lcs-AreaEventRequest"},
    {115, "lcs-MOLR"},
    {116, "lcs-LocationNotification"},
    {117, "callDeflection"},
    {118, "userUserService"},
    {119, "accessRegisterCCEntry"},
    {120, "forwardCUG-Info"},
    {121, "splitMPTY"},
    {122, "retrieveMPTY"},
    {123, "holdMPTY"},
    {124, "buildMPTY"},
    {125, "forwardChargeAdvice"},
    {126, "explicitCT"},
};

// CAP operation codes (3GPP TS 29.078, CAP-operationcodes: v2-v4 circuit
// switched, SMS and GPRS). Sorted by code.
constexpr OpName kCapOps[] = {
    {0, "initialDP"}, {16, "assistRequestInstructions"}, {17, "establishTemporaryConnection"},
    {18, "disconnectForwardConnection"}, {19, "connectToResource"}, {20, "connect"},
    {22, "releaseCall"}, {23, "requestReportBCSMEvent"}, {24, "eventReportBCSM"},
    {27, "collectInformation"}, {31, "continue"}, {32, "initiateCallAttempt"},
    {33, "resetTimer"}, {34, "furnishChargingInformation"}, {35, "applyCharging"},
    {36, "applyChargingReport"}, {41, "callGap"}, {44, "callInformationReport"},
    {45, "callInformationRequest"}, {46, "sendChargingInformation"}, {47, "playAnnouncement"},
    {48, "promptAndCollectUserInformation"}, {49, "specializedResourceReport"}, {53, "cancel"},
    {55, "activityTest"}, {60, "initialDPSMS"}, {61, "furnishChargingInformationSMS"},
    {62, "connectSMS"}, {63, "requestReportSMSEvent"}, {64, "eventReportSMS"},
    {65, "continueSMS"}, {66, "releaseSMS"}, {67, "resetTimerSMS"}, {70, "activityTestGPRS"},
    {71, "applyChargingGPRS"}, {72, "applyChargingReportGPRS"}, {73, "cancelGPRS"},
    {74, "connectGPRS"}, {75, "continueGPRS"}, {76, "entityReleasedGPRS"},
    {77, "furnishChargingInformationGPRS"}, {78, "initialDPGPRS"}, {79, "releaseGPRS"},
    {80, "eventReportGPRS"}, {81, "requestReportGPRSEvent"}, {82, "resetTimerGPRS"},
    {83, "sendChargingInformationGPRS"}, {86, "disconnectForwardConnectionWithArgument"},
    {88, "continueWithArgument"}, {90, "disconnectLeg"}, {93, "moveLeg"}, {95, "splitLeg"},
    {96, "entityReleased"}, {97, "playTone"},
};

// EventTypeBCSM (TS 29.078). Sorted by code.
constexpr OpName kCapEvents[] = {
    {2, "collectedInfo"}, {3, "analyzedInformation"}, {4, "routeSelectFailure"},
    {5, "oCalledPartyBusy"}, {6, "oNoAnswer"}, {7, "oAnswer"}, {8, "oMidCall"},
    {9, "oDisconnect"}, {10, "oAbandon"}, {12, "termAttemptAuthorized"}, {13, "tBusy"},
    {14, "tNoAnswer"}, {15, "tAnswer"}, {16, "tMidCall"}, {17, "tDisconnect"},
    {18, "tAbandon"}, {19, "oTermSeized"}, {27, "callAccepted"}, {50, "oChangeOfPosition"},
    {51, "tChangeOfPosition"}, {52, "oServiceChange"}, {53, "tServiceChange"},
};

// EventTypeSMS (TS 29.078). Sorted by code.
constexpr OpName kCapSmsEvents[] = {
    {1, "sms-CollectedInfo"}, {2, "o-smsFailure"}, {3, "o-smsSubmission"},
    {11, "sms-DeliveryRequested"}, {12, "t-smsFailure"}, {13, "t-smsDelivery"},
};

struct IsupName {
  uint8_t code;
  const char* name;
};

// ITU Q.763 table 4 (message type codes), plus the ANSI T1.113 additions
// that share the code space.
constexpr IsupName kIsupTypes[] = {
    {0x01, "IAM"}, {0x02, "SAM"}, {0x03, "INR"}, {0x04, "INF"}, {0x05, "COT"},
    {0x06, "ACM"}, {0x07, "CON"}, {0x08, "FOT"}, {0x09, "ANM"}, {0x0C, "REL"},
    {0x0D, "SUS"}, {0x0E, "RES"}, {0x10, "RLC"}, {0x11, "CCR"}, {0x12, "RSC"},
    {0x13, "BLO"}, {0x14, "UBL"}, {0x15, "BLA"}, {0x16, "UBA"}, {0x17, "GRS"},
    {0x18, "CGB"}, {0x19, "CGU"}, {0x1A, "CGBA"}, {0x1B, "CGUA"}, {0x1C, "CMR"},
    {0x1D, "CMC"}, {0x1E, "CMRJ"}, {0x1F, "FAR"}, {0x20, "FAA"}, {0x21, "FRJ"},
    {0x22, "FAD"}, {0x23, "FAI"}, {0x24, "LPA"}, {0x25, "CSVQ"}, {0x26, "CSVR"},
    {0x27, "DRS"}, {0x28, "PAM"}, {0x29, "GRA"}, {0x2A, "CQM"}, {0x2B, "CQR"},
    {0x2C, "CPG"}, {0x2D, "USR"}, {0x2E, "UCIC"}, {0x2F, "CFN"}, {0x30, "OLM"},
    {0x31, "CRG"}, {0x32, "NRM"}, {0x33, "FAC"}, {0x34, "UPT"}, {0x35, "UPA"},
    {0x36, "IDR"}, {0x37, "IRS"}, {0x38, "SGM"}, {0x40, "LOP"}, {0x41, "APM"},
    {0x42, "PRI"}, {0x43, "SDN"}, {0xE9, "CRA"}, {0xEA, "CRM"}, {0xEB, "CVR"},
    {0xEC, "CVT"}, {0xED, "EXM"},
};

// The name of code in a table sorted by code, "" when it has none.
template <class Entry, size_t N, class Code>
const char* lookup(const Entry (&t)[N], Code code) {
  static_assert(N > 0);
  auto it = std::lower_bound(std::begin(t), std::end(t), code,
                             [](const auto& e, Code v) { return e.code < v; });
  return it != std::end(t) && it->code == code ? it->name : "";
}

}  // namespace

const char* map_op_name(int opcode) { return lookup(kMapOps, opcode); }
const char* cap_op_name(int opcode) { return lookup(kCapOps, opcode); }
const char* cap_event_name(int event_type) { return lookup(kCapEvents, event_type); }
const char* cap_sms_event_name(int event_type) { return lookup(kCapSmsEvents, event_type); }
const char* isup_msg_name(uint8_t t) { return lookup(kIsupTypes, t); }

}  // namespace sigprobe::ss7
