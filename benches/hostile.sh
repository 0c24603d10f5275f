#!/usr/bin/env bash
# Hostile input against a release build: each file of the fuzz regression corpus and a few
# oversized bodies, each sent to a freshly started server, with the answer and the server's
# peak resident memory (VmHWM) after it. The server must answer every one (no crash) with a
# 4xx and keep its memory flat.
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/hostile.sh
# Knobs: BENCH_SKIP_BUILD=1 (use the existing release binary).
# Needs: cargo, curl, python3.

NAME=hostile.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"${annex_cmd[@]}" demo --size small >/dev/null
"${annex_cmd[@]}" user add --email hostile@example.org --name Hostile --role manager >/dev/null
TOKEN="$("${annex_cmd[@]}" token create --email hostile@example.org --name hostile | tail -n 1)"

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# One case: a fresh server, the request, the answer and the peak memory.
case_of() {
    local label="$1"; shift
    start_server >/dev/null 2>&1
    local before; before="$(hwm_kb)"
    local status
    status="$("$@" 2>/dev/null | tail -c 3)"
    local alive="up"
    curl -fs "$BASE/healthz" >/dev/null || alive="DOWN"
    local after="0"
    alive && after="$(hwm_kb)"
    printf '%-44s %5s  %-4s peak %6s MB (before it %5s MB)\n' "$label" "$status" "$alive" \
        "$(mb "$after")" "$(mb "$before")"
    stop_server
}

post_file() { # path file
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/octet-stream' --data-binary @"$2" "$BASE$1"
}

fields_body() { # MB of 1 KB text fields, as multipart
    python3 - "$1" <<'PY'
import sys
mb = int(sys.argv[1]); b = "annexhostileboundary"
out = sys.stdout.buffer
out.write(f'--{b}\r\nContent-Disposition: form-data; name="title"\r\n\r\nFlood\r\n'.encode())
chunk = (f'--{b}\r\nContent-Disposition: form-data; name="note"\r\n\r\n' + "x" * 1000 + "\r\n").encode()
for _ in range(mb * 1024):
    out.write(chunk)
out.write(f'--{b}--\r\n'.encode())
PY
}

post_fields() { # MB
    fields_body "$1" | curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: multipart/form-data; boundary=annexhostileboundary' --data-binary @- "$BASE/api/v1/evidence"
}

one_field() { # MB in a single field
    python3 - "$1" <<'PY' | curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: multipart/form-data; boundary=annexhostileboundary' --data-binary @- "$BASE/api/v1/evidence"
import sys
mb = int(sys.argv[1]); b = "annexhostileboundary"
out = sys.stdout.buffer
out.write(f'--{b}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'.encode())
for _ in range(mb):
    out.write(b"y" * (1024 * 1024))
out.write(f'\r\n--{b}--\r\n'.encode())
PY
}

big_json() { # MB of JSON to a JSON endpoint
    python3 -c "import sys; sys.stdout.write('{\"name\": \"' + 'z' * ($1 * 1024 * 1024) + '\"}')" |
        curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' --data-binary @- "$BASE/api/v1/assets"
}

big_import() { # MB of CSV to an import
    python3 -c "
import sys
sys.stdout.write('id,name\n')
for i in range($1 * 1024 * 16):
    sys.stdout.write('A-%07d,%s\n' % (i, 'n' * 50))" |
        curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: text/csv' --data-binary @- "$BASE/api/v1/assets/import?dry_run=true"
}

echo "Annex against hostile input: $(git -C "$REPO" rev-parse --short HEAD), release build, SQLite"
printf '%-44s %5s  %-4s %s\n' "case" "HTTP" "up?" "server memory"
for f in "$REPO"/tests/fuzz/regressions/assets/*; do
    case_of "import $(basename "$f") ($(stat -c %s "$f") B)" post_file "/api/v1/assets/import?dry_run=true" "$f"
done
case_of "evidence: 300 MB of 1 KB form fields" post_fields 300
case_of "evidence: 600 MB of 1 KB form fields" post_fields 600
case_of "evidence: one 300 MB text field" one_field 300
case_of "JSON body of 100 MB (asset create)" big_json 100
case_of "CSV import of 100 MB" big_import 100
