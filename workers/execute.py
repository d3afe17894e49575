"""Running one job: the same function in a Celery worker child and in the embedded mode's thread.

    start = store.begin(job)          skip if finished or cancelled; count the attempt; give up after 3
    output = KIND(job, input, ...)    checks the cancel flag and reports progress at every step
    store.finish(job, output)         result + done marker in one atomic write; a re-run writes nothing
"""

from __future__ import annotations

import logging
from typing import Callable

from pipelines.errors import StudioError, is_out_of_memory
from workers.errors import JobCancelled
from workers.records import JobOutput, JobRecord
from workers.runtime import JobRuntime, Step
from workers.banners import BANNERS_KIND, CUTOUT_KIND, run_banners_item, run_cutout_item
from workers.edit import EDIT_KIND, SELECT_KIND, run_edit_item, run_select_item
from workers.scene import SCENE_KIND, run_scene_item
from workers.white_background import run_white_background_item

log = logging.getLogger(__name__)

JobFunction = Callable[[JobRecord, bytes, JobRuntime, Step], JobOutput]

KINDS: dict[str, JobFunction] = {
    "white_background": run_white_background_item,
    EDIT_KIND: run_edit_item,
    SELECT_KIND: run_select_item,
    SCENE_KIND: run_scene_item,
    BANNERS_KIND: run_banners_item,
    CUTOUT_KIND: run_cutout_item,
}


__all__ = ["KINDS", "JobFunction", "JobRuntime", "Step", "describe_failure", "execute"]


def execute(job_id: str, runtime: JobRuntime) -> str:
    """Run the job if it still needs running; returns its state afterwards (or why it did not run)."""
    store = runtime.store
    start = store.begin(job_id, runtime.max_attempts)
    if start.action != "run":
        if start.action == "gave_up":
            log.error("job %s: gave up after %d attempts", job_id, start.attempts)
        return start.action
    job = store.job(job_id)
    if start.attempts > 1:
        log.warning("job %s (%s): attempt %d", job_id, job.name, start.attempts)

    def step(done: int, total: int, message: str) -> None:
        if store.progress(job_id, done, total, message):
            raise JobCancelled(f"job {job_id} was cancelled")

    try:
        data = store.read_input(job_id)
        if data is None:
            raise StudioError("the uploaded image is no longer stored (it expired); submit it again")
        output = KINDS[job.kind](job, data, runtime, step)
    except JobCancelled:
        store.mark_cancelled(job_id)
        return "cancelled"
    except Exception as exc:  # every failure becomes the job's state, with a message for the user
        store.fail(job_id, describe_failure(exc, job_id, runtime))
        return "failed"
    store.finish(job_id, output)
    return "done"


def describe_failure(exc: Exception, job_id: str, runtime: JobRuntime) -> str:
    """A message for the user: the input's fault in its own words; resource limits named as such;
    anything else logged with the job id and reported generically."""
    if isinstance(exc, StudioError):
        return str(exc)
    if is_out_of_memory(exc):
        log.error("job %s: out of memory: %s", job_id, exc)
        return ("the worker ran out of memory (GPU or RAM) on this job; try a smaller image, "
                "or a worker with more memory")
    if type(exc).__name__ == "SoftTimeLimitExceeded":
        limit = f" of {runtime.soft_time_limit_s} s" if runtime.soft_time_limit_s else ""
        return f"the job took longer than the time limit{limit} and was stopped"
    log.error("job %s failed unexpectedly", job_id, exc_info=exc)
    return f"unexpected failure (job {job_id}); the worker log has the details"
