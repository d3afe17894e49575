"""The job store of the embedded mode: SQLite for records, files for inputs and outputs, all under
<data dir>/jobs. Survives a restart of the studio; `unfinished()` says what to resume.

A blob is written to a temporary name and renamed into place inside the transaction that marks its job
done, so a result is either complete and recorded, or absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from pathlib import Path

from workers.records import BatchRecord, JobOutput, JobRecord, Start, dumps, gave_up_message
from workers.sqlite import Database
from workers.store import JobStore, new_id

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, owner TEXT, options TEXT, created REAL, fingerprint TEXT, receiving INTEGER);
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, batch_id TEXT);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, batch_id TEXT, name TEXT, kind TEXT, options TEXT,
    queue TEXT, state TEXT, attempts INTEGER DEFAULT 0, step INTEGER DEFAULT 0, total_steps INTEGER DEFAULT 0,
    message TEXT DEFAULT '', error TEXT, result TEXT DEFAULT '{}', created REAL, started REAL, finished REAL,
    cancel INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS jobs_by_batch ON jobs (batch_id, seq);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, seq);
"""
_COLUMNS = ("id", "batch_id", "name", "kind", "options", "queue", "state", "attempts", "step", "total_steps",
            "message", "error", "result", "created", "started", "finished", "cancel")


