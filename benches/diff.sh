#!/usr/bin/env bash
# Side-by-side diff benchmark, one run: the diff kernel alone (reel vs pixelmatch in process) and
# the whole process (`reel diff` vs odiff 4.5.0 vs the pixelmatch CLI) on the shared bench images.
# Whole-process rounds are interleaved (each round runs every command once) so that load from
# elsewhere on a shared machine hits all tools alike.
#
# usage: benches/diff.sh [IMAGE_DIR]        (default tests/data/bench-images)
# env:   RUNS (rounds per command, default 15), SKIP_KERNEL=1, SKIP_PROCESS=1
# needs: cargo, node/npm.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGES=${1:-tests/data/bench-images}
RUNS=${RUNS:-15}
NODE_DIR=benches/node
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

[ -d "$NODE_DIR/node_modules/odiff-bin" ] || (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
cargo build --release --quiet
REEL=target/release/reel
# odiff-bin's bin/odiff is a node wrapper; time the native binary it resolves to.
ODIFF=$(cd "$NODE_DIR" && node -e 'console.log(require("odiff-bin/binary.js").findBinary())')
PIXELMATCH="node $NODE_DIR/node_modules/pixelmatch/bin/pixelmatch"

echo "# $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# reel $($REEL --version | cut -d' ' -f2), odiff $("$ODIFF" --version 2>&1 | head -1), node $(node --version)"

if [ "${SKIP_KERNEL:-}" != 1 ]; then
    echo
    echo "## Kernel alone (decode excluded), reel and pixelmatch alternating pair by pair"
    cargo bench --quiet --bench diff --no-run 2>/dev/null
    for size in 1280x720 1920x1080 1280x8000; do
        for variant in small large base; do
            label="$size base vs $variant"
            REEL_BENCH_IMAGES=$IMAGES REEL_BENCH_ENCODE=0 REEL_BENCH_ONLY="$label" \
                cargo bench --quiet --bench diff >"$OUT/reel-one.txt"
            node "$NODE_DIR/pixelmatch-kernel.mjs" "$IMAGES" 11 "$label" >"$OUT/pm-one.txt"
            [ -s "$OUT/reel.txt" ] || head -2 "$OUT/reel-one.txt" >"$OUT/reel.txt"
            [ -s "$OUT/pm.txt" ] || head -2 "$OUT/pm-one.txt" >"$OUT/pm.txt"
            tail -1 "$OUT/reel-one.txt" >>"$OUT/reel.txt"
            tail -1 "$OUT/pm-one.txt" >>"$OUT/pm.txt"
        done
    done
    cat "$OUT/reel.txt"
    echo
    cat "$OUT/pm.txt"
fi

if [ "${SKIP_PROCESS:-}" != 1 ]; then
    echo
    echo "## Whole process (decode both PNGs, diff, exit), interleaved rounds, medians"
    for size in 1280x720 1920x1080 1280x8000; do
        for variant in small large base; do
            A=$IMAGES/ui_${size}_base.png
            B=$IMAGES/ui_${size}_${variant}.png
            node "$NODE_DIR/whole-process.mjs" "$RUNS" "$size base vs $variant" -- \
                "reel=$REEL diff $A $B" \
                "odiff=$ODIFF --aa $A $B" \
                "reel --out=$REEL diff $A $B --out $OUT/reel.png" \
                "odiff out=$ODIFF --aa $A $B $OUT/odiff.png" \
                "pixelmatch=$PIXELMATCH $A $B $OUT/pm.png 0.1"
        done
    done
fi
