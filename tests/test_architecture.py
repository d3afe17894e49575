"""Architecture rules a reader relies on: layers point downward; the web tier starts without torch."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_import_contracts_hold():
    lint = shutil.which("lint-imports") or str(ROOT / ".venv" / "bin" / "lint-imports")
    done = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize("redis_url", ["", "redis://127.0.0.1:9/0"], ids=["embedded", "redis"])
def test_the_web_tier_does_not_load_torch_or_diffusers(tmp_path, redis_url):
    code = (
        "import sys, app; from studio.settings import StudioSettings;"
        f"app.create_app(StudioSettings(data_dir={str(tmp_path)!r}, redis_url={redis_url!r} or None));"
        "import studio.cli;"
        "print(sorted(m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
