"""What a job function is given: the worker process's runtime and the progress callback.

Every job module (`workers/white_background.py`, `workers/edit.py`, `workers/banners/`) types its `run_*`
function with these, and `workers/execute.py` dispatches to them; this module imports no job module, so
there is no cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pipelines import ModelStore
from pipelines.image_input import ImageLimits
from workers.records import MAX_ATTEMPTS
from workers.store import JobStore

Step = Callable[[int, int, str], None]  # (done, total, message); raises JobCancelled when cancelled


@dataclass(frozen=True)
class JobRuntime:
    """What a worker process holds while it runs jobs: the job store, its warm models, the input limits."""

    store: JobStore
    models: ModelStore
    limits: ImageLimits = ImageLimits()
    max_attempts: int = MAX_ATTEMPTS
    soft_time_limit_s: int | None = None
