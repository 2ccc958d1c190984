#!/usr/bin/env bash
# Crash test of the output stage: runs `sanku run` on the demo once, then again on another
# as-of date under strace, killed with SIGKILL at the n-th rename (rename, renameat,
# renameat2) for every n the run makes. After each kill the run directory must be the
# previous run byte for byte, or the new run whole; the next run must leave no temporary
# file or staging directory behind.
#
#   scripts/kill-test.sh [SANKU_BINARY]     (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet
    bin=${CARGO_TARGET_DIR:-target}/release/sanku
fi
bin=$(realpath "$bin")
command -v strace >/dev/null || { echo "kill-test: strace is needed" >&2; exit 2; }
data=$(realpath fixtures/demo)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
renames=rename,renameat,renameat2

"$bin" run "$data" --out "$work/previous" --quiet
"$bin" run "$data" --out "$work/new" --quiet --as-of 2025-09-01
count=$(strace -f -qq -e trace=$renames -o "$work/trace" \
    "$bin" run "$data" --out "$work/counted" --quiet --as-of 2025-09-01 && grep -c 'rename' "$work/trace")
echo "kill-test: $count renames in a run"

same_run() { # whether run directories $1 and $2 hold the same files (manifest timings aside)
    diff -r -x manifest.json "$1" "$2" >/dev/null && [ -f "$1/manifest.json" ]
}

failures=0
for n in $(seq 1 "$count"); do
    rm -rf "$work/out"
    cp -a "$work/previous" "$work/out"
    (strace -f -qq -o /dev/null -e trace=$renames -e inject=$renames:signal=SIGKILL:when=$n \
        "$bin" run "$data" --out "$work/out" --quiet --as-of 2025-09-01) 2>/dev/null || true
    if diff -r "$work/previous" "$work/out" >/dev/null; then
        state="previous run, byte-identical"
    elif same_run "$work/out" "$work/new"; then
        state="new run, whole"
    else
        state="MIXED"
        failures=$((failures + 1))
    fi
    "$bin" run "$data" --out "$work/out" --quiet
    left=$(find "$work" -maxdepth 2 \( -name '.*sanku-*' -o -name '*.tmp' \) | wc -l)
    [ "$left" -eq 0 ] || { state="$state; $left temporary files left"; failures=$((failures + 1)); }
    echo "kill at rename $n: $state"
done
[ "$failures" -eq 0 ] && echo "kill-test: passed" || { echo "kill-test: $failures failures"; exit 1; }
