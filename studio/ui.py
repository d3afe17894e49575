"""The studio's Gradio app: one tab per capability, built from the entry point's settings and services."""

from __future__ import annotations

import gradio as gr

from pipelines import ModelStore
from pipelines.banners.library import TemplateLibrary
from studio.banners_tab import build_banners_tab
from studio.edit_tab import build_edit_tab
from studio.editor import ChatEditor
from studio.settings import StudioSettings
from studio.whitebg_tab import build_whitebg_tab
from workers.banners import BannerJobs
from workers.batches import Batches


def build_ui(settings: StudioSettings, batches: Batches, models: ModelStore | None,
             editor: ChatEditor | None = None, *, banners: BannerJobs | None = None,
             templates: TemplateLibrary | None = None) -> gr.Blocks:
    """`models` is the studio's own model store in the embedded mode, None when workers hold the models.
    The Banners tab is there when both `banners` (its jobs) and `templates` are given."""
    # uploads and cached results older than a day are deleted, checked hourly
    with gr.Blocks(title="Storefront Studio", analytics_enabled=False, delete_cache=(3600, 86400)) as blocks:
        gr.Markdown("# Storefront Studio")
        with gr.Tabs():
            if editor is not None:
                build_edit_tab(settings, editor, blocks)
            build_whitebg_tab(settings, batches, models)
            if banners is not None and templates is not None:
                build_banners_tab(settings, banners, templates, models, blocks)
    blocks.queue(max_size=settings.queue_size, default_concurrency_limit=1)
    return blocks
