"""White-background quality and speed: our pipeline vs plain `rembg.remove` with the same model, one run.

    python bench/whitebg.py [--data ../shared/data/ecssd-dev] [--models u2netp,u2net] [--preset amazon]

Quality: mean IoU (threshold 0.5) and MAE of the product mask against the ground-truth masks.
Speed: images per second over the whole set for rembg's mask alone (`remove(..., only_mask=True)`), for
rembg's own white cut-out (`bgcolor=white`, input size, no framing; its masks are the mask-only ones), for our
whole output (segmentation, matte, decontamination, framing on the preset's canvas, JPEG/PNG encoding,
compliance check) as a batch and one image at a time, and for our mask alone.
Models come from the project's model store (fetched on first use); rembg reads the same files.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines import ModelStore, WhiteBackgroundOptions, make_white_background  # noqa: E402
from pipelines.cutout.white_background import make_product_mask, make_white_backgrounds  # noqa: E402
from pipelines.image_input import load_image  # noqa: E402
from studio.settings import StudioSettings  # noqa: E402


def score(mask: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    alpha = mask.astype(np.float32) / 255.0
    predicted = alpha >= 0.5
    union = (predicted | truth).sum()
    iou = (predicted & truth).sum() / union if union else 1.0
    return float(iou), float(np.abs(alpha - truth).mean())


def run(data: Path, model: str, store: ModelStore, preset: str, limit: int | None) -> list[dict]:
    path = store.pull(model, progress=lambda d, t, m: None)
    os.environ["U2NET_HOME"] = str(path.parent)  # rembg finds the very same file there
    from rembg import new_session, remove

    theirs = new_session(model)
    ours = store.session(model)
    images = sorted((data / "images").glob("*.jpg"))[:limit]
    options = WhiteBackgroundOptions(preset=preset, model=model)
    warm = load_image(images[0].read_bytes()).image
    remove(warm, session=theirs, only_mask=True)
    make_white_background(warm, options, store=store)
    loaded = [(load_image(f.read_bytes()).image, np.asarray(Image.open(data / "masks" / f"{f.stem}.png").convert("L")) > 127)
              for f in images]
    rows = {}
    start = time.perf_counter()
    masks = [np.asarray(remove(image, session=theirs, only_mask=True)) for image, _ in loaded]
    rows["rembg.remove (mask only)"] = (masks, time.perf_counter() - start)
    start = time.perf_counter()
    cutouts = [remove(image, session=theirs, bgcolor=(255, 255, 255, 255)) for image, _ in loaded]
    rows["rembg.remove (white cut-out, input size)"] = (masks, time.perf_counter() - start)
    del cutouts
    start = time.perf_counter()
    results = list(make_white_backgrounds(((image, options) for image, _ in loaded), store=store))
    rows["ours (full output, batch)"] = ([np.asarray(r.mask) for r in results], time.perf_counter() - start)
    start = time.perf_counter()
    results = [make_white_background(image, options, store=store) for image, _ in loaded]
    rows["ours (full output, one by one)"] = ([np.asarray(r.mask) for r in results], time.perf_counter() - start)
    start = time.perf_counter()
    masks = [np.asarray(make_product_mask(image, options, store=store)) for image, _ in loaded]
    rows["ours (mask only)"] = (masks, time.perf_counter() - start)
    del ours
    out = []
    for name, (masks, seconds) in rows.items():
        scores = [score(mask, truth) for mask, (_, truth) in zip(masks, loaded)]
        out.append({"model": model, "pipeline": name, "iou": np.mean([s[0] for s in scores]),
                    "mae": np.mean([s[1] for s in scores]), "ips": len(masks) / seconds, "n": len(masks)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/ecssd-dev")
    parser.add_argument("--models", default="u2netp,u2net")
    parser.add_argument("--preset", default="amazon")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--models-dir", type=Path, default=StudioSettings().models_dir,
                        help="model folder (default: the studio's, from STUDIO_DATA_DIR)")
    args = parser.parse_args()
    if not (args.data / "images").is_dir():
        raise SystemExit(f"no data set at {args.data}: pass --data DIR with images/ and masks/")
    store = ModelStore(args.models_dir)
    results = [row for model in args.models.split(",") for row in run(args.data, model, store, args.preset, args.limit)]
    print(f"\nwhite background on {args.data.name} ({results[0]['n']} images), preset {args.preset}, "
          f"{os.cpu_count()} CPU cores\n")
    print("| model | pipeline | mean IoU ↑ | MAE ↓ | images/s ↑ |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['model']} | {r['pipeline']} | {r['iou']:.4f} | {r['mae']:.4f} | {r['ips']:.2f} |")


if __name__ == "__main__":
    main()
