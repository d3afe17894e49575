"""The studio's one place that turns errors into what a user sees: gr.Error with a plain message."""

from __future__ import annotations

import functools
import inspect
import logging
import uuid

import gradio as gr

from pipelines.errors import StudioError

log = logging.getLogger("studio.ui")


def user_errors(handler):
    """Wrap an event handler: our own errors show their message; anything else is logged with a reference
    and shown as a short generic failure."""

    def translate(exc: Exception) -> gr.Error:
        if isinstance(exc, gr.Error):
            return exc
        if isinstance(exc, StudioError):
            return gr.Error(str(exc), print_exception=False)
        ref = uuid.uuid4().hex[:8]
        log.exception("studio handler %s failed (ref %s)", handler.__name__, ref)
        return gr.Error(f"Something went wrong on our side (reference {ref}). Your uploads are kept; try again.",
                        print_exception=False)

    if inspect.isgeneratorfunction(handler):  # a handler that streams updates (Gradio must still see a generator)
        @functools.wraps(handler)
        def streamed(*args, **kwargs):
            try:
                yield from handler(*args, **kwargs)
            except Exception as exc:  # the boundary: every failure becomes a message, never a stack trace
                raise translate(exc) from None

        return streamed

    @functools.wraps(handler)
    def wrapped(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except Exception as exc:  # the boundary: every failure becomes a message, never a stack trace
            raise translate(exc) from None

    return wrapped
