#include "dataplane/io/dpdk/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>

namespace sigprobe::dpdk {

bool eal_init(const std::vector<std::string>& args, std::string& err) {
  // rte_eal_init may reorder argv; it gets its own copies.
  std::vector<std::string> copies = args;
  std::vector<char*> argv;
  argv.reserve(copies.size() + 1);
  for (auto& s : copies) argv.push_back(s.data());
  argv.push_back(nullptr);
  int used = rte_eal_init(int(copies.size()), argv.data());
  if (used < 0) {
    err = std::string("EAL: ") + rte_strerror(rte_errno);
    return false;
  }
  if (used + 1 < int(copies.size())) {
    err = "EAL: unexpected argument '" + copies[size_t(used) + 1] + "' (put sigprobe options after --)";
    rte_eal_cleanup();
    return false;
  }
  return true;
}

void eal_cleanup() { rte_eal_cleanup(); }

}  // namespace sigprobe::dpdk
