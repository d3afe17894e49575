"""Banner batch speed: 1 product × 6 sizes × 5 languages (template backgrounds), CPU.

    python bench/banners.py [--template clean-studio] [--repeat 3] [--photo PATH] [--no-peer]

ours  = the studio's renderer (pipelines.banners.render_set: fitted text per script, contrast fixes, the
        product's pixels kept), JPEG-encoded and zipped as the banners job does.
peer  = what HTML-template banner services do: the same canvas, background gradient, product and copy laid
        out with HTML/CSS and screenshotted by headless Chromium (Playwright), one page reused; CSS sizes are
        fixed (no fitting, no contrast check), so the peer does less work per banner than ours.
With --photo, the cut-out is made from that photo with u2netp first (the step a real batch starts with) and
its time is shown on its own row.
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# this folder holds queue.py, which would shadow the standard library's queue
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from pipelines.banners.copy import BannerCopy  # noqa: E402
from pipelines.banners.library import TemplateLibrary  # noqa: E402
from pipelines.banners.render import render_set  # noqa: E402
from pipelines.banners.sizes import resolve_sizes  # noqa: E402
from pipelines.typography import FontLibrary  # noqa: E402

SIZES = ("landscape", "square", "story", "hero", "portrait", "aliexpress-square")
COPIES = (
    BannerCopy("en", headline="Glow serum that works overnight", subline="Vitamin C + hyaluronic acid, 30 ml",
               price="$24.90", badge="-30% today", cta="Shop now"),
    BannerCopy("de", headline="Leuchtendes Serum für die Nacht", subline="Vitamin C + Hyaluronsäure, 30 ml",
               price="24,90 €", badge="-30 % heute", cta="Jetzt kaufen"),
    BannerCopy("ar", headline="سيروم النضارة يعمل طوال الليل", subline="فيتامين سي وحمض الهيالورونيك، 30 مل",
               price="٩٠ ر.س", badge="خصم 30%", cta="تسوق الآن"),
    BannerCopy("zh", headline="一夜焕亮精华，醒来就发光", subline="维生素C＋玻尿酸，30毫升", price="¥169",
               badge="今日七折", cta="立即购买"),
    BannerCopy("hi", headline="रात भर असर करने वाला ग्लो सीरम", subline="विटामिन सी + हयालूरोनिक एसिड, 30 मिली",
               price="₹1,499", badge="आज 30% छूट", cta="अभी खरीदें"),
)


def ours(template, product, sizes, fonts) -> tuple[float, int, int]:
    start = time.perf_counter()
    buffer = io.BytesIO()
    made = failed = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for item in render_set(template, product, COPIES, sizes, fonts=fonts):
            if item.banner is None:
                failed += 1
                continue
            encoded = io.BytesIO()
            item.banner.image.save(encoded, "JPEG", quality=92)
            archive.writestr(f"{item.size.name}/{template.id}-{item.size.name}-{item.language}.jpg", encoded.getvalue())
            made += 1
    return time.perf_counter() - start, made, failed


def peer_html(product_url: str, copy: BannerCopy, width: int, height: int) -> str:
    short = min(width, height)
    direction = "rtl" if copy.language in ("ar", "he") else "ltr"
    return f"""<!doctype html><html dir="{direction}" lang="{copy.language}"><head><meta charset="utf-8"><style>
