"""Whether an instruction names a colour or a material ('白色', 'vermelha', 'inox brossé', '민트'): said about an
object in the picture with no place, it asks to restyle that object (layout/nouns/colours.json).

    names_colour("muda a torradeira pra vermelha", "pt")   -> True
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from layout.vocab import normalise, read_json

INFLECTED = {"de", "es", "pt", "fr", "it", "ru"}  # entries are word starts: 'vermelh' for vermelho, vermelha, ...
SPACED = INFLECTED | {"en", "id", "vi"}  # words between spaces; the rest (zh, ja, ko) match anywhere


@lru_cache(maxsize=None)
def _words(lang: str) -> tuple[str, ...]:
    data = read_json(resources.files("layout") / "nouns" / "colours.json", "nouns/colours.json")
    return tuple(normalise(w) for w in data.get(lang, ()))


def names_colour(text: str, lang: str) -> bool:
    words = _words(lang)
    if not words:
        return False
    text = normalise(text)
    if lang not in SPACED:
        return any(w in text for w in words)
    tokens = text.replace(",", " ").replace(".", " ").split()
    padded = f" {' '.join(tokens)} "
    if lang in INFLECTED:
        return any(t.startswith(w) for t in tokens for w in words if " " not in w) or any(
            f" {w}" in padded for w in words if " " in w)
    return any(f" {w} " in padded for w in words)
