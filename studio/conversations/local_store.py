"""The conversation store of a single studio process (the default): SQLite in WAL mode for the records and
one file per version's picture, all under <data dir>/conversations:

    conversations.sqlite3           conversations (id, owner, updated, record) and versions (id,
                                    conversation_id, number, record); records are the JSON of records.py
    images/<conversation id>/<version id>.image   the encoded picture, written once and never changed
    images/<conversation id>/<version id>.<name>  the version's extra files (blobs: "mask", …)

A change runs in one `BEGIN IMMEDIATE` transaction (read, decide, write), which serialises writers across
threads and processes sharing the folder. A version's files are written to temporary names, synced and
renamed into place inside that transaction, and removed again if it does not commit, so a version is either
complete (record and files) or absent. Nothing expires: a conversation stays until deleted.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from studio.conversations.errors import StoreUnavailable
from studio.conversations.records import Conversation, Version, dumps
from studio.conversations.store import ConversationStore
from workers.sqlite import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, updated REAL NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations (owner, updated);
CREATE TABLE IF NOT EXISTS versions (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, number INTEGER NOT NULL, record TEXT NOT NULL,
    UNIQUE (conversation_id, number));
"""


def _guarded(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
            raise StoreUnavailable(
                f"the conversation store in {self.root} cannot be used ({exc}); check that the folder exists, "
                "is writable and has free space, then try again — nothing was changed") from None
    return wrapper


class LocalConversationStore(ConversationStore):
    def __init__(self, root: Path, busy_timeout_s: float = 15.0):
        self.root = Path(root)
        self.images = self.root / "images"
        try:
            self.images.mkdir(parents=True, exist_ok=True)
            self._db = Database(self.root / "conversations.sqlite3", _SCHEMA, busy_timeout_s)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"the conversation store in {self.root} cannot be opened ({exc}); check that "
                                   "the data folder exists and is writable") from None
        self._transaction = self._db.transaction
        self._query = self._db.query

    def _path(self, conversation_id: str, version_id: str, name: str) -> Path:
        return self.images / conversation_id / f"{version_id}.{name}"

    # -- primitives -------------------------------------------------------------------------------
    @_guarded
    def _insert(self, conversation, version, files):
        with self._writing(conversation.id, version.id, files), self._transaction() as db:
            db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?)",
                       (conversation.id, conversation.owner, conversation.updated, dumps(conversation.to_dict())))
            db.execute("INSERT INTO versions VALUES (?, ?, ?, ?)",
                       (version.id, conversation.id, version.number, dumps(version.to_dict())))

    @_guarded
    def _record(self, conversation_id):
        rows = self._query("SELECT record FROM conversations WHERE id = ?", (conversation_id,))
        return Conversation.from_dict(json.loads(rows[0][0])) if rows else None

    @_guarded
    def _load(self, conversation_id):
        with self._db.snapshot() as db:  # one snapshot for both reads
            return _load_in(db, conversation_id)

    @_guarded
    def _list(self, owner):
        rows = self._query("SELECT record FROM conversations WHERE owner = ? ORDER BY updated DESC, rowid DESC",
                           (owner,))
        return [Conversation.from_dict(json.loads(row[0])) for row in rows]

    @_guarded
    def _read_file(self, conversation_id, version_id, name):
        try:
            return self._path(conversation_id, version_id, name).read_bytes()
        except FileNotFoundError:
            return None

    @_guarded
    def _apply(self, conversation_id, decide, files):
        written: list[Path] = []
        try:
            with self._transaction() as db:
                loaded = _load_in(db, conversation_id)
                if loaded is None:
                    return None
                change = decide(*loaded)
                if change.version is not None:
                    for name, data in files.items():
                        written.append(self._path(conversation_id, change.version.id, name))
                        _write_atomically(written[-1], data)
                    db.execute("INSERT INTO versions VALUES (?, ?, ?, ?)",
                               (change.version.id, conversation_id, change.version.number,
                                dumps(change.version.to_dict())))
                if change.moved:
                    db.execute("UPDATE conversations SET updated = ?, record = ? WHERE id = ?",
                               (change.conversation.updated, dumps(change.conversation.to_dict()), conversation_id))
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return change

    @_guarded
    def _remove(self, conversation_id):
        with self._transaction() as db:
            deleted = db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount
            db.execute("DELETE FROM versions WHERE conversation_id = ?", (conversation_id,))
        shutil.rmtree(self.images / conversation_id, ignore_errors=True)
        return deleted == 1

    # -- service ----------------------------------------------------------------------------------
    @_guarded
    def ping(self):
        self._query("SELECT 1")

    def close(self):
        self._db.close()

    @contextmanager
    def _writing(self, conversation_id: str, version_id: str, files: dict[str, bytes]):
        """Write a version's files before the transaction that records it; remove them if it fails."""
        paths = [self._path(conversation_id, version_id, name) for name in files]
        try:
            for path, data in zip(paths, files.values()):
                _write_atomically(path, data)
            yield
        except BaseException:
            for path in paths:
                path.unlink(missing_ok=True)
            raise


def _load_in(db: sqlite3.Connection, conversation_id: str) -> tuple[Conversation, dict[str, Version]] | None:
    row = db.execute("SELECT record FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
    if row is None:
        return None
    versions = [Version.from_dict(json.loads(r[0])) for r in db.execute(
        "SELECT record FROM versions WHERE conversation_id = ? ORDER BY number", (conversation_id,))]
    return Conversation.from_dict(json.loads(row[0])), {v.id: v for v in versions}


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
