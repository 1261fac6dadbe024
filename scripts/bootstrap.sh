#!/usr/bin/env bash
# Makes a checkout ready to build and test: system packages, pnpm, dependencies, build.
# Idempotent and quick when everything is already in place.
#   FLINT_FIXTURES=1  also installs what scripts/gen-fixtures.py and
#                     apps/examples/scripts/make-import-fixture.py need (PyTorch, NumPy).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PNPM_VERSION=10.34.9

# ---- System packages (Debian) -------------------------------------------------------------
# Packages the build and the tests need: a C++ toolchain, cmake and OpenBLAS (CBLAS headers)
# for the native backend's addon (packages/backend-native), built during `pnpm install`.
SYSTEM_PACKAGES=(cmake g++ make libopenblas-dev)
# Data sets of the examples (apps/examples) and of their tests: Fashion-MNIST in
# /usr/share/datasets/fashion-mnist and the word list /usr/share/dict/words. Installed when
# missing (as root); without root the examples' data tests fail in CI and skip locally, saying how
# to install them.
DATA_PACKAGES=(dataset-fashion-mnist wamerican)
# Headless Chromium for the browser tests (the conformance suite in a page, driven by
# playwright-core through /usr/bin/chromium; Playwright's own browser download never runs here).
# Without it those tests fail, saying how to install it (FLINT_SKIP_BROWSER_TESTS=1 opts out).
BROWSER_PACKAGES=(chromium)
# Only for regenerating golden fixtures; tests never need Python.
FIXTURE_PACKAGES=(python3-torch python3-numpy)

start=$SECONDS
say() { printf 'bootstrap: %s\n' "$*"; }

apt_updated=0
install_debian_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages (not root, not installing): ${missing[*]}"
    return 1
  fi
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$apt_updated" -eq 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

packages=("${SYSTEM_PACKAGES[@]}")
[ "${FLINT_FIXTURES:-0}" = 1 ] && packages+=("${FIXTURE_PACKAGES[@]}")
if [ ${#packages[@]} -gt 0 ]; then
  say "system packages: ${packages[*]}"
  install_debian_packages "${packages[@]}" ||
    say "warning: without these the native backend's addon cannot build; its tests will fail"
fi
install_debian_packages "${DATA_PACKAGES[@]}" ||
  say "warning: data sets missing; the examples and their tests need: ${DATA_PACKAGES[*]}"
install_debian_packages "${BROWSER_PACKAGES[@]}" ||
  say "warning: the browser tests (headless Chromium) need: ${BROWSER_PACKAGES[*]}; they fail without it (FLINT_SKIP_BROWSER_TESTS=1 skips them)"

# ---- pnpm -------------------------------------------------------------------------------------
# corepack uses the hash-pinned "packageManager" field of package.json; npm is the fallback.
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
have_pnpm() { [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; }
if ! have_pnpm; then
  say "enabling pnpm $PNPM_VERSION via corepack"
  if ! { corepack enable pnpm 2>/dev/null && hash -r && have_pnpm; }; then
    say "corepack failed; installing pnpm@$PNPM_VERSION with npm"
    corepack disable pnpm 2>/dev/null || true
    npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
    hash -r
    have_pnpm || { say "pnpm $PNPM_VERSION is still not available"; exit 1; }
  fi
fi
say "pnpm $(pnpm --version)"

# ---- Dependencies and build -----------------------------------------------------------------------
if [ -f pnpm-lock.yaml ]; then
  say "pnpm install --frozen-lockfile"
  pnpm install --frozen-lockfile --reporter=silent
else
  say "no pnpm-lock.yaml: pnpm install"
  pnpm install --reporter=silent
fi

say "pnpm build"
pnpm run --silent build --output-logs=errors-only

say "ready in $((SECONDS - start)) s"
