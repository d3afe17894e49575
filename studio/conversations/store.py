"""The conversation store: conversations, their version trees and the picture of every version. Two
implementations share this contract (tests run the same suite on both): `LocalConversationStore` (SQLite
+ files under the data directory, the default) and `RedisConversationStore` (when the studio is configured
with Redis, so several web processes share conversations).

Everything a caller can do is defined here, once, on top of a few atomic primitives each store provides;
what a request does to the tree is decided by the pure functions in `tree`. Changes are compare-and-set:
the caller passes the revision it loaded, and a mismatch raises ConversationConflict, so two windows
editing one conversation never overwrite each other. Conversations do not expire.
"""

from __future__ import annotations

import re
import time
import uuid
from abc import ABC, abstractmethod
from typing import Callable

from pipelines.errors import InvalidOptions
from studio.conversations import tree
from studio.conversations.errors import ConversationNotFound, VersionNotFound
from studio.conversations.records import Conversation, Version

Decide = Callable[[Conversation, dict[str, Version]], tree.Change]
_ID = re.compile(r"[0-9a-f]{32}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
IMAGE = "image"  # the name of a version's picture among its files


def new_id() -> str:
    return uuid.uuid4().hex


class ConversationStore(ABC):
    # -- reading ----------------------------------------------------------------------------------
    def conversations(self, owner: str) -> list[Conversation]:
        """The owner's conversations, the most recently changed first."""
        return self._list(owner)

    def conversation(self, conversation_id: str) -> Conversation:
        _check_conversation_id(conversation_id)
        found = self._record(conversation_id)
        if found is None:
            raise _not_found(conversation_id)
        return found

    def versions(self, conversation_id: str) -> list[Version]:
        """Every version of the conversation in creation order (number 1, 2, 3 …)."""
        return tree.ordered(self._loaded(conversation_id)[1])

    def version(self, conversation_id: str, version_id: str) -> Version:
        conversation, versions = self._loaded(conversation_id)
        return tree.find(conversation, versions, version_id)

    def state(self, conversation_id: str) -> tuple[Conversation, list[Version]]:
        """The conversation and its versions read together, consistent with each other."""
        conversation, versions = self._loaded(conversation_id)
        return conversation, tree.ordered(versions)

    def image(self, conversation_id: str, version_id: str) -> bytes:
        """The encoded picture of a version, as it was stored."""
        _check_conversation_id(conversation_id)
        data = self._read_file(conversation_id, version_id, IMAGE) if _is_id(version_id) else None
        if data is None:
            conversation, versions = self._loaded(conversation_id)
            tree.find(conversation, versions, version_id)
            raise VersionNotFound(f"the picture of version {versions[version_id].number} of “{conversation.title}” "
                                  "is missing from the store; branch from another version to continue")
        return data

    def blob(self, conversation_id: str, version_id: str, name: str) -> bytes | None:
        """An extra file stored with a version (`add_version(blobs=...)`), or None when it has none by that name."""
        version = self.version(conversation_id, version_id)
        if name not in version.blobs:
            return None
        return self._read_file(conversation_id, version_id, name)

    # -- changing ---------------------------------------------------------------------------------
    def create(self, owner: str, title: str, image: bytes, width: int, height: int) -> tuple[Conversation, Version]:
        """A new conversation whose version 1 ("upload") is `image`, the encoded picture (PNG keeps the
        pixels exact)."""
        _check_data(IMAGE, image)
        conversation, version = tree.start(new_id(), new_id(), owner, title, width, height, time.time())
        self._insert(conversation, version, {IMAGE: bytes(image)})
        return conversation, version

    def add_version(self, conversation_id: str, expected_revision: int, parent_id: str, image: bytes, *,
                    instruction: str, operation: str, width: int, height: int, plan: dict | None = None,
                    prompt: str = "", negative_prompt: str = "", seed: int | None = None, model: str | None = None,
                    parameters: dict | None = None, layout: dict | None = None, job_id: str | None = None,
                    notes=(), source_id: str | None = None, blobs: dict[str, bytes] | None = None,
                    move_head: bool = True) -> tuple[Conversation, Version]:
        """A new version made from `parent_id`, with `image` (the encoded picture) and any extra named files
        (`blobs`, e.g. {"mask": png}; read back with `blob`). With move_head (the default) it becomes the head,
        the redo stack is cleared and the revision must match; with move_head=False it is only added to the
        tree (no revision check, the conversation record is unchanged): how a round that lost a conflict
        keeps its result as a side branch."""
        if IMAGE in (blobs or {}):
            raise InvalidOptions(f"blobs cannot use the name {IMAGE!r}: the picture is the `image` argument")
        files = {IMAGE: image, **(blobs or {})}
        for name, data in files.items():
            _check_data(name, data)
        draft = tree.Draft(instruction=instruction, operation=operation, width=width, height=height, plan=plan,
                           prompt=prompt, negative_prompt=negative_prompt, seed=seed, model=model,
                           parameters={} if parameters is None else parameters,
                           layout={} if layout is None else layout, job_id=job_id,
                           notes=notes if isinstance(notes, str) else tuple(notes), source_id=source_id,
                           blobs=tuple(sorted(blobs or {})))
        draft.check()
        version_id = new_id()
        change = self._change(conversation_id, lambda c, v: tree.add_version(
            c, v, draft, version_id, parent_id, expected_revision, move_head, time.time()),
            {name: bytes(data) for name, data in files.items()})
        return change.conversation, change.version

    def undo(self, conversation_id: str, expected_revision: int) -> Conversation:
        """Show the head's parent; the version left goes on the redo stack."""
        return self._change(conversation_id, lambda c, v: tree.undo(c, v, expected_revision, time.time())).conversation

    def redo(self, conversation_id: str, expected_revision: int) -> Conversation:
        return self._change(conversation_id, lambda c, v: tree.redo(c, v, expected_revision, time.time())).conversation

    def branch(self, conversation_id: str, expected_revision: int, version_id: str) -> Conversation:
        """Show any version and continue from it; clears the redo stack."""
        return self._change(conversation_id, lambda c, v: tree.branch(
            c, v, expected_revision, version_id, time.time())).conversation

    def restore(self, conversation_id: str, expected_revision: int, version_id: str) -> tuple[Conversation, Version]:
        """A new head version, child of the current head, with the picture and layout of `version_id`."""
        image = self.image(conversation_id, version_id)
        new_version_id = new_id()
        change = self._change(conversation_id, lambda c, v: tree.restore(
            c, v, expected_revision, version_id, new_version_id, time.time()), {IMAGE: image})
        return change.conversation, change.version

    def rename(self, conversation_id: str, expected_revision: int, title: str) -> Conversation:
        return self._change(conversation_id, lambda c, v: tree.rename(
            c, v, expected_revision, title, time.time())).conversation

    def delete(self, conversation_id: str) -> None:
        """Remove the conversation, every version and every picture; ConversationNotFound if it is not there."""
        _check_conversation_id(conversation_id)
        if not self._remove(conversation_id):
            raise _not_found(conversation_id)

    # -- service ----------------------------------------------------------------------------------
    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot be reached."""

    def close(self) -> None:
        """Release connections (a no-op where there is nothing to release)."""

    # -- what each store provides (each one atomic) ---------------------------------------------
    @abstractmethod
    def _insert(self, conversation: Conversation, version: Version, files: dict[str, bytes]) -> None:
        """Write a new conversation with its first version and that version's files."""

    @abstractmethod
    def _record(self, conversation_id: str) -> Conversation | None: ...

    @abstractmethod
    def _load(self, conversation_id: str) -> tuple[Conversation, dict[str, Version]] | None:
        """The conversation and its versions by id, read as one snapshot."""

    @abstractmethod
    def _list(self, owner: str) -> list[Conversation]:
        """The owner's conversations, the most recently updated first."""

    @abstractmethod
    def _read_file(self, conversation_id: str, version_id: str, name: str) -> bytes | None:
        """A version's file: IMAGE (the picture) or a blob name."""

    @abstractmethod
    def _apply(self, conversation_id: str, decide: Decide, files: dict[str, bytes]) -> tree.Change | None:
        """Atomically: load the conversation and its versions, call `decide`, and write what it returns
        (the version it adds, with `files` as that version's files; the conversation record when `moved`).
        None when the conversation does not exist. When `decide` raises, nothing is written."""

    @abstractmethod
    def _remove(self, conversation_id: str) -> bool:
        """Delete everything of the conversation; False when it did not exist."""

    # -- helpers ----------------------------------------------------------------------------------
    def _loaded(self, conversation_id: str) -> tuple[Conversation, dict[str, Version]]:
        _check_conversation_id(conversation_id)
        found = self._load(conversation_id)
        if found is None:
            raise _not_found(conversation_id)
        return found

    def _change(self, conversation_id: str, decide: Decide, files: dict[str, bytes] | None = None) -> tree.Change:
        _check_conversation_id(conversation_id)
        change = self._apply(conversation_id, decide, files or {})
        if change is None:
            raise _not_found(conversation_id)
        return change


def _is_id(value) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def _check_conversation_id(conversation_id) -> None:
    if not _is_id(conversation_id):
        raise _not_found(conversation_id)


def _not_found(conversation_id) -> ConversationNotFound:
    return ConversationNotFound(f"there is no conversation with id {conversation_id!r}: it may have been deleted "
                                "(in another window or tab); start a new one by uploading the picture again")


def _check_data(name, data) -> None:
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        raise InvalidOptions(f"a blob name must be 1 to 32 lowercase letters, digits or _ starting with a letter; "
                             f"got {name!r}")
    what = "image must be the encoded picture (PNG bytes)" if name == IMAGE else f"blob {name!r} must be bytes"
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidOptions(f"{what}; got {type(data).__name__}")
    if len(data) == 0:
        raise InvalidOptions(f"{what}; got no data")
