"""White-background quality and speed: our pipeline vs plain `rembg.remove` with the same model, one run.

    python bench/whitebg.py [--data ../shared/data/ecssd-dev] [--models u2netp,u2net] [--preset amazon]
                            [--rounds 2] [--ratio-only] [--limit N] [--models-dir DIR] [--session-threads N]

Quality: mean IoU (threshold 0.5) and MAE of the product mask against the ground-truth masks.
Speed, images per second over the whole set:
- rembg's mask alone (`remove(..., only_mask=True)` on decoded images): the reference;
- ours through `studio whitebg` on the folder, in this process: reading and decoding the files, segmentation,
  matte, decontamination, framing on the preset's canvas, JPEG/PNG encoding, compliance check, writing the
  results, masks and report (its masks are the ones scored);
  these two alternate `--rounds` times, and the ratio of the two is printed (per round too: other work on
  the machine slows both alike);
- once each, unless --ratio-only: rembg's own white cut-out (`bgcolor=white`, input size, no framing; its
  masks are the mask-only ones), our whole output on decoded images as a batch and one image at a time, and
  our mask alone.
Per stage: one image at a time on one thread (no overlap), wall milliseconds per image spent in decoding,
the network (with its resizing), the matte, decontamination, framing (resize, canvas, blend, shadow),
encoding, the compliance check, and the rest.
Models come from the project's model store (fetched on first use); rembg reads the same files.
--session-threads N is a what-if: the store's ONNX Runtime sessions (ours only, rembg keeps its own
default) with intra_op_num_threads=N, so that a batch runs cores ÷ N inferences at once.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
# not bench/ itself: bench/queue.py would shadow the standard library's queue (concurrent.futures imports it)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from pipelines import ModelStore, WhiteBackgroundOptions, make_white_background  # noqa: E402
from pipelines.cutout import compose  # noqa: E402
from pipelines.cutout import white_background as pipeline  # noqa: E402
from pipelines.cutout.white_background import make_product_mask, make_white_backgrounds  # noqa: E402
from pipelines.image_input import load_image  # noqa: E402
from studio import cli  # noqa: E402
from studio.settings import StudioSettings  # noqa: E402

REFERENCE = "rembg.remove (mask only)"
OURS = "ours: `studio whitebg` on the folder (whole output)"
STAGES = ["decode", "inference", "matte", "decontamination", "framing", "encode", "compliance", "other"]


def score(mask: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    alpha = mask.astype(np.float32) / 255.0
    predicted = alpha >= 0.5
    union = (predicted | truth).sum()
    iou = (predicted & truth).sum() / union if union else 1.0
    return float(iou), float(np.abs(alpha - truth).mean())


def studio_whitebg(files: list[Path], model: str, preset: str, models_dir: Path, work: Path) -> list[np.ndarray]:
    """`studio whitebg FOLDER --out OUT --mask-dir MASKS` in this process; returns the masks it wrote."""
    folder, out, masks = work / "in", work / "out", work / "masks"
    for path in (out, masks):
        if path.exists():
            for old in path.iterdir():
                old.unlink()
    if not folder.exists():
        folder.mkdir(parents=True)
        for f in files:
            (folder / f.name).symlink_to(f.resolve())
        (work / "data").mkdir()
        (work / "data" / "models").symlink_to(models_dir.resolve(), target_is_directory=True)
    before = os.environ.get("STUDIO_DATA_DIR")
    os.environ["STUDIO_DATA_DIR"] = str(work / "data")
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # its progress bar and summary line
            code = cli.main(["whitebg", str(folder), "--out", str(out), "--mask-dir", str(masks),
                             "--preset", preset, "--model", model])
    finally:
        if before is None:
            del os.environ["STUDIO_DATA_DIR"]
        else:
            os.environ["STUDIO_DATA_DIR"] = before
    if code != 0:
        raise SystemExit(f"studio whitebg failed with exit status {code}")
    return [np.asarray(Image.open(masks / f"{f.stem}.png")) for f in files]


def pin_session_threads(threads: int) -> None:
    """The what-if of --session-threads: the store's loader with one session option changed."""
    import onnxruntime as ort
    from rembg.sessions import sessions

    from pipelines.models import store as model_store

    def load(spec, path):
        base = sessions[spec.rembg_session]
        pinned = type(f"Pinned{base.__name__}", (base,), {"download_models": classmethod(lambda cls, *a, **k: str(path))})
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = threads
        return pinned(spec.rembg_session, options, providers=model_store._providers(ort))

    model_store._load_rembg_session = load  # ModelStore() picks its default loader up when it is made


