"""What the job store keeps: one record per job (one image of a batch, or one editing round) and per batch.

A job's record is keyed by its id and carries its state, attempts, progress and, once done, a summary of
its result; result bytes live next to it and are written in the same atomic step that marks it done.

    queued -> running -> done | failed | cancelled      (running -> running again when a worker died)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal, get_args

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
JOB_STATES: tuple[str, ...] = get_args(JobState)
TERMINAL = frozenset({"done", "failed", "cancelled"})
MAX_ATTEMPTS = 3

# how a job is prioritised: a person waiting on the studio, or one item of a catalog batch
PRIORITIES = ("interactive", "batch")


def queue_name(priority: str, family: str) -> str:
    """Queues are per priority and model family: `interactive.salient`, `batch.salient`, …"""
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {PRIORITIES}, got {priority!r}")
    return f"{priority}.{family}"


@dataclass(frozen=True)
class JobRecord:
    id: str
    batch_id: str
    name: str
    kind: str
    options: dict
    queue: str
    state: JobState
    attempts: int = 0
    step: int = 0
    total_steps: int = 0
    message: str = ""
    error: str | None = None
    result: dict = field(default_factory=dict)  # kind-specific summary: file name, media type, report, notes
    created: float = 0.0
    started: float | None = None
    finished: float | None = None
    cancel_requested: bool = False

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


@dataclass(frozen=True)
class BatchRecord:
    id: str
    owner: str
    options: dict
    created: float
    fingerprint: str = ""
    receiving: bool = False  # items are still being added by the request that created it


@dataclass(frozen=True)
class Start:
    """What `begin` decided for a delivery of a job: run it (this is attempt n) or not, and why."""

    action: Literal["run", "skip", "cancelled", "gave_up", "missing"]
    attempts: int = 0


@dataclass(frozen=True)
class JobOutput:
    """What a job function returns: named blobs (`result` is the deliverable) and a JSON-able summary."""

    blobs: dict[str, bytes]
    summary: dict


def gave_up_message(attempts: int) -> str:
    return (f"gave up after {attempts} attempts: the worker process stopped while running this job each time "
            "(a crash, an out-of-memory kill or a restart); the input may be too large for the worker")


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
