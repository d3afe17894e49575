"""Tiny random-weight generative models, built from configs once per test session and loaded back through
the real model store (from_pretrained from the saved folders, downloads off)."""

from __future__ import annotations

import pytest

from pipelines.models import ModelStore


@pytest.fixture(scope="session")
def torch_one_thread():
    """Models this small gain nothing from a second thread, and on a busy 2-core machine the spinning
    OpenMP threads make each 2-step round ~4x slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory):
    """A models folder holding the tiny editor's parts and the tiny SAM, built by the store itself."""
    folder = tmp_path_factory.mktemp("tiny-models")
    store = ModelStore(folder, development=True, allow_download=False, device="cpu")
    store.pull_generative("tiny")
    store.pull_generative("tiny-sam")
    return folder


@pytest.fixture(scope="session")
def tiny_store(tiny_models_dir, tmp_path_factory, torch_one_thread) -> ModelStore:
    """A development store over the built folder; its editors stay loaded for the whole session."""
    return ModelStore(tiny_models_dir, development=True, allow_download=False, device="cpu",
                      hub_cache=tmp_path_factory.mktemp("empty-hub-cache"), max_editors=2)
