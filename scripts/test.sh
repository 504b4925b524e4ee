#!/usr/bin/env bash
# Set up (with test tools), lint, then run the whole test suite (slow model tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/ruff check src scripts tests benchmarks
.venv/bin/python -m pytest -q "$@"
