"""One SQLite file shared by the threads of a process: WAL journal, one lock, each change in one immediate
transaction (the local job store and the studio's conversation store both keep their records this way).

    db = Database(root / "jobs.sqlite3", SCHEMA)
    with db.transaction() as cursor: ...        # BEGIN IMMEDIATE … COMMIT, ROLLBACK on any error
    rows = db.query("SELECT …", args)
    with db.snapshot() as cursor: ...           # several reads that see one state
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path


class Database:
    def __init__(self, path: Path, schema: str, busy_timeout_s: float = 15.0):
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, timeout=busy_timeout_s, check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(schema)
        self._lock = threading.RLock()

    @contextmanager
    def _within(self, begin: str):
        with self._lock:
            self._db.execute(begin)
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def transaction(self):
        return self._within("BEGIN IMMEDIATE")

    def snapshot(self):
        return self._within("BEGIN")

    def query(self, sql: str, args=()) -> list:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()
