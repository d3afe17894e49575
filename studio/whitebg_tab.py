"""The White background tab: upload photos (or zips), pick a preset, get results with a compliance report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import ImageDraw

from pipelines import REGISTRY, ModelStore
from pipelines.errors import InvalidOptions
from pipelines.image_input import iter_sources, load_image, sanitise_name
from pipelines.image_input.sources import count_sources
from pipelines.cutout.presets import PRESETS
from studio.follow import follow
from studio.outputs import OutputWriter
from studio.settings import StudioSettings
from studio.tab_helpers import ensure_model, prune
from studio.ui_errors import user_errors
from workers.batches import Batches, BatchView
from workers.white_background import WhiteBackgroundJob, check_job

STUDIO_OWNER = "studio"  # batches the studio submits; API keys never map to this owner
REPORT_COLUMNS = ["photo", "result", "background", "fill", "size", "why / notes"]
RESULTS_KEPT_SECONDS = 24 * 3600


@dataclass(frozen=True, eq=False)
class WhiteBackgroundPage:
    """The tab's components: handlers answer with {component: value} for the ones they change."""

    files: gr.File
    preset: gr.Dropdown
    custom_row: gr.Row
    width: gr.Number
    height: gr.Number
    margin: gr.Slider
    shadow: gr.Checkbox
    model: gr.Dropdown
    photo: gr.Dropdown
    box_image: gr.Image
    box_text: gr.Textbox
    clear: gr.Button
    go: gr.Button
    compare: gr.ImageSlider
    gallery: gr.Gallery
    report: gr.Dataframe
    downloads: gr.File
    boxes: gr.State  # photo name -> (x0, y0, x1, y1)
    corner: gr.State  # the first corner clicked, until the second
    pairs: gr.State  # (before, after) preview paths, one per result


