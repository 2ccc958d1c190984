#!/usr/bin/env bash
# A province night against the comparison an analyst would write by hand, in one
# invocation: generates a province whose registers are GB18030 (as data centres export
# them), measures the floor of reading its population file — `iconv -f GB18030 -t UTF-8 |
# wc -l` and sanku's own decode-only pass (examples/decode_floor.rs, which holds the whole
# file in memory: its peak is no floor for sanku's) on 1 and 2 threads —
# then runs, alternated RUNS times, the polars baseline (benches/polars_baseline.py:
# transcode, read, anti-join on the ID, one CSV; transcoded by polars itself, then again
# after iconv) and `sanku run -v`, and prints each run's
# wall time, peak memory and sanku's population stage, then the means and sanku's share of
# the baseline.
#
#   benches/province.sh                          10 M people, 3 runs each
#   PEOPLE=20000000 RUNS=2 benches/province.sh
#
# Data (registers, outputs, and the Python environment holding polars) goes to
# $SANKU_BENCH_DATA (default: bench-data/ in the repository, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

people=${PEOPLE:-10000000}
seed=${SEED:-1}
runs=${RUNS:-3}
threads=${THREADS:-2}
data=${SANKU_BENCH_DATA:-bench-data}
polars_version=2.1.0

cargo build --release --quiet
cargo build --release --quiet --example decode_floor
target=${CARGO_TARGET_DIR:-target}/release
bin=$target/sanku
mkdir -p "$data"
data=$(cd "$data" && pwd)

venv=$data/venv-polars-$polars_version
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "polars==$polars_version"
fi

registers=$data/province-gb18030-$people-seed$seed
if [ ! -f "$registers/truth/generated.json" ]; then
    rm -rf "$registers"
    "$bin" generate --population "$people" --seed "$seed" --encoding gb18030 \
        --out "$registers" --quiet
fi
population=$registers/population.csv

# Runs a command, leaving "wall_seconds peak_kib" in $stats and its stderr in $data/.err;
# a command that fails stops the script with its error shown. (GNU time's -f and -o.)
measure() {
    if ! /usr/bin/time -f "%e %M" -o "$data/.time" "$@" >/dev/null 2>"$data/.err"; then
        echo "failed: $*" >&2
        cat "$data/.err" >&2
        exit 1
    fi
    stats=$(tail -n 1 "$data/.time")
}

printf "%-34s %9s %11s %12s\n" "step" "wall" "peak" "population"
# The file is read once first, so that the floors measure decoding and not the disk (read
# from a disk giving 240 MB/s, the 530 MB alone take 2.2 s).
cat "$population" >/dev/null
for i in $(seq "$runs"); do
    measure sh -c "iconv -f GB18030 -t UTF-8 '$population' | wc -l"
    printf "%-34s %7.2f s %11s\n" "floor: iconv | wc -l, run $i" "${stats% *}" ""
done
for t in 1 2; do
    measure "$target/examples/decode_floor" "$population" "$t"
    printf "%-34s %7.2f s %7d MiB\n" "floor: own decode pass, $t thread(s)" "${stats% *}" $((${stats#* } / 1024))
done

sum() { awk '{ s += $1 } END { printf "%.2f", s / NR }'; }
: >"$data/.baseline" && : >"$data/.iconv" && : >"$data/.sanku"
for i in $(seq "$runs"); do
    rm -rf "$data/baseline-out"
    measure "$venv/bin/python" benches/polars_baseline.py "$registers" "$data/baseline-out"
    echo "$stats" >>"$data/.baseline"
    printf "%-34s %7.2f s %7d MiB\n" "polars baseline, run $i" "${stats% *}" $((${stats#* } / 1024))
    rm -rf "$data/baseline-out"
    measure "$venv/bin/python" benches/polars_baseline.py "$registers" "$data/baseline-out" --iconv
    echo "$stats" >>"$data/.iconv"
    printf "%-34s %7.2f s %7d MiB\n" "polars baseline after iconv, run $i" "${stats% *}" $((${stats#* } / 1024))
    rm -rf "$data/sanku-out"
    measure "$bin" run "$registers" --out "$data/sanku-out" --threads "$threads" -v
    echo "$stats" >>"$data/.sanku"
    stage=$(sed -n 's/.*population \([0-9.]*\)s.*/\1/p' "$data/.err" | head -n 1)
    printf "%-34s %7.2f s %7d MiB %10s s\n" "sanku run, run $i" "${stats% *}" $((${stats#* } / 1024)) "$stage"
done
sanku_wall=$(cut -d' ' -f1 "$data/.sanku" | sum)
sanku_peak=$(cut -d' ' -f2 "$data/.sanku" | sum)
for baseline in baseline iconv; do
    base_wall=$(cut -d' ' -f1 "$data/.$baseline" | sum)
    base_peak=$(cut -d' ' -f2 "$data/.$baseline" | sum)
    awk -v name="$baseline" -v bw="$base_wall" -v bp="$base_peak" -v sw="$sanku_wall" -v sp="$sanku_peak" 'BEGIN {
        printf "mean: %s %.2f s %.0f MiB, sanku %.2f s %.0f MiB: %.2f× the wall time, %.2f× the memory\n",
            name, bw, bp / 1024, sw, sp / 1024, sw / bw, sp / bp
    }'
done