class LocalJobStore(JobStore):
    def __init__(self, root: Path):
        self.root = Path(root)
        self.blobs = self.root / "blobs"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self._db = Database(self.root / "jobs.sqlite3", _SCHEMA)
        self._transaction = self._db.transaction
        self._query = self._db.query

    def _dir(self, job_id: str) -> Path:
        return self.blobs / job_id[:2] / job_id

    # -- batches ----------------------------------------------------------------------------------
    def create_batch(self, owner, options, fingerprint=""):
        record = BatchRecord(new_id(), owner, options, time.time(), fingerprint, receiving=True)
        with self._transaction() as db:
            db.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, 1)",
                       (record.id, owner, dumps(options), record.created, fingerprint))
        return record

    def lookup_key(self, owner, key):
        rows = self._query("SELECT batch_id FROM idempotency WHERE key = ?", (_idem(owner, key),))
        return rows[0][0] if rows else None

    def claim_key(self, owner, key, batch_id):
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO idempotency VALUES (?, ?)", (_idem(owner, key), batch_id))
            return db.execute("SELECT batch_id FROM idempotency WHERE key = ?", (_idem(owner, key),)).fetchone()[0]

    def seal_batch(self, batch_id):
        with self._transaction() as db:
            db.execute("UPDATE batches SET receiving = 0 WHERE id = ?", (batch_id,))

    def batch(self, batch_id):
        rows = self._query("SELECT owner, options, created, fingerprint, receiving FROM batches WHERE id = ?",
                           (batch_id,))
        if not rows:
            return None
        owner, options, created, fingerprint, receiving = rows[0]
        return BatchRecord(batch_id, owner, json.loads(options), created, fingerprint, bool(receiving))

    def batch_job_ids(self, batch_id):
        return [r[0] for r in self._query("SELECT id FROM jobs WHERE batch_id = ? ORDER BY seq", (batch_id,))]

    # -- jobs -------------------------------------------------------------------------------------
    def add_job(self, batch_id, name, kind, options, queue, data=None, error=None):
        now = time.time()
        record = JobRecord(new_id(), batch_id, name, kind, options, queue, "failed" if error else "queued",
                           error=error, created=now, finished=now if error else None, message="queued")
        if data is not None:
            _write_atomically(self._dir(record.id) / "input", data)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, batch_id, name, kind, options, queue, state, message, error, created, finished)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
                (record.id, batch_id, name, kind, dumps(options), queue, record.state, error, now, record.finished),
            )
        return record

    def jobs(self, job_ids):
        ids = list(job_ids)
        found: dict[str, JobRecord] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE id IN ({marks})", chunk):
                found[row[0]] = _record(row)
        return [found.get(job_id) for job_id in ids]

    def read_input(self, job_id):
        return _read(self._dir(job_id) / "input")

    def read_blob(self, job_id, name):
        return _read(self._dir(job_id) / f"blob-{name}")

    # -- lifecycle --------------------------------------------------------------------------------
    def begin(self, job_id, max_attempts):
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT state, attempts, cancel FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return Start("missing")
            state, attempts, cancel = row
            if state in ("done", "failed", "cancelled"):
                return Start("skip")
            if cancel:
                db.execute("UPDATE jobs SET state = 'cancelled', finished = ? WHERE id = ?", (now, job_id))
                return Start("cancelled")
            attempts += 1
            if attempts > max_attempts:
                db.execute("UPDATE jobs SET state = 'failed', finished = ?, error = ?, attempts = ? WHERE id = ?",
                           (now, gave_up_message(max_attempts), attempts, job_id))
                return Start("gave_up", attempts - 1)
            db.execute("UPDATE jobs SET state = 'running', started = ?, attempts = ?, step = 0, message = 'starting'"
                       " WHERE id = ?", (now, attempts, job_id))
            return Start("run", attempts)

    def progress(self, job_id, step, total, message):
        with self._transaction() as db:
            db.execute("UPDATE jobs SET step = ?, total_steps = ?, message = ? WHERE id = ?",
                       (step, total, message, job_id))
            row = db.execute("SELECT cancel FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return bool(row and row[0])

    def finish(self, job_id, output: JobOutput):
        folder = self._dir(job_id)
        with self._transaction() as db:
            row = db.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None or row[0] not in ("queued", "running"):
                return False
            for name, data in output.blobs.items():
                _write_atomically(folder / f"blob-{name}", data)
            db.execute("UPDATE jobs SET state = 'done', finished = ?, result = ?, message = 'done', step = total_steps"
                       " WHERE id = ?", (time.time(), dumps(output.summary), job_id))
        (folder / "input").unlink(missing_ok=True)
        return True

    def _end(self, job_id, state, error):
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE jobs SET state = ?, finished = ?, error = ? WHERE id = ? AND state IN ('queued', 'running')",
                (state, time.time(), error, job_id))
            return cursor.rowcount == 1

    def fail(self, job_id, error):
        return self._end(job_id, "failed", error)

    def mark_cancelled(self, job_id):
        return self._end(job_id, "cancelled", None)

    def cancel(self, job_ids):
        ids, now = list(job_ids), time.time()
        with self._transaction() as db:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                db.execute(f"UPDATE jobs SET state = 'cancelled', finished = ?, cancel = 1 WHERE state = 'queued'"
                           f" AND id IN ({marks})", (now, *chunk))
                db.execute(f"UPDATE jobs SET cancel = 1 WHERE state = 'running' AND id IN ({marks})", chunk)

    def unfinished(self) -> list[tuple[str, str]]:
        """(job id, queue) of every queued or running job, oldest first: what to resume after a restart."""
        return [(r[0], r[1]) for r in self._query(
            "SELECT id, queue FROM jobs WHERE state IN ('queued', 'running') ORDER BY seq")]

    def ping(self):
        self._query("SELECT 1")

    def prune(self, older_than_s: float) -> int:
        """Forget batches created more than older_than_s ago whose jobs have all finished (records, inputs
        and results); returns how many. Redis does the same with key expiry."""
        cutoff = time.time() - older_than_s
        old = [r[0] for r in self._query(
            "SELECT id FROM batches WHERE created < ? AND receiving = 0 AND NOT EXISTS ("
            "SELECT 1 FROM jobs WHERE jobs.batch_id = batches.id AND state IN ('queued', 'running'))", (cutoff,))]
        for batch_id in old:
            job_ids = self.batch_job_ids(batch_id)
            with self._transaction() as db:
                db.execute("DELETE FROM jobs WHERE batch_id = ?", (batch_id,))
                db.execute("DELETE FROM batches WHERE id = ?", (batch_id,))
                db.execute("DELETE FROM idempotency WHERE batch_id = ?", (batch_id,))
            for job_id in job_ids:
                shutil.rmtree(self._dir(job_id), ignore_errors=True)
        return len(old)

    def close(self) -> None:
        self._db.close()


def _idem(owner: str, key: str) -> str:
    return f"{owner}:{hashlib.sha256(key.encode()).hexdigest()}"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _record(row) -> JobRecord:
    v = dict(zip(_COLUMNS, row))
    return JobRecord(
        id=v["id"], batch_id=v["batch_id"], name=v["name"], kind=v["kind"], options=json.loads(v["options"]),
        queue=v["queue"], state=v["state"], attempts=v["attempts"], step=v["step"], total_steps=v["total_steps"],
        message=v["message"] or "", error=v["error"] or None, result=json.loads(v["result"] or "{}"),
        created=v["created"], started=v["started"], finished=v["finished"], cancel_requested=bool(v["cancel"]),
    )
