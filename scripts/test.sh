#!/usr/bin/env bash
# Runs every test of Redis Playground, in order, stopping at the first failure:
# formatting, a build of all targets, `cargo test` (unit, transcript, differential against a
# real redis-server, fuzz), component tests in headless Chromium (wasm-bindgen-test, which
# also compiles the engine for wasm32), the release web bundle, and the end-to-end browser
# tests. Works unattended (CI=true, no stdin).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export PATH="$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CARGO_TERM_PROGRESS_WHEN=never
exec </dev/null

passed=0
failed=0
timings=()
cargo_log="$(mktemp)"
trap 'rm -f "$cargo_log"' EXIT

finish() {
    echo
    echo "== stage timings"
    printf '  %s\n' "${timings[@]}"
    if [ -s "$cargo_log" ]; then
        # Totals over every `test result:` line cargo printed.
        awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) g += $i } }
             END { printf "cargo test: %d passed, %d failed, %d ignored in total\n", p, f, g }' "$cargo_log"
    fi
    echo "summary: $passed passed, $failed failed"
}

# stage NAME COMMAND...: runs one stage, records its time, stops everything if it fails.
stage() {
    local name="$1"
    shift
    echo
    echo "== $name: $*"
    local start=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        timings+=("$(printf '%-12s %4ds  ok' "$name" $((SECONDS - start)))")
    else
        failed=$((failed + 1))
        timings+=("$(printf '%-12s %4ds  FAILED' "$name" $((SECONDS - start)))")
        finish
        exit 1
    fi
}

cargo_test() {
    cargo test 2>&1 | tee "$cargo_log"
    return "${PIPESTATUS[0]}"
}

# The engine must stay pure Rust: no web crates anywhere under src/engine (ARCHITECTURE.md).
engine_purity() {
    if grep -rnE '\b(yew|web_sys|js_sys|wasm_bindgen|gloo[a-z_]*)\b' src/engine; then
        echo "src/engine must not use web crates (see ARCHITECTURE.md)" >&2
        return 1
    fi
}

# Component tests (src/app/tests.rs) in headless Chromium: wasm-bindgen-test-runner, installed
# with wasm-bindgen-cli, drives Debian's chromedriver; webdriver.json holds Chromium's flags.
# This also compiles the whole library for wasm32, the engine included.
components() {
    CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
        cargo test --target wasm32-unknown-unknown --lib 2>&1 | tee -a "$cargo_log"
    return "${PIPESTATUS[0]}"
}

e2e() {
    node tests/e2e/run.mjs
}

stage setup bash scripts/setup.sh
stage fmt cargo fmt --check
stage purity engine_purity
stage build cargo build --all-targets
stage test cargo_test
stage components components
stage web-bundle trunk build --release
if [ -f tests/e2e/run.mjs ]; then
    stage browser e2e
fi
finish
