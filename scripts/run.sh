#!/usr/bin/env bash
# The main job on its bundled default: build, then replay every bundled capture
# in pcaps/ with the default rules on the CPU path, printing what was caught.
# Extra arguments go to `sigprobe replay` (e.g. --alerts -).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mapfile -t caps < <(find pcaps -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
exec build/sigprobe replay "${caps[@]}" --offload cpu "$@"
