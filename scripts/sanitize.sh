#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer
# (g++, -DSIGPROBE_SANITIZE=ON, into build-asan/): every decoder, tracker,
# detector, output and DPDK test, not only the fuzz targets' entry points.
# About three times the plain suite's build and run time; not part of CI.
# Extra arguments go to ctest (e.g. -R Detector); SANITIZE_BUILD_DIR moves the build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dir="${SANITIZE_BUILD_DIR:-build-asan}"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGPROBE_SANITIZE=ON \
  -DSIGPROBE_BUILD_BENCH=OFF >/dev/null
cmake --build "$dir" -j"$(nproc)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" --timeout 900 "$@"
