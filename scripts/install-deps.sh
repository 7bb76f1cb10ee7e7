#!/usr/bin/env bash
# Installs exactly the Debian 12 packages that pregon's build, tests and benchmarks need.
# Idempotent: packages already present are not touched, and apt is skipped when nothing is missing.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config
  libfmt-dev libspdlog-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libssl-dev
  librocksdb-dev
  # observability: the HTTP server behind /metrics and the API
  libmicrohttpd-dev
  # unit tests, micro-benchmarks, fuzzing (libFuzzer comes with clang's runtime)
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
  # integration tests: an independent client and Debian's interpreter with its packages
  python3 python3-pytest python3-pytest-xdist python3-paho-mqtt mosquitto-clients openssl
  python3-prometheus-client
  # browser tests of the dashboard: Debian's Chromium, driven from Node.js (below)
  chromium
  # the broker we compare against in `make bench`
  mosquitto
)

# Node.js runs the JavaScript test clients (mqtt.js, playwright-core); a Node.js installed some
# other way is kept.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The npm packages the tests use, at the versions in tests/js/package-lock.json; again only when
# the installed set is not the locked one.
js="$(dirname "$0")/../tests/js"
if ! cmp -s "$js/package-lock.json" "$js/node_modules/.installed-lock.json" 2>/dev/null; then
  echo "install-deps: installing the test clients' npm packages"
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock.json)
fi
