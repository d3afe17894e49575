"""Errors of the front end. Everything raised below (pipelines.errors, workers.errors) arrives here and is
turned into a user-facing message at one place per boundary: `studio.ui_errors` for the studio, the
CLI's `main` for the command line.

    StudioError (pipelines.errors)
    └── UsageError (ValueError)   a command line or form value that cannot be used
"""

from pipelines.errors import StudioError


class UsageError(StudioError, ValueError):
    """A command-line or form value that cannot be used; the message says what is allowed."""
