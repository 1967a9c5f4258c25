#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after the other, in one
# libFuzzer process (one core), seeded by seed.py.
# Stable Rust only: cargo-fuzz needs nightly flags, RUSTC_BOOTSTRAP=1 allows them.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   logs in fuzz/logs/<target>.log
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_recording plan decode_png diff_pngs text_inputs)
[ -d corpus ] || python3 seed.py
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O -a -s none
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t (${secs}s)"
  cargo fuzz run -O -a -s none "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 \
    -max_len=65536 -print_final_stats=1 >"logs/$t.log" 2>&1 || echo "!! $t stopped: see fuzz/logs/$t.log"
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Test unit written|panicked" "logs/$t.log" || true
done
