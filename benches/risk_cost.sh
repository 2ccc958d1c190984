#!/usr/bin/env bash
# What the at-risk list costs a run: `sanku run` on the same registers, alternately with
# the default rule and with every factor switched off (no list), ROUNDS times each. Prints
# each run's wall time, peak memory and its risk and output stages (from manifest.json),
# then the means and the list's cost, whole and by stages, as a share of a run without it.
#
#   benches/risk_cost.sh                      20 M people, 3 rounds
#   SIZE=2000000 ROUNDS=2 benches/risk_cost.sh
#
# Data goes to $SANKU_BENCH_DATA (default: bench-data/ in the repository, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

size=${SIZE:-20000000}
rounds=${ROUNDS:-3}
seed=${SEED:-1}
data=${SANKU_BENCH_DATA:-bench-data}

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/sanku
mkdir -p "$data"
dir="$data/gen-$size-seed$seed"
if [ ! -f "$dir/truth/generated.json" ]; then
    rm -rf "$dir"
    "$bin" generate --population "$size" --seed "$seed" --out "$dir" --quiet
fi
off="$data/no-risk-list.toml"
cat >"$off" <<'TOML'
[risk.factors]
over_age = false
unaided = false
suspended = false
returned = false
transfers = false
sibling = false
disability = false
far_from_home = false
TOML

results="$data/risk-cost.tsv"
: >"$results"
for round in $(seq "$rounds"); do
    for mode in list none; do
        out="$data/risk-cost-$mode"
        rm -rf "$out"
        config=()
        [ "$mode" = none ] && config=(--config "$off")
        /usr/bin/time -f "%e %M" -o "$data/.time" \
            "$bin" run "$dir" --out "$out" --run-date 2026-09-01 --quiet "${config[@]}"
        read -r wall kib <"$data/.time"
        stages=$(python3 -c '
import json, sys
stages = {s["stage"]: s["seconds"] for s in json.load(open(sys.argv[1]))["stages"]}
print(stages.get("risk", 0.0), stages.get("output", 0.0))' "$out/manifest.json")
        rows=$(($(wc -l <"$out/risk.csv") - 1))
        printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$mode" "$wall" "$kib" $stages "$rows" | tee -a "$results"
    done
done

python3 - "$results" <<'PY'
import sys
runs = [line.split("\t") for line in open(sys.argv[1]) if line.strip()]
def mean(mode, col):
    values = [float(r[col]) for r in runs if r[0] == mode]
    return sum(values) / len(values)
print(f"{'':>8} {'wall':>9} {'peak':>10} {'risk':>8} {'output':>8} {'rows':>9}")
for mode in ["list", "none"]:
    print(f"{mode:>8} {mean(mode, 1):8.2f}s {mean(mode, 2) / 1048576:8.2f}GiB "
          f"{mean(mode, 3):7.2f}s {mean(mode, 4):7.2f}s {mean(mode, 5):9.0f}")
base = mean("none", 1)
whole = mean("list", 1) - base
stages = mean("list", 3) + mean("list", 4) - mean("none", 4)
print(f"cost, whole runs: {whole:+.2f} s ({100 * whole / base:+.1f} % of {base:.2f} s)")
print(f"cost, by stages (risk, and the output stage's growth): {stages:+.2f} s "
      f"({100 * stages / base:+.1f} %)")
PY
