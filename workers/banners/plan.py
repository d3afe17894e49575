"""A banner set's plan: its checked template, canvas sizes and copies, and which workers can make it."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines import REGISTRY
from pipelines.banners.copy import BannerCopy
from pipelines.banners.sizes import CanvasSize
from pipelines.banners.template import Template
from workers.edit import FAMILY as GENERATIVE_FAMILY


@dataclass(frozen=True)
class BannerPlan:
    template: Template
    sizes: tuple[CanvasSize, ...]
    copies: tuple[BannerCopy, ...] | None  # None: marketing images

    @property
    def generated(self) -> bool:
        return self.template.background.type == "generated"

    @property
    def count(self) -> int:
        return len(self.sizes) * (len(self.copies) if self.copies is not None else 1)

    def family(self, model: str, photo: bool = False) -> str:
        """The workers that can make this set: a generative editor's for generated backgrounds (unless the
        merchant's own photo replaces the background)."""
        return GENERATIVE_FAMILY if self.generated and not photo else REGISTRY[model].family
