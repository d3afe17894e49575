"""The Banners tab: a product photo + a template + copy in one or more languages -> banners in several sizes.

The merchant's path through the page: upload a photo (a cut-out job runs; the cut-out is kept in the page),
pick a template in the gallery, tick sizes, write the copy in the table (or load a CSV), watch the live
preview, then "Make banners": one job renders every size x language and the page shows them with a zip.

The live preview and the gallery's thumbnails are drawn here, in the web process, by the same renderer as
the job (pure PIL, see studio/banners_preview.py); cut-outs and the full set run as jobs (workers/banners/).
Handlers are plain methods of `BannersTab` (testable without a browser); `build_banners_tab` lays them out.
"""

from __future__ import annotations

import io
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
from studio.follow import follow
from studio.settings import StudioSettings
from studio.tab_helpers import ensure_model, prune
from studio.ui_errors import user_errors
from workers.banners import MARKETING_HARMONIZE, BannerJobs, BannersJob, BannersSummary, CutoutSummary, own_photo

OWNER = "studio"  # jobs the studio submits; API keys never map to this owner
RESULTS_KEPT_SECONDS = 24 * 3600
DEFAULT_SIZES = ("landscape", "square")
PRODUCT_HINT = "Upload a product photo (or a PNG cut-out with transparency)."
REPORT_COLUMNS = ["size", "language", "file", "notes"]


def _read(path) -> bytes | None:
    return Path(path).read_bytes() if path else None


def default_template(templates: TemplateLibrary) -> str | None:
    """The first template the web process can draw fully (a generated background needs the worker)."""
    drawable = [t.id for t in templates.all() if t.background.type != "generated"]
    return (drawable or list(templates.ids()) or [None])[0]


def has_generated_background(templates: TemplateLibrary, template_id) -> bool:
    return bool(template_id) and templates.get(template_id).background.type == "generated"


def describe(templates: TemplateLibrary, template_id) -> str:
    if not template_id:
        return "Pick a template in the gallery."
    template = templates.get(template_id)
    tags = f" · {', '.join(template.tags)}" if template.tags else ""
    kind = template.background.type
    how = {"generated": " Its background is painted by a model when the banners are made (the preview shows "
                        "a plain backdrop in its place).",
           "photo": " Its background is a photo: use your own under “Logo, background photo, file format”."}
    return f"**{template.name}** — {template.description}{tags}{how.get(kind, '')}"


@dataclass(frozen=True, eq=False)
class BannersPage:
    """The tab's components: handlers answer with {component: value} for the ones they change."""

    product: gr.Image
    cutout_view: gr.Image
    product_status: gr.Markdown
    logo: gr.Image
    photo: gr.Image
    file_format: gr.Radio
    gallery: gr.Gallery
    template_id: gr.Dropdown
    template_info: gr.Markdown
    generated: gr.Accordion
    prompt: gr.Textbox
    seed: gr.Number
    num_inference_steps: gr.Slider
    guidance_scale: gr.Slider
    marketing: gr.Checkbox
    harmonize: gr.Slider
    table: gr.Dataframe
    load: gr.UploadButton
    download: gr.DownloadButton
    sizes: gr.CheckboxGroup
    custom: gr.Textbox
    preview_size: gr.Dropdown
    preview_language: gr.Dropdown
    preview: gr.Image
    preview_note: gr.Markdown
    make: gr.Button
    cancel: gr.Button
    status: gr.Markdown
    results: gr.Gallery
    report: gr.Dataframe
    archive: gr.File
    cutout: gr.State  # the product's cut-out (PNG bytes), kept in the page
    running: gr.State  # the running set's job id (for Cancel)


