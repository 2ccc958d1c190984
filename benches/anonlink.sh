#!/usr/bin/env bash
# The reconcile on encodings, side by side: generates a country of K provinces of N people
# each (cached outside the repository), runs each province with --residuals, encodes each
# run under one key, then times `sanku reconcile` of the runs in clear and of the
# encodings, links the same encodings with anonlink (benches/anonlink_side_by_side.py, in
# a virtual environment of its own), and scores all three against the generated truth on
# the children found in school in another province.
#
#   SIZES="2000000" K=3 [SEED=7] [ERROR_SCALE=1] benches/anonlink.sh
#
# Data goes to $SANKU_BENCH_DATA (default: bench-data/ in the repository, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cargo build --release --locked --quiet
sanku=${CARGO_TARGET_DIR:-target}/release/sanku
[[ $sanku = /* ]] || sanku=$repo/$sanku
data=${SANKU_BENCH_DATA:-bench-data}
venv=${HOME}/.cache/sanku/anonlink-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet anonlink==0.15.3 bitarray==3.12.3 numpy==2.4.6 pyarrow==26.0.1
fi
export SANKU_RUN_DATE=2026-09-01
for n in ${SIZES:-2000000}; do
  dir=$data/encoded-${K:-3}x$n-seed${SEED:-7}-errors${ERROR_SCALE:-1}
  mkdir -p "$dir"
  echo "== ${K:-3} provinces × $n people, seed ${SEED:-7}, error scale ${ERROR_SCALE:-1}"
  [ -d "$dir/gen" ] || "$sanku" generate --provinces "${K:-3}" --population "$n" \
    --seed "${SEED:-7}" --error-scale "${ERROR_SCALE:-1}" --out "$dir/gen" -q
  provinces=$(cd "$dir/gen" && ls -d [0-9][0-9])
  for p in $provinces; do
    [ -f "$dir/runs/$p/residuals.parquet" ] || "$sanku" run "$dir/gen/$p" --out "$dir/runs/$p" --residuals -q
  done
  [ -f "$dir/key" ] || { head -c 32 /dev/urandom >"$dir/key"; chmod 600 "$dir/key"; }
  rm -rf "$dir/enc" "$dir/national" "$dir/encoded"
  for p in $provinces; do
    /usr/bin/time -f "encode $p: %e s, %M KB" "$sanku" encode "$dir/runs/$p" --key "$dir/key" --out "$dir/enc/$p" -q
  done
  /usr/bin/time -f "reconcile in clear: %e s, %M KB" "$sanku" reconcile "$dir"/runs/* --out "$dir/national" -q
  /usr/bin/time -f "reconcile of encodings: %e s, %M KB" "$sanku" reconcile "$dir"/enc/* --out "$dir/encoded" -q
  "$venv/bin/python" benches/anonlink_side_by_side.py "$dir/gen" "$dir/runs" "$dir/enc" "$dir/encoded" "$dir/national"
done
