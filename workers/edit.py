"""The editing-round jobs of the chat editor: one round (`edit`) and one click selection (`select`).

    EditJob    what a round asks for: the operation, where, and its GenerationSettings (workers.generation);
               validated before anything is stored
    run_edit_item(job, data, runtime, step)    picture (+ mask) -> new picture + the mask of what changed
    SelectJob / run_select_item                picture + click or box -> the object's mask
    EditSummary / SelectSummary                what each leaves on its job record (JobRecord.result)

Both run on the workers that hold a generative editor (queue family "diffusion"); operations that need
no weights (remove by PatchMatch, move, resize) run there too, so one worker serves a whole conversation.
"""

from __future__ import annotations

import io
from typing import Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, model_validator

from pipelines import DEFAULT_MODEL
from pipelines.editing.edit import RESTYLE_STRENGTH, EditRequest, edit_image, needs_generator
from pipelines.errors import InvalidOptions
from pipelines.image_input import load_image
from pipelines.editing.inpaint import DEFAULT_NEGATIVE_PROMPT, InpaintParams
from pipelines.editing.masks import check_box
from pipelines.cutout.product_mask import product_mask
from pipelines.editing.select import select_object
from workers.bundle import unpack
from workers.generation import GeneratingJob
from workers.records import JobOutput, JobRecord
from workers.runtime import JobRuntime, Step
from workers.schema import Summary, parse_fields

EDIT_KIND = "edit"
SELECT_KIND = "select"
FAMILY = "diffusion"
DEFAULT_NEGATIVE = DEFAULT_NEGATIVE_PROMPT  # the one default, under the name the studio imports

BoxFractions = tuple[float, float, float, float]


class EditJob(GeneratingJob):
    """One editing round: the operation, where (boxes as fractions of the picture, from the plan or the user),
    the ControlNet condition, and the generation settings (`generation`; flat on the wire, as `model`, `seed`, …).
    A strength left unset is the operation's own: restyle 0.6, every other 1.0."""

    operation: Literal["add", "replace", "remove", "move", "resize", "restyle", "background"]
    box: BoxFractions | None = None
    source_box: BoxFractions | None = None
    control: Literal["inpaint", "canny", "depth", "none"] = "inpaint"

    @model_validator(mode="after")
    def _consistent(self):
        for name in ("box", "source_box"):
            if getattr(self, name) is not None:
                check_box(getattr(self, name), name)  # the pipeline's own rule, checked before anything is stored
        return self

    @classmethod
    def parse(cls, **fields) -> "EditJob":
        return parse_fields(cls, fields)

    def params(self) -> InpaintParams:
        own = RESTYLE_STRENGTH if self.operation == "restyle" else 1.0
        return self.generation.inpaint_params(default_strength=own, control=self.control)


class SelectJob(BaseModel):
    """Select the object under a click (x, y) or inside a box (x0, y0, x1, y1), in pixels of the picture."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    point: tuple[int, int] | None = None
    box: tuple[int, int, int, int] | None = None

    @model_validator(mode="after")
    def _one_prompt(self):
        if (self.point is None) == (self.box is None):
            raise ValueError("give either a point (a click) or a box (two corners), not both or neither")
        return self

    @classmethod
    def parse(cls, **fields) -> "SelectJob":
        return parse_fields(cls, fields)


class EditSummary(Summary):
    """A finished round: the new picture's size, how it was made, and what the person should know."""

    width: int
    height: int
    engine: str  # "diffusion" | "patchmatch" | "paste"
    notes: tuple[str, ...] = ()
    model: str | None = None  # the editor that ran, None when none was loaded


class SelectSummary(Summary):
    """A finished selection: the model that found the object, and notes."""

    model: str
    notes: tuple[str, ...] = ()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _open_mask(data: bytes, size: tuple[int, int]) -> Image.Image:
    mask = Image.open(io.BytesIO(data)).convert("L")
    if mask.size != size:
        raise InvalidOptions(f"the mask is {mask.width}×{mask.height} but the picture is {size[0]}×{size[1]}; "
                             "paint the mask on this version of the picture")
    return mask


def run_edit_item(record: JobRecord, data: bytes, runtime: JobRuntime, step: Step) -> JobOutput:
    job = EditJob.model_validate(record.options)
    parts = unpack(data)
    image = load_image(parts["image"], runtime.limits).image.convert("RGB")
    mask = _open_mask(parts["mask"], image.size) if "mask" in parts else None
    settings = job.generation
    notes: list[str] = []
    if job.operation == "background" and mask is None:
        step(0, settings.num_inference_steps, "finding the product to keep")
        mask = product_mask(runtime.models.session(DEFAULT_MODEL), image)
        notes.append(f"product kept as found by {DEFAULT_MODEL}")
    request = EditRequest(job.operation, job.box, job.source_box, mask, job.params())
    editor = None
    if needs_generator(request) or runtime.models.editor_installed(settings.model, control=job.control):
        step(0, settings.num_inference_steps, f"loading the {settings.model} editor")
        # first use with internet: the download reports its bytes as the round's progress
        editor = runtime.models.editor(settings.model, control=job.control, progress=step)
    result = edit_image(image, request, editor, step)
    summary = EditSummary(file_name="result.png", media_type="image/png", engine=result.engine,
                          notes=(*notes, *result.notes), width=image.width, height=image.height,
                          model=settings.model if editor is not None else None)
    return JobOutput({"result": _png(result.image), "mask": _png(result.mask)}, summary.to_dict())


def run_select_item(record: JobRecord, data: bytes, runtime: JobRuntime, step: Step) -> JobOutput:
    job = SelectJob.model_validate(record.options)
    image = load_image(unpack(data)["image"], runtime.limits).image.convert("RGB")
    step(0, 2, "selecting the object")
    notes = []
    if runtime.models.sam_installed():
        sam, salient = runtime.models.sam(), None
        used = "sam-vit-b" if runtime.models.locate("sam-vit-b") is not None else "tiny-sam"
        if used == "tiny-sam":
            notes.append("selected with tiny-sam (random weights: the development setting, not a real selection)")
    else:
        sam, salient, used = None, runtime.models.session(DEFAULT_MODEL), DEFAULT_MODEL
        notes.append(f"selected with the salient-object model {DEFAULT_MODEL}; install SAM ViT-B for sharper "
                     "selections: `studio models pull sam-vit-b`")
    mask = select_object(image, point=job.point, box=job.box, sam=sam, salient=salient)
    step(2, 2, "selected")
    summary = SelectSummary(file_name="selection.png", media_type="image/png", model=used, notes=tuple(notes))
    return JobOutput({"result": _png(mask)}, summary.to_dict())
