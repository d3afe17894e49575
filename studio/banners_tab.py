"""The Banners tab: a product photo + a template + copy in one or more languages -> banners in several sizes.

The merchant's path through the page: upload a photo (a cut-out job runs; the cut-out is kept in the page),
pick a template in the gallery, tick sizes, write the copy in the table (or load a CSV), watch the live
preview, then "Make banners": one job renders every size x language and the page shows them with a zip.

The live preview and the gallery's thumbnails are drawn here, in the web process, by the same renderer as
the job (pure PIL, see studio/banners_preview.py); cut-outs and the full set run as jobs (workers/banners.py).
Handlers are plain methods of `BannersTab` (testable without a browser); `build_banners_tab` lays them out.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import gradio as gr
from PIL import Image

from pipelines import ModelStore
from pipelines.banners.copy import copy_table_csv, parse_copy_table
from pipelines.banners.library import TemplateLibrary
from pipelines.banners.sizes import SIZES
from pipelines.errors import InvalidOptions, StudioError
from pipelines.image_input import load_image
from pipelines.typography import FontLibrary
from studio.banners_preview import (
    COPY_COLUMNS, SAMPLE_COPY, Artwork, ThumbnailCache, chosen_sizes, copies_from_table, digest, render_preview,
    size_label, table_rows,
)
from studio.settings import StudioSettings
from studio.tab_helpers import ensure_model, prune
from studio.ui_errors import user_errors
from workers.banners import MARKETING_HARMONIZE, BannerJobs, BannersJob, own_photo

OWNER = "studio"  # jobs the studio submits; API keys never map to this owner
POLL_SECONDS = 0.2
RESULTS_KEPT_SECONDS = 24 * 3600
DEFAULT_SIZES = ("landscape", "square")
REPORT_COLUMNS = ["size", "language", "file", "notes"]


def _read(path) -> bytes | None:
    return Path(path).read_bytes() if path else None


@dataclass(frozen=True)
class BannersTab:
    settings: StudioSettings
    banners: BannerJobs
    templates: TemplateLibrary
    models: ModelStore | None = None  # embedded mode: the studio's own models (fetched here with progress)
    fonts: FontLibrary = field(default_factory=FontLibrary.default)
    thumbnails: ThumbnailCache = field(default_factory=ThumbnailCache)

    # -- templates ----------------------------------------------------------------------------------
    def _ids(self) -> list[str]:
        return list(self.templates.ids())

    def _art(self, cutout, logo, photo) -> Artwork:
        """The merchant's cut-out, logo and background photo as images (uploads through the safe decoder)."""
        limits = self.settings.image_limits()
        logo_data, photo_data = _read(logo), _read(photo)
        return Artwork(
            product=Image.open(io.BytesIO(cutout)).convert("RGBA") if cutout else None,
            logo=load_image(logo_data, limits).image.convert("RGBA") if logo_data else None,
            photo=load_image(photo_data, limits).image.convert("RGB") if photo_data else None,
            key="/".join(digest(data) for data in (cutout, logo_data, photo_data)),
        )

    def gallery(self, cutout, logo, photo, template_id):
        """The template gallery: every template as a small square, with the merchant's product once cut out."""
        art = self._art(cutout, logo, photo)
        items = []
        for template in self.templates.all():
            thumbnail = self.thumbnails.get(template, art, fonts=self.fonts)
            items.append((thumbnail, f"{template.name} · {template.description}"))
        ids = self._ids()
        selected = ids.index(template_id) if template_id in ids else None
        return gr.update(value=items, selected_index=selected)

    def pick_template(self, evt: gr.SelectData):
        """A click on a thumbnail selects its template (and shows the generated-background settings when the
        template paints its scene with a model)."""
        ids = self._ids()
        if evt.index is None or not 0 <= evt.index < len(ids):
            return gr.update(), gr.update(), gr.update()
        template_id = ids[evt.index]
        generated = self.has_generated_background(template_id)
        return template_id, self.describe(template_id), gr.update(visible=generated)

    def has_generated_background(self, template_id) -> bool:
        return bool(template_id) and self.templates.get(template_id).background.type == "generated"

    def default_template(self) -> str | None:
        """The first template the web process can draw fully (a generated background needs the worker)."""
        ids = self._ids()
        drawable = [t.id for t in self.templates.all() if t.background.type != "generated"]
        return (drawable or ids or [None])[0]

    def describe(self, template_id) -> str:
        if not template_id:
            return "Pick a template in the gallery."
        template = self.templates.get(template_id)
        tags = f" · {', '.join(template.tags)}" if template.tags else ""
        kind = template.background.type
        how = {"generated": " Its background is painted by a model when the banners are made (the preview shows "
                            "a plain backdrop in its place).",
               "photo": " Its background is a photo: use your own under “Logo, background photo, file format”."}
        return f"**{template.name}** — {template.description}{tags}{how.get(kind, '')}"

    # -- the product ---------------------------------------------------------------------------------
    def upload_product(self, path, progress=gr.Progress()):
        """Cut the product out (a job: segmentation, or the photo's own transparency) and keep the cut-out."""
        if not path:
            yield None, None, "Upload a product photo (or a PNG cut-out with transparency)."
            return
        data = _read(path)
        loaded = load_image(data, self.settings.image_limits())  # a broken upload is reported before any job
        model = self.settings.default_model
        if loaded.image.mode != "RGBA" and self.models is not None:
            ensure_model(self.models, model, progress)
        job_id = self.banners.submit_cutout(OWNER, data, model=model)
        yield gr.update(), gr.update(), "Cutting out the product · queued"
        last = None
        while not (job := self.banners.job(job_id)).terminal:
            shown = (job.state, job.step, job.message)
            if shown != last:
                last = shown
                where = f"{job.message}" if job.state == "running" and job.message else "waiting for a worker"
                yield gr.update(), gr.update(), f"Cutting out the product · {where}"
            time.sleep(POLL_SECONDS)
        if job.state != "done":
            yield None, None, f"The cut-out failed: {job.error or job.state}. Try another photo."
            return
        png, summary = self.banners.output(job_id)
        notes = "; ".join(summary.get("notes", []))
        cutout = Image.open(io.BytesIO(png))
        yield png, cutout, f"Cut-out ready ({cutout.width}×{cutout.height} px){f' · {notes}' if notes else ''}."

    # -- sizes and copy --------------------------------------------------------------------------------
    def size_choices(self, names, custom, current):
        """The preview's size list follows the ticked and typed sizes (all named sizes when none is chosen)."""
        try:
            sizes = chosen_sizes(names, custom)
        except InvalidOptions as exc:
            gr.Warning(str(exc))
            sizes = chosen_sizes(names, "")
        choices = [(size_label(s), s.name) for s in (sizes or tuple(SIZES.values()))]
        values = [value for _, value in choices]
        return gr.update(choices=choices, value=current if current in values else values[0])

    def language_choices(self, rows, current):
        try:
            languages = [copy.language for copy in copies_from_table(rows)]
        except InvalidOptions:
            languages = [str(row[0]).strip() for row in rows or [] if row and row[0] and str(row[0]).strip()]
        if not languages:
            return gr.update(choices=[], value=None)
        return gr.update(choices=languages, value=current if current in languages else languages[0])

    def load_copy(self, path):
        """A CSV (comma, semicolon or tab) fills the table; a bad file leaves the table as it was."""
        if not path:
            return gr.update()
        copies = parse_copy_table(_read(path))
        gr.Info(f"Loaded copy in {len(copies)} language{'s' if len(copies) != 1 else ''}: "
                f"{', '.join(c.language for c in copies)}.")
        return table_rows(copies)

    def copy_csv(self, rows):
        """The table as a CSV file to download (what `load_copy` reads back)."""
        csv_text = copy_table_csv(copies_from_table(rows))
        folder = self.settings.temp_dir / "banners" / "copy" / digest(csv_text.encode())
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "copy.csv"
        path.write_text(csv_text, encoding="utf-8-sig")  # the BOM makes spreadsheet apps read it as UTF-8
        return str(path)

    # -- the live preview ----------------------------------------------------------------------------
    def preview(self, cutout, template_id, rows, size_name, language, marketing, harmonize, logo, photo):
        """One banner at the preview size and language, drawn here; a problem shows next to it, not as a dialog
        (the picture keeps the last good render)."""
        if not template_id:
            return gr.update(), "Pick a template in the gallery."
        template = self.templates.get(template_id)
        try:
            size = chosen_sizes([size_name], "")[0] if size_name else SIZES[DEFAULT_SIZES[0]]
            if marketing:
                copy = None
            else:
                copies = copies_from_table(rows)
                copy = next((c for c in copies if c.language == language), copies[0])
            art = self._art(cutout, logo, photo)
        except StudioError as exc:
            return gr.update(), f"⚠ Preview not updated: {exc}"
        shown = render_preview(template, size, copy, art, fonts=self.fonts,
                               harmonize=float(harmonize) if marketing else 0.0)
        if shown.image is None:
            return gr.update(), f"⚠ Preview not updated: {shown.error}"
        what = f"{template.name} · {size.name} {size.width}×{size.height}" + ("" if copy is None
                                                                            else f" · {copy.language}")
        product = "" if cutout else " · upload a product photo to see it here"
        notes = "".join(f"  \n· {note}" for note in shown.notes)
        return shown.image, f"Preview: {what}{product}{notes}"

    # -- making the set --------------------------------------------------------------------------------
    def make(self, cutout, template_id, names, custom, rows, marketing, harmonize, logo, photo, file_format,
             prompt="", seed=0, num_inference_steps=25, guidance_scale=7.5):
        """Submit one job for every size x language, follow it, then show the banners and the zip.
        prompt … guidance_scale are used only by templates whose background is generated."""
        if not cutout:
            raise InvalidOptions("upload a product photo first and wait until its cut-out is shown")
        if not template_id:
            raise InvalidOptions("pick a template in the gallery first")
        sizes = chosen_sizes(names, custom)
        if not sizes:
            raise InvalidOptions("tick at least one size (or type one as WIDTHxHEIGHT, e.g. 1500x500)")
        copies = () if marketing else copies_from_table(rows)
        template = self.templates.get(template_id)
        background = _read(photo) or own_photo(template)  # a user template's photo travels with the job
        job = BannersJob.parse(
            photo=background,
            template=template.model_dump(mode="json", exclude_none=True),
            sizes=[size.name for size in sizes],
            copies=[{column: getattr(c, column) for column in COPY_COLUMNS} for c in copies],
            text=not marketing, harmonize=float(harmonize) if marketing else None,
            format=file_format or "jpeg", model=self.settings.default_model, edit_model=self.settings.edit_model,
            prompt=(prompt or "").strip(), seed=int(seed or 0), num_inference_steps=int(num_inference_steps),
            guidance_scale=float(guidance_scale),
        )
        _, job_id, _ = self.banners.submit_banners(OWNER, job, cutout, logo=_read(logo), photo=background,
                                                   priority="interactive")
        count = len(sizes) * (1 if marketing else len(copies))
        what = f"{count} {'marketing image' if marketing else 'banner'}{'s' if count != 1 else ''}"
        skip = gr.update()
        yield f"Making {what} · queued", job_id, skip, skip, skip
        last = None
        while not (record := self.banners.job(job_id)).terminal:
            shown = (record.state, record.step, record.message)
            if shown != last:
                last = shown
                where = (f"step {record.step} of {record.total_steps} · {record.message}"
                         if record.state == "running" else "waiting for a worker")
                yield f"Making {what} · {where}", skip, skip, skip, skip
            time.sleep(POLL_SECONDS)
        if record.state == "cancelled":
            yield "Cancelled; nothing was made.", None, skip, skip, skip
            return
        if record.state != "done":
            yield f"Making banners failed: {record.error or record.state}", None, skip, skip, skip
            return
        data, summary = self.banners.output(job_id)
        gallery, report, archive = self._collect(job_id, data, summary)
        made, failed = len(gallery), len(report) - len(gallery)
        status = (f"{made} of {len(report)} {'marketing images' if marketing else 'banners'} ready."
                  + (f" {failed} could not be made (see the report)." if failed else ""))
        yield status, None, gallery, report, str(archive)

    def _collect(self, job_id: str, data: bytes, summary: dict):
        prune(self.settings.temp_dir / "banners" / "results", RESULTS_KEPT_SECONDS)
        run_dir = self.settings.temp_dir / "banners" / "results" / job_id[:12]
        run_dir.mkdir(parents=True, exist_ok=True)
        archive = run_dir / (summary.get("file_name") or "banners.zip")
        archive.write_bytes(data)
        gallery, report = [], []
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            names = set(bundle.namelist())
            for index, item in enumerate(summary.get("banners", []), start=1):
                caption = " · ".join(str(v) for v in (item.get("size"), item.get("language")) if v)
                notes = "; ".join(item.get("notes") or [])
                if item.get("error") or item.get("file") not in names:
                    report.append([item.get("size"), item.get("language") or "", "",
                                   f"not made: {item.get('error') or 'missing from the zip'}"])
                    continue
                target = run_dir / "images" / f"{index:02d}-{PurePosixPath(item['file']).name}"
                target.parent.mkdir(exist_ok=True)
                target.write_bytes(bundle.read(item["file"]))
                gallery.append((str(target), caption))
                report.append([item.get("size"), item.get("language") or "", item["file"], notes])
        return gallery, report, archive

    def cancel(self, running):
        if running:
            self.banners.cancel(running)
            return "Cancelling…"
        return "Nothing is running."



