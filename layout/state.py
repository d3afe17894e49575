"""The conversation's layout state: where each object is, where it was before, and what "it" means.
Immutable: every round returns a new state."""

from __future__ import annotations

from dataclasses import dataclass, replace

from layout.grid import Box


@dataclass(frozen=True)
class Placed:
    name: str  # as the user wrote it last
    name_en: str
    box: Box
    history: tuple[Box, ...] = ()  # earlier boxes, most recent last
    seen: bool = False  # found in the picture (layout.seen), not only planned


@dataclass(frozen=True)
class LayoutState:
    objects: tuple[Placed, ...] = ()
    last: str | None = None  # name_en of the last target

    def find(self, name_en: str | None) -> Placed | None:
        return next((o for o in self.objects if o.name_en == name_en), None)

    def place(self, name: str, name_en: str, box: Box) -> "LayoutState":
        current = self.find(name_en)
        history = (*current.history, current.box) if current and current.box != box else (
            current.history if current else ())
        placed = Placed(name, name_en, box, history[-8:], current.seen if current else False)
        others = tuple(o for o in self.objects if o.name_en != name_en)
        return replace(self, objects=(*others, placed), last=name_en)

    def restore(self, name_en: str) -> "LayoutState":
        """Put an object back where it was before its last change."""
        current = self.find(name_en)
        back = Placed(current.name, current.name_en, current.history[-1], current.history[:-1], current.seen)
        others = tuple(o for o in self.objects if o.name_en != name_en)
        return replace(self, objects=(*others, back), last=name_en)

    def remove(self, name_en: str) -> "LayoutState":
        others = tuple(o for o in self.objects if o.name_en != name_en)
        return replace(self, objects=others, last=None if self.last == name_en else self.last)

    def to_dict(self) -> dict:
        return {"last": self.last, "objects": [
            {"name": o.name, "name_en": o.name_en, "box": list(o.box), "history": [list(b) for b in o.history],
             **({"seen": True} if o.seen else {})}
            for o in self.objects]}

    @classmethod
    def from_dict(cls, data: dict) -> "LayoutState":
        objects = tuple(Placed(o["name"], o["name_en"], tuple(o["box"]), tuple(tuple(b) for b in o.get("history", [])),
                               bool(o.get("seen", False)))
                        for o in data.get("objects", []))
        return cls(objects, data.get("last"))


EMPTY = LayoutState()
