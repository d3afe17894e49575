"""The editing-round jobs of the chat editor: one round (`edit`) and one click selection (`select`).

    EditJob    what a round asks for, in diffusers' parameter names; validated before anything is stored
    run_edit_item(job, data, runtime, step)    picture (+ mask) -> new picture + the mask of what changed
    SelectJob / run_select_item                picture + click or box -> the object's mask

Both run on the workers that hold a generative editor (queue family "diffusion"); operations that need
no weights (remove by PatchMatch, move, resize) run there too, so one worker serves a whole conversation.
"""

from __future__ import annotations

import io
from typing import Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines import DEFAULT_MODEL
from pipelines.editing.edit import RESTYLE_STRENGTH, EditRequest, edit_image, needs_generator
from pipelines.errors import InvalidOptions
from pipelines.image_input import load_image
from pipelines.editing.inpaint import InpaintParams
from pipelines.editing.masks import check_box
from pipelines.models.generative import DEFAULT_EDITOR, EDITORS
from pipelines.cutout.product_mask import product_mask
from pipelines.editing.select import select_object
from workers.bundle import unpack
from workers.records import JobOutput, JobRecord
from workers.runtime import JobRuntime, Step
from workers.schema import parse_fields

EDIT_KIND = "edit"
SELECT_KIND = "select"
FAMILY = "diffusion"
DEFAULT_NEGATIVE = "blurry, low quality, distorted, watermark, text, extra objects"

BoxFractions = tuple[float, float, float, float]


class EditJob(BaseModel):
    """One editing round: the operation, where (boxes as fractions of the picture, from the plan or the user),
    and the generation parameters under diffusers' names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operation: Literal["add", "replace", "remove", "move", "resize", "restyle", "background"]
    box: BoxFractions | None = None
    source_box: BoxFractions | None = None
    prompt: str = Field("", max_length=1000)
    negative_prompt: str = Field(DEFAULT_NEGATIVE, max_length=1000)
    num_inference_steps: int = Field(25, ge=1, le=150)
    guidance_scale: float = Field(7.5, ge=0.0, le=30.0)
    strength: float | None = Field(None, gt=0.0, le=1.0)  # None = the operation's own (restyle 0.6, else 1.0)
    controlnet_conditioning_scale: float = Field(0.8, ge=0.0, le=2.0)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    model: str = DEFAULT_EDITOR
    control: Literal["inpaint", "canny", "depth", "none"] = "inpaint"

    @model_validator(mode="after")
    def _consistent(self):
        if self.model not in EDITORS:
            raise ValueError(f"unknown editor model {self.model!r}; available: {', '.join(EDITORS)}")
        for name in ("box", "source_box"):
            if getattr(self, name) is not None:
                check_box(getattr(self, name), name)  # the pipeline's own rule, checked before anything is stored
        return self

    @classmethod
    def parse(cls, **fields) -> "EditJob":
        return parse_fields(cls, fields)

    @property
    def effective_strength(self) -> float:
        if self.strength is not None:
            return self.strength
        return RESTYLE_STRENGTH if self.operation == "restyle" else 1.0

    def params(self) -> InpaintParams:
        return InpaintParams(
            prompt=self.prompt, negative_prompt=self.negative_prompt, num_inference_steps=self.num_inference_steps,
            guidance_scale=self.guidance_scale, strength=self.effective_strength,
            controlnet_conditioning_scale=self.controlnet_conditioning_scale, seed=self.seed, control=self.control,
        )


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
    notes: list[str] = []
    if job.operation == "background" and mask is None:
        step(0, job.num_inference_steps, "finding the product to keep")
        mask = product_mask(runtime.models.session(DEFAULT_MODEL), image)
        notes.append(f"product kept as found by {DEFAULT_MODEL}")
    request = EditRequest(job.operation, job.box, job.source_box, mask, job.params())
    editor = None
    if needs_generator(request) or runtime.models.editor_installed(job.model, control=job.control):
        step(0, job.num_inference_steps, f"loading the {job.model} editor")
        # first use with internet: the download reports its bytes as the round's progress
        editor = runtime.models.editor(job.model, control=job.control, progress=step)
    result = edit_image(image, request, editor, step)
    summary = {
        "file_name": "result.png", "media_type": "image/png", "engine": result.engine,
        "notes": [*notes, *result.notes], "width": image.width, "height": image.height,
        "model": job.model if editor is not None else None,
    }
    return JobOutput({"result": _png(result.image), "mask": _png(result.mask)}, summary)


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
    summary = {"file_name": "selection.png", "media_type": "image/png", "model": used, "notes": notes}
    return JobOutput({"result": _png(mask)}, summary)
