#!/usr/bin/env bash
# End-to-end benchmark: generates registers once per size and seed (cached outside the
# repository), measures the floor — polars reading every input file whole and counting
# its rows (examples/scan_floor.rs) — then times `sanku run` on 1 and 2 threads and prints
# a table: rows, wall time, peak memory, and the run's time as a multiple of the floor
# measured in the same invocation; then a rescore of the last run at other thresholds and
# the diff of the two, as shares of that run's time. Ends with `sanku evaluate` on it.
#
#   benches/end_to_end.sh            200 k and 2 M people
#   benches/end_to_end.sh --quick    20 k people (cheap enough for CI)
#   SIZES="20000000" THREADS="2" benches/end_to_end.sh
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
cargo build --release --quiet --features floor --example scan_floor
target=${CARGO_TARGET_DIR:-target}/release
bin=$target/sanku
floor_bin=$target/examples/scan_floor
mkdir -p "$data"

# Runs a command, leaving "wall_seconds peak_kib" in $stats.
measure() {
    /usr/bin/time -f "%e %M" -o "$data/.time" "$@" >/dev/null 2>&1
    stats=$(tail -n 1 "$data/.time")
}

row() { # people, rows, step, wall, kib, ratio
    printf "%12s %12s  %-22s %9.2f s %9.0f MiB %7s\n" "$1" "$2" "$3" "$4" "$(($5 / 1024))" "$6"
}

printf "%12s %12s  %-22s %11s %13s %7s\n" "people" "input rows" "step" "wall" "peak RSS" "×floor"
for n in $sizes; do
    dir="$data/gen-$n-seed$seed"
    if [ ! -f "$dir/truth/generated.json" ]; then
        rm -rf "$dir"
        measure "$bin" generate --population "$n" --seed "$seed" --out "$dir" --quiet
        row "$n" "-" "generate" ${stats% *} ${stats#* } ""
    fi
    files=("$dir"/population.csv "$dir"/students.csv "$dir"/poverty.csv "$dir"/exemptions.csv)
    rows=$(( $(cat "${files[@]}" | wc -l) - ${#files[@]} ))
    measure "$floor_bin" "${files[@]}"
    floor=${stats% *}
    row "$n" "$rows" "floor (polars read)" "$floor" ${stats#* } "1.0"
    for t in $threads; do
        measure "$bin" run "$dir" --out "$data/run-$n-t$t" --threads "$t" --quiet
        wall=${stats% *}
        ratio=$(awk -v a="$wall" -v b="$floor" 'BEGIN { printf "%.1f", a / b }')
        row "$n" "$rows" "sanku run, $t thread(s)" "$wall" ${stats#* } "$ratio"
    done
    # A rescore of the last run at other thresholds, and the diff of the two, as shares of
    # that run's time.
    last="$data/run-$n-t${threads##* }"
    run_wall=$wall
    share() { awk -v a="$1" -v b="$run_wall" 'BEGIN { printf "%.0f%% run", 100 * a / b }'; }
    measure "$bin" rescore "$last" --accept 11 --review 8 --out "$last-rescored" --quiet
    row "$n" "$rows" "rescore at 11/8" "${stats% *}" ${stats#* } "$(share "${stats% *}")"
    measure "$bin" diff "$last" "$last-rescored"
    row "$n" "$rows" "diff run, rescore" "${stats% *}" ${stats#* } "$(share "${stats% *}")"
    "$bin" evaluate --truth "$dir/truth" "$last" | sed "s/^/    /"
done
