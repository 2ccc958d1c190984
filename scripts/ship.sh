#!/usr/bin/env bash
# Builds the binary to ship — the release profile: optimised, without debug information
# or symbols — checks that it runs and stays under LIMIT_MB megabytes (default 60, of
# 10^6 bytes), and prints its path and size. Exit 1 when it has grown past the limit.
#
#   scripts/ship.sh
#   LIMIT_MB=50 scripts/ship.sh
set -euo pipefail
cd "$(dirname "$0")/.."
limit_mb=${LIMIT_MB:-60}
bin=$(cargo build --release --locked --bin sanku --message-format=json-render-diagnostics \
    | grep '"executable":"[^"]' | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
[ -x "$bin" ] || { echo "ship: no release binary was built" >&2; exit 1; }
"$bin" --version >/dev/null
bytes=$(stat -c %s "$bin")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "ship: $bin: $mb MB ($bytes bytes), limit $limit_mb MB"
if [ "$bytes" -ge $((limit_mb * 1000000)) ]; then
  echo "ship: the binary is over $limit_mb MB" >&2
  exit 1
fi
