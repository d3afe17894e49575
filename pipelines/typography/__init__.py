"""Typography for banners: fonts per script, line breaking, fitting copy into a box, drawing it.

Pure Pillow (raqm layout: HarfBuzz shaping + fribidi) + fontTools; safe to import in the web process.

    fonts.py      FontLibrary: families of assets/fonts.json -> font files in installed packages, cmaps, faces
    scripts.py    languages (language_info) and scripts (script_of, char_script, upper_case)
    clusters.py   grapheme clusters nothing may split
    runs.py       a font per cluster, bidi directions, runs in visual order
    linebreak.py  break opportunities (spaces, ZWSP, CJK with kinsoku) and balanced breaks
    paragraph.py  a paragraph's clusters, units and their widths in em
    layout.py     lines set at one size: runs placed, ink, baselines
    fit.py        fit_text: the largest size that fits, or TextDoesNotFit
    draw.py       draw_text / text_mask
"""

from pipelines.typography.draw import draw_text, text_mask
from pipelines.typography.fit import FittedText, fit_text
from pipelines.typography.fonts import WEIGHTS, FontLibrary
from pipelines.typography.scripts import LANGUAGES, SCRIPTS, Language, language_info, script_of
from pipelines.typography.style import TextStyle

__all__ = [
    "LANGUAGES",
    "SCRIPTS",
    "WEIGHTS",
    "FittedText",
    "FontLibrary",
    "Language",
    "TextStyle",
    "draw_text",
    "fit_text",
    "language_info",
    "script_of",
    "text_mask",
]
