#!/usr/bin/env bash
# Installs everything Redis Playground needs to build, serve and test, on a fresh Debian
# machine with rustup, Python, Node.js and npm. Idempotent: each step runs only when its tool is
# missing or at the wrong version, so a second run is quick and prints nothing.
#
# Only package registries are used (crates.io, Debian, PyPI, npm); nothing is downloaded by
# Trunk or Playwright (Trunk.toml pins the system binaries, Playwright drives /usr/bin/chromium).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TRUNK_VERSION="0.21.14"
APT_PACKAGES=(redis-server redis-tools chromium chromium-driver binaryen)
PY_REDIS_VERSION="8.1.0"

export PATH="$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

note() { printf 'setup: %s\n' "$*" >&2; }
die() {
    printf 'setup: error: %s\n' "$*" >&2
    exit 1
}

# Runs a command with its output hidden, showing the output only if it fails.
quiet() {
    local log
    log="$(mktemp)"
    if ! "$@" >"$log" 2>&1 </dev/null; then
        cat "$log" >&2
        rm -f "$log"
        die "command failed: $*"
    fi
    rm -f "$log"
}

# --- Rust toolchain and the wasm target --------------------------------------------------------
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs) first"
command -v rustup >/dev/null || die "rustup not found: the wasm32 target is installed through rustup"
if ! rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
    note "adding the wasm32-unknown-unknown target"
    quiet rustup target add wasm32-unknown-unknown
fi

# --- Trunk and wasm-bindgen-cli, from crates.io ------------------------------------------------
if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
    note "installing trunk $TRUNK_VERSION (cargo install, a few minutes)"
    quiet cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen version the app is built against.
BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$BINDGEN_VERSION" ] || die "no wasm-bindgen entry in Cargo.lock"
TRUNK_BINDGEN="$(sed -n 's/^wasm_bindgen *= *"\(.*\)"/\1/p' Trunk.toml)"
[ "$TRUNK_BINDGEN" = "$BINDGEN_VERSION" ] ||
    die "Trunk.toml pins wasm_bindgen = \"$TRUNK_BINDGEN\" but Cargo.lock has wasm-bindgen $BINDGEN_VERSION: make them agree"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')" != "$BINDGEN_VERSION" ]; then
    note "installing wasm-bindgen-cli $BINDGEN_VERSION (cargo install, a few minutes)"
    quiet cargo install --locked wasm-bindgen-cli --version "$BINDGEN_VERSION"
fi

# --- Debian packages: redis (differential tests), chromium (browser tests), binaryen -----------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
        SUDO=(sudo)
    fi
    note "installing Debian packages: ${missing[*]}"
    quiet "${SUDO[@]}" apt-get update -qq
    quiet "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# --- Python: redis-py, for a smoke test of the native server with a real client ---------------
PYTHON="$(command -v python3 || true)"
[ -n "$PYTHON" ] || die "python3 not found"
if ! "$PYTHON" -c 'import redis' 2>/dev/null; then
    note "installing the Python package redis==$PY_REDIS_VERSION"
    quiet "$PYTHON" -m pip install --quiet --disable-pip-version-check "redis==$PY_REDIS_VERSION"
fi

# --- npm dev packages (playwright-core for the browser tests) ----------------------------------
command -v npm >/dev/null || die "npm not found: install Node.js 20 or newer with npm"
stamp="node_modules/.setup-stamp"
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    note "installing npm dev packages (npm ci)"
    quiet npm ci --no-audit --no-fund --loglevel=error
    printf '%s\n' "$want" >"$stamp"
fi

# --- Crates: fetched now so that Trunk's offline cargo build finds them ------------------------
quiet cargo fetch --locked
