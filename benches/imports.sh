#!/usr/bin/env bash
# Imports at 100,000 rows, one binary beside another in the same sitting: for each binary, a
# 100,000-row asset CSV into a new SQLite data dir, the same file again (every row
# unchanged), the same assets as XLSX (exported by the first binary), and a 100,000-row risk
# CSV on those assets. Each is run ROUNDS times, the binaries taking turns, and the median
# wall time and the largest peak resident memory are reported.
#
# Usage:
#   bash benches/imports.sh BINARY [BINARY …]
#   e.g. bash benches/imports.sh /tmp/base/release/annex target/release/annex
#
# Knobs: BENCH_ROUNDS (default 3), BENCH_ROWS (default 100000).
# Needs: python3, GNU time (/usr/bin/time).

set -euo pipefail
NAME=imports.sh
ROUNDS="${BENCH_ROUNDS:-3}"
ROWS="${BENCH_ROWS:-100000}"
die() { echo "$NAME: $*" >&2; exit 1; }
[[ $# -ge 1 ]] || die "give one or more annex binaries"
[[ -x /usr/bin/time ]] || die "GNU time is needed (Debian: apt-get install time)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to write the files"
for b in "$@"; do [[ -x "$b" ]] || die "no binary at $b"; done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/annex-imports.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
UNSET=()
while IFS= read -r name; do UNSET+=(-u "$name"); done < <(env | awk -F= '/^ANNEX_/ {print $1}')

ASSETS="$WORK/assets.csv"
RISKS="$WORK/risks.csv"
python3 - "$ASSETS" "$RISKS" "$ROWS" <<'PY'
import random, sys
assets, risks, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
random.seed(1)
with open(assets, "w") as f:
    f.write("Asset Ref,Asset Name,Type,Owner,Classification,C,I,A,Status,Tags,Depends on\n")
    for i in range(n):
        dep = f"IMP-{random.randrange(i) + 1:06}" if i > 10 and random.random() < 0.3 else ""
        f.write(f"IMP-{i + 1:06},Server {i + 1},hardware,ops{i % 20}@example.org,internal,"
                f"{1 + i % 5},{1 + i % 4},{1 + i % 3},Active,linux;dc{i % 3},{dep}\n")
random.seed(2)
words = ["Ransomware", "Phishing", "Supplier outage", "Lost laptop", "Insider leak", "Fire"]
with open(risks, "w") as f:
    f.write("Risk ID,Risk Title,Threat,Risk owner,Likelihood (1-5),Impact,Residual likelihood,Residual impact,Treatment,Status,Asset\n")
    for i in range(n):
        l, im = random.randint(1, 5), random.randint(1, 5)
        f.write(f"RI-{i + 1:06},{random.choice(words)} {i + 1},{random.choice(words)},owner{i % 50}@example.org,"
                f"{l},{im},{max(1, l - 1)},{im},{random.choice(['Mitigate', 'Accept', 'Transfer'])},Open,IMP-{1 + i % n:06}\n")
PY

# The assets as XLSX, as Annex exports them (the first binary's export).
XLSX="$WORK/assets.xlsx"
first="$WORK/first"
env "${UNSET[@]}" "$1" --data-dir "$first" --database "sqlite://$first/annex.db" init >/dev/null
env "${UNSET[@]}" "$1" --data-dir "$first" --database "sqlite://$first/annex.db" asset import "$ASSETS" >/dev/null
env "${UNSET[@]}" "$1" --data-dir "$first" --database "sqlite://$first/annex.db" asset export --format xlsx --out "$XLSX" 2>/dev/null
rm -rf "$first"

# One timed command: "seconds peak_kb", after checking that it succeeded.
timed() {
    local out
    out="$(/usr/bin/time -f '@@ %e %M' "$@" 2>&1 >/dev/null)" || { echo "$out" >&2; die "failed: $*"; }
    grep '^@@ ' <<<"$out" | tail -n 1 | cut -d' ' -f2-
}

declare -A T M
steps=("asset CSV" "same CSV again" "asset XLSX" "risk CSV")
for round in $(seq 1 "$ROUNDS"); do
    for b in "$@"; do
        echo "== round $round: $b" >&2
        d="$WORK/data"
        rm -rf "$d"
        cmd=(env "${UNSET[@]}" "$b" --data-dir "$d" --database "sqlite://$d/annex.db")
        "${cmd[@]}" init >/dev/null
        read -r t m < <(timed "${cmd[@]}" asset import "$ASSETS")
        T["$b|asset CSV"]+="$t "; M["$b|asset CSV"]+="$m "
        read -r t m < <(timed "${cmd[@]}" asset import "$ASSETS")
        T["$b|same CSV again"]+="$t "; M["$b|same CSV again"]+="$m "
        read -r t m < <(timed "${cmd[@]}" asset import "$XLSX")
        T["$b|asset XLSX"]+="$t "; M["$b|asset XLSX"]+="$m "
        read -r t m < <(timed "${cmd[@]}" risk import "$RISKS")
        T["$b|risk CSV"]+="$t "; M["$b|risk CSV"]+="$m "
    done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
largest() { tr ' ' '\n' | grep . | sort -n | tail -n 1; }

echo
echo "Imports of $ROWS rows (SQLite, new data dir), $ROUNDS rounds, median wall time / largest peak RSS, $(nproc) CPUs"
for b in "$@"; do
    rev="$(cd "$(dirname "$b")" && git rev-parse --short HEAD 2>/dev/null || true)"
    echo "$b${rev:+ ($rev)}"
    for s in "${steps[@]}"; do
        printf '  %-16s %6.2f s  %6d MB\n' "$s" "$(median <<<"${T["$b|$s"]}")" $(( $(largest <<<"${M["$b|$s"]}") / 1024 ))
    done
done
