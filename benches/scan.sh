#!/usr/bin/env bash
# `annex scan` benchmark: a full scan of this machine and of a fixture root (a copy of this
# machine's /etc and package database in a temporary folder), 5 runs each, wall time and
# peak memory; then, when Lynis is installed (apt-get install lynis), its audit of the same
# machine for comparison.
#
#   bash benches/scan.sh
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
cd "$REPO"
cargo build --release --bin annex >/dev/null 2>&1
BIN="$TARGET_DIR/release/annex"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/annex-scan.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

timed() {
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -f "   wall %e s, peak RSS %M kB" "$@" 2>&1 | grep -E 'checks in|wall'
    else
        "$@" 2>&1 | grep 'checks in'
    fi
}

echo "== annex scan of this machine ($("$BIN" scan --list | tail -1)), 5 runs"
for _ in 1 2 3 4 5; do timed "$BIN" scan --format json --out "$WORK/host.json"; done

echo "== annex scan of a fixture root (a copy of /etc and the package database), 5 runs"
mkdir -p "$WORK/root/var/lib/dpkg" "$WORK/root/var/lib/apt" "$WORK/root/var/log"
cp -a /etc "$WORK/root/" 2>/dev/null || true
cp -a /var/lib/dpkg/status "$WORK/root/var/lib/dpkg/" 2>/dev/null || true
cp -a /var/lib/apt/lists "$WORK/root/var/lib/apt/" 2>/dev/null || true
for _ in 1 2 3 4 5; do timed "$BIN" scan --root "$WORK/root" --format json --out "$WORK/root.json"; done

if command -v lynis >/dev/null 2>&1; then
    echo "== Lynis on this machine (lynis audit system --quick)"
    start=$(date +%s.%N)
    lynis audit system --quick --no-colors > "$WORK/lynis.txt" 2>&1 || true
    end=$(date +%s.%N)
    echo "   wall $(echo "$end - $start" | bc) s"
    grep -E "Tests performed|Hardening index|Warnings|Suggestions" "$WORK/lynis.txt" | sed 's/^/   /' || true
else
    echo "== Lynis not installed: comparison skipped (apt-get install lynis)"
fi
