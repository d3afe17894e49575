"""`studio banners` and `studio templates`: banner sets in this process, and template files checked.

    studio banners --template ID|FILE --product PHOTO --sizes square,story --out banners.zip
                   (--copy copy.csv | --language en --headline "…" [--subline --price --badge --cta])
                   [--logo F] [--photo F] [--marketing] [--format jpeg|png] [--harmonize F]
                   [--prompt … --seed N --edit-model sd15]          (templates with a generated background)
    studio templates list
    studio templates check FILE

`banners` prints one line per banner (size, language, ok and its file in the zip, or why it failed) and
exits 1 when any banner failed; the zip holds every banner made, report.csv and copy.csv.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from pipelines import REGISTRY, ModelStore
from pipelines.banners.copy import SLOTS, parse_copy_table
from pipelines.banners.library import TemplateLibrary
from pipelines.banners.template import Template, load_template_file
from pipelines.cutout.product import has_real_alpha
from pipelines.errors import InvalidOptions, InvalidTemplate
from pipelines.image_input import load_image
from pipelines.models import EDITORS
from studio.settings import StudioSettings
from workers.banners import BannerArchive, BannerInputs, BannersJob, make_banners, own_photo

log = logging.getLogger("studio.cli")
GENERATION_FLAGS = {"num_inference_steps": int, "guidance_scale": float, "seed": int}  # and their types


def add_parsers(sub) -> None:
    banners = sub.add_parser("banners", help="banners (or marketing images) from a template, in many sizes and "
                                             "languages")
    banners.add_argument("--template", required=True, metavar="ID|FILE",
                         help="a template id (`studio templates list`) or your own template .json")
    banners.add_argument("--product", required=True, type=Path, help="the product photo (a PNG with "
                                                                     "transparency is used as the cut-out)")
    banners.add_argument("--sizes", required=True, help="comma-separated: size names or WIDTHxHEIGHT")
    banners.add_argument("--out", required=True, type=Path, help="the zip to write (or a folder for it)")
    banners.add_argument("--copy", type=Path, help="CSV: a `language` column and any of " + ", ".join(SLOTS))
    banners.add_argument("--language", help="the language of --headline etc. (en, de, ar, ja, …)")
    for slot in SLOTS:
        banners.add_argument(f"--{slot}", help=f"single-language copy: the {slot}")
    banners.add_argument("--logo", type=Path, help="a logo (PNG with transparency is best)")
    banners.add_argument("--photo", type=Path, help="a photo for the template's photo background")
    banners.add_argument("--marketing", action="store_true", help="marketing images: no copy, the product on "
                                                                  "the template's scene")
    banners.add_argument("--format", default="jpeg", choices=["jpeg", "png"])
    banners.add_argument("--harmonize", type=float, help="0–1: move the product's light toward the scene "
                                                         "(default 0; 0.35 for --marketing)")
    banners.add_argument("--model", choices=list(REGISTRY), help="segmentation model (default u2netp)")
    banners.add_argument("--prompt", default="", help="generated backgrounds: the scene (default: the template's)")
    banners.add_argument("--negative-prompt", help="generated backgrounds")
    for name, kind in GENERATION_FLAGS.items():
        limits = BannersJob.limits(name)
        banners.add_argument(f"--{name.replace('_', '-')}", type=kind, help=f"generated backgrounds "
                             f"({limits['minimum']}–{limits['maximum']}, default {limits['value']})")
    banners.add_argument("--edit-model", choices=list(EDITORS), help="generated backgrounds: the editor")
    templates = sub.add_parser("templates", help="list the banner templates or check a template file")
    tsub = templates.add_subparsers(dest="templates_command", required=True)
    tsub.add_parser("list", help="every template: id, name, background, tags")
    check = tsub.add_parser("check", help="check a template file; lists every problem")
    check.add_argument("file", type=Path)


def banners(args, settings: StudioSettings, ensure_model) -> int:
    template = _template(args.template, TemplateLibrary.load(settings.templates_dir))
    photo = _read(args.photo, "--photo") if args.photo else own_photo(template)
    logo = _read(args.logo, "--logo") if args.logo else None
    inputs = BannerInputs(_read(args.product, "--product"), logo, photo)
    tuning = ("harmonize", "negative_prompt", *GENERATION_FLAGS)
    optional = {name: getattr(args, name) for name in tuning if getattr(args, name) is not None}
    job = BannersJob.parse(
        template=template.model_dump(mode="json"), sizes=args.sizes.split(","), copies=_copies(args),
        text=not args.marketing, format=args.format, model=args.model or settings.default_model, prompt=args.prompt,
        edit_model=args.edit_model or settings.edit_model, **optional, photo=photo,
    )
    plan = job.plan(photo)
    out = _out_path(args, template.id)
    limits = settings.image_limits()
    store = ModelStore(settings.models_dir, development=settings.development)
    if not has_real_alpha(load_image(inputs.product, limits).image):
        ensure_model(store, job.model)
    partial = out.with_name(out.name + ".part")
    made = failed = 0
    try:
        with open(partial, "wb") as stream, BannerArchive(stream) as archive:
            for banner in make_banners(job, plan, inputs, store, limits, step=lambda done, total, message: None):
                archive.add(banner)
                where = f"{banner.size.name:<18} {banner.language or '-':<8}"
                if banner.ok:
                    made += 1
                    print(f"{where} ok      → {banner.file}")
                else:
                    failed += 1
                    print(f"{where} FAILED  {banner.error}")
            archive.close(plan.copies)
        if made:
            partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    print(f"{made} made, {failed} failed" + (f" → {out}" if made else "; nothing written"), file=sys.stderr)
    return 1 if failed or not made else 0


def templates(args, settings: StudioSettings) -> int:
    if args.templates_command == "check":
        try:
            load_template_file(args.file)
        except InvalidTemplate as exc:
            print(str(exc))
            return 1
        print(f"{args.file.name}: valid")
        return 0
    library = TemplateLibrary.load(settings.templates_dir)
    print(f"{'id':22} {'name':24} {'background':11} tags")
    for template in library.all():
        mine = " (yours)" if not library.is_builtin(template.id) else ""
        print(f"{template.id:22} {template.name:24} {template.background.type:11} {', '.join(template.tags)}{mine}")
    for problem in library.problems:
        log.error("skipped: %s", problem)
    return 0


def _read(path: Path, flag: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidOptions(f"{flag} {path}: cannot be read ({exc.strerror or exc})") from None


def _template(text: str, library: TemplateLibrary) -> Template:
    path = Path(text)
    if path.suffix.lower() == ".json" or path.is_file():
        _read(path, "--template")  # a missing file is a bad argument, not a broken template
        return load_template_file(path)
    return library.get(text)


def _copies(args) -> list[dict]:
    single = {name: getattr(args, name) for name in ("language", *SLOTS) if getattr(args, name)}
    if args.copy and single:
        raise InvalidOptions("give the copy either as --copy FILE.csv or as --language with --headline etc., "
                             "not both")
    if args.copy:
        try:
            table = parse_copy_table(_read(args.copy, "--copy"))
        except InvalidOptions as exc:
            raise InvalidOptions(f"--copy {args.copy.name}: {exc}") from None
        return [{"language": c.language, **{slot: getattr(c, slot) for slot in SLOTS}} for c in table]
    if single and "language" not in single:
        raise InvalidOptions("--language: give the copy's language (e.g. en, de, ar, ja) with --headline etc.")
    return [single] if single else []


def _out_path(args, template_id: str) -> Path:
    out = args.out / f"{template_id}-banners.zip" if args.out.is_dir() else args.out
    inputs = [p for p in (args.product, args.logo, args.photo, args.copy) if p is not None]
    if any(out.resolve() == p.resolve() for p in inputs):
        raise InvalidOptions(f"--out {out} is one of the inputs; choose another file")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_name(out.name + ".part").touch()  # find out now, before any work, that it can be written
    except OSError as exc:
        raise InvalidOptions(f"--out {out}: cannot be written ({exc.strerror or exc})") from None
    return out
