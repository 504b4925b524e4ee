#!/usr/bin/env bash
# Set up (with test tools), lint, then run the whole test suite (slow model tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
# Speech tests synthesise lessons with espeak-ng (Debian); install it where it is missing.
if ! command -v espeak-ng >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq espeak-ng >/dev/null) || { echo "cannot install espeak-ng" >&2; exit 1; }
fi
bash scripts/services.sh  # PostgreSQL and Redis for the service tests
.venv/bin/ruff check src scripts tests benchmarks
.venv/bin/python -m pytest -q "$@"
