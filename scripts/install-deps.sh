#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of sigprobe from Debian 12's
# packages. Idempotent: packages already present are not touched. Needs root (or sudo).
set -euo pipefail

pkgs=(
  # build
  build-essential cmake ninja-build pkg-config git
  # dataplane and offload
  libpcap-dev libdpdk-dev libxrt-dev libhyperscan-dev
  # host libraries
  libyaml-cpp-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  # tests, fuzzing and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev
  tshark python3-scapy
  # sigprobe live tests: replay a capture onto a veth pair
  tcpreplay
  # analysts outputs: HEP receiver (kamailio sipcapture), report rendering, JSON Schema checks
  kamailio chromium python3-jsonschema
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer it up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
