#!/usr/bin/env bash
# Quantitative risk benchmarks: the Monte Carlo engine on the issue's workload (divan, with the
# machine's threads and with one), `annex risk simulate` end to end on the demo (100 risks with
# ranges, before and after treatment, 100,000 and 1,000,000 iterations, wall time and peak
# memory), and, when numpy is installed, the same workload in vectorised numpy for comparison.
#
#   bash benches/quant.sh
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
cd "$REPO"

echo "== engine, all threads (cargo bench --bench montecarlo)"
cargo bench --bench montecarlo 2>/dev/null | tail -7
echo "== engine, one thread"
RAYON_NUM_THREADS=1 cargo bench --bench montecarlo 2>/dev/null | tail -7

cargo build --release --bin annex >/dev/null 2>&1
BIN="$TARGET_DIR/release/annex"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/annex-quant.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
"$BIN" demo --data-dir "$WORK" >/dev/null
for n in 100000 1000000; do
    echo "== annex risk simulate --iterations $n (100 risks, both phases, JSON to a file), 5 runs"
    for _ in 1 2 3 4 5; do
        if [[ -x /usr/bin/time ]]; then
            /usr/bin/time -f "   wall %e s, peak RSS %M kB" "$BIN" risk simulate --data-dir "$WORK" \
                --iterations "$n" --format json --out "$WORK/out.json" 2>&1 | grep -v '^wrote'
        else
            "$BIN" risk simulate --data-dir "$WORK" --iterations "$n" --format json --out "$WORK/out.json" 2>&1 | grep -v '^wrote'
        fi
    done
done

if python3 -c 'import numpy' 2>/dev/null; then
    echo "== the same workload in numpy (benches/peers/numpy_fair.py)"
    for kind in simple tree; do
        python3 benches/peers/numpy_fair.py 1 "$kind"
        python3 benches/peers/numpy_fair.py 100 "$kind"
    done
else
    echo "== numpy not installed: peer comparison skipped (pip install numpy)"
fi
