"""Errors of the worker tier.

    StudioError (pipelines.errors)
    └── JobFailed (RuntimeError)   a job stopped for a reason that is not the input's fault (logged with its id)
"""

from pipelines.errors import StudioError


class JobFailed(StudioError, RuntimeError):
    """A job failed unexpectedly; the message carries the job id to find it in the log."""
