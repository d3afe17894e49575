"""The banner API: templates, and banner sets made on the worker tier (OpenAPI at /docs).

    GET  /v1/templates          every template (id, name, tags, background), the canvas sizes and the languages
    GET  /v1/templates/{id}     one template's whole definition (a starting point for your own)
    POST /v1/banners            multipart: product photo + template (id or file) + sizes + copy -> 202 batch

A banner set is a one-item batch: follow it at GET /v1/batches/{id}, download the zip from its item's
`result_url`, cancel it with DELETE /v1/batches/{id}. Auth, the multipart intake and the 202 answer are
studio/api_common.py's, shared with studio/api.py.
"""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from pipelines.banners.copy import SLOTS, parse_copy_table
from pipelines.banners.library import TemplateLibrary
from pipelines.banners.template import Template
from pipelines.errors import InvalidImage, InvalidOptions
from pipelines.image_input import probe_image
from studio.api_common import (
    MultipartIntake, accepted, accepted_responses, authenticator, parse_bool, read_multipart,
)
from studio.api_errors import PayloadTooLarge, error_responses
from studio.api_models import Batch, TemplateList
from studio.settings import StudioSettings
from workers.banners import BannerInputs, BannerJobs, BannersJob, check_template, own_photo
from workers.batches import Batches

FILE_FIELDS = ("product", "logo", "photo", "copy", "template_file")
COPY_FIELDS = ("language", *SLOTS)
JOB_FIELDS = ("text", "format", "quality", "harmonize", "model", "prompt", "negative_prompt",
              "num_inference_steps", "guidance_scale", "seed", "edit_model")
TEXT_FIELDS = ("template", "sizes", *COPY_FIELDS, *JOB_FIELDS)
MAX_SIZE_FIELDS = 20  # `sizes` may also be sent once per size
MAX_COPY_BYTES = 256 * 1024
MAX_TEMPLATE_BYTES = 1024 * 1024

_REQUEST_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["product", "sizes"],
        "properties": {
            "product": {"type": "string", "format": "binary",
                        "description": "the product photo; a PNG/WebP with transparency is used as the cut-out"},
            "template": {"type": "string", "description": "a template id from GET /v1/templates"},
            "template_file": {"type": "string", "format": "binary",
                              "description": "or your own template (JSON, see assets/templates/schema.json)"},
            "sizes": {"type": "string", "description": "comma-separated size names or WIDTHxHEIGHT"},
            "copy": {"type": "string", "format": "binary",
                     "description": "CSV: a `language` column and any of " + ", ".join(SLOTS)},
            **{name: {"type": "string", "description": "single-language copy (instead of a CSV)"}
               for name in COPY_FIELDS},
            "logo": {"type": "string", "format": "binary"},
            "photo": {"type": "string", "format": "binary", "description": "a photo for `photo` backgrounds"},
            "text": {"type": "boolean", "default": True, "description": "false: marketing images without copy"},
            "format": {"type": "string", "enum": ["jpeg", "png"], "default": "jpeg"},
            "quality": {"type": "integer", "default": 92},
            "harmonize": {"type": "number", "minimum": 0, "maximum": 1},
            "model": {"type": "string", "default": "u2netp", "description": "segmentation model"},
            "prompt": {"type": "string", "description": "generated backgrounds: empty = the template's"},
            "negative_prompt": {"type": "string"},
            **{name: {"type": kind, "minimum": limit["minimum"], "maximum": limit["maximum"],
                      "default": limit["value"]}
               for name, kind in (("num_inference_steps", "integer"), ("guidance_scale", "number"),
                                  ("seed", "integer"))
               for limit in (BannersJob.limits(name),)},
            "edit_model": {"type": "string", "description": "generated backgrounds: the editor (sd15, sdxl)"},
        }}}},
}


INTAKE = MultipartIntake(
    expects="send multipart/form-data with a `product` photo, `template` and `sizes`",
    max_files=len(FILE_FIELDS), max_fields=len(TEXT_FIELDS) + MAX_SIZE_FIELDS,
    too_many_files=f"A banner set takes one file per field: {', '.join(FILE_FIELDS)}.")


def create_banners_api(settings: StudioSettings, banners: BannerJobs, batches: Batches,
                       templates: TemplateLibrary) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["banners"])
    authenticate = authenticator(settings)

    @router.get("/templates", summary="Templates, canvas sizes and languages for banners",
                response_model=TemplateList, responses=error_responses(401))
    def list_templates(owner: str = Depends(authenticate)) -> TemplateList:
        return TemplateList.from_library(templates)

    @router.get("/templates/{template_id}", summary="One template's whole definition", response_model=Template,
                responses=error_responses(400, 401, notes={400: "No template with that id; the message lists them."}))
    def get_template(template_id: str, owner: str = Depends(authenticate)) -> JSONResponse:
        # sent as loaded: validating it again would look for a photo background's file without its folder
        return JSONResponse(templates.get(template_id).model_dump(mode="json"))

    @router.post("/banners", status_code=202, response_model=Batch, openapi_extra={"requestBody": _REQUEST_BODY},
                 summary="Make a banner set: every size x language from one product photo",
                 responses=accepted_responses())
    async def create_banners(request: Request, owner: str = Depends(authenticate)) -> JSONResponse:
        async with read_multipart(request, INTAKE) as submission:
            job, inputs = await run_in_threadpool(parse_request, submission.form, settings, templates)
        key = submission.idempotency_key
        fingerprint = request_fingerprint(job, inputs) if key is not None else ""
        batch_id, _, created = await run_in_threadpool(
            lambda: banners.submit_banners(owner, job, inputs.product, logo=inputs.logo, photo=inputs.photo,
                                           idempotency_key=key, fingerprint=fingerprint))
        return accepted(batches.view(batch_id, owner), created)

    return router


