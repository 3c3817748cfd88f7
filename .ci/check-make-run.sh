#!/usr/bin/env bash
# `make run` from a clean clone of the committed HEAD: banner, demo products, both demo logins, a demo order whose
# two notifications are sent, each log line once (.ci/check_make_run.py). Reuses this checkout's venv (VENV).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}" exec "${VENV:-$PWD/.venv}/bin/python" .ci/check_make_run.py
