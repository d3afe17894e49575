"""Conversations of the chat editor: one per uploaded picture, each a tree of versions with undo, redo,
branches and restore, kept in a store that survives restarts (SQLite + files by default, Redis when
configured). Changes are compare-and-set on the conversation's revision: two windows editing the same
conversation never overwrite each other; the later one gets ConversationConflict."""

from studio.conversations.errors import (
    ConversationConflict,
    ConversationNotFound,
    NothingToRedo,
    NothingToUndo,
    StoreUnavailable,
    VersionNotFound,
)
from studio.conversations.local_store import LocalConversationStore
from studio.conversations.records import OPERATIONS, Conversation, Version
from studio.conversations.redis_store import RedisConversationStore
from studio.conversations.store import ConversationStore

__all__ = [
    "OPERATIONS",
    "Conversation",
    "ConversationConflict",
    "ConversationNotFound",
    "ConversationStore",
    "LocalConversationStore",
    "NothingToRedo",
    "NothingToUndo",
    "RedisConversationStore",
    "StoreUnavailable",
    "Version",
    "VersionNotFound",
]
