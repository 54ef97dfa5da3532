#!/usr/bin/env bash
# Build sigprobe.xclbin (sp_pattern + sp_rate) with Vitis v++ for one Alveo
# platform. NOT RUN in this repository's CI or by its authors: there is no
# Vitis install and no card here. Needs Vitis 2022.1 or later with the
# platform installed (check the exact name with `platforminfo -l`).
#
#   scripts/build_xclbin.sh u250|u280|u55c [hw|hw_emu] [OUT_DIR]
#
# Then: sigprobe replay CAPTURE --offload fpga --xclbin OUT_DIR/sigprobe.xclbin
set -euo pipefail
cd "$(dirname "$0")/.."

card=${1:?usage: build_xclbin.sh u250|u280|u55c [hw|hw_emu] [OUT_DIR]}
target=${2:-hw}
out=${3:-build-xclbin/$card}
freq_mhz=300  # the clock the README's estimates assume

case "$card" in
  u250) platform=${PLATFORM:-xilinx_u250_gen3x16_xdma_4_1_202210_1}; mem=(DDR[0] DDR[1] DDR[2]) ;;
  u280) platform=${PLATFORM:-xilinx_u280_gen3x16_xdma_1_202211_1}; mem=(HBM[0] HBM[1] HBM[2:3]) ;;
  u55c) platform=${PLATFORM:-xilinx_u55c_gen3x16_xdma_3_202210_1}; mem=(HBM[0] HBM[1] HBM[2:3]) ;;
  *) echo "build_xclbin.sh: unknown card '$card' (expected u250, u280 or u55c)" >&2; exit 2 ;;
esac
command -v v++ >/dev/null || { echo "build_xclbin.sh: v++ not found (source Vitis settings64.sh)" >&2; exit 2; }

mkdir -p "$out"
# Memory banks: batch buffers on one bank, tables on another, results on a
# third; the rate table (up to 1.5 GiB at 2^20 sets) gets two HBM channels.
cat > "$out/connectivity.cfg" <<CFG
[connectivity]
nk=sp_pattern:1:sp_pattern_1
nk=sp_rate:1:sp_rate_1
sp=sp_pattern_1.chunks:${mem[0]}
sp=sp_pattern_1.image:${mem[1]}
sp=sp_pattern_1.hits:${mem[0]}
sp=sp_pattern_1.n_hits:${mem[0]}
sp=sp_rate_1.samples:${mem[0]}
sp=sp_rate_1.specs:${mem[0]}
sp=sp_rate_1.table:${mem[2]}
sp=sp_rate_1.results:${mem[0]}
CFG

common=(-t "$target" --platform "$platform" --kernel_frequency "$freq_mhz" -I. --save-temps --temp_dir "$out/tmp")
v++ -c "${common[@]}" -k sp_pattern -o "$out/sp_pattern.xo" hls_kernels/pattern/pattern_kernel.cpp
v++ -c "${common[@]}" -k sp_rate -o "$out/sp_rate.xo" hls_kernels/rate/rate_kernel.cpp
v++ -l "${common[@]}" --config "$out/connectivity.cfg" -o "$out/sigprobe.xclbin" "$out/sp_pattern.xo" "$out/sp_rate.xo"
echo "built $out/sigprobe.xclbin for $platform ($target)"
