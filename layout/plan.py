"""The plan as typed values for code in other packages (JSON stays the wire format: `to_dict`/`from_dict`).

    plan = Plan.from_dict(plan_layout("put the desk lamp on the left")[0])
    plan.action, plan.target.name_en, plan.target.box, plan.notes

`plan_layout` returns the JSON dict (what the CLI prints and versions record); `make_plan` returns this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PlanObject:
    name: str  # as written
    name_en: str
    box: Box  # fractions of the picture, origin top-left
    cells: tuple[tuple[int, int], ...]  # (row, col) of the nine-grid cells the box covers
    role: str  # "target" (placed by this plan) or "reference" (what it is placed against)

    @classmethod
    def from_dict(cls, data: dict) -> PlanObject:
        return cls(data["name"], data["name_en"], tuple(data["box"]), tuple(tuple(c) for c in data["cells"]),
                   data["role"])

    def to_dict(self) -> dict:
        return {"name": self.name, "name_en": self.name_en, "box": list(self.box),
                "cells": [list(c) for c in self.cells], "role": self.role}


@dataclass(frozen=True)
class Plan:
    action: str  # add move remove replace resize restyle background compose none
    language: str
    placement: str  # planned unchanged none
    reason: str | None
    objects: tuple[PlanObject, ...]
    prompt_en: str
    confidence: float
    notes: tuple[str, ...] = field(default=())

    @property
    def target(self) -> PlanObject | None:
        """The first object this plan places (None: it places nothing)."""
        return next((o for o in self.objects if o.role == "target"), None)

    @property
    def targets(self) -> tuple[PlanObject, ...]:
        return tuple(o for o in self.objects if o.role == "target")

    @classmethod
    def from_dict(cls, data: dict) -> Plan:
        return cls(data["action"], data["language"], data["placement"], data.get("reason"),
                   tuple(PlanObject.from_dict(o) for o in data["objects"]), data["prompt_en"],
                   float(data["confidence"]), tuple(data.get("notes", ())))

    def to_dict(self) -> dict:
        return {"action": self.action, "language": self.language, "placement": self.placement,
                "reason": self.reason, "objects": [o.to_dict() for o in self.objects], "prompt_en": self.prompt_en,
                "confidence": self.confidence, "notes": list(self.notes)}
