#!/usr/bin/env bash
# Admin browser tests (tests/admin/test_browser*.py): Playwright's Python driver launches Debian's Chromium
# (/usr/bin/chromium) because Playwright's own browser download is not available here.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -s chromium >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