body {{ margin: 0; }}
.c {{ width: {width}px; height: {height}px; position: relative; overflow: hidden;
      background: linear-gradient(160deg, #ECE7E0, #DCD4C9); font-family: sans-serif; color: #1F1D1B; }}
.t {{ position: absolute; inset: 6% 50% 6% 6%; display: flex; flex-direction: column; justify-content: center;
      gap: {short * 0.02:.0f}px; }}
.h {{ font-size: {short * 0.08:.0f}px; font-weight: 700; line-height: 1.1; }}
.s {{ font-size: {short * 0.032:.0f}px; color: #5E5850; }}
.p {{ font-size: {short * 0.06:.0f}px; color: #B4532A; font-weight: 700; }}
.b {{ align-self: flex-start; font-size: {short * 0.028:.0f}px; background: #1F1D1B; color: #fff;
      padding: 0.4em 1em; border-radius: 999px; }}
img {{ position: absolute; right: 4%; bottom: 4%; height: 88%; max-width: 46%; object-fit: contain; }}
</style></head><body><div class="c"><img src="{product_url}"><div class="t">
<div class="b">{copy.badge}</div><div class="h">{copy.headline}</div><div class="s">{copy.subline}</div>
<div class="p">{copy.price}</div><div class="b">{copy.cta}</div></div></div></body></html>"""


def peer(product, sizes) -> tuple[float, int]:
    from playwright.sync_api import sync_playwright

    encoded = io.BytesIO()
    product.save(encoded, "PNG")
    url = "data:image/png;base64," + base64.b64encode(encoded.getvalue()).decode()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.set_content(peer_html(url, COPIES[0], 400, 400))  # warm the page and the fonts
        page.screenshot(type="jpeg", quality=92)
        start = time.perf_counter()
        buffer = io.BytesIO()
        made = 0
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for size in sizes:
                page.set_viewport_size({"width": size.width, "height": size.height})
                for copy in COPIES:
                    page.set_content(peer_html(url, copy, size.width, size.height))
                    shot = page.screenshot(type="jpeg", quality=92)
                    archive.writestr(f"{size.name}-{copy.language}.jpg", shot)
                    made += 1
        elapsed = time.perf_counter() - start
        browser.close()
    return elapsed, made


def cut_out(photo: Path, models_dir: Path) -> tuple[Image.Image, float]:
    from pipelines.cutout.product import cut_out_product
    from pipelines.models import ModelStore

    store = ModelStore(models_dir)
    image = Image.open(photo).convert("RGB")
    cut_out_product(image, store=store, model="u2netp")  # loads the model
    start = time.perf_counter()
    cutout = cut_out_product(image, store=store, model="u2netp")
    return cutout, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", default="clean-studio")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--photo", type=Path, help="make the cut-out from this photo with u2netp first")
    parser.add_argument("--no-peer", action="store_true", help="skip the headless-Chromium peer")
    parser.add_argument("--models-dir", type=Path, default=None,
                        help="where u2netp is (or is fetched to); default: the studio's models folder")
    args = parser.parse_args()

    template = TemplateLibrary.load().get(args.template)
    sizes = resolve_sizes(SIZES)
    start = time.perf_counter()
    fonts = FontLibrary.default()
    load_fonts = time.perf_counter() - start
    product = Image.open(ROOT / "assets" / "templates" / "sample-product.png")
    cutout_s = None
    if args.photo:
        from studio.settings import StudioSettings

        product, cutout_s = cut_out(args.photo, args.models_dir or StudioSettings().models_dir)
    cold = ours(template, product, sizes, fonts)[0]  # first run: fonts opened, caches filled
    runs = [ours(template, product, sizes, fonts) for _ in range(args.repeat)]
    count = len(sizes) * len(COPIES)
    print(f"\n1 product × {len(sizes)} sizes ({', '.join(SIZES)}) × {len(COPIES)} languages "
          f"({', '.join(c.language for c in COPIES)}) = {count} banners, template {template.id}, "
          f"JPEG q92 in a zip; {args.repeat} runs after a warm-up\n")
    print("| pipeline | banners made | median wall | per banner | target |\n|---|---|---|---|---|")
    times = [run[0] for run in runs]
    made = runs[-1][1]
    print(f"| ours (Pillow + raqm, fitted text, contrast fixes) | {made}/{count} | {statistics.median(times):.2f} s "
          f"| {statistics.median(times) / count * 1e3:.0f} ms | ≤ 3 s |")
    if not args.no_peer:
        peer_runs = [peer(product, sizes) for _ in range(args.repeat)]
        peer_times = [run[0] for run in peer_runs]
        print(f"| peer: HTML/CSS in headless Chromium (fixed sizes) | {peer_runs[-1][1]}/{count} "
              f"| {statistics.median(peer_times):.2f} s | {statistics.median(peer_times) / count * 1e3:.0f} ms | – |")
    print(f"\nfirst run in a fresh process (fonts opened, cmaps read, caches filled): {cold:.2f} s; "
          f"creating the font library {load_fonts * 1e3:.0f} ms"
          + (f"; cut-out of {args.photo.name} with u2netp {cutout_s:.2f} s" if cutout_s is not None else ""))


if __name__ == "__main__":
    main()