@dataclass(frozen=True)
class BannersTab:
    settings: StudioSettings
    banners: BannerJobs
    templates: TemplateLibrary
    page: BannersPage
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
        """A click on a thumbnail chooses its template in the Template list."""
        ids = self._ids()
        if evt.index is None or not 0 <= evt.index < len(ids):
            return gr.update()
        return ids[evt.index]

    def choose_template(self, template_id):
        """The chosen template's description, its thumbnail marked, and the generated-background settings
        shown when the template paints its scene with a model."""
        ids, page = self._ids(), self.page
        return {page.template_info: describe(self.templates, template_id),
                page.gallery: gr.update(selected_index=ids.index(template_id) if template_id in ids else None),
                page.generated: gr.update(visible=has_generated_background(self.templates, template_id))}

    # -- the product ---------------------------------------------------------------------------------
    def upload_product(self, path, progress=gr.Progress()):
        """Cut the product out (a job: segmentation, or the photo's own transparency) and keep the cut-out."""
        page = self.page
        if not path:
            yield self.clear_product()
            return
        data = _read(path)
        loaded = load_image(data, self.settings.image_limits())  # a broken upload is reported before any job
        model = self.settings.default_model
        if loaded.image.mode != "RGBA" and self.models is not None:
            ensure_model(self.models, model, progress)
        job_id = self.banners.submit_cutout(OWNER, data, model=model)
        yield {page.product_status: "Cutting out the product · queued"}
        for job in follow(lambda: self.banners.job(job_id)):
            if not job.terminal:
                where = f"{job.message}" if job.state == "running" and job.message else "waiting for a worker"
                yield {page.product_status: f"Cutting out the product · {where}"}
        if job.state != "done":
            yield {page.cutout: None, page.cutout_view: None,
                   page.product_status: f"The cut-out failed: {job.error or job.state}. Try another photo."}
            return
        png, summary = self.banners.output(job_id)
        notes = "; ".join(CutoutSummary.from_dict(summary).notes)
        cutout = Image.open(io.BytesIO(png))
        yield {page.cutout: png, page.cutout_view: cutout, page.product_status:
               f"Cut-out ready ({cutout.width}×{cutout.height} px){f' · {notes}' if notes else ''}."}

    def clear_product(self):
        page = self.page
        return {page.cutout: None, page.cutout_view: None, page.product_status: PRODUCT_HINT}

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
    def preview(self, cutout, template_id, rows, size_name, language, marketing, harmonize, logo=None, photo=None):
        """One banner at the preview size and language, drawn here; a problem shows next to it, not as a dialog
        (the picture keeps the last good render)."""
        note = self.page.preview_note
        if not template_id:
            return {note: "Pick a template in the gallery."}
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
            return {note: f"⚠ Preview not updated: {exc}"}
        shown = render_preview(template, size, copy, art, fonts=self.fonts,
                               harmonize=float(harmonize) if marketing else 0.0)
        if shown.image is None:
            return {note: f"⚠ Preview not updated: {shown.error}"}
        what = f"{template.name} · {size.name} {size.width}×{size.height}" + ("" if copy is None
                                                                            else f" · {copy.language}")
        product = "" if cutout else " · upload a product photo to see it here"
        notes = "".join(f"  \n· {line}" for line in shown.notes)
        return {self.page.preview: shown.image, note: f"Preview: {what}{product}{notes}"}

    # -- making the set --------------------------------------------------------------------------------
    def make(self, cutout, template_id, names, custom, rows, marketing, harmonize, logo=None, photo=None,
             file_format="jpeg", prompt=None, seed=None, num_inference_steps=None, guidance_scale=None):
        """Submit one job for every size x language, follow it, then show the banners and the zip.
        prompt … guidance_scale are used only by templates whose background is generated; None = the
        generation settings' defaults (workers/generation.py)."""
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
            prompt=(prompt or "").strip(),
            **{name: kind(value) for name, kind, value in (("seed", int, seed),
                                                            ("num_inference_steps", int, num_inference_steps),
                                                            ("guidance_scale", float, guidance_scale))
               if value is not None},
        )
        _, job_id, _ = self.banners.submit_banners(OWNER, job, cutout, logo=_read(logo), photo=background,
                                                   priority="interactive")
        count = len(sizes) * (1 if marketing else len(copies))
        what = f"{count} {'marketing image' if marketing else 'banner'}{'s' if count != 1 else ''}"
        page = self.page
        yield {page.status: f"Making {what} · queued", page.running: job_id}
        for record in follow(lambda: self.banners.job(job_id)):
            if not record.terminal:
                where = (f"step {record.step} of {record.total_steps} · {record.message}"
                         if record.state == "running" else "waiting for a worker")
                yield {page.status: f"Making {what} · {where}"}
        if record.state == "cancelled":
            yield {page.status: "Cancelled; nothing was made.", page.running: None}
            return
        if record.state != "done":
            yield {page.status: f"Making banners failed: {record.error or record.state}", page.running: None}
            return
        data, summary = self.banners.output(job_id)
        gallery, report, archive = self._collect(job_id, data, summary)
        made, failed = len(gallery), len(report) - len(gallery)
        status = (f"{made} of {len(report)} {'marketing images' if marketing else 'banners'} ready."
                  + (f" {failed} could not be made (see the report)." if failed else ""))
        yield {page.status: status, page.running: None, page.results: gallery, page.report: report,
               page.archive: str(archive)}

    def _collect(self, job_id: str, data: bytes, stored: dict):
        summary = BannersSummary.from_dict(stored)
        prune(self.settings.temp_dir / "banners" / "results", RESULTS_KEPT_SECONDS)
        run_dir = self.settings.temp_dir / "banners" / "results" / job_id[:12]
        run_dir.mkdir(parents=True, exist_ok=True)
        archive = run_dir / (summary.file_name or "banners.zip")
        archive.write_bytes(data)
        gallery, report = [], []
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            names = set(bundle.namelist())
            for index, item in enumerate(summary.banners, start=1):
                caption = " · ".join(v for v in (item.size, item.language) if v)
                notes = "; ".join(item.notes)
                if item.error or item.file not in names:
                    report.append([item.size, item.language, "", f"not made: {item.error or 'missing from the zip'}"])
                    continue
                target = run_dir / "images" / f"{index:02d}-{PurePosixPath(item.file).name}"
                target.parent.mkdir(exist_ok=True)
                target.write_bytes(bundle.read(item.file))
                gallery.append((str(target), caption))
                report.append([item.size, item.language, item.file, notes])
        return gallery, report, archive

    def cancel(self, running):
        if running:
            self.banners.cancel(running)
            return "Cancelling…"
        return "Nothing is running."



