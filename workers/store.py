"""The job store: records of batches and jobs, their inputs and results. Two implementations share this
contract (tests run the same suite on both): `RedisJobStore` for the worker tier, `LocalJobStore`
(SQLite + files under the data directory) for the embedded mode.

Every state change that decides what happens next is atomic in the store: `begin` (skip a finished or
cancelled job, count the attempt, give up after the limit), `finish` (write the result and mark done only
if the job is not already finished, so a re-run never produces a second output), `fail` and `cancel`.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from typing import Iterable

from workers.records import BatchRecord, JobOutput, JobRecord, Start


def new_id() -> str:
    return uuid.uuid4().hex


class JobStore(ABC):
    # -- batches ----------------------------------------------------------------------------------
    @abstractmethod
    def create_batch(self, owner: str, options: dict, fingerprint: str = "") -> BatchRecord:
        """A new batch, receiving items until sealed."""

    @abstractmethod
    def lookup_key(self, owner: str, key: str) -> str | None:
        """The batch id an owner's Idempotency-Key stands for, if any."""

    @abstractmethod
    def claim_key(self, owner: str, key: str, batch_id: str) -> str:
        """Bind the key to batch_id unless it is bound already; returns the batch id that holds it."""

    @abstractmethod
    def seal_batch(self, batch_id: str) -> None:
        """All items have been added."""

    @abstractmethod
    def batch(self, batch_id: str) -> BatchRecord | None: ...

    @abstractmethod
    def batch_job_ids(self, batch_id: str) -> list[str]:
        """The batch's job ids in the order they were added."""

    # -- jobs -------------------------------------------------------------------------------------
    @abstractmethod
    def add_job(self, batch_id: str, name: str, kind: str, options: dict, queue: str,
                data: bytes | None = None, error: str | None = None) -> JobRecord:
        """A queued job with its input bytes, or (error set) a job that failed before it could run."""

    @abstractmethod
    def jobs(self, job_ids: Iterable[str]) -> list[JobRecord | None]: ...

    def job(self, job_id: str) -> JobRecord | None:
        return self.jobs([job_id])[0]

    @abstractmethod
    def read_input(self, job_id: str) -> bytes | None: ...

    @abstractmethod
    def read_blob(self, job_id: str, name: str) -> bytes | None:
        """One of a finished job's output blobs (`result`, …)."""

    # -- lifecycle (each atomic) ----------------------------------------------------------------
    @abstractmethod
    def begin(self, job_id: str, max_attempts: int) -> Start: ...

    @abstractmethod
    def progress(self, job_id: str, step: int, total: int, message: str) -> bool:
        """Record "step of total" and return whether a cancel was requested (one round trip per step)."""

    @abstractmethod
    def finish(self, job_id: str, output: JobOutput) -> bool:
        """Store the output and mark the job done, unless it already finished; True if this call did it."""

    @abstractmethod
    def fail(self, job_id: str, error: str) -> bool:
        """Mark failed unless already finished."""

    @abstractmethod
    def mark_cancelled(self, job_id: str) -> bool:
        """A running job that stopped on its cancel flag."""

    @abstractmethod
    def cancel(self, job_ids: Iterable[str]) -> None:
        """Queued jobs become cancelled now; running ones get a cancel flag they check between steps."""

    @abstractmethod
    def ping(self) -> None:
        """Raise QueueUnavailable when the store cannot be reached."""
