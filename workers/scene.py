"""The scene job: a picture -> the objects in it, each with an English name, a box, a score and a mask.

    SceneJob(queries=("espresso machine",), detector=True)     what to look for besides DEFAULT_QUERIES
    run_scene_item(record, data, runtime, step)    picture -> scene.json ("result") + one PNG mask per object
    SceneSummary / SceneObject                     what it leaves on its job record (JobRecord.result)

The salient-object model always runs (the product, split into its separate parts). The open-vocabulary
detector (OWLv2) runs too when it is installed and the job asks for it, with DEFAULT_QUERIES and the job's
own nouns; SAM ViT-B, when installed, outlines each of its boxes. Boxes are fractions of the picture
(x0, y0, x1, y1); each object names its mask blob ("mask-0", "mask-1", ...: L, 255 = the object).
Runs on the workers of queue family "diffusion", like a selection.
"""

from __future__ import annotations

import io
import json
from typing import Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, field_validator

from pipelines import DEFAULT_MODEL
from pipelines.editing.objects import (DEFAULT_QUERIES, Found, check_queries, detected_objects,
                                       salient_objects)
from pipelines.image_input import load_image
from pipelines.models.generative import DETECTOR_MODEL, DEVELOPMENT_DETECTOR, DEVELOPMENT_SAM, SAM_MODEL
from workers.bundle import unpack
from workers.records import JobOutput, JobRecord
from workers.runtime import JobRuntime, Step
from workers.schema import Summary, parse_fields

SCENE_KIND = "scene"
MAX_EXTRA_QUERIES = 30  # with DEFAULT_QUERIES, within what the detector is asked at once (objects.MAX_QUERIES)

BoxFractions = tuple[float, float, float, float]


class SceneJob(BaseModel):
    """Find the objects in a picture: the product always, and with the detector the things DEFAULT_QUERIES
    names plus `queries` (English nouns, e.g. "espresso machine")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    queries: tuple[str, ...] = ()
    detector: bool = True

    @field_validator("queries")
    @classmethod
    def _nouns(cls, queries: tuple[str, ...]) -> tuple[str, ...]:
        if len(queries) > MAX_EXTRA_QUERIES:
            raise ValueError(f"{len(queries)} extra names to look for are too many; at most {MAX_EXTRA_QUERIES} "
                             f"besides the {len(DEFAULT_QUERIES)} common ones")
        return check_queries(queries) if queries else queries

    @classmethod
    def parse(cls, **fields) -> "SceneJob":
        return parse_fields(cls, fields)

    def all_queries(self) -> tuple[str, ...]:
        """DEFAULT_QUERIES, then this job's nouns that are not already among them."""
        known = {query.casefold() for query in DEFAULT_QUERIES}
        return (*DEFAULT_QUERIES, *(query for query in self.queries if query.casefold() not in known))


class SceneObject(BaseModel):
    """One object of a finished scene job."""

    model_config = ConfigDict(frozen=True)

    name: str  # English: "product", or the noun the detector matched
    box: BoxFractions  # x0, y0, x1, y1 as fractions of the picture's width and height (4 places)
    score: float  # 0..1
    source: Literal["salient", "detector"]
    mask: str  # the name of its mask blob (PNG, L, the picture's size, 255 = the object)


class SceneSummary(Summary):
    """A finished scene: the picture's size, its objects (salient products first, largest first; then the
    detector's, best first), the models that ran, and what the person should know."""

    width: int
    height: int
    objects: tuple[SceneObject, ...] = ()
    models: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _described(found: Found, index: int, width: int, height: int) -> SceneObject:
    x0, y0, x1, y1 = found.box
    box = (round(x0 / width, 4), round(y0 / height, 4), round(x1 / width, 4), round(y1 / height, 4))
    return SceneObject(name=found.name, box=box, score=round(found.score, 4), source=found.source,
                       mask=f"mask-{index}")


def run_scene_item(record: JobRecord, data: bytes, runtime: JobRuntime, step: Step) -> JobOutput:
    job = SceneJob.model_validate(record.options)
    image = load_image(unpack(data)["image"], runtime.limits).image.convert("RGB")
    models = runtime.models
    detect = job.detector and models.detector_installed()
    total = 3 if detect else 1

    def loading(done: int, of: int | None, message: str) -> None:  # a model's own progress, as one step
        step(1, total, message)

    step(0, total, "finding the product")
    found = salient_objects(image, models.session(DEFAULT_MODEL))
    used = [DEFAULT_MODEL]
    notes = [f"products found by the salient-object model {DEFAULT_MODEL}" if found else
             f"the salient-object model {DEFAULT_MODEL} found no product"]
    if not job.detector:
        notes.append("the object detector was not asked for (detector=false): only the product was looked for")
    elif not detect:
        notes.append(f"the object detector is not installed, so only the product was looked for; install it with "
                     f"`studio models pull {DETECTOR_MODEL}`")
    else:
        step(1, total, "loading the object detector")
        name = models.detector_name()
        detector = models.detector(progress=loading)
        outliner = _outliner(models, name)
        sam = models.sam(progress=loading) if outliner else None
        queries = job.all_queries()
        step(2, total, f"looking for {len(queries)} kinds of object")
        found += detected_objects(image, detector, queries, sam=sam)
        used += [name, *([outliner] if outliner else [])]
        notes.append(f"objects named by {name} (random weights: the development setting, not real detections)"
                     if name == DEVELOPMENT_DETECTOR else f"objects named by {name} among {len(queries)} English nouns")
        notes.append(
            f"object outlines drawn by {outliner}" + (" (random weights)" if outliner == DEVELOPMENT_SAM else "")
            if outliner else
            f"object masks are their boxes; install SAM ViT-B for outlines: `studio models pull {SAM_MODEL}`")
    step(total, total, f"found {len(found)} object{'' if len(found) == 1 else 's'}")
    objects = tuple(_described(f, i, image.width, image.height) for i, f in enumerate(found))
    summary = SceneSummary(file_name="scene.json", media_type="application/json", width=image.width,
                           height=image.height, objects=objects, models=tuple(used), notes=tuple(notes))
    document = {"width": image.width, "height": image.height, "objects": [o.model_dump(mode="json") for o in objects]}
    blobs = {"result": json.dumps(document, ensure_ascii=False).encode(),
             **{o.mask: _png(f.mask) for o, f in zip(objects, found)}}
    return JobOutput(blobs, summary.to_dict())


def _outliner(models, detector_name: str) -> str | None:
    """The SAM model that outlines the detector's boxes: ViT-B when installed; the tiny one only beside the tiny
    detector in a development store (random outlines of real boxes would be worse than the boxes)."""
    if models.locate(SAM_MODEL) is not None:
        return SAM_MODEL
    if detector_name == DEVELOPMENT_DETECTOR and models.sam_installed():
        return DEVELOPMENT_SAM
    return None
