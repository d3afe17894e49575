"""Batches of white-background jobs: what the HTTP API and the studio tab submit, watch and collect.

    batches = Batches(store, dispatcher, limits)
    view, created = batches.submit(owner, job, items, idempotency_key="catalog-2026-11")
    batches.view(view.id, owner); batches.result(view.id, item_id, owner); batches.write_zip(...)
    submitted = submit_one(store, dispatcher, owner, OneJob(kind, name, options, queue, data))
    data = read_result(store, store.job(submitted.job_id), what="the round", expired="… send it again")

Each image is its own job (own record, own retries, own result), so one bad image fails its item only and
a result can be fetched as soon as it is done. Inputs are read one at a time from the (spooled) uploads, so
the web process's memory does not grow with the number of images. A job submitted on its own (an editing
round, a banner set, a cut-out) is a one-job batch: `submit_one`, so the batch endpoints serve it too.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO, Iterable, Protocol

from pipelines import REGISTRY
from pipelines.errors import InvalidImage
from pipelines.image_input import ImageLimits, InputItem, probe_image
from workers.errors import BatchForbidden, BatchNotFound, IdempotencyConflict, NotReady
from workers.records import JOB_STATES, BatchRecord, JobRecord, queue_name
from workers.store import JobStore
from workers.white_background import WhiteBackgroundJob

KIND = "white_background"
KEY_REUSED = ("this Idempotency-Key was already used for a different request (other files or options); use a "
              "new key for a new request")


class Dispatcher(Protocol):
    def enqueue(self, job_id: str, queue: str) -> None: ...


@dataclass(frozen=True)
class BatchView:
    record: BatchRecord
    jobs: list[JobRecord]

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(job.state for job in self.jobs)
        return {"total": len(self.jobs), **{state: counts.get(state, 0) for state in JOB_STATES}}

    @property
    def state(self) -> str:
        if self.record.receiving:
            return "receiving"
        states = {job.state for job in self.jobs}
        if states & {"queued", "running"}:
            return "running" if states - {"queued"} else "queued"
        return "cancelled" if "cancelled" in states else "done"


@dataclass(frozen=True)
class Batches:
    store: JobStore
    dispatcher: Dispatcher
    limits: ImageLimits = ImageLimits()

    def submit(self, owner: str, job: WhiteBackgroundJob, items: Iterable[InputItem], *, priority: str = "batch",
               idempotency_key: str | None = None, fingerprint: str = "",
               boxes: dict[str, tuple[int, int, int, int]] | None = None) -> tuple[BatchView, bool]:
        """Store and enqueue every item; returns the batch and whether it is new. With an idempotency key
        already used by this owner, returns that batch (IdempotencyConflict if the request differs).
        `boxes` restricts the segmentation of the items so named to a box."""
        if idempotency_key is not None:
            existing = self.store.lookup_key(owner, idempotency_key)
            if existing is not None and (view := self._find(existing)) is not None:
                return self._replay(view, fingerprint), False
        options = job.model_dump(mode="json")
        queue = queue_name(priority, REGISTRY[job.model].family)
        record = self.store.create_batch(owner, options, fingerprint)
        for item in items:
            error = item.error
            if error is None:
                try:
                    probe_image(item.data, self.limits)  # header only: a non-image fails at once, not in a worker
                except InvalidImage as exc:
                    error = str(exc)
            box = (boxes or {}).get(item.name)
            item_options = {**options, "box": list(box)} if box else options
            added = self.store.add_job(record.id, item.name, KIND, item_options, queue,
                                       data=item.data if error is None else None, error=error)
            if error is None:
                self.dispatcher.enqueue(added.id, queue)
        self.store.seal_batch(record.id)
        if idempotency_key is not None:
            winner = self.store.claim_key(owner, idempotency_key, record.id)
            if winner != record.id:  # a concurrent request with the same key finished first: keep that one
                self.store.cancel(self.store.batch_job_ids(record.id))
                return self._replay(self._get(winner, owner), fingerprint), False
        return self._get(record.id, owner), True

    def view(self, batch_id: str, owner: str) -> BatchView:
        return self._get(batch_id, owner)

    def cancel(self, batch_id: str, owner: str) -> BatchView:
        """Queued items are cancelled now; running ones stop at their next step; finished ones stay."""
        self._get_record(batch_id, owner)
        self.store.cancel(self.store.batch_job_ids(batch_id))
        return self._get(batch_id, owner)

    def item(self, batch_id: str, item_id: str, owner: str) -> JobRecord:
        self._get_record(batch_id, owner)
        job = self.store.job(item_id)
        if job is None or job.batch_id != batch_id:
            raise BatchNotFound(f"batch {batch_id} has no item {item_id!r}")
        return job

    def result(self, batch_id: str, item_id: str, owner: str, blob: str = "result") -> tuple[bytes, JobRecord]:
        job = self.item(batch_id, item_id, owner)
        if job.state != "done":
            why = f": {job.error}" if job.error else ""
            raise NotReady(f"item {job.name!r} is {job.state}{why}; only done items have a result")
        data = self.store.read_blob(item_id, blob)
        if data is None:
            raise BatchNotFound(f"the result of item {job.name!r} has expired")
        return data, job

    def write_zip(self, batch_id: str, owner: str, out: BinaryIO) -> int:
        """Every finished result (unique file names) plus report.csv; returns how many results went in."""
        view = self._get(batch_id, owner)
        taken: set[str] = set()
        written = 0
        report = io.StringIO()
        table = csv.writer(report)
        table.writerow(["item", "input", "state", "output", "passed", "error"])
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
            for job in view.jobs:
                output, passed = "", ""
                data = self.store.read_blob(job.id, "result") if job.state == "done" else None
                if data is not None:
                    output = unique_name(job.result.get("file_name", f"{job.id}.bin"), taken)
                    zf.writestr(output, data)
                    passed = "yes" if job.result.get("report", {}).get("passed") else "no"
                    written += 1
                table.writerow([job.id, job.name, job.state, output, passed, job.error or ""])
            zf.writestr("report.csv", report.getvalue())
        return written

    # -- helpers ------------------------------------------------------------------------------
    def _jobs(self, batch_id: str) -> list[JobRecord]:
        return [j for j in self.store.jobs(self.store.batch_job_ids(batch_id)) if j is not None]

    def _find(self, batch_id: str) -> BatchView | None:
        record = self.store.batch(batch_id)
        return None if record is None else BatchView(record, self._jobs(batch_id))

    def _get_record(self, batch_id: str, owner: str) -> BatchRecord:
        record = self.store.batch(batch_id)
        if record is None:
            raise BatchNotFound(f"no batch {batch_id!r} (batches are kept for a limited time)")
        if record.owner != owner:
            raise BatchForbidden(f"batch {batch_id} belongs to another API key")
        return record

    def _get(self, batch_id: str, owner: str) -> BatchView:
        return BatchView(self._get_record(batch_id, owner), self._jobs(batch_id))

    @staticmethod
    def _replay(view: BatchView, fingerprint: str) -> BatchView:
        if view.record.fingerprint != fingerprint:
            raise IdempotencyConflict(KEY_REUSED)
        return view


@dataclass(frozen=True)
class OneJob:
    """A job submitted on its own. `batch_options` is what its batch shows (default: the job's kind)."""

    kind: str
    name: str
    options: dict
    queue: str
    data: bytes
    batch_options: dict | None = None


@dataclass(frozen=True)
class Submitted:
    batch_id: str
    job_id: str
    created: bool = True  # False: an Idempotency-Key this owner already used named this batch


def submit_one(store: JobStore, dispatcher: Dispatcher, owner: str, job: OneJob, *,
               idempotency_key: str | None = None, fingerprint: str = "") -> Submitted:
    """Create a one-job batch, add the job, seal it, enqueue it. With an idempotency key this owner already
    used, returns that batch instead (IdempotencyConflict when the request differs)."""
    if idempotency_key is not None:
        existing = store.lookup_key(owner, idempotency_key)
        if existing is not None and (found := _replay_one(store, existing, fingerprint)) is not None:
            return found
    batch_options = job.batch_options if job.batch_options is not None else {"kind": job.kind}
    record = store.create_batch(owner, batch_options, fingerprint)
    added = store.add_job(record.id, job.name, job.kind, job.options, job.queue, data=job.data)
    store.seal_batch(record.id)
    if idempotency_key is not None:
        winner = store.claim_key(owner, idempotency_key, record.id)
        if winner != record.id:  # a concurrent request with the same key stored its batch first
            store.cancel([added.id])
            found = _replay_one(store, winner, fingerprint)
            if found is None:
                raise IdempotencyConflict("this Idempotency-Key belongs to a request that is still being stored or "
                                          "has expired; retry in a moment, or use a new key")
            return found
    dispatcher.enqueue(added.id, job.queue)
    return Submitted(record.id, added.id)


def read_result(store: JobStore, job: JobRecord, *, what: str, expired: str, blob: str = "result") -> bytes:
    """A single job's result: NotReady (its error, or "<what> is <state>") until it is done, BatchNotFound
    (`expired`) once the result is gone."""
    if job.state != "done":
        raise NotReady(job.error or f"{what} is {job.state}")
    data = store.read_blob(job.id, blob)
    if data is None:
        raise BatchNotFound(expired)
    return data


def _replay_one(store: JobStore, batch_id: str, fingerprint: str) -> Submitted | None:
    record = store.batch(batch_id)
    job_ids = store.batch_job_ids(batch_id) if record is not None else []
    if not job_ids:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyConflict(KEY_REUSED)
    return Submitted(batch_id, job_ids[0], created=False)


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `stem-2.ext`, `stem-3.ext`, … when taken; records the choice in `taken`."""
    path = PurePosixPath(PurePosixPath(name).name or "image")
    candidate, n = path.name, 1
    while candidate in taken:
        n += 1
        candidate = f"{path.stem}-{n}{path.suffix}"
    taken.add(candidate)
    return candidate
