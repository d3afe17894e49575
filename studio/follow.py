"""Following a job from the page: one polling loop for every tab.

    for job in follow(lambda: jobs.job(job_id)):   # each time what a person sees of it changes,
        ...                                        # then once more, finished (the last one yielded)

Jobs run in this process (the embedded mode) or on workers; either way the page learns about them only by
reading their records, so this reads the record every POLL_SECONDS and hands it on when it changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from typing import TypeVar

from workers.records import JobRecord

POLL_SECONDS = 0.2  # a progress line that lags by less than this reads as live

T = TypeVar("T")


def progress(job: JobRecord) -> Hashable:
    """What a person sees of a running job: its state and how far it got."""
    return job.state, job.step, job.message


def finished(job: JobRecord) -> bool:
    return job.terminal


def follow(read: Callable[[], T], *, shown: Callable[[T], Hashable] = progress,
           done: Callable[[T], bool] = finished, poll: float = POLL_SECONDS) -> Iterator[T]:
    """Yield what `read()` returns whenever `shown` of it changes, until `done`; the last value yielded is
    the finished one (also when it finished before the first read). `shown` and `done` default to a job
    record's progress and terminal state; a batch passes its own."""
    last: object = object()  # nothing seen yet
    while True:
        current = read()
        if done(current):
            yield current
            return
        seen = shown(current)
        if seen != last:
            last = seen
            yield current
        time.sleep(poll)
