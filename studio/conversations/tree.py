"""The version tree, as pure functions: given a conversation, its versions and a request, decide the new
state or raise a clear error. The stores only load the state and write what these return, atomically, so
both stores behave the same by construction.

    upload (1) ── add (2) ── replace (3)          head = 3; undo -> head 2, redo (3)
                     └──── remove (4)             branch(2) then a new round -> 4 beside 3

- undo: head moves to its parent and the old head goes on top of the redo stack.
- redo: head moves to the top of the redo stack.
- branch: head moves to any version; the redo stack is cleared.
- add_version (move_head=True) and restore: a new version becomes the head; the redo stack is cleared.
- add_version (move_head=False): the new version hangs in the tree without touching the conversation
  record, so it needs no revision check (it is how a round that lost a conflict keeps its result).
Every change of the conversation record adds one to its revision and is refused with ConversationConflict
when the caller's expected revision is not the current one.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields, replace
from typing import Mapping

from pipelines.errors import InvalidOptions
from studio.conversations.errors import ConversationConflict, NothingToRedo, NothingToUndo, VersionNotFound
from studio.conversations.records import OPERATIONS, Conversation, Version

MAX_TITLE = 200
Versions = Mapping[str, Version]


@dataclass(frozen=True)
class Draft:
    """The content of a new version: everything but its ids, number, parent and time."""

    instruction: str
    operation: str
    width: int
    height: int
    plan: dict | None = None
    prompt: str = ""
    negative_prompt: str = ""
    seed: int | None = None
    model: str | None = None
    parameters: dict = field(default_factory=dict)
    layout: dict = field(default_factory=dict)
    job_id: str | None = None
    notes: tuple[str, ...] = ()
    source_id: str | None = None
    blobs: tuple[str, ...] = ()

    def check(self) -> None:
        """Raise InvalidOptions naming the first bad field and what is allowed."""
        if self.operation not in OPERATIONS:
            raise InvalidOptions(f"operation must be one of {', '.join(OPERATIONS)}; got {self.operation!r}")
        for name in ("width", "height"):
            value = getattr(self, name)
            if not _is_int(value) or value <= 0:
                raise InvalidOptions(f"{name} must be a whole number of pixels above 0; got {value!r}")
        if self.seed is not None and (not _is_int(self.seed) or self.seed < 0):
            raise InvalidOptions(f"seed must be a whole number from 0 up, or None; got {self.seed!r}")
        for name in ("instruction", "prompt", "negative_prompt"):
            if not isinstance(getattr(self, name), str):
                raise InvalidOptions(f"{name} must be text; got {type(getattr(self, name)).__name__}")
        for name in ("model", "job_id", "source_id"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InvalidOptions(f"{name} must be text or None; got {type(value).__name__}")
        if isinstance(self.notes, str) or not all(isinstance(note, str) for note in self.notes):
            raise InvalidOptions("notes must be a list of texts")
        for name in ("plan", "parameters", "layout"):
            value = getattr(self, name)
            if value is None and name == "plan":
                continue
            if not isinstance(value, dict):
                raise InvalidOptions(f"{name} must be a dict; got {type(value).__name__}")
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise InvalidOptions(f"{name} must hold only JSON data (text, numbers, lists, dicts): {exc}") from None


@dataclass(frozen=True)
class Change:
    """What a request decided: the conversation record to write (when `moved`) and a version to add."""

    conversation: Conversation
    version: Version | None = None
    moved: bool = True


# -- creating ----------------------------------------------------------------------------------------
def check_title(title: str) -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidOptions(f"a conversation needs a title of 1 to {MAX_TITLE} characters; got {title!r}")
    title = title.strip()
    if len(title) > MAX_TITLE:
        raise InvalidOptions(f"a conversation title can have at most {MAX_TITLE} characters; this one has {len(title)}")
    return title


def start(conversation_id: str, version_id: str, owner: str, title: str, width: int, height: int,
          now: float) -> tuple[Conversation, Version]:
    """A new conversation whose first version (number 1, "upload") is the uploaded picture."""
    if not isinstance(owner, str):
        raise InvalidOptions(f"owner must be text; got {type(owner).__name__}")
    draft = Draft(instruction="", operation="upload", width=width, height=height)
    draft.check()
    version = _version(draft, version_id, conversation_id, 1, None, now)
    conversation = Conversation(conversation_id, owner, check_title(title), version_id, (), 1, now, now,
                                "it was created")
    return conversation, version


# -- changes -----------------------------------------------------------------------------------------
def add_version(conversation: Conversation, versions: Versions, draft: Draft, version_id: str, parent_id: str,
                expected_revision: int, move_head: bool, now: float) -> Change:
    draft.check()
    if draft.operation == "upload":
        raise InvalidOptions("operation 'upload' is only for the first version; a new conversation starts with it")
    if move_head:
        check_revision(conversation, versions, expected_revision, now)
    find(conversation, versions, parent_id)
    if draft.source_id is not None:
        find(conversation, versions, draft.source_id)
    number = next_number(versions)
    version = _version(draft, version_id, conversation.id, number, parent_id, now)
    if not move_head:
        return Change(conversation, version, moved=False)
    moved = _moved(conversation, now, f"version {number} was added", head=version_id, redo=())
    return Change(moved, version)


def undo(conversation: Conversation, versions: Versions, expected_revision: int, now: float) -> Change:
    check_revision(conversation, versions, expected_revision, now)
    head = find(conversation, versions, conversation.head)
    if head.parent_id is None:
        raise NothingToUndo(f"nothing to undo: version {head.number} is the picture this conversation started with")
    parent = find(conversation, versions, head.parent_id)
    return Change(_moved(conversation, now, f"an undo went back to version {parent.number}", head=parent.id,
                         redo=(head.id, *conversation.redo)))


def redo(conversation: Conversation, versions: Versions, expected_revision: int, now: float) -> Change:
    check_revision(conversation, versions, expected_revision, now)
    if not conversation.redo:
        raise NothingToRedo("nothing to redo: no version was undone since the last change")
    target = find(conversation, versions, conversation.redo[0])
    return Change(_moved(conversation, now, f"a redo went forward to version {target.number}", head=target.id,
                         redo=conversation.redo[1:]))


def branch(conversation: Conversation, versions: Versions, expected_revision: int, version_id: str,
           now: float) -> Change:
    """Show (and edit from) any version; the next round starts a new branch there."""
    check_revision(conversation, versions, expected_revision, now)
    target = find(conversation, versions, version_id)
    if target.id == conversation.head:
        return Change(conversation, moved=False)
    return Change(_moved(conversation, now, f"it switched to version {target.number}", head=target.id, redo=()))


def restore(conversation: Conversation, versions: Versions, expected_revision: int, version_id: str,
            new_version_id: str, now: float) -> Change:
    """A new version on top of the head that is a copy of an earlier one (same picture and layout)."""
    check_revision(conversation, versions, expected_revision, now)
    source = find(conversation, versions, version_id)
    number = next_number(versions)
    draft = Draft(instruction=f"restore version {source.number}", operation="restore", width=source.width,
                  height=source.height, layout=source.layout, notes=(f"a copy of version {source.number}",),
                  source_id=source.id)
    version = _version(draft, new_version_id, conversation.id, number, conversation.head, now)
    moved = _moved(conversation, now, f"version {source.number} was restored as version {number}",
                   head=version.id, redo=())
    return Change(moved, version)


def rename(conversation: Conversation, versions: Versions, expected_revision: int, title: str,
           now: float) -> Change:
    check_revision(conversation, versions, expected_revision, now)
    title = check_title(title)
    if title == conversation.title:
        return Change(conversation, moved=False)
    return Change(_moved(conversation, now, f"it was renamed to “{title}”", title=title))


# -- reading -----------------------------------------------------------------------------------------
def check_revision(conversation: Conversation, versions: Versions, expected_revision: int, now: float) -> None:
    """Raise ConversationConflict, saying what changed and when, unless expected_revision is current."""
    if not _is_int(expected_revision):
        raise InvalidOptions(f"expected_revision must be the conversation's revision number; got {expected_revision!r}")
    if expected_revision == conversation.revision:
        return
    head = versions.get(conversation.head)
    shows = f"version {head.number}" if head else "another version"
    raise ConversationConflict(
        f"this conversation changed since you loaded it: {conversation.last_change or 'it was changed'} "
        f"{describe_age(now - conversation.updated)}, probably in another window or tab. It now shows {shows}; "
        "reload it to continue (this request changed nothing).", current=conversation)


def find(conversation: Conversation, versions: Versions, version_id: str | None) -> Version:
    version = versions.get(version_id) if isinstance(version_id, str) else None
    if version is None:
        raise VersionNotFound(
            f"the conversation “{conversation.title}” has no version with id {version_id!r}; "
            f"it has versions 1 to {len(versions)} — reload it to see them")
    return version


def ordered(versions: Versions) -> list[Version]:
    """Versions in creation order (by number)."""
    return sorted(versions.values(), key=lambda v: v.number)


def lineage(versions: Versions, version_id: str) -> list[Version]:
    """The versions from the upload down to version_id: what that picture went through."""
    chain: list[Version] = []
    current = versions.get(version_id)
    while current is not None:
        chain.append(current)
        current = versions.get(current.parent_id) if current.parent_id else None
    return chain[::-1]


def children(versions: Versions, version_id: str) -> list[Version]:
    return [v for v in ordered(versions) if v.parent_id == version_id]


def can_undo(conversation: Conversation, versions: Versions) -> bool:
    head = versions.get(conversation.head)
    return head is not None and head.parent_id is not None


def can_redo(conversation: Conversation) -> bool:
    return bool(conversation.redo)


def next_number(versions: Versions) -> int:
    return max((v.number for v in versions.values()), default=0) + 1


def describe_age(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 1:
        return "just now"
    if seconds < 90:
        return f"{round(seconds)} s ago"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min ago"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


# -- helpers -----------------------------------------------------------------------------------------
def _version(draft: Draft, version_id: str, conversation_id: str, number: int, parent_id: str | None,
             now: float) -> Version:
    content = {f.name: getattr(draft, f.name) for f in fields(draft)}
    content["notes"], content["blobs"] = tuple(draft.notes), tuple(draft.blobs)
    return Version(id=version_id, conversation_id=conversation_id, number=number, parent_id=parent_id,
                   created=now, **content)


def _moved(conversation: Conversation, now: float, what: str, **changes) -> Conversation:
    return replace(conversation, revision=conversation.revision + 1, updated=now, last_change=what, **changes)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
