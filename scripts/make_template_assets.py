"""Makes the built-in templates' pictures, which this project draws itself (no third-party images):
assets/templates/backgrounds/linen.jpg (a linen texture in warm side light, for the natural-linen template) and
assets/templates/sample-product.png (a skincare bottle cut-out, for template thumbnails and previews).

    python scripts/make_template_assets.py
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def linen() -> None:
    rng = np.random.default_rng(20261121)
    W, H = 2400, 1600
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    # threads: irregular thickness per row/column, slubs along the threads
    rows = rng.normal(0, 1, H).astype(np.float32); cols = rng.normal(0, 1, W).astype(np.float32)
    rows = np.convolve(rows, np.ones(3) / 3, "same"); cols = np.convolve(cols, np.ones(3) / 3, "same")
    period = 5.0
    weft = np.sin(2 * np.pi * y / period + rows[:, None] * 0.6) * 0.5 + 0.5
    warp = np.sin(2 * np.pi * x / period + cols[None, :] * 0.6) * 0.5 + 0.5
    checker = ((np.floor(x / period) + np.floor(y / period)) % 2).astype(np.float32)
    weave = checker * weft + (1 - checker) * warp
    slub_r = np.repeat(rng.normal(0, 1, (H, W // 40 + 1)), 40, axis=1)[:, :W]
    slub_r = np.asarray(Image.fromarray(((slub_r - slub_r.min()) / np.ptp(slub_r) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(6))) / 255.0
    fine = rng.normal(0, 1, (H, W)).astype(np.float32)
    tex = 0.55 + 0.18 * weave + 0.10 * (slub_r - 0.5) + 0.04 * fine
    # soft folds: low-frequency shading
    fold = np.zeros((H, W), np.float32)
    for _ in range(5):
        a, ph, f = rng.uniform(0, np.pi), rng.uniform(0, 6.28), rng.uniform(0.6, 1.6)
        fold += np.sin((x * np.cos(a) + y * np.sin(a)) / W * 2 * np.pi * f + ph)
    fold = fold / 5
    light = 0.86 + 0.18 * (1 - x / W) * (1 - 0.3 * y / H) + 0.05 * fold
    v = np.clip(tex * light, 0, 1.2)
    base = np.array([242, 228, 204], np.float32) / 255.0
    rgb = np.clip(v[..., None] * base[None, None, :] * 1.16, 0, 1)
    img = Image.fromarray((rgb * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    img.save("assets/templates/backgrounds/linen.jpg", quality=86, optimize=True)



def sample_product() -> None:
    S = 4  # supersample
    W, H = 520, 1000
    w, h = W * S, H * S
    alpha = Image.new("L", (w, h), 0); d = ImageDraw.Draw(alpha)
    # body: rounded rectangle; shoulder; neck; cap
    body = (60 * S, 330 * S, 460 * S, 990 * S)
    d.rounded_rectangle(body, radius=70 * S, fill=255)
    d.rounded_rectangle((150 * S, 250 * S, 370 * S, 380 * S), radius=40 * S, fill=255)  # shoulder
    d.rectangle((195 * S, 170 * S, 325 * S, 260 * S), fill=255)  # neck
    d.rounded_rectangle((170 * S, 10 * S, 350 * S, 185 * S), radius=22 * S, fill=255)  # cap
    a = np.asarray(alpha.resize((W, H), Image.Resampling.LANCZOS)).astype(np.float32) / 255
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    # cylinder shading across x for the body, highlight stripe
    cx = (x - 260) / 200.0
    shade = np.clip(1 - 0.55 * cx ** 2, 0.25, 1)
    high = np.exp(-((x - 175) / 18.0) ** 2) * 0.35 + np.exp(-((x - 400) / 10.0) ** 2) * 0.12
    body_col = np.array([214, 152, 128], np.float32)  # terracotta glass
    rgb = body_col[None, None] * shade[..., None] + 255 * high[..., None]
    cap_zone = y < 186
    neck_zone = (y >= 186) & (y < 262)
    cap_col = np.array([40, 38, 36], np.float32)
    cshade = np.clip(1 - 0.5 * ((x - 260) / 90.0) ** 2, 0.3, 1)
    rgb[cap_zone] = (cap_col[None] * cshade[cap_zone][:, None] + 255 * (np.exp(-((x[cap_zone] - 215) / 10.0) ** 2) * 0.25)[:, None])
    rgb[neck_zone] = np.array([190, 186, 180], np.float32)[None] * cshade[neck_zone][:, None]
    img = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    # label
    lab = Image.new("RGBA", (W, H), (0, 0, 0, 0)); ld = ImageDraw.Draw(lab)
    ld.rounded_rectangle((110, 560, 410, 830), radius=12, fill=(246, 240, 230, 235))
    ld.line((150, 640, 370, 640), fill=(60, 50, 45, 255), width=3)
    ld.line((170, 760, 350, 760), fill=(120, 100, 90, 255), width=2)
    ld.line((190, 785, 330, 785), fill=(120, 100, 90, 255), width=2)
    img = img.convert("RGBA"); img.alpha_composite(lab)
    out = np.asarray(img).copy(); out[..., 3] = (a * 255).astype(np.uint8)
    Image.fromarray(out, "RGBA").save("assets/templates/sample-product.png", optimize=True)



if __name__ == "__main__":
    linen()
    sample_product()
