"""What every /v1 router shares: the API-key check, the multipart intake of a POST (content type,
Idempotency-Key header, disk-spooled parser, its errors), the 202 answer, download headers. One copy, so every
endpoint behaves the same.

    async with read_multipart(request, intake) as submission:  # 415 / 400 / 413 before the route sees a field
        ... submission.form, submission.idempotency_key ...
    return accepted(view, created)                          # 202, Location, Idempotent-Replayed

`accepted_responses()` documents what such a POST answers; `authenticator` declares the X-API-Key / Bearer schemes.
"""

from __future__ import annotations

import hmac
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator, Callable, Iterator

from fastapi import Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser

from pipelines.errors import InvalidOptions
from studio.api_errors import PayloadTooLarge, Unauthorized, UnsupportedMediaType, error_responses
from studio.api_models import Batch
from studio.settings import StudioSettings
from workers.batches import BatchView

TRUE, FALSE = frozenset({"true", "1", "yes", "on"}), frozenset({"false", "0", "no", "off", ""})


class DiskSpooledParser(MultiPartParser):
    """Starlette's parser keeps every uploaded part under 1 MB in memory until the request ends: 1,000
    photos as separate parts held ~80 MB. Parts above 8 KB go to temporary files instead."""

    spool_max_size = 8 * 1024


@dataclass(frozen=True)
class MultipartIntake:
    """How one POST route reads its body: what the 415 asks for, the parser's limits, what a 413 for too many
    file parts advises."""

    expects: str
    max_files: int
    max_fields: int
    too_many_files: str
    max_part_size: int = 64 * 1024


@dataclass(frozen=True)
class Submission:
    form: FormData
    idempotency_key: str | None


@asynccontextmanager
async def read_multipart(request: Request, intake: MultipartIntake) -> AsyncIterator[Submission]:
    """The request's multipart form, its files spooled to disk and closed when the block ends."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaType(intake.expects)
    key = idempotency_key(request.headers.get("idempotency-key"))
    parser = DiskSpooledParser(request.headers, request.stream(), max_files=intake.max_files,
                               max_fields=intake.max_fields, max_part_size=intake.max_part_size)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        if "Too many files" in exc.message:
            raise PayloadTooLarge(f"{exc.message} {intake.too_many_files}") from None
        raise InvalidOptions(f"the multipart body cannot be read: {exc.message}") from None
    try:
        yield Submission(form, key)
    finally:
        await form.close()


def accepted(view: BatchView, created: bool) -> JSONResponse:
    """The answer to a POST that made (or, with a known Idempotency-Key, found) a batch."""
    headers = {"Location": f"/v1/batches/{view.id}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(Batch.from_view(view).as_json(), status_code=202, headers=headers)


def accepted_responses() -> dict[int | str, dict]:
    """What a POST read by `read_multipart` and answered by `accepted` can answer: the route's `responses=`."""
    headers = {
        "Location": {"description": "the batch: GET it to follow its progress", "schema": {"type": "string"}},
        "Idempotent-Replayed": {"description": "`true` when an Idempotency-Key found the batch an earlier request "
                                               "made (nothing new was queued)", "schema": {"type": "string"}},
    }
    conflict = "The Idempotency-Key was used before for a different request (other files, options or copy)."
    return {202: {"headers": headers}, **error_responses(400, 401, 409, 413, 415, 503, notes={409: conflict})}

_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="one of STUDIO_API_KEYS, when it is set")
_BEARER = HTTPBearer(auto_error=False, description="or the same key as `Authorization: Bearer KEY`")


def authenticator(settings: StudioSettings) -> Callable[..., str]:
    """A FastAPI dependency giving the caller's owner id: "" when no keys are configured, else the hash of
    a valid key (batches are stored under it, never under the key)."""
    owners = settings.api_key_owners

    def authenticate(header: str | None = Security(_API_KEY),
                     bearer: HTTPAuthorizationCredentials | None = Security(_BEARER)) -> str:
        if not owners:
            return ""
        key = header or (bearer.credentials if bearer is not None else None)
        if not key:
            raise Unauthorized("this API needs an API key: send it in the X-API-Key header")
        for known, owner in owners.items():
            if hmac.compare_digest(known.encode(), key.encode()):
                return owner
        raise Unauthorized("the API key is not valid")

    return authenticate


def idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not 1 <= len(raw) <= 255 or not raw.isprintable():
        raise InvalidOptions("Idempotency-Key must be 1–255 printable characters (e.g. a UUID)")
    return raw


def parse_bool(name: str, raw: str) -> bool:
    text = raw.strip().lower()
    if text not in TRUE | FALSE:
        raise InvalidOptions(f"{name}: {raw!r} is not true or false")
    return text in TRUE


def attachment(name: str) -> str:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name) or "result"
    return f'attachment; filename="{safe}"'


def chunks(spool, size: int = 1024 * 1024) -> Iterator[bytes]:
    try:
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()

