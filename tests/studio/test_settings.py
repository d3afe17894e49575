"""One settings object, read from STUDIO_* variables at the entry points."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from studio.settings import StudioSettings


def test_defaults_are_local_and_embedded(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("STUDIO_HOST", "STUDIO_PORT", "STUDIO_DATA_DIR", "STUDIO_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = StudioSettings()
    assert settings.host == "127.0.0.1" and settings.port == 7860 and settings.redis_url is None
    assert settings.models_dir == settings.data_dir / "models"


def test_environment_and_dotenv(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("STUDIO_PORT=9001\n")
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "7")
    settings = StudioSettings()
    assert settings.port == 9001 and settings.data_dir == tmp_path / "d"
    assert settings.image_limits().max_bytes == 7 * 1024 * 1024


def test_a_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("STUDIO_PORT", "99999")
    with pytest.raises(ValidationError, match="port"):
        StudioSettings()
