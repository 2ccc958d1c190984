#!/usr/bin/env bash
# Renders a run's report.html in headless Chromium (Debian package `chromium`; Chinese
# division names need a CJK font such as `fonts-noto-cjk`) and saves a screenshot.
#
#   scripts/report-screenshot.sh RUN_DIR [OUT.png]
set -euo pipefail
run=${1:?usage: scripts/report-screenshot.sh RUN_DIR [OUT.png]}
out=${2:-report.png}
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "report-screenshot: install chromium (apt-get install chromium)" >&2; exit 2; }
[ -f "$run/report.html" ] || { echo "report-screenshot: $run/report.html not found" >&2; exit 2; }
page="file://$(cd "$run" && pwd)/report.html"
# No network: the page must render from the file alone.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --proxy-server=127.0.0.1:9 --window-size=1100,1600 \
    --screenshot="$out" "$page" >/dev/null 2>&1
echo "report-screenshot: wrote $out"
