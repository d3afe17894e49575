"""What /v1 answers, as pydantic models: the routes' `response_model`s, so /openapi.json describes the JSON
each one sends (errors: `ErrorBody` in studio/api_errors.py; a template's definition: pipelines' `Template`).

    Batch          POST /v1/batches, POST /v1/banners (202), GET and DELETE /v1/batches/{id}
    └── BatchItem  one image (or one banner set): state, error, progress while running, result_url once done
    TemplateList   GET /v1/templates: templates, canvas sizes, languages

Fields that only some states have (`progress`, `result_url`, `passed`; `items` with `?items=false`) are
left out of the JSON when they do not apply, never sent as null: routes serialise with `exclude_unset`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from pipelines.banners.library import TemplateLibrary
from pipelines.banners.sizes import SIZES
from pipelines.typography import LANGUAGES
from workers.batches import BatchView
from workers.records import JobRecord, JobState


class Progress(BaseModel):
    step: int
    total: int
    message: str


class BatchItem(BaseModel):
    id: str
    name: str = Field(description="the file's name (inside a zip: zip name/path)")
    state: JobState
    error: str | None = Field(description="why it failed, in plain words; null unless it failed")
    progress: Progress | None = Field(None, description="only while running")
    result_url: str | None = Field(None, description="only once done: GET it for the result")
    passed: bool | None = Field(None, description="only once done: whether the result passed the preset's checks")

    @classmethod
    def from_job(cls, job: JobRecord, batch_url: str) -> BatchItem:
        item = cls(id=job.id, name=job.name, state=job.state, error=job.error)
        if job.state == "running":
            item.progress = Progress(step=job.step, total=job.total_steps, message=job.message)
        if job.state == "done":
            item.result_url = f"{batch_url}/items/{job.id}"
            item.passed = job.result.get("report", {}).get("passed")
        return item


class BatchCounts(BaseModel):
    total: int
    queued: int
    running: int
    done: int
    failed: int
    cancelled: int


class Batch(BaseModel):
    id: str
    state: Literal["receiving", "queued", "running", "done", "cancelled"]
    counts: BatchCounts
    created: float = Field(description="Unix time")
    options: dict[str, Any] = Field(description="the job's options as the worker runs them")
    results_url: str = Field(description="GET it for every finished result and report.csv in one zip")
    items: list[BatchItem] | None = Field(None, description="left out with ?items=false")

    @classmethod
    def from_view(cls, view: BatchView, with_items: bool = True) -> Batch:
        url = f"/v1/batches/{view.id}"
        batch = cls(id=view.id, state=view.state, counts=BatchCounts(**view.counts), created=view.record.created,
                    options=view.record.options, results_url=f"{url}/results.zip")
        if with_items:
            batch.items = [BatchItem.from_job(job, url) for job in view.jobs]
        return batch

    def as_json(self) -> dict:
        return self.model_dump(mode="json", exclude_unset=True)


class TemplateSummary(BaseModel):
    id: str
    name: str
    description: str
    tags: list[str]
    background: str = Field(description="the background's type: solid, gradient, pattern, studio, photo, generated")
    builtin: bool = Field(description="false: from STUDIO_TEMPLATES_DIR")
    url: str = Field(description="GET it for the whole definition")


class CanvasSize(BaseModel):
    name: str
    width: int
    height: int
    use: str
    layout_class: str = Field(description="the template layout it is drawn with: wide, landscape, square, portrait")


class Language(BaseModel):
    code: str
    name: str
    script: str
    direction: Literal["ltr", "rtl"]


class TemplateList(BaseModel):
    templates: list[TemplateSummary]
    sizes: list[CanvasSize]
    languages: list[Language]

    @classmethod
    def from_library(cls, templates: TemplateLibrary) -> TemplateList:
        return cls(
            templates=[TemplateSummary(
                id=t.id, name=t.name, description=t.description, tags=list(t.tags), background=t.background.type,
                builtin=templates.is_builtin(t.id), url=f"/v1/templates/{t.id}") for t in templates.all()],
            sizes=[CanvasSize(name=s.name, width=s.width, height=s.height, use=s.use, layout_class=s.layout_class)
                   for s in SIZES.values()],
            languages=[Language(code=code, name=info.name, script=info.script, direction=info.direction)
                       for code, info in LANGUAGES.items()],
        )
