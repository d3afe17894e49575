#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: system packages, .venv, then pytest.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/pipelines -k archive`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
