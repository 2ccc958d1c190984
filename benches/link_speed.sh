#!/usr/bin/env bash
# End-to-end speed and accuracy of `sanku link` on a FEBRL4-like set of SIZE originals
# and SIZE duplicates (default 500 000), made once under DATA (default
# $HOME/.cache/sanku/febrl-like), outside the repository. Prints each run's wall time, CPU
# time and peak memory, the stage times, and precision, recall and F1.
#
#   benches/link_speed.sh [SIZE] [RUNS] [DATA]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-500000}
runs=${2:-3}
data=${3:-$HOME/.cache/sanku/febrl-like}
febrl=$(scripts/fetch-febrl4.sh)
set_dir="$data/s$size"
if [[ ! -s $set_dir/right.csv ]]; then
  python3 benches/febrl_like.py --febrl "$febrl" --size "$size" --seed 1 --out "$set_dir"
fi
cargo build --release --locked --bin sanku
bin="${CARGO_TARGET_DIR:-target}/release/sanku"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$runs"); do
  /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak %M KB" \
    "$bin" link "$set_dir/left.csv" "$set_dir/right.csv" \
    --config benches/febrl4/link.toml --out "$out/run" -v
done
python3 benches/link_f1.py "$set_dir/right.csv" "$out/run"
