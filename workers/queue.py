"""Celery on Redis: the configuration both sides use, and the web side's way to enqueue a job.

Why each setting (behaviour measured with Celery 5.7 / Redis 7, see README "Worker tier"):
- acks_late + reject_on_worker_lost + prefetch 1: a job is acknowledged only after it ran, so a killed
  child's job is re-queued at once and a killed worker's job comes back after the visibility timeout;
- visibility timeout > hard time limit: a job still running is never handed to a second worker; the sweep
  that hands out a dead worker's jobs runs every tenth of that timeout;
- worker_cancel_long_running_tasks_on_connection_loss stays False: True lost running jobs when Redis restarted;
- queue_order_strategy "priority": a worker always looks at its interactive queue before its batch queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from celery import Celery
from kombu import Queue
from kombu.exceptions import OperationalError

from workers.errors import QueueUnavailable

TASK_NAME = "studio.run_job"


@dataclass(frozen=True)
class QueueConfig:
    redis_url: str
    soft_time_limit_s: int = 300
    time_limit_s: int = 360
    visibility_timeout_s: int = 900


def create_celery(config: QueueConfig, queues: Sequence[str] = ()) -> Celery:
    """The Celery app; `queues` are the ones a worker consumes, in priority order."""
    app = Celery("storefront-studio", broker=config.redis_url, backend=config.redis_url, set_as_current=False)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_concurrency=1,  # one job at a time per worker process: one worker per GPU
        task_soft_time_limit=config.soft_time_limit_s,
        task_time_limit=config.time_limit_s,
        broker_transport_options={
            "visibility_timeout": config.visibility_timeout_s,
            "queue_order_strategy": "priority",
            # kombu looks for timed-out unacknowledged jobs every interval × throttle seconds (100 s by
            # default): sweep every tenth of the visibility timeout (at most 30 s) instead
            "unacked_restore_interval": max(1, min(30, config.visibility_timeout_s // 10)),
            "unacked_restore_throttle": 1,
        },
        worker_cancel_long_running_tasks_on_connection_loss=False,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        result_expires=24 * 3600,
        result_backend_always_retry=True,
        result_backend_max_retries=20,
        task_queues=[Queue(name) for name in queues] or None,
        task_create_missing_queues=True,
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
    )
    return app


@dataclass(frozen=True)
class CeleryDispatcher:
    """The web side of the tier: it only enqueues job ids (inputs are already in the job store)."""

    app: Celery

    def enqueue(self, job_id: str, queue: str) -> None:
        try:
            self.app.send_task(TASK_NAME, args=[job_id], queue=queue, task_id=job_id,
                               retry=True, retry_policy={"max_retries": 3, "interval_start": 0.2,
                                                         "interval_step": 0.5})
        except OperationalError as exc:
            raise QueueUnavailable(f"the job queue cannot be reached ({exc}); try again shortly") from None
