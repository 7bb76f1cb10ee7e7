#!/usr/bin/env bash
# Runs every libFuzzer target in build/fuzz for the given number of seconds, starting from its
# seed corpus in fuzz/<target>/corpus (copied, so the repository is not modified by a run).
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for dir in "$root"/fuzz/*/; do
  name=$(basename "$dir")
  bin="$root/build/fuzz/fuzz_$name"
  [ -x "$bin" ] || { echo "fuzz: missing $bin"; exit 1; }
  work=$(mktemp -d)
  cp -r "$dir/corpus/." "$work/" 2>/dev/null || true
  dict=()
  [ -f "$dir/dict" ] && dict=(-dict="$dir/dict")
  echo "fuzz: $name for ${seconds}s"
  if ! "$bin" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" "$work" \
      > "$work.log" 2>&1; then
    tail -50 "$work.log"; echo "fuzz: $name found a crash"; status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$work.log" | tail -2
  fi
  rm -rf "$work"
done
exit $status
