#!/usr/bin/env bash
# run_fuzzer.sh FUZZER SECONDS WORK_DIR CORPUS_DIR
# Runs one libFuzzer target for SECONDS on a copy of its checked-in corpus
# (new inputs go to WORK_DIR, never into the source tree) and prints how many
# inputs it tried. Fails on any crash, leak or sanitizer report.
set -euo pipefail
fuzzer=$1 seconds=$2 work=$3 corpus=$4
mkdir -p "$work/corpus" "$work/artifacts"
cp -n "$corpus"/* "$work/corpus/" 2>/dev/null || true
"$fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" 2>"$work/log" || {
  tail -40 "$work/log"
  exit 1
}
runs=$(grep -m1 'stat::number_of_executed_units' "$work/log" | awk '{print $2}')
echo "$(basename "$fuzzer"): ${runs:-?} inputs in ${seconds}s, no crash"
