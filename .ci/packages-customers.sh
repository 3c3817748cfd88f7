#!/usr/bin/env bash
# node and npm for the customers tests' OpenID provider (node-oidc-provider, tests/customers/oidc_provider/).
# Idempotent: installs only what is missing; the tests run `npm ci` themselves.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  exit 0
fi
need=()
for pkg in nodejs npm; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
node --version
