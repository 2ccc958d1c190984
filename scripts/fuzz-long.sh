#!/usr/bin/env bash
# Long fuzzing: runs the property tests of tests/fuzz (CSV reader, encoding detection,
# ID, date and name normalisation, config loader) over and over with fresh random seeds
# for DURATION seconds (default 1800), CASES cases per property per round (default
# 20000). Stops at the first failure, printing proptest's minimal failing input.
#
#   scripts/fuzz-long.sh                 30 minutes
#   DURATION=600 CASES=5000 scripts/fuzz-long.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-1800}
cases=${CASES:-20000}
# Built once; the test binary itself is run each round.
# (the test binary, not the sanku binary cargo builds beside it).
bin=$(cargo test --quiet --test fuzz --no-run --message-format=json \
    | grep '"name":"fuzz"' | grep '"test":true' \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
[ -x "$bin" ] || { echo "fuzz: could not build the fuzz tests" >&2; exit 2; }
start=$(date +%s)
rounds=0
while [ $(($(date +%s) - start)) -lt "$duration" ]; do
    rounds=$((rounds + 1))
    if ! RUST_BACKTRACE=0 PROPTEST_CASES=$cases "$bin" --test-threads 1 >"${TMPDIR:-/tmp}/sanku-fuzz.out" 2>&1; then
        cat "${TMPDIR:-/tmp}/sanku-fuzz.out"
        echo "fuzz: FAILED in round $rounds after $(($(date +%s) - start)) s"
        exit 1
    fi
    echo "fuzz: round $rounds passed ($((rounds * cases)) cases per property, $(($(date +%s) - start)) s)"
done
echo "fuzz: $rounds rounds, $((rounds * cases)) cases per property, $(($(date +%s) - start)) s, no failure"
