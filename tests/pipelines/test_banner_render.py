"""Banners rendered from the built-in templates: what a merchant would notice in the finished pictures.

Golden renders: tests/data/golden/*.png, compared with a tolerance (fonts and Pillow are pinned, so a
large difference means the look changed). After an intended change: UPDATE_GOLDEN=1 pytest this file,
then look at the new files before committing them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.banners.copy import BannerCopy
from pipelines.banners.library import TemplateLibrary
from pipelines.banners.render import BannerRequest, render_banner, render_set, scene_key
from pipelines.banners.sizes import CanvasSize, resolve_sizes
from pipelines.banners.template import load_template
from pipelines.banners.contrast import contrast_ratio
from pipelines.errors import InvalidOptions

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
COLOURS = [(200, 30, 40), (30, 160, 60), (40, 60, 200), (240, 200, 20)]

COPIES = {
    "en": BannerCopy("en", headline="Glow serum that works overnight", subline="Vitamin C + hyaluronic acid, 30 ml",
                     price="$24.90", badge="-30% today", cta="Shop now"),
    "ru": BannerCopy("ru", headline="Сияющая сыворотка на ночь", subline="Витамин C и гиалуроновая кислота",
                     price="1 990 ₽", badge="−30% сегодня", cta="Купить"),
    "ar": BannerCopy("ar", headline="سيروم النضارة يعمل طوال الليل", subline="فيتامين سي وحمض الهيالورونيك",
                     price="٩٠ ر.س", badge="خصم 30%", cta="تسوق الآن"),
    "he": BannerCopy("he", headline="סרום זוהר שעובד כל הלילה", subline="ויטמין C וחומצה היאלורונית",
                     price="₪89", badge="30% הנחה", cta="לקנייה"),
    "zh": BannerCopy("zh", headline="一夜焕亮精华，醒来就发光", subline="维生素C＋玻尿酸，30毫升", price="¥169",
                     badge="今日七折", cta="立即购买"),
    "ja": BannerCopy("ja", headline="ひと晩で輝く美容液", subline="ビタミンC＋ヒアルロン酸", price="¥2,980",
                     badge="本日30%オフ", cta="今すぐ購入"),
    "hi": BannerCopy("hi", headline="रात भर असर करने वाला ग्लो सीरम", subline="विटामिन सी + हयालूरोनिक एसिड",
                     price="₹1,499", badge="आज 30% छूट", cta="अभी खरीदें"),
    "th": BannerCopy("th", headline="เซรั่มผิวใส ทำงานข้ามคืน", subline="วิตามินซี + ไฮยาลูรอนิก 30 มล.",
                     price="฿590", badge="ลด 30%", cta="ซื้อเลย"),
}
ONE_PER_CLASS = ("landscape", "square", "story", "hero")


@pytest.fixture(scope="module")
def library() -> TemplateLibrary:
    return TemplateLibrary.load()


@pytest.fixture(scope="module")
def fonts():
    from pipelines.typography import FontLibrary

    return FontLibrary.default()


def quadrant_product(width: int = 300, height: int = 420) -> Image.Image:
    """A product of four flat colour blocks with a transparent margin: after any resize, the inside of each
    block keeps its exact colour, so anything drawn over the product shows up as a foreign colour."""
    pixels = np.zeros((height, width, 4), np.uint8)
    top, left = 20, 20
    for index, colour in enumerate(COLOURS):
        row, col = divmod(index, 2)
        y0, x0 = top + row * (height - 40) // 2, left + col * (width - 40) // 2
        pixels[y0:y0 + (height - 40) // 2, x0:x0 + (width - 40) // 2] = (*colour, 255)
    return Image.fromarray(pixels, "RGBA")


def product_pixels_are_the_products(banner) -> tuple[int, float]:
    """(pixels checked, share of them that are not one of the product's colours) inside the product,
    3 px away from its edges and block seams."""
    import cv2

    def grow(region, px):
        return cv2.dilate(region.astype(np.uint8), np.ones((2 * px + 1, 2 * px + 1), np.uint8)) > 0

    box = banner.boxes.get("product") or (0, 0, *banner.image.size)
    mask = np.asarray(banner.product_mask.crop(box)) == 255
    inner = ~grow(~mask, 4)
    image = np.asarray(banner.image.crop(box)).astype(int)
    exact = [np.all(np.abs(image - colour) <= 60, axis=2) for colour in COLOURS]  # roughly that block's colour
    reach = [grow(block, 10) for block in exact]
    seams = np.sum(reach, axis=0) > 1  # resampling mixes neighbouring blocks near their seam
    checked = inner & ~seams
    foreign = checked & ~np.any([np.all(image == colour, axis=2) for colour in COLOURS], axis=0)
    return int(checked.sum()), float(foreign.sum() / max(1, checked.sum()))


def test_there_are_at_least_eight_built_in_templates_with_every_background_kind(library):
    templates = library.all()
    assert len(templates) >= 8
    kinds = {template.background.type for template in templates}
    assert {"solid", "gradient", "pattern", "photo", "generated"} <= kinds


@pytest.mark.parametrize("language", ["en", "ar", "zh", "hi"])
def test_every_template_makes_every_canvas_shape(library, fonts, language):
    """Each built-in template × one size per layout class × a language of a different script: every
    banner is made, the product is there with its own pixels, and every text stays on the canvas."""
    sizes = resolve_sizes(ONE_PER_CLASS)
    product = quadrant_product()
    for template in library.all():
        for item in render_set(template, product, [COPIES[language]], sizes, fonts=fonts, draft=True):
            where = f"{template.id} {item.size.name} {language}"
            assert item.error is None, f"{where}: {item.error}"
            banner = item.banner
            assert banner.image.size == (item.size.width, item.size.height), where
            checked, foreign = product_pixels_are_the_products(banner)
            assert checked > 2000, f"{where}: the product is missing or tiny"
            assert foreign == 0.0, f"{where}: {foreign:.1%} of the product's pixels were changed"
            for slot in ("headline", "price", "cta"):
                x0, y0, x1, y1 = banner.boxes[slot]
                assert 0 <= x0 < x1 <= item.size.width and 0 <= y0 < y1 <= item.size.height, f"{where} {slot}"
            assert not any("overlapping the product" in note for note in banner.notes), f"{where}: {banner.notes}"


def test_right_to_left_copy_mirrors_the_layout(library, fonts):
    template = library.get("clean-studio")
    product = quadrant_product()
    english = render_banner(BannerRequest(template, 1200, 628, COPIES["en"], product), fonts)
    arabic = render_banner(BannerRequest(template, 1200, 628, COPIES["ar"], product), fonts)
    assert english.boxes["product"][0] > 600 > arabic.boxes["product"][2] - 100
    assert english.boxes["headline"][0] < 300 and arabic.boxes["headline"][2] > 900
    # Arabic lines start at the right: the headline's ink touches its box's right edge
    x0, y0, x1, y1 = arabic.boxes["headline"]
    ink = np.asarray(arabic.image.convert("L").crop((x0, y0, x1, y1))).astype(int)
    background = np.median(ink[:, -3:])
    columns = np.nonzero(np.abs(ink - np.asarray(
        render_banner(BannerRequest(template, 1200, 628, BannerCopy("ar"), product), fonts)
        .image.convert("L").crop((x0, y0, x1, y1))).astype(int)).max(axis=0) > 60)[0]
    assert columns.size and columns.max() > (x1 - x0) - 12, (background, columns.max(), x1 - x0)


def test_a_headline_too_long_for_one_size_fails_only_that_banner(library, fonts):
    template = library.get("bold-sale")
    long = BannerCopy("en", headline=" ".join(["Incredible"] * 40), price="$9")
    short = BannerCopy("de", headline="Sommer-Sale", price="9 €")
    items = list(render_set(template, quadrant_product(), [long, short], resolve_sizes(["hero", "square"]),
                            fonts=fonts))
    assert [(item.size.name, item.language, item.error is None) for item in items] == [
        ("hero", "en", False), ("hero", "de", True), ("square", "en", False), ("square", "de", True)]
    assert "headline" in items[0].error and "shorten" in items[0].error


def test_text_that_would_be_unreadable_is_recoloured(fonts):
    template = load_template({
        "format": 1, "id": "pale", "name": "Pale", "palette": {"paper": "#FFFFFF", "pale": "#F1F1F1"},
        "fonts": {"body": {"family": "sans", "weight": "Bold"}}, "background": {"type": "solid", "color": "paper"},
        "layouts": {name: {"stacks": [{"box": [0, 0, 1, 1], "items": [
            {"slot": "headline", "font": "body", "size": [0.05, 0.12], "color": "pale"}]}]}
            for name in ("wide", "landscape", "square", "portrait")},
    })
    banner = render_banner(BannerRequest(template, 800, 800, BannerCopy("en", headline="Readable at last"), None), fonts)
    pixels = np.asarray(banner.image).reshape(-1, 3)
    darkest = pixels[np.argmin(pixels.sum(axis=1))]
    assert contrast_ratio(tuple(int(v) for v in darkest), (255, 255, 255)) >= 4.5
    assert any("contrast" in note for note in banner.notes), banner.notes


def test_a_marketing_image_has_no_text_and_can_be_harmonised(library, fonts):
    template = library.get("festive-red")
    product = quadrant_product()
    plain = render_banner(BannerRequest(template, 1080, 1080, None, product), fonts)
    assert set(plain.boxes) == {"product"}
    x0, _, x1, _ = plain.boxes["product"]
    assert abs((x0 + x1) / 2 - 540) < 20  # centred
    assert product_pixels_are_the_products(plain)[1] == 0.0
    warm = render_banner(BannerRequest(template, 1080, 1080, None, product, harmonize=0.8), fonts)
    assert product_pixels_are_the_products(warm)[1] > 0.5  # its colours moved toward the red scene
    assert any("harmonise" in note for note in warm.notes)


def test_a_generated_background_needs_a_worker_except_in_previews(library, fonts):
    template = library.get("ai-scene")
    request = BannerRequest(template, 600, 600, COPIES["en"], quadrant_product())
    with pytest.raises(InvalidOptions, match="generated background"):
        render_banner(request, fonts)
    draft = render_banner(BannerRequest(template, 600, 600, COPIES["en"], quadrant_product(), draft=True), fonts)
    assert any("preview" in note for note in draft.notes)


def test_generated_backgrounds_keep_the_product_exact(library, fonts, tiny_store):
    from pipelines.banners.generated import generate_backgrounds
    from pipelines.editing.inpaint import InpaintParams

    template = library.get("ai-scene")
    product = quadrant_product()
    sizes = [CanvasSize("small", 256, 256)]
    copies = [BannerCopy("en", headline="Glow serum"), BannerCopy("ar", headline="سيروم النضارة")]
    steps = []
    editor = tiny_store.editor("tiny", control="inpaint")
    scenes = generate_backgrounds(template, product, sizes, editor,
                                  InpaintParams(prompt="on a marble table", num_inference_steps=2, seed=3),
                                  lambda done, total, message: steps.append(message), fonts=fonts,
                                  copies=copies)
    assert set(scenes) == {scene_key(sizes[0], False), scene_key(sizes[0], True)}
    assert steps and all("background for small" in message for message in steps)
    items = list(render_set(template, product, copies, sizes, fonts=fonts, backgrounds=scenes))
    for item in items:
        assert item.error is None, item.error
        draft = render_banner(BannerRequest(template, 256, 256, BannerCopy(item.language), product, draft=True), fonts)
        keep = np.asarray(item.banner.product_mask) == 255
        assert keep.sum() > 1000
        assert (np.asarray(item.banner.image)[keep] == np.asarray(draft.image)[keep]).all()
        assert (np.asarray(item.banner.image)[~keep] != np.asarray(draft.image)[~keep]).any(axis=1).mean() > 0.5


def test_the_merchants_photo_replaces_any_templates_background(library, fonts):
    photo = Image.new("RGB", (900, 600), (20, 90, 60))
    banner = render_banner(BannerRequest(library.get("bold-sale"), 1200, 628, COPIES["en"], quadrant_product(),
                                         photo=photo), fonts)
    assert banner.image.getpixel((1197, 2)) == (20, 90, 60)  # a corner no decoration or text reaches
    assert any("your photo" in note for note in banner.notes)


def test_the_logo_lands_in_its_place(library, fonts):
    logo = Image.new("RGBA", (400, 100), (10, 120, 200, 255))
    template = library.get("minimal-white")
    banner = render_banner(BannerRequest(template, 1200, 628, COPIES["en"], quadrant_product(), logo=logo), fonts)
    x0, y0, x1, y1 = banner.boxes["logo"]
    assert 0 <= x0 < x1 <= 1200 and 0 <= y0 < y1 <= 628
    assert (x1 - x0) / (y1 - y0) == pytest.approx(4, rel=0.05)
    patch = np.asarray(banner.image)[y0 + 2:y1 - 2, x0 + 2:x1 - 2]
    assert (np.abs(patch.astype(int) - (10, 120, 200)).max(axis=2) < 3).mean() > 0.95


GOLDENS = [
    ("clean-studio", 600, 314, "en"),
    ("bold-sale", 540, 540, "ar"),
    ("luxury-serif", 360, 640, "zh"),
    ("fresh-pastel", 960, 300, "hi"),
]


@pytest.mark.parametrize("template_id,width,height,language", GOLDENS)
def test_golden_renders(library, fonts, template_id, width, height, language):
    product = Image.open(Path(__file__).resolve().parents[2] / "assets" / "templates" / "sample-product.png")
    banner = render_banner(BannerRequest(library.get(template_id), width, height, COPIES[language], product), fonts)
    path = GOLDEN / f"{template_id}-{width}x{height}-{language}.png"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        banner.image.save(path)
    expected = np.asarray(Image.open(path).convert("RGB")).astype(int)
    actual = np.asarray(banner.image).astype(int)
    difference = np.abs(actual - expected).max(axis=2)
    assert difference.mean() < 1.0, f"{path.name}: mean difference {difference.mean():.2f}"
    assert (difference > 48).mean() < 0.003, f"{path.name}: {(difference > 48).mean():.2%} of the pixels changed"
