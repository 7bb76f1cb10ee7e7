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
  # the broker we compare against in `make bench`
  mosquitto
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
