"""What more than one tab needs: fetching a segmentation model on first use, and pruning old result folders."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import gradio as gr

from pipelines import REGISTRY, ModelStore


def ensure_model(models: ModelStore, name: str, progress) -> None:
    """Download the segmentation model on first use, showing the download in the page."""
    if models.is_installed(name):
        return
    gr.Info(f"Downloading the {name} model — first use only ({REGISTRY[name].description}).")

    def report(done, total, message):
        progress((done, total) if total else None, desc=message, unit="bytes")

    models.pull(name, report)


def prune(root: Path, max_age: float) -> None:
    """Delete earlier runs' result folders older than max_age seconds."""
    if not root.is_dir():
        return
    cutoff = time.time() - max_age
    for run in root.iterdir():
        if run.is_dir() and run.stat().st_mtime < cutoff:
            shutil.rmtree(run, ignore_errors=True)
