"""Banner sets and cut-outs on the worker tier: what the web tier submits, follows and collects.

    banners = BannerJobs(store, dispatcher)
    batch_id, job_id, created = banners.submit_banners(owner, job, product_png, idempotency_key="summer")
    banners.job(job_id).state;  banners.cancel(job_id);  data, summary = banners.output(job_id)
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines import DEFAULT_MODEL, REGISTRY
from workers.banners.schema import BANNERS_KIND, CUTOUT_KIND, BannerInputs, BannersJob, CutoutJob
from workers.batches import Dispatcher, OneJob, read_result, submit_one
from workers.errors import BatchNotFound
from workers.records import JobRecord, queue_name
from workers.store import JobStore


@dataclass(frozen=True)
class BannerJobs:
    """A banner set is a one-job batch, so GET /v1/batches/{id}, its item result (the zip) and DELETE work on
    it as on any batch."""

    store: JobStore
    dispatcher: Dispatcher

    def submit_cutout(self, owner: str, image: bytes, model: str = DEFAULT_MODEL) -> str:
        job = CutoutJob.parse(model=model)
        one = OneJob(CUTOUT_KIND, "cut-out", job.model_dump(mode="json"),
                     queue_name("interactive", REGISTRY[job.model].family), BannerInputs(image).pack(),
                     batch_options={"kind": CUTOUT_KIND, "model": job.model})
        return submit_one(self.store, self.dispatcher, owner, one).job_id

    def submit_banners(self, owner: str, job: BannersJob, product: bytes, *, logo: bytes | None = None,
                       photo: bytes | None = None, priority: str = "batch", idempotency_key: str | None = None,
                       fingerprint: str = "") -> tuple[str, str, bool]:
        """Store and enqueue the set; returns (batch id, job id, created). With an Idempotency-Key this owner
        already used, returns that set (IdempotencyConflict when the request differs)."""
        plan = job.plan(photo)
        one = OneJob(BANNERS_KIND, f"{plan.template.id} {'banners' if job.text else 'marketing images'}",
                     job.model_dump(mode="json"), queue_name(priority, plan.family(job.model, photo is not None)),
                     BannerInputs(product, logo, photo).pack(), batch_options=job.batch_options())
        done = submit_one(self.store, self.dispatcher, owner, one, idempotency_key=idempotency_key,
                          fingerprint=fingerprint)
        return done.batch_id, done.job_id, done.created

    def job(self, job_id: str) -> JobRecord:
        job = self.store.job(job_id)
        if job is None or job.kind not in (BANNERS_KIND, CUTOUT_KIND):
            raise BatchNotFound(f"no banner job {job_id!r} (it may have expired)")
        return job

    def cancel(self, job_id: str) -> JobRecord:
        """A queued job is cancelled at once; a running one stops after its current banner."""
        self.store.cancel([self.job(job_id).id])
        return self.job(job_id)

    def output(self, job_id: str) -> tuple[bytes, dict]:
        """The result and its summary as stored (JSON): read it with BannersSummary / CutoutSummary.from_dict."""
        job = self.job(job_id)
        data = read_result(self.store, job, what="the job", expired="the result has expired; make it again")
        return data, dict(job.result)
