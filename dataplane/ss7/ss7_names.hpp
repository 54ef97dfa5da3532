// Names of SS7 codes, as data next to the decoders. Owner: dataplane/ss7.
#pragma once
#include <cstdint>

namespace sigprobe::ss7 {

// MAP operation name (3GPP TS 29.002 operation codes), "" when unknown.
const char* map_op_name(int opcode);
// CAP operation name (3GPP TS 29.078 operation codes), "" when unknown.
const char* cap_op_name(int opcode);
// CAP EventTypeBCSM name, "" when unknown.
const char* cap_event_name(int event_type);
// CAP EventTypeSMS name (the SMS operations'), "" when unknown.
const char* cap_sms_event_name(int event_type);
// ISUP message type abbreviation (ITU Q.763 table 4), "" when unknown.
const char* isup_msg_name(uint8_t msg_type);

}  // namespace sigprobe::ss7
