#!/usr/bin/env bash
# Short libFuzzer runs of every decoder target, of the rules-file loader, of
# the pattern stage's cpu and csim engines and of the whole pipeline after the
# source (decode, track, detect; clang-14, ASan + UBSan), seeded
# from the committed seeds and regression inputs. CI runs it after the tests.
# FUZZ_SECONDS (default 20) per target; new inputs go to build-fuzz/, never
# into the source tree. Exits non-zero on the first crash, printing its input.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
secs="${FUZZ_SECONDS:-20}"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
  -DSIGPROBE_FUZZ=ON -DSIGPROBE_BUILD_BENCH=OFF >/dev/null
targets=(fuzz_l2l4 fuzz_sip fuzz_ss7_sigtran fuzz_ss7_sccp fuzz_ss7_tcap_map fuzz_ss7_sms fuzz_ss7_isup fuzz_rules fuzz_patterns
         fuzz_pipeline)
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}" test_ss7_fuzz_replay
# The SS7 seeds are cut from pcaps/ss7 at every layer (SIGTRAN message, SCCP, TCAP, TPDU, ISUP) by
# the seed replay test; written fresh here, never into the source tree.
rm -rf build-fuzz/seeds-ss7
SS7_WRITE_SEEDS=build-fuzz/seeds-ss7 "$(find build-fuzz -type f -name test_ss7_fuzz_replay -perm -u+x | head -n 1)" \
  --gtest_filter='Ss7FuzzReplay.EveryEntryPointSurvivesTheSeedsAndTheirMutations' >/dev/null
# The shipped default rules and lists seed the rules target too (copied, never
# moved): its entry reads every input as a rules file and as a list file.
rm -rf build-fuzz/seeds-rules && mkdir -p build-fuzz/seeds-rules
cp host/rules/default_rules.yaml host/rules/lists/*.txt build-fuzz/seeds-rules/
for t in "${targets[@]}"; do
  area=${t#fuzz_}; area=${area%%_*}
  corpus="build-fuzz/corpus/$t"
  mkdir -p "$corpus"
  seeds=()
  for d in "tests/fuzz/$area/seeds" "tests/fuzz/$area/regressions"; do
    [ -d "$d" ] && seeds+=("$d")
  done
  if [ "$area" = ss7 ] && [ -d "build-fuzz/seeds-ss7/${t#fuzz_ss7_}" ]; then
    seeds+=("build-fuzz/seeds-ss7/${t#fuzz_ss7_}")
  fi
  max_len=8192  # a packet
  if [ "$area" = pipeline ]; then
    seeds+=(tests/fuzz/l2l4/seeds)  # the same input: short captures
  fi
  if [ "$area" = rules ]; then
    seeds+=(build-fuzz/seeds-rules tests/fuzz/rules/list_seeds)
    max_len=16384  # a rules file (the default one is ~10 kB)
  fi
  exe=$(find build-fuzz -type f -name "$t" -perm -u+x | head -n 1)
  echo "== $t (${secs}s, seeds: ${seeds[*]:-none})"
  log="build-fuzz/$t.log"
  rc=0
  "$exe" -max_total_time="$secs" -max_len="$max_len" -print_final_stats=1 "$corpus" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units)" "$log" || true
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$log"
    echo "fuzz-short: $t failed (exit $rc)"
    exit 1
  fi
done
echo "fuzz-short: ${#targets[@]} targets, no findings"
