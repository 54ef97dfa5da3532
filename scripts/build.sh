#!/usr/bin/env bash
# Configure and build sigprobe (Release) into build/. Installs dependencies first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGPROBE_WERROR="${SIGPROBE_WERROR:-ON}" >/dev/null
cmake --build build -j"$(nproc)"
