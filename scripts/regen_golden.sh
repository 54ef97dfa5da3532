#!/usr/bin/env bash
# Regenerates the golden event lines of the project's captures:
#   tests/golden/<dir>/<name>.events.jsonl  from  `sigprobe decode --json pcaps/<dir>/<name>.pcap`
# Read the diff (git diff tests/golden) before committing it: it is what changed in the output.
# Usage: scripts/regen_golden.sh [CAPTURE ...]     (default: every capture of pcaps/sip and pcaps/ss7;
#        name others, e.g. pcaps/scenarios/*.pcap, to give them golden files: tests/golden/CMakeLists.txt
#        registers a test for every golden file it finds)
# SIGPROBE=path/to/sigprobe overrides the binary (default build/sigprobe).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SIGPROBE:-build/sigprobe}"
[ -x "$bin" ] || { echo "regen_golden: $bin not built (set SIGPROBE=...)" >&2; exit 1; }
if [ $# -eq 0 ]; then
  mapfile -t caps < <(find pcaps/sip pcaps/ss7 -name '*.pcap' | sort)
else
  caps=("$@")
fi
for cap in "${caps[@]}"; do
  rel="${cap#pcaps/}"
  out="tests/golden/${rel%.*}.events.jsonl"   # .pcap or .pcapng
  mkdir -p "$(dirname "$out")"
  "$bin" decode --json "$cap" > "$out.tmp"
  mv "$out.tmp" "$out"
  echo "$out: $(wc -l < "$out") events"
done
