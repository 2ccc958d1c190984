#!/usr/bin/env bash
# The national comparison, end to end: generates a country of K provinces of N people each
# (cached outside the repository), then times each province's `sanku run --residuals`, the
# `sanku reconcile` of their runs and one `sanku run` over the whole country, and scores
# each with `sanku evaluate` against the generated truth; with SPARK_SUBMIT set (see
# scripts/spark-env.sh), also the Spark job in local mode. Prints wall time and peak memory
# per step, and whether the national ledger is the whole-country run's.
#
#   SIZES="500000 2000000" K=3 benches/national.sh
#
# Data goes to $SANKU_BENCH_DATA (default: bench-data/ in the repository, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cargo build --release --locked --quiet
sanku=${CARGO_TARGET_DIR:-target}/release/sanku
[[ $sanku = /* ]] || sanku=$repo/$sanku
data=${SANKU_BENCH_DATA:-bench-data}
mkdir -p "$data"
export SANKU_RUN_DATE=2026-09-01
timed() {
  local label=$1
  shift
  /usr/bin/time -f "$label: %e s, %M KB" "$@" >/dev/null 2>"$dir/time.err" || { cat "$dir/time.err" >&2; exit 1; }
  tail -n 1 "$dir/time.err"
}
for n in ${SIZES:-"500000 2000000"}; do
  dir=$data/national-${K:-3}x$n
  mkdir -p "$dir"
  echo "== ${K:-3} provinces × $n people"
  [ -d "$dir/gen" ] || "$sanku" generate --provinces "${K:-3}" --population "$n" --seed 7 --out "$dir/gen" -q
  rm -rf "$dir/runs" "$dir/national" "$dir/country" "$dir/spark"
  provinces=$(cd "$dir/gen" && ls -d [0-9][0-9])
  for p in $provinces; do timed "run $p" "$sanku" run "$dir/gen/$p" --out "$dir/runs/$p" --residuals -q; done
  timed reconcile "$sanku" reconcile "$dir"/runs/* --out "$dir/national" -q
  timed "whole country" "$sanku" run "$dir/gen/country" --out "$dir/country" -q
  for p in $provinces; do
    echo "$p alone: $("$sanku" evaluate --truth "$dir/gen/$p/truth" "$dir/runs/$p" | grep '^flagged ')"
  done
  echo "national: $("$sanku" evaluate --truth "$dir/gen/truth" "$dir/national" | grep '^flagged ')"
  echo "country:  $("$sanku" evaluate --truth "$dir/gen/truth" "$dir/country" | grep '^flagged ')"
  python3 - "$dir" <<'PY'
import csv, sys
d = sys.argv[1]
def ledger(p):
    return {r["id_number"]: r["reason"] for r in csv.DictReader(open(p, encoding="utf-8-sig"))}
n, c = ledger(f"{d}/national/ledger.csv"), ledger(f"{d}/country/ledger.csv")
print(f"national {len(n)}, whole country {len(c)}, children or reasons differing: "
      f"{sum(1 for k in set(n) | set(c) if n.get(k) != c.get(k))}")
PY
  if [ -n "${SPARK_SUBMIT:-}" ]; then
    timed "spark local[2]" "$SPARK_SUBMIT" --master 'local[2]' deploy/spark/national.py \
      --registers "$dir/gen" --out "$dir/spark" --run-date 2026-09-01 --sanku "$sanku"
  fi
done
