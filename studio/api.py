"""The batch API: catalog white-backgrounding over HTTP, mounted beside the studio (OpenAPI at /docs).

    POST   /v1/batches                          multipart `files` (+ preset, shadow, margin, width, height, model)
    GET    /v1/batches/{batch_id}               the batch: state, counts, items
    GET    /v1/batches/{batch_id}/items/{id}    one item's result (an image; a banner set's zip)
    GET    /v1/batches/{batch_id}/results.zip   every finished result + report.csv
    DELETE /v1/batches/{batch_id}               cancel what has not run
"""

from __future__ import annotations

import hashlib
import json
import tempfile

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from pipelines.errors import InvalidOptions
from pipelines.image_input import count_streams, iter_streams
from studio.api_common import (
    MultipartIntake, accepted, accepted_responses, attachment, authenticator, chunks, parse_bool, read_multipart,
)
from studio.api_errors import PayloadTooLarge, error_responses
from studio.api_models import Batch
from studio.settings import StudioSettings
from workers.batches import Batches
from workers.white_background import WhiteBackgroundJob, check_job

OPTION_FIELDS = ("preset", "shadow", "margin", "width", "height", "model")
_REQUEST_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["files"],
        "properties": {
            "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                      "description": "product photos (JPEG, PNG, WebP, GIF, BMP, TIFF, AVIF) and/or .zip files"},
            "preset": {"type": "string", "enum": ["amazon", "shopify", "aliexpress", "transparent", "custom"],
                       "default": "amazon"},
            "shadow": {"type": "boolean", "default": False},
            "margin": {"type": "number", "minimum": 0, "maximum": 0.4},
            "width": {"type": "integer", "description": "custom preset only"},
            "height": {"type": "integer", "description": "custom preset only"},
            "model": {"type": "string", "default": "u2netp"},
        }}}},
}


def create_api(settings: StudioSettings, batches: Batches) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["batches"])
    authenticate = authenticator(settings)
    intake = MultipartIntake(
        expects="send multipart/form-data with one or more `files` parts (images or .zip)",
        max_files=settings.max_files_per_request, max_fields=len(OPTION_FIELDS) + 4,
        too_many_files=f"Send at most {settings.max_files_per_request} files per request; put larger catalogs "
                       "in .zip files.")

    @router.post("/batches", status_code=202, response_model=Batch, openapi_extra={"requestBody": _REQUEST_BODY},
                 summary="Submit photos (and/or zips) for white backgrounds", responses=accepted_responses())
    async def create_batch(request: Request, owner: str = Depends(authenticate)) -> JSONResponse:
        async with read_multipart(request, intake) as submission:
            files, fields = [], {}
            for name, value in submission.form.multi_items():
                if name == "files":
                    if not isinstance(value, UploadFile):
                        raise InvalidOptions("`files` parts must be files (images or .zip), not text")
                    files.append((value.filename or "upload", value.file))
                elif name in OPTION_FIELDS:
                    fields[name] = value
                else:
                    raise InvalidOptions(f"unknown field {name!r}; allowed: files, {', '.join(OPTION_FIELDS)}")
            if not files:
                raise InvalidOptions("no `files` in the request; attach product photos (or .zip files) as `files`")
            job = _parse_job(fields)
            view, created = await run_in_threadpool(_submit, batches, settings, owner, job, files,
                                                    submission.idempotency_key)
        return accepted(view, created)

    @router.get("/batches/{batch_id}", summary="A batch's state, counts and items", response_model=Batch,
                response_model_exclude_unset=True, responses=error_responses(400, 401, 403, 404, 503))
    def get_batch(batch_id: str, items: bool = True, owner: str = Depends(authenticate)) -> Batch:
        """`?items=false` leaves out the item list: a cheaper poll for a large batch's progress."""
        return Batch.from_view(batches.view(batch_id, owner), with_items=items)

    @router.get("/batches/{batch_id}/items/{item_id}", summary="One item's result (an image, or a banner set's zip)",
                response_class=Response, responses={
                    200: {"content": {media: {"schema": {"type": "string", "format": "binary"}}
                                      for media in ("image/jpeg", "image/png", "application/zip")}},
                    **error_responses(401, 403, 404, 409, 503, notes={
                        409: "The item has not finished (or it failed or was cancelled: the batch says why)."})})
    def get_item(batch_id: str, item_id: str, owner: str = Depends(authenticate)) -> Response:
        data, job = batches.result(batch_id, item_id, owner)
        return Response(data, media_type=job.result.get("media_type", "application/octet-stream"),
                        headers={"Content-Disposition": attachment(job.result.get("file_name", job.id))})

    @router.get("/batches/{batch_id}/results.zip", summary="All finished results and report.csv",
                response_class=StreamingResponse, responses={
                    200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
                    **error_responses(401, 403, 404, 503)})
    def get_zip(batch_id: str, owner: str = Depends(authenticate)) -> StreamingResponse:
        spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # large zips go to disk, not memory
        try:
            batches.write_zip(batch_id, owner, spool)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return StreamingResponse(chunks(spool), media_type="application/zip",
                                 headers={"Content-Disposition": attachment(f"batch-{batch_id}.zip")})

    @router.delete("/batches/{batch_id}", summary="Cancel the items that have not run", response_model=Batch,
                   response_model_exclude_unset=True, responses=error_responses(401, 403, 404, 503))
    def cancel_batch(batch_id: str, owner: str = Depends(authenticate)) -> Batch:
        return Batch.from_view(batches.cancel(batch_id, owner))

    return router


def _submit(batches: Batches, settings: StudioSettings, owner: str, job: WhiteBackgroundJob, files, key):
    count = count_streams(files)
    if count > settings.max_batch_items:
        raise PayloadTooLarge(f"the request holds {count} images (zips expanded); the limit is "
                              f"{settings.max_batch_items} per batch")
    items = iter_streams(files, settings.image_limits(), settings.archive_limits())
    return batches.submit(owner, job, items, idempotency_key=key,
                          fingerprint=_fingerprint(job, files) if key is not None else "")


def _parse_job(fields: dict[str, str]) -> WhiteBackgroundJob:
    values: dict = {}
    for name, raw in fields.items():
        text = raw.strip()
        if name in ("preset", "model"):
            values[name] = text
        elif name == "shadow":
            values[name] = parse_bool(name, raw)
        elif text:
            try:
                values[name] = float(text) if name == "margin" else int(text)
            except ValueError:
                kind = "a number between 0 and 0.4" if name == "margin" else "a whole number of pixels"
                raise InvalidOptions(f"{name}: {raw!r} is not {kind}") from None
    if ("width" in values or "height" in values) and values.get("preset") != "custom":
        raise InvalidOptions("width and height apply to the 'custom' preset only; send preset=custom with them")
    job = WhiteBackgroundJob.parse(**values)
    check_job(job)
    return job


def _fingerprint(job: WhiteBackgroundJob, files) -> str:
    """What makes two requests 'the same': the options, and every file's name and content."""
    digest = hashlib.sha256(json.dumps(job.model_dump(mode="json"), sort_keys=True).encode())
    for name, stream in files:
        stream.seek(0)
        content = hashlib.sha256()
        while chunk := stream.read(1024 * 1024):
            content.update(chunk)
        digest.update(f"{name}\0{content.hexdigest()}\0".encode())
    return digest.hexdigest()
