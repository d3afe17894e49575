"""The `studio` command: white backgrounds over files, folders and zips, banners, and model management.

    studio whitebg INPUT... --out DIR [--preset amazon|shopify|aliexpress|transparent|custom]
                   [--model NAME] [--mask-dir DIR] [--shadow] [--width N --height N --margin F]
                   [--box X0,Y0,X1,Y1]
    studio banners --template ID|FILE --product PHOTO --sizes square,story --out banners.zip
                   (--copy copy.csv | --language en --headline "…")    see studio/cli_banners.py
    studio templates list | check FILE
    studio models list
    studio models pull NAME        a white-background model, a chat editor (sd15, sdxl, tiny) or one of its
                                   parts (e.g. sam-vit-b); hub models go to the Hugging Face cache

Exit status: 0 when every input succeeded, 1 when some input (or banner) failed (each is reported with its
reason and the rest go on; `templates check`: the file has problems), 2 for a bad command line, 3 when the
model cannot be had.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Iterator

from tqdm import tqdm

from pipelines import REGISTRY, ModelStore
from pipelines.models import EDITORS, GENERATIVE
from pipelines.errors import ModelUnavailable, StudioError
from pipelines.image_input import iter_sources
from pipelines.image_input.sources import count_sources
from studio import cli_banners
from studio.outputs import OutputWriter
from studio.settings import StudioSettings
from workers.settings import load_settings
from workers.white_background import ItemOutcome, WhiteBackgroundJob, check_job, run_white_background

log = logging.getLogger("studio.cli")


def _box(text: str) -> tuple[int, int, int, int]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise argparse.ArgumentTypeError(f"--box {text!r}: give four integers X0,Y0,X1,Y1 in pixels")
    return values


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studio", description="Storefront Studio command line")
    sub = parser.add_subparsers(dest="command", required=True)
    wb = sub.add_parser("whitebg", help="white-background catalog photos")
    wb.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, folders or .zip files")
    wb.add_argument("--out", required=True, type=Path, help="folder for the results and report.csv")
    wb.add_argument("--preset", default="amazon", choices=["amazon", "shopify", "aliexpress", "transparent", "custom"])
    wb.add_argument("--model", default=None, choices=list(REGISTRY), help="segmentation model (default u2netp)")
    wb.add_argument("--mask-dir", type=Path, help="also write each product mask as <input stem>.png here")
    wb.add_argument("--shadow", action="store_true", help="add a soft contact shadow")
    wb.add_argument("--width", type=int, help="canvas width (custom preset)")
    wb.add_argument("--height", type=int, help="canvas height (custom preset)")
    wb.add_argument("--margin", type=float, help="empty share of each side, 0–0.4")
    wb.add_argument("--box", type=_box, help="only look for the product inside X0,Y0,X1,Y1")
    cli_banners.add_parsers(sub)
    models = sub.add_parser("models", help="list or fetch models")
    msub = models.add_subparsers(dest="models_command", required=True)
    msub.add_parser("list", help="show every model and whether it is installed")
    pull = msub.add_parser("pull", help="download a model (or every model of a chat editor) and verify it")
    pull.add_argument("name", choices=[*REGISTRY, *EDITORS, *GENERATIVE])
    return parser


def _byte_bar(name: str):
    bar = tqdm(unit="B", unit_scale=True, unit_divisor=1024, desc=name, file=sys.stderr, leave=False)

    def progress(done: int, total: int | None, message: str) -> None:
        if total and bar.total != total:
            bar.total = total
        if bar.desc != message:
            bar.set_description_str(message)
        bar.update(done - bar.n)

    return bar, progress


def _ensure_model(store: ModelStore, name: str) -> None:
    if not store.is_installed(name):
        print(f"fetching model {name} (first use; {REGISTRY[name].description})", file=sys.stderr)
        bar, progress = _byte_bar(name)
        with bar:
            store.pull(name, progress)


def whitebg(args, settings: StudioSettings) -> int:
    job = WhiteBackgroundJob.parse(
        preset=args.preset, width=args.width, height=args.height, margin=args.margin,
        shadow=args.shadow, model=args.model or settings.default_model, box=args.box,
    )
    check_job(job)
    total = count_sources(args.inputs)
    threads = settings.whitebg_threads if total > 1 else 0
    store = ModelStore(settings.models_dir, session_threads=threads)
    _ensure_model(store, job.model)
    inputs = [Path(p).resolve() for p in args.inputs]
    protected = {p for p in inputs if p.is_file()} | {f.resolve() for p in inputs if p.is_dir() for f in p.rglob("*")}
    writer = OutputWriter(args.out, args.mask_dir, protected=protected)
    failed = 0
    try:
        with tqdm(total=total, unit="img", desc="white background", file=sys.stderr) as bar:
            for outcome in write_white_backgrounds(args.inputs, job, store, settings, writer):
                if not outcome.ok:
                    failed += 1
                    bar.write(f"FAILED {outcome.name}: {outcome.error}", file=sys.stderr)
                elif not outcome.result.report.passed:
                    bar.write(f"warning {outcome.name}: {outcome.result.report.summary()}", file=sys.stderr)
                bar.update(1)
    finally:
        report = writer.write_report()
    done = len(writer.written)
    print(f"{done} done, {failed} failed → {args.out} (report: {report.name})", file=sys.stderr)
    return 1 if failed else 0


def write_white_backgrounds(inputs, job: WhiteBackgroundJob, store: ModelStore, settings: StudioSettings,
                            writer: OutputWriter) -> Iterator[ItemOutcome]:
    """What `studio whitebg` does with its inputs (files, folders, zips): each outcome, in order, after the
    writer has its files; the caller writes the report when it is done."""
    items = iter_sources(inputs, settings.image_limits(), settings.archive_limits())
    for outcome in run_white_background(items, job, store, settings.image_limits()):
        writer.add(outcome)
        yield outcome


def models(args, settings: StudioSettings) -> int:
    store = ModelStore(settings.models_dir, development=settings.development)
    if args.models_command == "list":
        print(f"{'model':24} {'installed':10} description")
        for status in store.list():
            print(f"{status.name:24} {'yes' if status.installed else 'no':10} {status.description}")
        _list_generative(store)
        return 0
    if args.name not in REGISTRY:
        return _pull_generative(store, args.name)
    bar, progress = _byte_bar(args.name)
    with bar:
        path = store.pull(args.name, progress)
    print(f"{args.name}: {path} (md5 {REGISTRY[args.name].md5} verified)")
    return 0


def _list_generative(store: ModelStore) -> None:
    print(f"\n{'chat editor':24} {'installed':10} description")
    for name, spec in store.editors.items():
        missing = [part.name for part in store.missing(name)]
        state = "yes" if not missing else "no"
        print(f"{name:24} {state:10} {spec.description}" + (f" (missing: {', '.join(missing)})" if missing else ""))
    print(f"\n{'generative model':24} {'installed':10} where")
    for status in store.generative_list():
        print(f"{status.name:24} {'yes' if status.installed else 'no':10} {status.location}")


def _pull_generative(store: ModelStore, name: str) -> int:
    bar, progress = _byte_bar(name)  # hub downloads also draw huggingface_hub's own per-file bars
    with bar:
        locations = store.pull_generative(name, progress)
    for part, location in locations.items():
        print(f"{part}: {location}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings(StudioSettings, status=2)  # a bad STUDIO_* value: the bad-command-line status
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "whitebg":
            return whitebg(args, settings)
        if args.command == "banners":
            return cli_banners.banners(args, settings, _ensure_model)
        if args.command == "templates":
            return cli_banners.templates(args, settings)
        return models(args, settings)
    except ModelUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; results written so far are kept", file=sys.stderr)
        return 130
