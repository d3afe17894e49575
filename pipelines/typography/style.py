"""How a piece of copy is set: family, weight, case, leading and letter spacing."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.errors import InvalidOptions
from pipelines.typography.fonts import WEIGHTS

CASES = ("none", "upper")

# Leading a script needs so that stacked marks of one line do not touch the next (multiples of the size);
# a smaller line_height is raised to it for copy in that script.
MIN_LINE_HEIGHT = {"arabic": 1.4, "thai": 1.4, "devanagari": 1.35}


@dataclass(frozen=True)
class TextStyle:
    family: str = "sans"            # a family in assets/fonts.json: sans, display, serif, condensed
    weight: str = "Regular"         # named instance: Thin ExtraLight Light Regular Medium SemiBold Bold ExtraBold Black
    case: str = "none"              # none | upper (upper is not applied to scripts without case)
    line_height: float = 1.15       # multiple of the font size
    tracking: float = 0.0           # extra letter spacing in em (Latin/Cyrillic/Greek only; 0 elsewhere)

    def __post_init__(self) -> None:
        if self.weight not in WEIGHTS:
            raise InvalidOptions(f"font weight {self.weight!r} is not known; weights: {', '.join(WEIGHTS)}")
        if self.case not in CASES:
            raise InvalidOptions(f"case {self.case!r} is not known; cases: {', '.join(CASES)}")
        if not 0.6 <= float(self.line_height) <= 3.0:
            raise InvalidOptions(f"line_height {self.line_height!r} is outside 0.6..3.0 (a multiple of the size)")
        if not -0.2 <= float(self.tracking) <= 1.0:
            raise InvalidOptions(f"tracking {self.tracking!r} is outside -0.2..1.0 (em)")

    def line_pitch(self, script: str) -> float:
        """Distance between baselines in em for copy in `script`."""
        return max(float(self.line_height), MIN_LINE_HEIGHT.get(script, 0.0))
