"""What the Banners tab draws in the web process: the template gallery's thumbnails and the live preview.

Both go through the renderer (pipelines.banners.render: pure PIL, no torch), so a preview is the banner the
job will make, only shown smaller. The copy table's rows become `BannerCopy` values with the rules and
messages of an uploaded CSV (pipelines.banners.copy), so a problem is named by row and column either way.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image

from pipelines.banners.copy import COLUMNS as COPY_COLUMNS
from pipelines.banners.copy import BannerCopy, copies_from_rows
from pipelines.banners.render import BannerRequest, render_banner
from pipelines.banners.sizes import SIZES, CanvasSize, resolve_size
from pipelines.banners.template import Template
from pipelines.errors import InvalidOptions, StudioError
from pipelines.typography import FontLibrary

log = logging.getLogger(__name__)

# a first render shows every slot filled; a merchant overwrites it in the table
SAMPLE_COPY = BannerCopy(language="en", headline="New season favourites", subline="Free shipping on orders over $50",
                         price="$29.99", badge="-20%", cta="Shop now")
THUMBNAIL_SIDE = 360  # the template gallery's square thumbnails (px)
PREVIEW_MAX_SIDE = 1200  # the live preview is rendered at full size, then shown at most this large
CACHED_THUMBNAILS = 100  # about 40 MB: the no-product set and the last few uploads' sets


# -- the copy table ---------------------------------------------------------------------------
def table_rows(copies: Sequence[BannerCopy]) -> list[list[str]]:
    return [[getattr(copy, column) for column in COPY_COLUMNS] for copy in copies]


def copies_from_table(rows) -> tuple[BannerCopy, ...]:
    """The table as the page sends it (rows of cells; numbers or None in cells are fine) -> validated copy,
    one per language, with the CSV's rules and messages (rows numbered as a spreadsheet: the header is row 1)."""
    if not rows or all(not any(str(cell or "").strip() for cell in row) for row in rows):
        raise InvalidOptions("the copy table is empty: add a row with a language (e.g. en) and a headline")
    return copies_from_rows([list(row)[:len(COPY_COLUMNS)] for row in rows], headers=COPY_COLUMNS)


# -- sizes ---------------------------------------------------------------------------------------
def size_label(size: CanvasSize) -> str:
    use = f" — {size.use}" if size.use else ""
    return f"{size.name} {size.width}×{size.height}{use}"


def custom_sizes(text: str) -> tuple[CanvasSize, ...]:
    """"1500x500, 600x400" -> sizes; a bad entry raises InvalidOptions naming it."""
    parts = [part.strip() for part in (text or "").replace(";", ",").replace("\n", ",").split(",")]
    return tuple(resolve_size(part) for part in parts if part)


def chosen_sizes(names: Sequence[str] | None, custom: str) -> tuple[CanvasSize, ...]:
    """The ticked named sizes then the typed ones, each once, in that order."""
    sizes = [SIZES[name] if name in SIZES else resolve_size(name) for name in names or []]
    sizes += custom_sizes(custom)
    seen, unique = set(), []
    for size in sizes:
        key = (size.width, size.height)
        if key not in seen:
            seen.add(key)
            unique.append(size)
    return tuple(unique)


# -- artwork: what the merchant uploaded, as images --------------------------------------------
@dataclass(frozen=True)
class Artwork:
    product: Image.Image | None = None  # RGBA cut-out
    logo: Image.Image | None = None
    photo: Image.Image | None = None  # background photo (templates with photo backgrounds, or an override)
    key: str = ""  # identifies the three inputs (for caching thumbnails)


def digest(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest()[:16] if data else "-"


# -- rendering ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Preview:
    image: Image.Image | None  # RGB, at most PREVIEW_MAX_SIDE on its long side; None when it could not be drawn
    notes: tuple[str, ...] = ()
    error: str | None = None


def render_preview(template: Template, size: CanvasSize, copy: BannerCopy | None, art: Artwork, *,
                   fonts: FontLibrary, harmonize: float = 0.0) -> Preview:
    """One banner at its real size (so text fits exactly as in the job), downscaled for the page.

    A problem of this banner (copy that does not fit, a background that needs a model) comes back as
    `error` rather than an exception: the page shows it next to the preview."""
    request = BannerRequest(template=template, width=size.width, height=size.height, copy=copy,
                            product=art.product, logo=art.logo, photo=art.photo, harmonize=harmonize, draft=True)
    try:
        banner = render_banner(request, fonts)
    except StudioError as exc:
        return Preview(None, error=str(exc))
    image = banner.image
    if max(image.size) > PREVIEW_MAX_SIDE:
        image = image.copy()
        image.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE), Image.Resampling.LANCZOS)
    return Preview(image, tuple(banner.notes))


def render_thumbnail(template: Template, art: Artwork, *, fonts: FontLibrary) -> Image.Image:
    """The template as a small square with the sample copy (and the merchant's product once there is one);
    a template whose copy cannot fit that small is shown without text rather than not at all."""
    square = CanvasSize("thumbnail", THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    preview = render_preview(template, square, SAMPLE_COPY, art, fonts=fonts)
    if preview.image is None:
        preview = render_preview(template, square, None, art, fonts=fonts)
    if preview.image is None:  # a template the web process cannot draw (e.g. its photo is missing): a plain tile
        log.warning("template %s: no thumbnail: %s", template.id, preview.error)
        return Image.new("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE), (236, 236, 240))
    return preview.image


@dataclass
class ThumbnailCache:
    """Thumbnails by (template id, artwork key): page loads and re-renders after an upload reuse them."""

    limit: int = CACHED_THUMBNAILS
    _items: OrderedDict = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, template: Template, art: Artwork, *, fonts: FontLibrary) -> Image.Image:
        key = (template.id, art.key)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        image = render_thumbnail(template, art, fonts=fonts)
        with self._lock:
            self._items[key] = image
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return image
