"""Compliance report: does the finished image meet its marketplace's rules? Measured on the final pixels."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipelines.cutout.compose import Patch
from pipelines.cutout.presets import Preset

JPEG_BLOCK = 8  # compression may touch pixels within one block of the product's edge


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    measured: str
    requirement: str


@dataclass(frozen=True)
class ComplianceReport:
    preset: str
    checks: tuple[Check, ...]
    notes: tuple[str, ...] = ()
    background_purity: float | None = None
    fill_ratio: float | None = None
    width: int = 0
    height: int = 0

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [f"{c.name}: {c.measured} (needs {c.requirement})" for c in self.checks if not c.passed]

    def summary(self) -> str:
        return "PASS" if self.passed else "FAIL — " + "; ".join(self.reasons)

    def as_dict(self) -> dict:
        return {
            "preset": self.preset,
            "passed": self.passed,
            "size": [self.width, self.height],
            "background_purity": self.background_purity,
            "fill_ratio": self.fill_ratio,
            "checks": [c.__dict__ for c in self.checks],
            "reasons": self.reasons,
            "notes": list(self.notes),
        }


def _purity(pixels: np.ndarray, footprint: Patch, background: tuple[int, int, int]) -> float | None:
    """Share of background pixels (away from the product and its shadow) that are exactly the colour.

    footprint: the part of the image where something was drawn (nonzero; the rest is background; a whole
    mask is Patch(mask, 0, 0)); its neighbourhood is worked out only there. Every pixel is still read."""
    height, width = pixels.shape[:2]
    fh, fw = footprint.values.shape[:2]
    x0, y0 = max(0, footprint.x - JPEG_BLOCK), max(0, footprint.y - JPEG_BLOCK)
    x1, y1 = min(width, footprint.x + fw + JPEG_BLOCK), min(height, footprint.y + fh + JPEG_BLOCK)
    drawn = np.zeros((max(0, y1 - y0), max(0, x1 - x0)), np.uint8)
    inside = footprint.values[max(0, y0 - footprint.y) : y1 - footprint.y, max(0, x0 - footprint.x) : x1 - footprint.x]
    top, left = max(0, footprint.y - y0), max(0, footprint.x - x0)
    drawn[top : top + inside.shape[0], left : left + inside.shape[1]] = inside != 0
    side = 2 * JPEG_BLOCK + 1
    near = cv2.dilate(drawn, np.ones((side, side), np.uint8)) if drawn.size else drawn
    total = height * width - cv2.countNonZero(near) if near.size else height * width
    if total == 0:
        return None
    colour = np.asarray(background, np.uint8)
    exact = cv2.inRange(np.ascontiguousarray(pixels[..., :3]), colour, colour)
    count = cv2.countNonZero(exact)
    if near.size:
        count -= cv2.countNonZero(cv2.bitwise_and(exact[y0:y1, x0:x1], near))
    return count / total


def check_compliance(
    pixels: np.ndarray,
    footprint: Patch,
    preset: Preset,
    product_box: tuple[int, int, int, int] | None,
    encoded_bytes: int,
    notes: tuple[str, ...] = (),
) -> ComplianceReport:
    """pixels: the final image as encoded (pure 8×8 blocks stay pure in our JPEGs, see white_background);
    footprint: where the product (+ shadow) was drawn (see _purity)."""
    height, width = pixels.shape[:2]
    checks: list[Check] = []
    fill = purity = None
    if product_box is None:
        checks.append(Check("product", False, "no product found", "a product in the picture (draw a box around it)"))
    else:
        x0, y0, x1, y1 = product_box
        fill = max((x1 - x0) / width, (y1 - y0) / height)
        if preset.min_fill is not None:
            checks.append(Check("fill ratio", fill >= preset.min_fill, f"{fill:.0%}", f"≥ {preset.min_fill:.0%}"))
        else:
            checks.append(Check("fill ratio", True, f"{fill:.0%}", "any"))
    if preset.background is not None:
        purity = _purity(pixels, footprint, preset.background)
        shown = "n/a" if purity is None else f"{purity:.2%} pure white"
        if preset.pure_background:
            ok = purity is not None and purity >= 0.9999
            checks.append(Check("background", ok, shown, "RGB 255,255,255 everywhere outside the product"))
        else:
            checks.append(Check("background", True, shown, "white or plain"))
    else:
        transparent = pixels.shape[-1] == 4 and bool((pixels[..., 3] == 0).any())
        checks.append(Check("transparency", transparent, "yes" if transparent else "no", "a transparent background"))
    checks.append(_size_check(width, height, preset))
    if preset.square:
        checks.append(Check("square", width == height, f"{width}×{height}", "width = height"))
    if preset.max_bytes is not None:
        mb = preset.max_bytes / (1024 * 1024)
        checks.append(Check("file size", encoded_bytes <= preset.max_bytes, f"{encoded_bytes / 1e6:.1f} MB", f"≤ {mb:.0f} MB"))
    return ComplianceReport(preset.name, tuple(checks), notes, purity, fill, width, height)


def _size_check(width: int, height: int, preset: Preset) -> Check:
    rules, ok = [], True
    if preset.min_side is not None:
        rules.append(f"each side ≥ {preset.min_side} px")
        ok &= min(width, height) >= preset.min_side
    if preset.min_longest_side is not None:
        rules.append(f"longest side ≥ {preset.min_longest_side} px")
        ok &= max(width, height) >= preset.min_longest_side
    if preset.max_side is not None:
        rules.append(f"each side ≤ {preset.max_side} px")
        ok &= max(width, height) <= preset.max_side
    return Check("size", bool(ok), f"{width}×{height}", ", ".join(rules) or "any")
