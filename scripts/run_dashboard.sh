#!/usr/bin/env bash
# Set up, then start the dashboard with its embedded service (SQLite, local files, worker thread) and
# analyse the bundled sample lesson on first start. Open http://127.0.0.1:8501 ; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/edcontrol dashboard --submit samples/sample_lesson.mp4 "$@"