def build_banners_tab(settings: StudioSettings, banners: BannerJobs, templates: TemplateLibrary,
                      models: ModelStore | None, blocks: gr.Blocks) -> BannersTab:
    """Lay out the tab inside the current gr.Blocks and wire its events. Public events (what gradio_client
    scripts call) are named banners_*; the rest only serve the page."""
    tab = BannersTab(settings, banners, templates, _lay_out(templates), models)
    page, private = tab.page, {"api_visibility": "private"}
    artwork_inputs = [page.cutout, page.logo, page.photo, page.template_id]
    preview_inputs = [page.cutout, page.template_id, page.table, page.preview_size, page.preview_language,
                      page.marketing, page.harmonize, page.logo, page.photo]
    show_preview = dict(fn=user_errors(tab.preview), inputs=preview_inputs, outputs=[page.preview, page.preview_note],
                        trigger_mode="always_last", concurrency_limit=2, concurrency_id="banners-preview")
    cutout_outputs = [page.cutout, page.cutout_view, page.product_status]

    blocks.load(user_errors(tab.gallery), artwork_inputs, page.gallery, **private).then(**show_preview, **private)
    blocks.load(lambda rows: _safe_csv(tab, rows), page.table, page.download, **private)
    page.product.upload(user_errors(tab.upload_product), page.product, cutout_outputs,
                        api_name="banners_upload_product", concurrency_limit=4, concurrency_id="banners-cutout")
    page.product.clear(tab.clear_product, None, cutout_outputs, **private)
    gr.on([page.cutout.change, page.logo.change, page.photo.change], user_errors(tab.gallery), artwork_inputs,
          page.gallery, trigger_mode="always_last", concurrency_limit=2, concurrency_id="banners-preview", **private)
    page.gallery.select(user_errors(tab.pick_template), None, page.template_id, **private)
    page.template_id.change(user_errors(tab.choose_template), page.template_id,
                            [page.template_info, page.gallery, page.generated], **private)
    gr.on([page.template_id.change, page.cutout.change, page.table.change, page.preview_size.change,
           page.preview_language.change, page.marketing.change, page.harmonize.release, page.logo.change,
           page.photo.change], **show_preview, api_name="banners_preview")
    page.marketing.change(lambda on: gr.update(visible=bool(on)), page.marketing, page.harmonize, **private)
    gr.on([page.sizes.change, page.custom.submit, page.custom.blur], user_errors(tab.size_choices),
          [page.sizes, page.custom, page.preview_size], page.preview_size, **private)
    page.table.change(tab.language_choices, [page.table, page.preview_language], page.preview_language, **private)
    page.table.change(lambda rows: _safe_csv(tab, rows), page.table, page.download, **private)
    page.load.upload(user_errors(tab.load_copy), page.load, page.table, api_name="banners_load_copy")
    page.make.click(user_errors(tab.make), [page.cutout, page.template_id, page.sizes, page.custom, page.table,
                                            page.marketing, page.harmonize, page.logo, page.photo, page.file_format,
                                            page.prompt, page.seed, page.num_inference_steps, page.guidance_scale],
                    [page.status, page.running, page.results, page.report, page.archive],
                    api_name="banners_make", concurrency_limit=4, concurrency_id="banners-make")
    page.cancel.click(tab.cancel, page.running, page.status, api_name="banners_cancel")
    return tab


