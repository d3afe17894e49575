"""Generated banner backgrounds: a scene painted by the inpainting model around the product, per size.

    scenes = generate_backgrounds(template, cutout, sizes, editor, InpaintParams(prompt="on a marble table"), step)
    render_set(template, cutout, copies, sizes, fonts=fonts, backgrounds=scenes)

For each canvas size the product is placed where the template's layout puts it (no text yet) on a plain
backdrop in the template's colours; everything but the product is then regenerated with the template's style
prompt and the user's words. The inpainting keeps every pixel outside its mask exactly, so the product's
own pixels are untouched. The ControlNet (inpaint condition) sees the product and the backdrop, so the scene
is built around the layout; the text areas come out calm because the backdrop there is plain and the
prompt asks for negative space. Imports torch through pipelines.editing.inpaint: workers only, never the web tier.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

import numpy as np
from PIL import Image

from pipelines.banners.copy import BannerCopy
from pipelines.banners.render import BannerRequest, render_banner, scene_key
from pipelines.banners.sizes import CanvasSize
from pipelines.banners.template import GeneratedBackground, Template
from pipelines.errors import InvalidOptions
from pipelines.editing.inpaint import InpaintParams, inpaint
from pipelines.typography import FontLibrary, language_info

Step = Callable[[int, int, str], None]
LAYOUT_WORDS = "product photography backdrop, generous empty space for text, soft even light, no text"


def scene_prompt(template: Template, words: str) -> str:
    """The template's look (its generated background's prompt, else its style prompt) and the user's words."""
    own = template.background.prompt if isinstance(template.background, GeneratedBackground) else ""
    parts = [words.strip(), own.strip() or template.style_prompt.strip(), LAYOUT_WORDS]
    return ", ".join(part for part in parts if part)


def generate_backgrounds(template: Template, product: Image.Image | None, sizes: Sequence[CanvasSize], editor,
                         params: InpaintParams, step: Step, *, fonts: FontLibrary,
                         copies: Sequence[BannerCopy] | None) -> dict[str, Image.Image]:
    """One generated scene per size and reading direction, keyed as `render_set` looks them up
    (`scene_key`): the product sits where that size's layout (mirrored for right-to-left copy) puts it,
    or in the middle for marketing images (copies None)."""
    if product is None:
        raise InvalidOptions("a generated background is painted around the product: upload a product photo")
    params = replace(params, prompt=scene_prompt(template, params.prompt))
    drafts = _draft_copies(template, copies)
    work = [(size, draft) for size in sizes for draft in drafts]
    scenes: dict[str, Image.Image] = {}
    for index, (size, copy) in enumerate(work):
        request = BannerRequest(template, size.width, size.height, copy, product, draft=True)
        draft = render_banner(request, fonts)
        keep = np.asarray(draft.product_mask) == 255
        mask = Image.fromarray(np.where(keep, 0, 255).astype(np.uint8), "L")

        def sub_step(done: int, total: int, message: str, index=index, name=size.name) -> None:
            step(index * total + done, total * len(work), f"background for {name}: {message}")

        mirrored = copy is not None and template.mirror_for(language_info(copy.language).direction)
        scenes[scene_key(size, mirrored)] = inpaint(editor, draft.image, mask, params, sub_step)
    return scenes


def _draft_copies(template: Template, copies: Sequence[BannerCopy] | None) -> list[BannerCopy | None]:
    """No text, one per reading direction the copies need (a mirrored layout puts the product elsewhere)."""
    if copies is None:
        return [None]
    drafts: dict[bool, BannerCopy] = {}
    for copy in copies:
        mirrored = template.mirror_for(language_info(copy.language).direction)
        drafts.setdefault(mirrored, BannerCopy(language=copy.language))
    return list(drafts.values())
