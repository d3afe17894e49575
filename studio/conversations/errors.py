"""Errors of the conversation store.

    StudioError (pipelines.errors)
    ├── ConversationNotFound (LookupError)    no conversation with that id (never made, or deleted)
    ├── VersionNotFound (LookupError)         the conversation has no version with that id
    ├── ConversationConflict (RuntimeError)   the conversation changed since the caller loaded it; nothing was
    │                                         changed by the call; `.current` is the conversation as it is now
    ├── NothingToUndo (ValueError)            undo at the first version
    ├── NothingToRedo (ValueError)            redo with nothing undone since the last change
    └── StoreUnavailable (RuntimeError)       the store (Redis, or the SQLite folder) cannot be reached or written

Bad field values (an unknown operation, an empty title, a size that is not positive) raise
`pipelines.errors.InvalidOptions`, naming the value and what is allowed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.errors import StudioError

if TYPE_CHECKING:
    from studio.conversations.records import Conversation


class ConversationNotFound(StudioError, LookupError):
    """No conversation with that id."""


class VersionNotFound(StudioError, LookupError):
    """No version with that id in the conversation."""


class ConversationConflict(StudioError, RuntimeError):
    """A compare-and-set lost: the conversation's revision is not the one the caller expected."""

    def __init__(self, message: str, current: "Conversation | None" = None):
        super().__init__(message)
        self.current = current


class NothingToUndo(StudioError, ValueError):
    """The head is the first version."""


class NothingToRedo(StudioError, ValueError):
    """Nothing was undone since the last change."""


class StoreUnavailable(StudioError, RuntimeError):
    """The conversation store cannot be reached or written."""
