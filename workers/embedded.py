"""The embedded mode: the worker tier inside the studio's own process, for a laptop with no Redis.

One thread runs one job at a time through the same `execute` a Celery worker runs, interactive jobs
before batch items, against the local job store under the data directory. Jobs that were queued or
running when the studio stopped are resumed when it starts again.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading

from workers.execute import execute
from workers.runtime import JobRuntime

log = logging.getLogger(__name__)
_STOP = (-1, -1, "")


class EmbeddedQueue:
    def __init__(self, runtime: JobRuntime):
        self.runtime = runtime
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def start(self) -> "EmbeddedQueue":
        """Resume unfinished jobs from the store, then start the worker thread."""
        for job_id, name in self.runtime.store.unfinished():
            self.enqueue(job_id, name)
        self._thread = threading.Thread(target=self._work, name="embedded-worker", daemon=True)
        self._thread.start()
        return self

    def enqueue(self, job_id: str, queue_name: str) -> None:
        priority = 0 if queue_name.startswith("interactive.") else 1
        self._queue.put((priority, next(self._order), job_id))

    def stop(self, timeout: float | None = None) -> None:
        self._queue.put(_STOP)
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item == _STOP:
                return
            try:
                execute(item[2], self.runtime)
            except Exception:  # the store itself failed; the job stays unfinished and resumes at next start
                log.exception("embedded worker: job %s could not be run", item[2])