@dataclass(frozen=True)
class WhiteBackgroundTab:
    settings: StudioSettings
    batches: Batches
    page: WhiteBackgroundPage
    models: ModelStore | None = None  # embedded mode: the studio's own models (fetched here with progress)

    # -- event handlers (plain functions of component values, testable without a browser) ---------
    def run(self, files, preset, width, height, margin, shadow, model, boxes, progress=gr.Progress()):
        if not files:
            raise InvalidOptions("upload at least one product photo (JPEG, PNG, WebP…) or a .zip of photos")
        custom = preset == "custom"
        job = WhiteBackgroundJob.parse(
            preset=preset, shadow=bool(shadow), model=model, previews=True,
            width=int(width) if custom and width else None,
            height=int(height) if custom and height else None,
            margin=float(margin) if custom and margin is not None else None,
        )
        check_job(job)
        if self.models is not None:
            ensure_model(self.models, job.model, progress)
        paths = [Path(f) for f in files]
        total = count_sources(paths)
        progress((0, total), desc="queued")
        items = iter_sources(paths, self.settings.image_limits(), self.settings.archive_limits())
        view, _ = self.batches.submit(STUDIO_OWNER, job, items, priority="interactive", boxes=dict(boxes or {}))
        view = self._wait(view, progress)
        return self._collect(view)

    def _wait(self, view: BatchView, progress) -> BatchView:
        """Follow the batch's jobs (in this process or on workers) until every one has finished."""
        batch_id = view.id
        for view in follow(lambda: self.batches.view(batch_id, STUDIO_OWNER), shown=_batch_progress,
                           done=lambda batch: _finished(batch) == len(batch.jobs)):
            finished, desc = _batch_progress(view)
            progress((finished, len(view.jobs)), desc=desc)
        return view

    def _collect(self, view: BatchView):
        prune(self.settings.temp_dir / "results", RESULTS_KEPT_SECONDS)
        run_dir = self.settings.temp_dir / "results" / view.id[:12]
        writer = OutputWriter(run_dir)
        (run_dir / "previews").mkdir()
        pairs, gallery, rows = [], [], []
        for job in view.jobs:
            data = self.batches.store.read_blob(job.id, "result") if job.state == "done" else None
            if data is None:
                writer.add_failure(job.name, job.error or f"the job was {job.state}")
                rows.append([job.name, "FAILED" if job.state == "failed" else job.state.upper(), "", "", "",
                             job.error or ""])
                continue
            report, notes = job.result["report"], job.result.get("notes", [])
            output = writer.add_result(job.name, job.result["file_name"], data, report, notes)
            rows.append(_report_row(job.name, report, notes))
            before = run_dir / "previews" / f"{output.stem}-before.jpg"
            after = run_dir / "previews" / f"{output.stem}-after.jpg"
            before.write_bytes(self.batches.store.read_blob(job.id, "before") or b"")
            after.write_bytes(self.batches.store.read_blob(job.id, "after") or b"")
            pairs.append((str(before), str(after)))
            gallery.append((str(output), f"{'PASS' if report['passed'] else 'FAIL'} · {job.name}"))
        writer.write_report()
        archive = writer.write_zip(run_dir / "white-backgrounds.zip")
        if not pairs:
            gr.Warning("No photo could be processed; the report says why for each file.")
        page = self.page
        return {page.compare: pairs[0] if pairs else None, page.gallery: gallery, page.report: rows,
                page.downloads: [str(archive)] + [str(p) for p in writer.written], page.pairs: pairs}

    def show_pair(self, pairs, evt: gr.SelectData):
        if not pairs or evt.index is None or evt.index >= len(pairs):
            return None
        return tuple(pairs[evt.index])

    def list_photos(self, files):
        names = [sanitise_name(Path(f).name) for f in files or [] if not str(f).lower().endswith(".zip")]
        first, page = names[0] if names else None, self.page
        return {page.photo: gr.update(choices=names, value=first), page.box_image: self._preview(files, first, {}),
                page.boxes: {}, page.box_text: "", page.corner: None}

    def pick_photo(self, files, name, boxes):
        box, page = (boxes or {}).get(name), self.page
        return {page.box_image: self._preview(files, name, boxes or {}),
                page.box_text: ", ".join(map(str, box)) if box else "", page.corner: None}

    def click_corner(self, files, name, boxes, corner, evt: gr.SelectData):
        if not name:
            raise InvalidOptions("choose a photo first")
        x, y = int(evt.index[0]), int(evt.index[1])
        if corner is None:
            return {self.page.box_image: self._preview(files, name, boxes, dot=(x, y)), self.page.corner: (x, y)}
        box = (min(corner[0], x), min(corner[1], y), max(corner[0], x), max(corner[1], y))
        return self._boxed(files, name, {**(boxes or {}), name: box}, ", ".join(map(str, box)))

    def type_box(self, files, name, text, boxes):
        """Restrict the named photo's cut-out to a typed box (empty text: no box)."""
        boxes = dict(boxes or {})
        if not text.strip():
            boxes.pop(name, None)
            return self._boxed(files, name, boxes, "")
        try:
            box = tuple(int(float(v)) for v in text.replace(";", ",").split(","))
        except ValueError:
            box = ()
        if len(box) != 4:
            raise InvalidOptions(f"box {text!r}: give four numbers x0, y0, x1, y1 in pixels of the photo")
        boxes[name] = box
        return self._boxed(files, name, boxes, ", ".join(map(str, box)))

    def clear_box(self, files, name, boxes):
        return self._boxed(files, name, {k: v for k, v in (boxes or {}).items() if k != name}, "")

    # -- helpers ------------------------------------------------------------------------------
    def _boxed(self, files, name, boxes, text):
        """The page once a box is set or cleared: the photo with its box, the box as text, no corner pending."""
        page = self.page
        return {page.box_image: self._preview(files, name, boxes), page.box_text: text, page.boxes: boxes,
                page.corner: None}

    def _preview(self, files, name, boxes, dot=None):
        path = next((Path(f) for f in files or [] if sanitise_name(Path(f).name) == name), None)
        if path is None:
            return None
        image = load_image(path.read_bytes(), self.settings.image_limits()).image.convert("RGB")
        draw = ImageDraw.Draw(image)
        width = max(2, image.width // 250)
        if boxes.get(name):
            draw.rectangle(boxes[name], outline=(255, 40, 90), width=width)
        if dot:
            r = width * 3
            draw.ellipse((dot[0] - r, dot[1] - r, dot[0] + r, dot[1] + r), fill=(255, 40, 90))
        return np.asarray(image)


def _finished(view: BatchView) -> int:
    return sum(job.terminal for job in view.jobs)


def _batch_progress(view: BatchView) -> tuple[int, str]:
    """What the progress bar shows of a batch: how many photos are finished, and what is running now."""
    running = next((job for job in view.jobs if job.state == "running"), None)
    return _finished(view), f"{running.name}: {running.message}" if running else "waiting for a worker"


def _report_row(name: str, report: dict, notes) -> list[str]:
    purity = "" if report["background_purity"] is None else f"{report['background_purity']:.2%} white"
    fill = "" if report["fill_ratio"] is None else f"{report['fill_ratio']:.0%}"
    why = "; ".join([*report["reasons"], *notes, *report["notes"]])
    return [name, "PASS" if report["passed"] else "FAIL", purity, fill, "×".join(map(str, report["size"])), why]


def build_whitebg_tab(settings: StudioSettings, batches: Batches, models: ModelStore | None) -> WhiteBackgroundTab:
    """Lay out the tab inside the current gr.Blocks and wire its events. Public events (what gradio_client
    scripts call): /white_background and /white_background_box; the rest only serve the page."""
    tab = WhiteBackgroundTab(settings, batches, _lay_out(settings), models)
    page, private = tab.page, {"api_visibility": "private"}
    page.preset.change(lambda p: gr.update(visible=p == "custom"), page.preset, page.custom_row, **private)
    page.files.change(user_errors(tab.list_photos), page.files,
                      [page.photo, page.box_image, page.boxes, page.box_text, page.corner], **private)
    page.photo.change(user_errors(tab.pick_photo), [page.files, page.photo, page.boxes],
                      [page.box_image, page.box_text, page.corner], **private)
    boxed = [page.box_image, page.box_text, page.boxes, page.corner]
    page.box_image.select(user_errors(tab.click_corner), [page.files, page.photo, page.boxes, page.corner], boxed,
                          **private)
    page.box_text.submit(user_errors(tab.type_box), [page.files, page.photo, page.box_text, page.boxes], boxed,
                         api_name="white_background_box")
    page.clear.click(user_errors(tab.clear_box), [page.files, page.photo, page.boxes], boxed, **private)
    page.go.click(user_errors(tab.run), [page.files, page.preset, page.width, page.height, page.margin, page.shadow,
                                         page.model, page.boxes],
                  [page.compare, page.gallery, page.report, page.downloads, page.pairs],
                  api_name="white_background", concurrency_limit=1, concurrency_id="models")
    page.gallery.select(tab.show_pair, page.pairs, page.compare, **private)
    return tab


def _lay_out(settings: StudioSettings) -> WhiteBackgroundPage:
    presets = [(p.label, name) for name, p in PRESETS.items()]
    models = [(f"{name} — {spec.description}", name) for name, spec in REGISTRY.items()]
    with gr.Tab("White background", id="whitebg"):
        gr.Markdown("Turn product photos into marketplace-ready images. Upload photos or a .zip, pick a preset, "
                    "and download the results with a compliance report.")
        with gr.Row():
            with gr.Column(scale=2):
                files = gr.File(label="Product photos or .zip", file_count="multiple",
                                file_types=["image", ".zip"], elem_id="whitebg-files")
                preset = gr.Dropdown(presets, value="amazon", label="Marketplace preset", elem_id="whitebg-preset")
                with gr.Row(visible=False) as custom_row:
                    width = gr.Number(1600, label="Width (px)", precision=0, minimum=64, maximum=10000)
                    height = gr.Number(1600, label="Height (px)", precision=0, minimum=64, maximum=10000)
                    margin = gr.Slider(0.0, 0.4, value=0.05, step=0.01, label="Margin (share of each side)")
                shadow = gr.Checkbox(False, label="Soft contact shadow")
                model = gr.Dropdown(models, value=settings.default_model, label="Segmentation model",
                                    elem_id="whitebg-model")
                with gr.Accordion("Restrict to a box (when the cut-out picks the wrong thing)", open=False):
                    # the uploads' names; a script names its photo without the page having listed it
                    photo = gr.Dropdown([], label="Photo", interactive=True, allow_custom_value=True)
                    box_image = gr.Image(label="Click two opposite corners around the product", interactive=False,
                                         type="numpy", height=320, buttons=["fullscreen"], elem_id="whitebg-box")
                    box_text = gr.Textbox(label="Box: x0, y0, x1, y1 (pixels)", placeholder="e.g. 120, 40, 980, 900")
                    clear = gr.Button("Clear box", size="sm")
                go = gr.Button("Make white backgrounds", variant="primary", elem_id="whitebg-run")
            with gr.Column(scale=3):
                compare = gr.ImageSlider(label="Before / after", type="filepath", elem_id="whitebg-compare")
                gallery = gr.Gallery(label="Results (click one to compare)", columns=4, height=240, object_fit="contain", fit_columns=False,
                                     elem_id="whitebg-gallery")
                report = gr.Dataframe(headers=REPORT_COLUMNS, label="Compliance report", wrap=True,
                                      interactive=False, elem_id="whitebg-report")
                downloads = gr.File(label="Downloads (zip of all, then each result)", file_count="multiple",
                                    interactive=False, elem_id="whitebg-downloads")
        boxes, corner, pairs = gr.State({}), gr.State(None), gr.State([])
    return WhiteBackgroundPage(files, preset, custom_row, width, height, margin, shadow, model, photo, box_image,
                               box_text, clear, go, compare, gallery, report, downloads, boxes, corner, pairs)
