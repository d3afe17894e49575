"""The generation settings of every job that generates (an editing round, a banner set with a generated
background): one pydantic model under diffusers' names, nested in the job as `generation`.

    settings = GenerationSettings(prompt="a brass desk lamp", seed=7)
    params = settings.inpaint_params(default_strength=1.0, control="inpaint")    # what the pipeline takes
    GenerationSettings.limits("guidance_scale")   # {"minimum": 0.0, "maximum": 30.0, "value": 7.5}: a slider

The ranges and defaults are the inpainting pipeline's own (pipelines.editing.inpaint: LIMITS, InpaintParams,
DEFAULT_NEGATIVE_PROMPT), declared there once. On the wire (job records, the HTTP form, the CLI's flags, the
parameters a conversation's versions keep) the settings stay flat beside the job's own fields, as clients have
always sent them: `GeneratingJob` nests them on the way in and flattens them on the way out, so old records and
new ones read alike. Sending them nested (`generation={...}`) works too.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

from pipelines.editing.inpaint import DEFAULT_NEGATIVE_PROMPT, LIMITS, MAX_PROMPT_CHARS, InpaintParams
from pipelines.models.generative import DEFAULT_EDITOR, EDITORS
from workers.schema import one_of

NESTED = "generation"
_PIPELINE = InpaintParams(prompt="")  # the pipeline's defaults


def _ranged(name: str) -> Any:
    limit = LIMITS[name]
    return Field(getattr(_PIPELINE, name), ge=limit.low, le=limit.high)


class GenerationSettings(BaseModel):
    """What a person may set about generating, with the range each takes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: str = Field("", max_length=MAX_PROMPT_CHARS)
    negative_prompt: str = Field(DEFAULT_NEGATIVE_PROMPT, max_length=MAX_PROMPT_CHARS)
    num_inference_steps: int = _ranged("num_inference_steps")
    guidance_scale: float = _ranged("guidance_scale")
    # None: the task's own (an editing round's restyle keeps some of the region: 0.6; everything else 1.0)
    strength: float | None = Field(None, gt=LIMITS["strength"].low, le=LIMITS["strength"].high)
    controlnet_conditioning_scale: float = _ranged("controlnet_conditioning_scale")
    seed: int = _ranged("seed")
    model: Annotated[str, one_of(EDITORS, "editor")] = DEFAULT_EDITOR  # the generative editor

    def inpaint_params(self, *, default_strength: float = 1.0, control: str = "inpaint") -> InpaintParams:
        """The pipeline's parameters: the one place these settings are mapped to them."""
        return InpaintParams(
            prompt=self.prompt, negative_prompt=self.negative_prompt, num_inference_steps=self.num_inference_steps,
            guidance_scale=self.guidance_scale,
            strength=self.strength if self.strength is not None else default_strength,
            controlnet_conditioning_scale=self.controlnet_conditioning_scale, seed=self.seed, control=control,
        )

    @classmethod
    def limits(cls, name: str) -> dict:
        """A number's range and default, as a form's slider or number field takes them."""
        limit = LIMITS[name]
        return {"minimum": limit.low, "maximum": limit.high, "value": cls.model_fields[name].default}


class GeneratingJob(BaseModel):
    """A job that generates: its settings nested as `generation`, flat on the wire (see the module's docstring).
    A subclass whose own field takes a setting's name sends that setting under another (`WIRE_NAMES`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    WIRE_NAMES: ClassVar[Mapping[str, str]] = {}  # setting -> its flat name, where that differs

    generation: GenerationSettings = GenerationSettings()

    @classmethod
    def wire_names(cls) -> dict[str, str]:
        """Every setting and its flat name on the wire."""
        return {name: cls.WIRE_NAMES.get(name, name) for name in GenerationSettings.model_fields}

    @classmethod
    def wire_location(cls, location: tuple) -> tuple:
        """Where a field sits as users send it: ("generation", "seed") -> ("seed",) (workers.schema's messages)."""
        if len(location) >= 2 and location[0] == NESTED and location[1] in GenerationSettings.model_fields:
            return (cls.wire_names()[location[1]], *location[2:])
        return location

    @classmethod
    def limits(cls, name: str) -> dict:
        return GenerationSettings.limits(name)

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        flat = {name: data[wire] for name, wire in cls.wire_names().items() if wire in data}
        if not flat:
            return data
        if NESTED in data:
            raise ValueError(f"give the generation settings flat ({', '.join(flat)}) or nested as "
                             f"`{NESTED}`, not both")
        sent = set(cls.wire_names().values())
        return {**{key: value for key, value in data.items() if key not in sent}, NESTED: flat}

    @model_serializer(mode="wrap")
    def _flatten(self, handler) -> dict:
        data = handler(self)
        settings = data.pop(NESTED, None) or {}
        names = self.wire_names()
        return {**data, **{names[name]: value for name, value in settings.items()}}
