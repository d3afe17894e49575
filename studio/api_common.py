"""What every /v1 router shares: the API-key check, the Idempotency-Key header, the batch JSON, the
disk-spooled multipart parser and download headers. One copy, so every endpoint behaves the same."""

from __future__ import annotations

import hmac
from typing import Callable, Iterator

from fastapi import Request
from starlette.formparsers import MultiPartParser

from pipelines.errors import InvalidOptions
from studio.api_errors import Unauthorized
from studio.settings import StudioSettings
from workers.batches import BatchView

TRUE, FALSE = frozenset({"true", "1", "yes", "on"}), frozenset({"false", "0", "no", "off", ""})


class DiskSpooledParser(MultiPartParser):
    """Starlette's parser keeps every uploaded part under 1 MB in memory until the request ends: 1,000
    photos as separate parts held ~80 MB. Parts above 8 KB go to temporary files instead."""

    spool_max_size = 8 * 1024


def authenticator(settings: StudioSettings) -> Callable[[Request], str]:
    """A FastAPI dependency giving the caller's owner id: "" when no keys are configured, else the hash of
    a valid key (batches are stored under it, never under the key)."""
    owners = settings.api_key_owners

    def authenticate(request: Request) -> str:
        if not owners:
            return ""
        key = request.headers.get("x-api-key") or _bearer(request.headers.get("authorization", ""))
        if not key:
            raise Unauthorized("this API needs an API key: send it in the X-API-Key header")
        for known, owner in owners.items():
            if hmac.compare_digest(known.encode(), key.encode()):
                return owner
        raise Unauthorized("the API key is not valid")

    return authenticate


def batch_json(view: BatchView, with_items: bool = True) -> dict:
    base = f"/v1/batches/{view.id}"
    items = []
    for job in view.jobs if with_items else ():
        item = {"id": job.id, "name": job.name, "state": job.state, "error": job.error}
        if job.state == "running":
            item["progress"] = {"step": job.step, "total": job.total_steps, "message": job.message}
        if job.state == "done":
            item["result_url"] = f"{base}/items/{job.id}"
            item["passed"] = job.result.get("report", {}).get("passed")
        items.append(item)
    body = {"id": view.id, "state": view.state, "counts": view.counts, "created": view.record.created,
            "options": view.record.options, "results_url": f"{base}/results.zip"}
    return {**body, "items": items} if with_items else body


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


def _bearer(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
