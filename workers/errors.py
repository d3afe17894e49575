"""Errors of the worker tier.

    StudioError (pipelines.errors)
    ├── JobFailed (RuntimeError)          a job stopped for a reason that is not the input's fault (logged with its id)
    ├── JobCancelled (RuntimeError)       a running job saw its cancel flag between two steps
    ├── BatchNotFound (LookupError)       no batch or item with that id (or it has expired)
    ├── BatchForbidden (PermissionError)  the batch belongs to another API key
    ├── NotReady (RuntimeError)           an item's result was asked for before it finished (or it failed)
    ├── IdempotencyConflict (ValueError)  an Idempotency-Key reused for a different request
    └── QueueUnavailable (RuntimeError)   the job store / broker (Redis) cannot be reached
"""

from pipelines.errors import StudioError


class JobFailed(StudioError, RuntimeError):
    """A job failed unexpectedly; the message carries the job id to find it in the log."""


class JobCancelled(StudioError, RuntimeError):
    """The job was cancelled while it ran."""


class BatchNotFound(StudioError, LookupError):
    """No such batch or item."""


class BatchForbidden(StudioError, PermissionError):
    """The batch exists but belongs to another API key."""


class NotReady(StudioError, RuntimeError):
    """The item has no result (yet)."""


class IdempotencyConflict(StudioError, ValueError):
    """The same Idempotency-Key was sent with a different request."""


class QueueUnavailable(StudioError, RuntimeError):
    """Redis (broker and job store) is unreachable."""