@contextlib.contextmanager
def stage_timers(seconds: dict[str, float]):
    """Wrap the pipeline's step functions with wall-clock timers (one image at a time, one thread)."""
    wrapped = [(pipeline, "predict_alpha", "inference"), (pipeline, "refine_alpha", "matte"),
               (compose, "decontaminate", "decontamination"), (pipeline, "_frame", "_frame"),
               (pipeline, "_encode", "encode"), (pipeline, "check_compliance", "compliance")]
    originals = [(module, name, getattr(module, name)) for module, name, _ in wrapped]

    def timed(function, label):
        def inner(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - start
        return inner

    for (module, name, function), (_, _, label) in zip(originals, wrapped):
        setattr(module, name, timed(function, label))
    try:
        yield
    finally:
        for module, name, function in originals:
            setattr(module, name, function)


def per_stage(blobs: list[bytes], options: WhiteBackgroundOptions, store: ModelStore) -> dict[str, float]:
    """Milliseconds per image in each stage, one image at a time."""
    seconds: dict[str, float] = defaultdict(float)
    total = 0.0
    with stage_timers(seconds):
        for blob in blobs:
            start = time.perf_counter()
            image = load_image(blob).image
            seconds["decode"] += time.perf_counter() - start
            make_white_background(image, options, store=store)
            total += time.perf_counter() - start
    seconds["framing"] = seconds.pop("_frame") - seconds["decontamination"]
    seconds["other"] = total - sum(seconds.values())
    seconds["total"] = total
    return {k: 1000 * v / len(blobs) for k, v in seconds.items()}


def run(data: Path, model: str, store: ModelStore, preset: str, limit: int | None, rounds: int,
        ratio_only: bool, models_dir: Path) -> tuple[list[dict], list[float], dict[str, float]]:
    path = store.pull(model, progress=lambda d, t, m: None)
    os.environ["U2NET_HOME"] = str(path.parent)  # rembg finds the very same file there
    from rembg import new_session, remove

    theirs = new_session(model)
    files = sorted((data / "images").glob("*.jpg"))[:limit]
    blobs = [f.read_bytes() for f in files]
    options = WhiteBackgroundOptions(preset=preset, model=model)
    loaded = [(load_image(blob).image, np.asarray(Image.open(data / "masks" / f"{f.stem}.png").convert("L")) > 127)
              for f, blob in zip(files, blobs)]
    warm = loaded[0][0]
    remove(warm, session=theirs, only_mask=True)
    make_white_background(warm, options, store=store)
    masks: dict[str, list[np.ndarray]] = {}
    seconds: dict[str, float] = defaultdict(float)
    ratios = []
    with tempfile.TemporaryDirectory(prefix="whitebg-bench-") as work:
        studio_whitebg(files[:2], model, preset, models_dir, Path(work) / "warm")
        for _ in range(rounds):  # alternate, so other load on the machine slows both alike
            start = time.perf_counter()
            masks[REFERENCE] = [np.asarray(remove(image, session=theirs, only_mask=True)) for image, _ in loaded]
            reference = time.perf_counter() - start
            start = time.perf_counter()
            masks[OURS] = studio_whitebg(files, model, preset, models_dir, Path(work))
            ours = time.perf_counter() - start
            seconds[REFERENCE] += reference
            seconds[OURS] += ours
            ratios.append(reference / ours)
    if not ratio_only:
        start = time.perf_counter()
        cutouts = [remove(image, session=theirs, bgcolor=(255, 255, 255, 255)) for image, _ in loaded]
        seconds["rembg.remove (white cut-out, input size)"] = (time.perf_counter() - start) * rounds
        masks["rembg.remove (white cut-out, input size)"] = masks[REFERENCE]
        del cutouts
        start = time.perf_counter()
        results = list(make_white_backgrounds(((image, options) for image, _ in loaded), store=store))
        seconds["ours (whole output, decoded images, batch)"] = (time.perf_counter() - start) * rounds
        masks["ours (whole output, decoded images, batch)"] = [np.asarray(r.mask) for r in results]
        start = time.perf_counter()
        results = [make_white_background(image, options, store=store) for image, _ in loaded]
        seconds["ours (whole output, one by one)"] = (time.perf_counter() - start) * rounds
        masks["ours (whole output, one by one)"] = [np.asarray(r.mask) for r in results]
        del results
        start = time.perf_counter()
        masks["ours (mask only)"] = [np.asarray(make_product_mask(image, options, store=store)) for image, _ in loaded]
        seconds["ours (mask only)"] = (time.perf_counter() - start) * rounds
    stages = per_stage(blobs, options, store)
    start = time.perf_counter()
    for image, _ in loaded:
        remove(image, session=theirs, only_mask=True)
    stages["rembg mask only"] = 1000 * (time.perf_counter() - start) / len(loaded)
    out = []
    for name, found in masks.items():
        scores = [score(mask, truth) for mask, (_, truth) in zip(found, loaded)]
        out.append({"model": model, "pipeline": name, "iou": np.mean([s[0] for s in scores]),
                    "mae": np.mean([s[1] for s in scores]), "ips": len(found) * rounds / seconds[name],
                    "n": len(found)})
    return out, ratios, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/ecssd-dev")
    parser.add_argument("--models", default="u2netp,u2net")
    parser.add_argument("--preset", default="amazon")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of rembg (mask only) and ours")
    parser.add_argument("--ratio-only", action="store_true", help="skip the rows measured once")
    parser.add_argument("--models-dir", type=Path, default=StudioSettings().models_dir,
                        help="model folder (default: the studio's, from STUDIO_DATA_DIR)")
    parser.add_argument("--session-threads", type=int, default=None,
                        help="what-if: our ONNX Runtime sessions on this many threads each (default: as the store makes them)")
    args = parser.parse_args()
    if not (args.data / "images").is_dir():
        raise SystemExit(f"no data set at {args.data}: pass --data DIR with images/ and masks/")
    if args.session_threads:
        pin_session_threads(args.session_threads)
    store = ModelStore(args.models_dir)
    results, ratios, stages = [], {}, {}
    for model in args.models.split(","):
        rows, ratios[model], stages[model] = run(args.data, model, store, args.preset, args.limit, args.rounds,
                                                  args.ratio_only, args.models_dir)
        results += rows
    threads = f", our sessions on {args.session_threads} thread(s) each" if args.session_threads else ""
    print(f"\nwhite background on {args.data.name} ({results[0]['n']} images), preset {args.preset}, "
          f"{os.cpu_count()} CPU cores, {args.rounds} rounds{threads}\n")
    print("| model | pipeline | mean IoU ↑ | MAE ↓ | images/s ↑ |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['model']} | {r['pipeline']} | {r['iou']:.4f} | {r['mae']:.4f} | {r['ips']:.2f} |")
    print("\nspeed of the whole output through `studio whitebg` ÷ rembg's mask alone (≥ 1.00× is the target):\n")
    for model, per_round in ratios.items():
        rate = {r["pipeline"]: r["ips"] for r in results if r["model"] == model}
        print(f"- {model}: {rate[OURS] / rate[REFERENCE]:.2f}× ({rate[OURS]:.2f} vs {rate[REFERENCE]:.2f} images/s; "
              f"rounds: {', '.join(f'{x:.2f}×' for x in per_round)})")
    print("\nper stage, one image at a time on one thread (ms per image):\n")
    print("| model | " + " | ".join(STAGES) + " | total | rembg mask only |")
    print("|---|" + "---|" * (len(STAGES) + 2))
    for model, ms in stages.items():
        print(f"| {model} | " + " | ".join(f"{ms[s]:.1f}" for s in STAGES)
              + f" | {ms['total']:.1f} | {ms['rembg mask only']:.1f} |")


if __name__ == "__main__":
    main()
