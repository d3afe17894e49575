"""White-background quality and speed: our pipeline vs plain `rembg.remove` with the same model, one run.

    python bench/whitebg.py [--data ../shared/data/ecssd-dev] [--models u2netp,u2net] [--preset amazon]
                            [--rounds 2] [--chunk 20] [--ratio-only] [--limit N] [--models-dir DIR]
                            [--session-threads N]

Quality: mean IoU (threshold 0.5) and MAE of the product mask against the ground-truth masks.
Speed, images per second over the whole set:
- rembg's mask alone (`remove(..., only_mask=True)` on decoded images): the reference;
- ours, the `studio whitebg` path: the files read and decoded, segmentation, matte, decontamination, framing
  on the preset's canvas, JPEG/PNG encoding, compliance check, results and report written (the calls
  `studio whitebg FOLDER --out DIR` makes: cli.write_white_backgrounds and the report; the masks
  scored are the results' own, not written out).
  These two take turns chunk by chunk (--chunk images, order ABBA, --rounds passes over the set), so that
  other work on this shared machine slows both alike; the ratio is printed over everything and as the
  median of the chunk pairs, with the share of the machine's CPU that other processes took meanwhile;
- once each, unless --ratio-only: the `studio whitebg` command itself on the whole folder (model loading
  included), rembg's own white cut-out (`bgcolor=white`, input size, no framing; its masks are the
  mask-only ones), our whole output on decoded images as a batch, and one image at a time and our mask
  alone (these two, like the per-stage split, with a session on every core).
Per stage: one image at a time, the steps on one thread (no overlap), wall milliseconds per image spent in decoding,
the network (with its resizing), the matte, decontamination, framing (resize, canvas, blend, shadow),
encoding, the compliance check, and the rest.
Models come from the project's model store (fetched on first use); rembg reads the same files.
--session-threads N: our ONNX Runtime sessions on N threads each (rembg keeps its default, every core), so
that a batch runs cores ÷ N images at once; the default is what `studio whitebg` on a folder uses
(STUDIO_WHITEBG_THREADS, 1). The per-stage split always uses a session on every core, like rembg's.
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
from studio.outputs import OutputWriter  # noqa: E402
from studio.settings import StudioSettings  # noqa: E402
from workers.white_background import WhiteBackgroundJob  # noqa: E402

REFERENCE = "rembg.remove (mask only)"
OURS = "ours: the `studio whitebg` path (files in, whole output, files out)"
COMMAND = "ours: `studio whitebg` command on the folder, one run (model loading included)"
STAGES = ["decode", "inference", "matte", "decontamination", "framing", "encode", "compliance", "other"]


class OthersCPU:
    """The share of the machine's CPU time that other processes used while timing (Linux; None elsewhere)."""

    def __init__(self):
        self.busy = self.own = self.wall = 0.0

    @staticmethod
    def _machine_busy() -> float | None:
        try:
            with open("/proc/stat") as fh:
                ticks = [int(v) for v in fh.readline().split()[1:9]]
        except OSError:
            return None
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait

    @contextlib.contextmanager
    def measure(self):
        busy, own, wall = self._machine_busy(), time.process_time(), time.perf_counter()
        yield
        after = self._machine_busy()
        if busy is not None and after is not None:
            self.busy += after - busy
            self.own += time.process_time() - own
            self.wall += time.perf_counter() - wall

    @property
    def share(self) -> float | None:
        return max(0.0, self.busy - self.own) / (self.wall * os.cpu_count()) if self.wall else None


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


def whitebg_path(files: list[Path], job: WhiteBackgroundJob, store: ModelStore, out: Path) -> list[np.ndarray]:
    """What `studio whitebg FILES --out OUT` does per run (cli.write_white_backgrounds and the report), with
    the model already loaded; the masks."""
    writer = OutputWriter(out, protected=set(files))
    masks = []
    for outcome in cli.write_white_backgrounds(files, job, store, StudioSettings(), writer):
        if not outcome.ok:
            raise SystemExit(f"{outcome.name} failed: {outcome.error}")
        masks.append(np.asarray(outcome.result.mask))
    writer.write_report()
    return masks


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


