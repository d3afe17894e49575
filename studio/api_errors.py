"""The HTTP API's one boundary for errors: every failure becomes a 4xx/5xx JSON body
`{"error": {"type": ..., "message": ...}}` (`ErrorBody`) naming what was wrong and what is allowed. No stack traces.

    ApiError (StudioError)     raised by the API layer itself
    ├── Unauthorized           401: no or unknown API key
    ├── PayloadTooLarge        413: request body, files or items over the limits
    └── UnsupportedMediaType   415: not multipart/form-data

A query parameter FastAPI cannot read (`?items=maybe`) is a 400 in the same body, not FastAPI's 422
`{"detail": [...]}`; `error_responses(...)` documents a route's codes with this one schema in /openapi.json.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

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


def _type_name(kind: type[ApiError]) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in kind.__name__).lstrip("_")


ERROR_TYPES = (*dict.fromkeys(name for _, _, name in _STATUS),
               *(_type_name(kind) for kind in (Unauthorized, PayloadTooLarge, UnsupportedMediaType)), "internal")


class ErrorDetail(BaseModel):
    type: str = Field(description="what kind of error: " + ", ".join(ERROR_TYPES))
    message: str = Field(description="what was wrong and what is allowed, in plain words")


class ErrorBody(BaseModel):
    """Every error the API answers, whatever the status."""

    error: ErrorDetail


# what each status means on this API; a route may say more about its own case
ERRORS: dict[int, str] = {
    400: "A field, file, header or query parameter is not valid; the message names it and what is allowed.",
    401: "No API key, or one that is not valid (when STUDIO_API_KEYS is set).",
    403: "The batch belongs to another API key.",
    404: "No batch or item with that id (or it has expired).",
    409: "The request conflicts with the batch's state.",
    413: "Over a limit: STUDIO_MAX_REQUEST_MB, STUDIO_MAX_FILES_PER_REQUEST, STUDIO_MAX_BATCH_ITEMS or a file's size.",
    415: "The body is not multipart/form-data.",
    503: "The job store and broker (Redis) cannot be reached; try again later.",
}
_HEADERS = {401: {"WWW-Authenticate": {"description": "how to send the key", "schema": {"type": "string"}}}}


def error_responses(*codes: int, notes: dict[int, str] | None = None) -> dict[int | str, dict]:
    """A route's `responses=`: each status it can answer, with the one error body and what it means there."""
    notes = notes or {}
    return {code: {"model": ErrorBody, "description": notes.get(code, ERRORS[code]),
                   **({"headers": _HEADERS[code]} if code in _HEADERS else {})} for code in codes}


def error_response(status: int, kind: str, message: str, headers: dict | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(type=kind, message=message))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


async def _studio_error(request: Request, exc: StudioError) -> JSONResponse:
    if isinstance(exc, ApiError):
        headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'} if exc.status == 401 else None
        return error_response(exc.status, _type_name(type(exc)), str(exc), headers)
    for kind, status, name in _STATUS:
        if isinstance(exc, kind):
            return error_response(status, name, str(exc))
    log.error("unexpected product error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", "the request failed unexpectedly; the server log has the details")


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        got = f" (got {error['input']!r})" if isinstance(error.get("input"), str) else ""
        problems.append(f"{where}: {error.get('msg', 'not valid')}{got}")
    return error_response(400, "invalid_options", "; ".join(problems) or "the request is not valid")


def install_error_handlers(app: FastAPI) -> None:
    """Every error as `ErrorBody`. FastAPI documents a 422 `HTTPValidationError` on every route with
    parameters; the API answers those as 400 `ErrorBody` (documented per route), so the 422 leaves /openapi.json."""
    app.add_exception_handler(StudioError, _studio_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.get("responses", {})
                    generated = responses.get("422", {}).get("content", {}).get("application/json", {})
                    if generated.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                        del responses["422"]
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
        return app.openapi_schema

    app.openapi = openapi


def install_unmatched(app: FastAPI, prefix: str = "/v1") -> None:
    """Requests under `prefix` that no route answers get the API's own answer, not the studio's pages
    (mounted at /): 405 with `Allow` for a known path asked with another method, else 404; both `ErrorBody`.
    Call it after the routers are included."""
    from starlette.routing import Match, Mount

    methods = ("GET", "POST", "PUT", "PATCH", "DELETE")

    def answers(scope: dict, method: str) -> bool:
        probe = {**scope, "method": method}
        return any(r.matches(probe)[0] == Match.FULL for r in app.router.routes
                   if not isinstance(r, Mount) and getattr(r, "path", None) != prefix + "/{rest:path}")

    @app.api_route(prefix + "/{rest:path}", methods=list(methods), include_in_schema=False)
    async def unmatched(request: Request, rest: str) -> JSONResponse:
        allowed = [m for m in methods if answers(request.scope, m)]
        if allowed:
            return error_response(405, "method_not_allowed", f"{request.method} is not allowed on "
                                  f"{request.url.path}; allowed: {', '.join(allowed)}", {"Allow": ", ".join(allowed)})
        return error_response(404, "not_found", f"no API route {request.url.path}; see /docs for the routes")


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
