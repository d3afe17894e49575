"""The studio's Gradio app: one tab per capability, built from the entry point's settings and services."""

from __future__ import annotations

import gradio as gr

from pipelines import ModelStore
from studio.edit_tab import build_edit_tab
from studio.editor import ChatEditor
from studio.settings import StudioSettings
from studio.whitebg_tab import build_whitebg_tab
from workers.batches import Batches


def build_ui(settings: StudioSettings, batches: Batches, models: ModelStore | None,
             editor: ChatEditor | None = None) -> gr.Blocks:
    """`models` is the studio's own model store in the embedded mode, None when workers hold the models."""
    # uploads and cached results older than a day are deleted, checked hourly
    with gr.Blocks(title="Storefront Studio", analytics_enabled=False, delete_cache=(3600, 86400)) as blocks:
        gr.Markdown("# Storefront Studio")
        with gr.Tabs():
            if editor is not None:
                build_edit_tab(settings, editor, blocks)
            build_whitebg_tab(settings, batches, models)
    blocks.queue(max_size=settings.queue_size, default_concurrency_limit=1)
    return blocks
