#!/usr/bin/env bash
# Set up (if needed) and start the studio on http://127.0.0.1:7860 in embedded mode:
# no Redis server, no GPU, models fetched on first use. STUDIO_* variables override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python app.py "$@"