def parse_request(form: FormData, settings: StudioSettings, templates: TemplateLibrary
                  ) -> tuple[BannersJob, BannerInputs]:
    """The form's fields -> a checked job and its files; every mistake named with what is allowed."""
    files: dict[str, UploadFile] = {}
    fields: dict[str, str] = {}
    sizes: list[str] = []
    for name, value in form.multi_items():
        if name in FILE_FIELDS:
            if not isinstance(value, UploadFile):
                raise InvalidOptions(f"`{name}` must be a file upload, not text")
            if name in files:
                raise InvalidOptions(f"`{name}` was sent twice; send one")
            files[name] = value
        elif name in TEXT_FIELDS:
            if isinstance(value, UploadFile):
                raise InvalidOptions(f"`{name}` must be a text field, not a file")
            if name == "sizes":
                sizes += [s.strip() for s in value.split(",") if s.strip()]
            elif name in fields:
                raise InvalidOptions(f"`{name}` was sent twice; send one")
            else:
                fields[name] = value.strip()
        else:
            raise InvalidOptions(f"unknown field {name!r}; allowed: {', '.join((*FILE_FIELDS, *TEXT_FIELDS))}")

    if "product" not in files:
        raise InvalidOptions("product: no product photo; attach it as the `product` file (JPEG, PNG, WebP…; a PNG "
                             "with transparency is used as the cut-out as it is)")
    limits = settings.image_limits()
    images = {name: _image(name, files[name], limits) for name in ("product", "logo", "photo") if name in files}
    definition, own = _template(fields.pop("template", ""), files.get("template_file"), images.get("photo"),
                                templates)
    photo = images.get("photo", own)
    values: dict = {
        "template": definition,
        "sizes": sizes,
        "model": settings.default_model,
        "edit_model": settings.edit_model,
    }
    copy_fields = {name: fields.pop(name) for name in COPY_FIELDS if name in fields}
    for name, text in fields.items():
        if name == "text" and text:
            values[name] = parse_bool(name, text)
        elif text:
            values[name] = text
    values["copies"] = _copies(files.get("copy"), copy_fields)
    job = BannersJob.parse(**values, photo=photo)
    return job, BannerInputs(images["product"], images.get("logo"), photo)


def _read(upload: UploadFile, limit: int, what: str) -> bytes:
    upload.file.seek(0)
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"{what} is larger than the limit of {limit / 1024 / 1024:g} MB")
    return data


def _image(name: str, upload: UploadFile, limits) -> bytes:
    data = _read(upload, limits.max_bytes, f"{name} ({upload.filename or 'upload'})")
    try:
        probe_image(data, limits)  # header only: a non-image is refused here, not in a worker
    except InvalidImage as exc:
        raise InvalidImage(f"{name}: {exc}") from None
    return data


def _template(template_id: str, upload: UploadFile | None, photo: bytes | None,
              templates: TemplateLibrary) -> tuple[dict, bytes | None]:
    """The template's definition, and its own background photo when a worker would not have it."""
    if bool(template_id) == (upload is not None):
        raise InvalidOptions("give either `template` (an id: " + ", ".join(templates.ids()) + ") or "
                             "`template_file` (your own template as JSON), not both or neither")
    if upload is not None:
        data = _read(upload, MAX_TEMPLATE_BYTES, "template_file")
        # InvalidTemplate lists every problem; an uploaded `photo` stands in for a photo background's file
        return check_template(data, upload.filename or "template_file", photo).model_dump(mode="json"), None
    template = templates.get(template_id)  # InvalidOptions listing the ids
    return template.model_dump(mode="json"), own_photo(template)


def _copies(upload: UploadFile | None, fields: dict[str, str]) -> list[dict]:
    given = {name: text for name, text in fields.items() if text}
    if upload is not None and given:
        raise InvalidOptions(f"give the copy either as a CSV file (`copy`) or as single-language fields "
                             f"({', '.join(COPY_FIELDS)}), not both")
    if upload is not None:
        try:
            table = parse_copy_table(_read(upload, MAX_COPY_BYTES, "copy"))
        except InvalidOptions as exc:
            raise InvalidOptions(f"copy ({upload.filename or 'CSV'}): {exc}") from None
        return [{"language": c.language, **{slot: getattr(c, slot) for slot in SLOTS}} for c in table]
    if not given:
        return []
    if "language" not in given:
        raise InvalidOptions("language: give the copy's language (e.g. en, de, ar, ja) with "
                             + "/".join(SLOTS))
    return [given]


def request_fingerprint(job: BannersJob, inputs: BannerInputs) -> str:
    """What makes two requests 'the same': the job's fields and every file's content."""
    digest = hashlib.sha256(json.dumps(job.model_dump(mode="json"), sort_keys=True).encode())
    for name in ("product", "logo", "photo"):
        data = getattr(inputs, name)
        digest.update(f"{name}\0{hashlib.sha256(data).hexdigest() if data is not None else ''}\0".encode())
    return digest.hexdigest()
