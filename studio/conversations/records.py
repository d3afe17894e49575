"""What a conversation keeps: the conversation itself (title, owner, which version is shown, the redo stack)
and one immutable record per version of the image, with everything needed to reproduce it.

    Conversation  id, owner, title, head, redo, revision, created, updated, last_change
    Version       id, conversation_id, number, parent_id, instruction, operation, plan, prompt, ... , created

Versions form a tree (each has its parent; the upload has none). A version is never changed or removed
once written; only the conversation record moves (head, redo, title), and each such move adds one to its
`revision`, which callers pass back as `expected_revision` (compare-and-set).
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field, fields

OPERATIONS = ("upload", "add", "replace", "remove", "move", "resize", "restyle", "background", "restore", "rerun")


def _to_dict(record) -> dict:
    """A record as JSON-ready values (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(record).items()}


def _from_dict(cls, value: dict):
    """A record from its dict: fields it does not know are dropped (written by a newer version), lists
    become the tuples the record holds, a missing or null tuple field is empty."""
    kept = {f.name: value[f.name] for f in fields(cls) if f.name in value}
    for f in fields(cls):
        if "tuple" in str(f.type) and (f.name in value or f.default is MISSING):
            kept[f.name] = tuple(value.get(f.name) or ())
    return cls(**kept)


@dataclass(frozen=True)
class Version:
    id: str
    conversation_id: str
    number: int                 # 1, 2, 3 … in order of creation within the conversation
    parent_id: str | None       # None only for the upload (number 1)
    instruction: str            # what the user typed ("" for the upload)
    operation: str              # one of OPERATIONS
    width: int
    height: int
    created: float
    plan: dict | None = None    # the planner's plan for this round, as it ran (None when there was none)
    prompt: str = ""
    negative_prompt: str = ""
    seed: int | None = None
    model: str | None = None    # the editor that made it ("sd15", "tiny", …); None for weightless operations
    parameters: dict = field(default_factory=dict)   # the rest of the run's settings, diffusers names
    layout: dict = field(default_factory=dict)       # layout.LayoutState.to_dict() after this round
    job_id: str | None = None
    notes: tuple[str, ...] = ()
    source_id: str | None = None  # restore: the version it copies; rerun: the version it runs again
    blobs: tuple[str, ...] = ()   # names of the extra files kept with it ("mask", "mask_in", …); see store.blob

    def to_dict(self) -> dict:
        return _to_dict(self)

    @classmethod
    def from_dict(cls, value: dict) -> "Version":
        return _from_dict(cls, value)


@dataclass(frozen=True)
class Conversation:
    id: str
    owner: str
    title: str
    head: str                   # the version shown and edited next
    redo: tuple[str, ...]       # undone versions, the next redo first
    revision: int               # 1 when created, +1 for every change of head, redo or title
    created: float
    updated: float              # when the revision last changed
    last_change: str = ""       # what that change was, for conflict messages ("version 5 was added")

    def to_dict(self) -> dict:
        return _to_dict(self)

    @classmethod
    def from_dict(cls, value: dict) -> "Conversation":
        return _from_dict(cls, value)


def dumps(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
