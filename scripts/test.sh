#!/usr/bin/env bash
# Set up (with test tools), lint, then run the whole test suite (slow model tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
# Debian packages the tests use, installed where missing: espeak-ng (speech tests synthesise lessons),
# chromium + chromium-driver (the dashboard's end-to-end test; no test tool downloads a browser).
missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ "${#missing[@]}" -gt 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
    || { echo "cannot install ${missing[*]}" >&2; exit 1; }
fi
bash scripts/services.sh  # PostgreSQL and Redis for the service tests
.venv/bin/ruff check src scripts tests benchmarks
.venv/bin/python -m pytest -q "$@"
