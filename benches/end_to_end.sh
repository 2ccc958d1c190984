#!/usr/bin/env bash
# End-to-end benchmark: generates registers once per size and seed (cached outside the
# repository), then times `sanku run` on each and prints wall time and peak memory.
#
#   benches/end_to_end.sh            200 k and 2 M people
#   benches/end_to_end.sh --quick    20 k people (cheap enough for CI)
#   SIZES="20000000" benches/end_to_end.sh
#
# Data goes to $SANKU_BENCH_DATA (default: bench-data/ in the repository, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${SIZES:-"200000 2000000"}
[ "${1:-}" = "--quick" ] && sizes="20000"
seed=${SEED:-1}
data=${SANKU_BENCH_DATA:-bench-data}
threads=${THREADS:-"1 2"}

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/sanku
mkdir -p "$data"

measure() { # label, command...
    local label=$1; shift
    local stats
    /usr/bin/time -f "%e %M" -o "$data/.time" "$@" >/dev/null 2>&1
    stats=$(tail -n 1 "$data/.time")
    printf "%-34s %8s s %8.0f MiB\n" "$label" "${stats% *}" "$(( ${stats#* } / 1024 ))"
}

printf "%-34s %10s %12s\n" "step" "wall" "peak RSS"
for n in $sizes; do
    dir="$data/gen-$n-seed$seed"
    if [ ! -f "$dir/truth/generated.json" ]; then
        rm -rf "$dir"
        measure "generate $n" "$bin" generate --population "$n" --seed "$seed" --out "$dir" --quiet
    fi
    for t in $threads; do
        measure "run $n, $t thread(s)" "$bin" run "$dir" --out "$data/run-$n-t$t" --threads "$t" --quiet
    done
    "$bin" evaluate --truth "$dir/truth" "$data/run-$n-t${threads##* }" | sed "s/^/    /"
done