def _lay_out(templates: TemplateLibrary) -> BannersPage:
    first = default_template(templates)
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
                product_status = gr.Markdown(PRODUCT_HINT, elem_id="banners-product-status")
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
                # the gallery's click chooses here; a script (or a keyboard) names the template directly
                template_id = gr.Dropdown([(t.name, t.id) for t in templates.all()], value=first, label="Template",
                                          elem_id="banners-template")
                template_info = gr.Markdown(describe(templates, first) if first else "No templates are installed.",
                                            elem_id="banners-template-info")
                if templates.problems:
                    gr.Markdown("⚠ Skipped templates from your templates folder: " + "; ".join(templates.problems),
                                elem_id="banners-template-problems")
                with gr.Accordion("Generated background", open=False, elem_id="banners-generated",
                                  visible=has_generated_background(templates, first)) as generated:
                    prompt = gr.Textbox("", label="prompt (empty = the template's own)", elem_id="banners-prompt")
                    with gr.Row():
                        seed = gr.Number(**BannersJob.limits("seed"), label="seed", precision=0)
                        num_inference_steps = gr.Slider(**BannersJob.limits("num_inference_steps"), step=1,
                                                        label="num_inference_steps")
                        guidance_scale = gr.Slider(**BannersJob.limits("guidance_scale"), step=0.5,
                                                   label="guidance_scale")
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
                custom = gr.Textbox("", label="Other sizes (WIDTHxHEIGHT, comma-separated, 200–6000 px a side)",
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
        cutout, running = gr.State(None), gr.State(None)
    return BannersPage(product, cutout_view, product_status, logo, photo, file_format, gallery, template_id,
                       template_info, generated, prompt, seed, num_inference_steps, guidance_scale, marketing,
                       harmonize, table, load, download, sizes, custom, preview_size, preview_language, preview,
                       preview_note, make, cancel, status, results, report, archive, cutout, running)


def _safe_csv(tab: BannersTab, rows):
    """The download button follows the table; while the table is not valid it keeps the last good file."""
    try:
        return tab.copy_csv(rows)
    except InvalidOptions:
        return gr.update()