def run(data: Path, model: str, store: ModelStore, preset: str, limit: int | None, rounds: int, chunk: int,
        ratio_only: bool, models_dir: Path) -> tuple[list[dict], list[float], float | None, dict[str, float]]:
    path = store.pull(model, progress=lambda d, t, m: None)
    os.environ["U2NET_HOME"] = str(path.parent)  # rembg finds the very same file there
    from rembg import new_session, remove

    theirs = new_session(model)
    single = ModelStore(models_dir)  # one image at a time: its session on every core, like rembg's
    files = sorted((data / "images").glob("*.jpg"))[:limit]
    blobs = [f.read_bytes() for f in files]
    options = WhiteBackgroundOptions(preset=preset, model=model)
    loaded = [(load_image(blob).image, np.asarray(Image.open(data / "masks" / f"{f.stem}.png").convert("L")) > 127)
              for f, blob in zip(files, blobs)]
    warm = loaded[0][0]
    remove(warm, session=theirs, only_mask=True)
    make_white_background(warm, options, store=store)
    make_white_background(warm, options, store=single)
    masks: dict[str, list[np.ndarray]] = {REFERENCE: [], OURS: []}
    seconds: dict[str, float] = defaultdict(float)
    job = WhiteBackgroundJob(preset=preset, model=model)
    ratios, others, pair = [], OthersCPU(), 0
    with tempfile.TemporaryDirectory(prefix="whitebg-bench-") as work:
        whitebg_path(files[:2], job, store, Path(work) / "warm")
        for round_ in range(rounds):
            for first in range(0, len(files), chunk):
                part = slice(first, first + chunk)
                times = {}
                order = (REFERENCE, OURS) if pair % 2 == 0 else (OURS, REFERENCE)  # ABBA: drifts cancel
                for name in order:
                    with others.measure():
                        start = time.perf_counter()
                        if name == REFERENCE:
                            found = [np.asarray(remove(image, session=theirs, only_mask=True)) for image, _ in loaded[part]]
                        else:
                            found = whitebg_path(files[part], job, store, Path(work) / f"out-{pair}")
                        times[name] = time.perf_counter() - start
                    if round_ == 0:
                        masks[name] += found
                for name, took in times.items():
                    seconds[name] += took
                ratios.append(times[REFERENCE] / times[OURS])
                pair += 1
        if not ratio_only:
            start = time.perf_counter()
            masks[COMMAND] = studio_whitebg(files, model, preset, models_dir, Path(work) / "command")
            seconds[COMMAND] = (time.perf_counter() - start) * rounds
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
        results = [make_white_background(image, options, store=single) for image, _ in loaded]
        seconds["ours (whole output, one by one)"] = (time.perf_counter() - start) * rounds
        masks["ours (whole output, one by one)"] = [np.asarray(r.mask) for r in results]
        del results
        start = time.perf_counter()
        masks["ours (mask only)"] = [np.asarray(make_product_mask(image, options, store=single)) for image, _ in loaded]
        seconds["ours (mask only)"] = (time.perf_counter() - start) * rounds
    stages = per_stage(blobs, options, single)
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
    return out, ratios, others.share, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/ecssd-dev")
    parser.add_argument("--models", default="u2netp,u2net")
    parser.add_argument("--preset", default="amazon")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=2, help="passes over the set, rembg (mask only) and ours taking turns")
    parser.add_argument("--chunk", type=int, default=20, help="images per turn")
    parser.add_argument("--ratio-only", action="store_true", help="skip the rows measured once")
    parser.add_argument("--models-dir", type=Path, default=StudioSettings().models_dir,
                        help="model folder (default: the studio's, from STUDIO_DATA_DIR)")
    parser.add_argument("--session-threads", type=int, default=StudioSettings().whitebg_threads,
                        help="our ONNX Runtime sessions on this many threads each, 0 = every core "
                             "(default: STUDIO_WHITEBG_THREADS, what `studio whitebg` on a folder uses)")
    args = parser.parse_args()
    if not (args.data / "images").is_dir():
        raise SystemExit(f"no data set at {args.data}: pass --data DIR with images/ and masks/")
    store = ModelStore(args.models_dir, session_threads=args.session_threads)
    results, ratios, others, stages = [], {}, {}, {}
    for model in args.models.split(","):
        rows, ratios[model], others[model], stages[model] = run(
            args.data, model, store, args.preset, args.limit, args.rounds, args.chunk, args.ratio_only, args.models_dir)
        results += rows
    threads = f", our sessions on {args.session_threads} thread(s) each" if args.session_threads else ""
    print(f"\nwhite background on {args.data.name} ({results[0]['n']} images), preset {args.preset}, "
          f"{os.cpu_count()} CPU cores, {args.rounds} rounds in turns of {args.chunk} images{threads}\n")
    print("| model | pipeline | mean IoU ↑ | MAE ↓ | images/s ↑ |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['model']} | {r['pipeline']} | {r['iou']:.4f} | {r['mae']:.4f} | {r['ips']:.2f} |")
    print("\nspeed of the whole output through `studio whitebg` ÷ rembg's mask alone (≥ 1.00× is the target):\n")
    for model, pairs in ratios.items():
        rate = {r["pipeline"]: r["ips"] for r in results if r["model"] == model}
        share = "" if others[model] is None else f"; others' CPU {others[model]:.0%}"
        print(f"- {model}: {rate[OURS] / rate[REFERENCE]:.2f}× ({rate[OURS]:.2f} vs {rate[REFERENCE]:.2f} images/s; "
              f"median of {len(pairs)} turns {np.median(pairs):.2f}×, middle half {np.percentile(pairs, 25):.2f}–"
              f"{np.percentile(pairs, 75):.2f}×{share})")
    print("\nothers' CPU: the share of the machine's CPU time that other processes used while these were timed; more "
          "than a few % slows both pipelines, and the one running more threads at once the more.")
    print("\nper stage, one image at a time, the network on every core (ms per image):\n")
    print("| model | " + " | ".join(STAGES) + " | total | rembg mask only |")
    print("|---|" + "---|" * (len(STAGES) + 2))
    for model, ms in stages.items():
        print(f"| {model} | " + " | ".join(f"{ms[s]:.1f}" for s in STAGES)
              + f" | {ms['total']:.1f} | {ms['rembg mask only']:.1f} |")


if __name__ == "__main__":
    main()