def build_banners_tab(settings: StudioSettings, banners: BannerJobs, templates: TemplateLibrary,
                      models: ModelStore | None, blocks: gr.Blocks) -> None:
    """Lay out the tab inside the current gr.Blocks and wire its events."""
    tab = BannersTab(settings, banners, templates, models)
    first = tab.default_template()
    hint = "Upload a product photo (or a PNG cut-out with transparency)."
    with gr.Tab("Banners", id="banners"):
        gr.Markdown("Ad banners and store images from a template: upload a product photo, pick a template, "
                    "write the copy (one row per language), tick the sizes, then make them all at once.")
        with gr.Row():
            with gr.Column(scale=2):
                with gr.Row():
                    product = gr.Image(label="1 · Product photo", type="filepath", image_mode=None,
                                       sources=["upload", "clipboard"], height=240, elem_id="banners-product")
                    cutout_view = gr.Image(label="Cut-out", type="pil", format="png", interactive=False, height=240,
                                           buttons=["fullscreen"], elem_id="banners-cutout")
                product_status = gr.Markdown(hint, elem_id="banners-product-status")
                with gr.Accordion("Logo, background photo, file format", open=False):
                    with gr.Row():
                        logo = gr.Image(label="Logo (PNG with transparency works best)", type="filepath",
                                        image_mode=None, sources=["upload"], height=160, elem_id="banners-logo")
                        photo = gr.Image(label="Background photo (replaces the template's background)",
                                         type="filepath", image_mode=None, sources=["upload"], height=160,
                                         elem_id="banners-photo")
                    file_format = gr.Radio(["jpeg", "png"], value="jpeg", label="File format",
                                           elem_id="banners-format")
            with gr.Column(scale=3):
                gallery = gr.Gallery(label="2 · Template (click one)", columns=5, height=340, allow_preview=False,
                                     object_fit="contain", elem_id="banners-templates")
                template_info = gr.Markdown(tab.describe(first) if first else "No templates are installed.",
                                            elem_id="banners-template-info")
                if templates.problems:
                    gr.Markdown("⚠ Skipped templates from your templates folder: " + "; ".join(templates.problems),
                                elem_id="banners-template-problems")
                with gr.Accordion("Generated background", open=False, elem_id="banners-generated",
                                  visible=tab.has_generated_background(first)) as generated:
                    prompt = gr.Textbox(label="prompt (empty = the template's own)", elem_id="banners-prompt")
                    with gr.Row():
                        seed = gr.Number(0, label="seed", precision=0, minimum=0, maximum=2**32 - 1)
                        num_inference_steps = gr.Slider(1, 150, value=25, step=1, label="num_inference_steps")
                        guidance_scale = gr.Slider(0, 30, value=7.5, step=0.5, label="guidance_scale")
                with gr.Row():
                    marketing = gr.Checkbox(False, label="Marketing image (no text)", elem_id="banners-marketing")
                    harmonize = gr.Slider(0, 1, value=MARKETING_HARMONIZE, step=0.05, visible=False,
                                          label="harmonize (blend the product's colour and light into the scene)",
                                          elem_id="banners-harmonize")
        table = gr.Dataframe(table_rows([SAMPLE_COPY]), headers=list(COPY_COLUMNS), type="array", datatype="str",
                             column_count=(len(COPY_COLUMNS), "fixed"), row_count=(1, "dynamic"), interactive=True,
                             wrap=True, elem_id="banners-copy",
                             label="3 · Copy: one row per language (the ⋮ menu of a cell adds rows); "
                                   "an empty cell leaves that text out")
        with gr.Row():
            load = gr.UploadButton("Load copy from CSV…", file_types=[".csv", ".tsv", ".txt"], size="sm",
                                   elem_id="banners-copy-upload")
            download = gr.DownloadButton("Download copy CSV", size="sm", elem_id="banners-copy-download")
        with gr.Row():
            with gr.Column(scale=2):
                sizes = gr.CheckboxGroup([(size_label(s), s.name) for s in SIZES.values()], value=list(DEFAULT_SIZES),
                                         label="4 · Sizes", elem_id="banners-sizes")
                custom = gr.Textbox(label="Other sizes (WIDTHxHEIGHT, comma-separated, 200–6000 px a side)",
                                    placeholder="e.g. 1500x500, 600x400", elem_id="banners-custom-sizes")
            with gr.Column(scale=3):
                with gr.Row():
                    preview_size = gr.Dropdown([(size_label(SIZES[n]), n) for n in DEFAULT_SIZES],
                                               value=DEFAULT_SIZES[0], label="Preview size",
                                               elem_id="banners-preview-size")
                    preview_language = gr.Dropdown([SAMPLE_COPY.language], value=SAMPLE_COPY.language,
                                                   label="Preview language", elem_id="banners-preview-language")
                preview = gr.Image(label="5 · Preview", type="pil", format="png", interactive=False, height=440,
                                   buttons=["fullscreen"], elem_id="banners-preview")
                preview_note = gr.Markdown("", elem_id="banners-preview-note")
        with gr.Row():
            make = gr.Button("6 · Make banners", variant="primary", scale=3, elem_id="banners-make")
            cancel = gr.Button("Cancel", variant="stop", scale=1, elem_id="banners-cancel")
        status = gr.Markdown("", elem_id="banners-status")
        results = gr.Gallery(label="Banners", columns=4, height="auto", object_fit="contain", elem_id="banners-results")
        with gr.Row():
            report = gr.Dataframe(headers=REPORT_COLUMNS, label="Report", wrap=True, interactive=False, scale=3,
                                  elem_id="banners-report")
            archive = gr.File(label="All banners (.zip)", interactive=False, scale=1, elem_id="banners-zip")
        cutout, template_id, running = gr.State(None), gr.State(first), gr.State(None)

    artwork_inputs = [cutout, logo, photo, template_id]
    preview_inputs = [cutout, template_id, table, preview_size, preview_language, marketing, harmonize, logo, photo]
    show_preview = dict(fn=user_errors(tab.preview), inputs=preview_inputs, outputs=[preview, preview_note],
                        trigger_mode="always_last", concurrency_limit=2, concurrency_id="banners-preview")

    blocks.load(user_errors(tab.gallery), artwork_inputs, gallery).then(**show_preview)
    blocks.load(lambda rows: _safe_csv(tab, rows), table, download)
    product.upload(user_errors(tab.upload_product), product, [cutout, cutout_view, product_status],
                   concurrency_limit=4, concurrency_id="banners-cutout")
    product.clear(lambda: (None, None, hint), None, [cutout, cutout_view, product_status])
    gr.on([cutout.change, logo.change, photo.change], user_errors(tab.gallery), artwork_inputs, gallery,
          trigger_mode="always_last", concurrency_limit=2, concurrency_id="banners-preview")
    gallery.select(user_errors(tab.pick_template), None, [template_id, template_info, generated])
    gr.on([template_id.change, cutout.change, table.change, preview_size.change, preview_language.change,
           marketing.change, harmonize.release, logo.change, photo.change], **show_preview)
    marketing.change(lambda on: gr.update(visible=bool(on)), marketing, harmonize)
    gr.on([sizes.change, custom.submit, custom.blur], user_errors(tab.size_choices), [sizes, custom, preview_size],
          preview_size)
    table.change(tab.language_choices, [table, preview_language], preview_language)
    table.change(lambda rows: _safe_csv(tab, rows), table, download)
    load.upload(user_errors(tab.load_copy), load, table)
    make.click(user_errors(tab.make), [cutout, template_id, sizes, custom, table, marketing, harmonize, logo, photo,
                                       file_format, prompt, seed, num_inference_steps, guidance_scale],
               [status, running, results, report, archive],
               concurrency_limit=4, concurrency_id="banners-make")
    cancel.click(tab.cancel, running, status)


def _safe_csv(tab: BannersTab, rows):
    """The download button follows the table; while the table is not valid it keeps the last good file."""
    try:
        return tab.copy_csv(rows)
    except InvalidOptions:
        return gr.update()
