#!/usr/bin/env bash
# Set up, then analyse the bundled sample lesson into report.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/edcontrol analyze samples/sample_lesson.mp4 -o report.json --progress
