#!/usr/bin/env bash
# Release bundle size (wasm + js + css, raw and gzipped) and time to first render on localhost
# (headless Chromium via playwright-core: navigation start to the console prompt visible).
# Uses the existing dist/ when present (BUILD=1 rebuilds it with `trunk build --release`).
# Bounded: the browser part is killed after 120 s.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

if [[ "${BUILD:-0}" == 1 || ! -f dist/index.html ]]; then
    TRUNK_SKIP_VERSION_CHECK=true trunk build --release >/dev/null
fi

total_raw=0
total_gz=0
printf '%-10s %12s %12s\n' part raw gzip
for ext in wasm js css; do
    raw=0
    gz=0
    for f in dist/*."$ext"; do
        [[ -f "$f" ]] || continue
        raw=$((raw + $(wc -c <"$f")))
        gz=$((gz + $(gzip -9 -c "$f" | wc -c)))
    done
    printf '%-10s %12d %12d\n' "$ext" "$raw" "$gz"
    total_raw=$((total_raw + raw))
    total_gz=$((total_gz + gz))
done
printf '%-10s %12d %12d   (bytes)\n' total "$total_raw" "$total_gz"

timeout 120 node bench/first-render.mjs
