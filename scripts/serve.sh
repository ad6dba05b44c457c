#!/usr/bin/env bash
# Serves the playground in development mode: installs what is missing, then `trunk serve`, which
# rebuilds and reloads the page on every change. ADDRESS and PORT override 127.0.0.1:8080.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh

export PATH="$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
ADDRESS="${ADDRESS:-127.0.0.1}"
PORT="${PORT:-8080}"

echo "Redis Playground: building, then serving on http://$ADDRESS:$PORT/ (Ctrl+C stops)"
exec trunk serve --address "$ADDRESS" --port "$PORT"
