"""The HTTP API's one boundary for errors: every failure becomes a 4xx/5xx JSON body
`{"error": {"type": ..., "message": ...}}` naming what was wrong and what is allowed. No stack traces.

    ApiError (StudioError)     raised by the API layer itself
    ├── Unauthorized           401: no or unknown API key
    ├── PayloadTooLarge        413: request body, files or items over the limits
    └── UnsupportedMediaType   415: not multipart/form-data
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pipelines.errors import InvalidArchive, InvalidImage, InvalidOptions, StudioError
from workers.errors import BatchForbidden, BatchNotFound, IdempotencyConflict, NotReady, QueueUnavailable

log = logging.getLogger(__name__)


class ApiError(StudioError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class PayloadTooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


# most specific first
_STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (InvalidArchive, 400, "invalid_archive"),
    (InvalidImage, 400, "invalid_image"),
    (InvalidOptions, 400, "invalid_options"),
    (BatchForbidden, 403, "forbidden"),
    (BatchNotFound, 404, "not_found"),
    (NotReady, 409, "not_ready"),
    (IdempotencyConflict, 409, "idempotency_conflict"),
    (QueueUnavailable, 503, "queue_unavailable"),
)


def error_response(status: int, kind: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status, headers=headers)


def _type_name(exc: ApiError) -> str:
    name = type(exc).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


async def _studio_error(request: Request, exc: StudioError) -> JSONResponse:
    if isinstance(exc, ApiError):
        headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'} if exc.status == 401 else None
        return error_response(exc.status, _type_name(exc), str(exc), headers)
    for kind, status, name in _STATUS:
        if isinstance(exc, kind):
            return error_response(status, name, str(exc))
    log.error("unexpected product error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", "the request failed unexpectedly; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StudioError, _studio_error)


class BodyLimit:
    """ASGI middleware: requests under `prefix` may carry at most `max_bytes` (413 before reading when the
    declared length is over; a streamed body is counted as it arrives and cut off at the limit)."""

    def __init__(self, app, max_bytes: int, prefix: str = "/v1/"):
        self.app, self.max_bytes, self.prefix = app, max_bytes, prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            return await self.app(scope, receive, send)
        limit = self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        too_big = f"the request is larger than the limit of {limit // (1024 * 1024)} MB; send fewer files per batch"
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await error_response(413, "payload_too_large", too_big)(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise PayloadTooLarge(too_big)
            return message

        await self.app(scope, counted, send)
