"""Editing rounds, selections and scenes on the worker tier: what the chat editor submits, follows and collects.

    rounds = Rounds(store, dispatcher)
    job_id = rounds.submit_edit(conversation_id, EditJob(...), image_png, mask_png=None)
    rounds.job(job_id).state / .step / .message;  rounds.cancel(job_id);  rounds.output(job_id).edit.notes
    job_id = rounds.submit_scene(conversation_id, SceneJob(), image_png);  rounds.scene(job_id).objects

A round is a one-job batch owned by its conversation, on the interactive queue of the "diffusion" family,
so it goes ahead of catalog batches and runs on a worker that holds a generative editor.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.batches import Dispatcher, OneJob, read_result, submit_one
from workers.bundle import pack
from workers.edit import EDIT_KIND, FAMILY, SELECT_KIND, EditJob, EditSummary, SelectJob, SelectSummary
from workers.errors import BatchNotFound
from workers.records import JobRecord, queue_name
from workers.scene import SCENE_KIND, SceneJob, SceneObject, SceneSummary
from workers.store import JobStore


@dataclass(frozen=True)
class RoundOutput:
    image: bytes
    mask: bytes | None
    summary: dict  # the job's record as stored (JSON); read it typed as `.edit`, `.selection` or `.scene`

    @property
    def edit(self) -> EditSummary:
        return EditSummary.from_dict(self.summary)

    @property
    def selection(self) -> SelectSummary:
        return SelectSummary.from_dict(self.summary)

    @property
    def scene(self) -> SceneSummary:
        return SceneSummary.from_dict(self.summary)


@dataclass(frozen=True)
class SceneOutput:
    """A finished scene job: its summary and each object's mask (PNG bytes), in the summary's order."""

    summary: SceneSummary
    masks: tuple[bytes, ...]

    @property
    def objects(self) -> list[tuple[SceneObject, bytes]]:
        return list(zip(self.summary.objects, self.masks))


@dataclass(frozen=True)
class Rounds:
    store: JobStore
    dispatcher: Dispatcher

    def submit_edit(self, owner: str, job: EditJob, image: bytes, mask: bytes | None = None) -> str:
        parts = {"image": image, **({"mask": mask} if mask is not None else {})}
        return self._submit(owner, EDIT_KIND, job.model_dump(mode="json"), pack(parts), f"{job.operation} round")

    def submit_select(self, owner: str, job: SelectJob, image: bytes) -> str:
        return self._submit(owner, SELECT_KIND, job.model_dump(mode="json"), pack({"image": image}), "selection")

    def submit_scene(self, owner: str, job: SceneJob, image: bytes) -> str:
        return self._submit(owner, SCENE_KIND, job.model_dump(mode="json"), pack({"image": image}), "scene")

    def job(self, job_id: str) -> JobRecord:
        job = self.store.job(job_id)
        if job is None:
            raise BatchNotFound(f"no editing round {job_id!r} (it may have expired)")
        return job

    def cancel(self, job_id: str) -> JobRecord:
        """A queued round is cancelled at once; a running one stops at its next step."""
        self.store.cancel([job_id])
        return self.job(job_id)

    def output(self, job_id: str) -> RoundOutput:
        job = self.job(job_id)
        image = read_result(self.store, job, what="the round",
                            expired="the round's result has expired; send the instruction again")
        return RoundOutput(image, self.store.read_blob(job_id, "mask"), dict(job.result))

    def scene(self, job_id: str) -> SceneOutput:
        """A finished scene job's objects with their masks (NotReady until it is done)."""
        job = self.job(job_id)
        expired = "the scene's result has expired; ask for it again"
        read_result(self.store, job, what="the scene", expired=expired)
        summary = SceneSummary.from_dict(job.result)
        masks = tuple(self.store.read_blob(job_id, item.mask) for item in summary.objects)
        if any(mask is None for mask in masks):
            raise BatchNotFound(expired)
        return SceneOutput(summary, masks)

    def _submit(self, owner: str, kind: str, options: dict, data: bytes, name: str) -> str:
        job = OneJob(kind, name, options, queue_name("interactive", FAMILY), data)
        return submit_one(self.store, self.dispatcher, owner, job).job_id
