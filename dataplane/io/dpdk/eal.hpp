// EAL start and stop for `sigprobe dpdk` and the DPDK tests and benchmark.
// Owner: dataplane/io/dpdk. EAL can be initialised once per process.
#pragma once
#include <string>
#include <vector>

namespace sigprobe::dpdk {

// args[0] is the program name; the rest are EAL arguments passed through
// unchanged (-l, --lcores, --vdev, --no-huge, --no-pci, --file-prefix...).
// false and err set ("EAL: ...") when the EAL refuses them.
bool eal_init(const std::vector<std::string>& args, std::string& err);
void eal_cleanup();

}  // namespace sigprobe::dpdk
