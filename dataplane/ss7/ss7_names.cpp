#include "dataplane/ss7/ss7_names.hpp"

namespace sigprobe::ss7 {

const char* map_op_name(int opcode) {
  switch (opcode) {
    case 2: return "updateLocation";
    case 44: return "mt-forwardSM";
    case 46: return "mo-forwardSM";
    default: return "";
  }
}

const char* isup_msg_name(uint8_t t) {
  switch (t) {
    case 0x01: return "IAM";
    case 0x06: return "ACM";
    case 0x09: return "ANM";
    case 0x0c: return "REL";
    case 0x10: return "RLC";
    default: return "";
  }
}

}  // namespace sigprobe::ss7
