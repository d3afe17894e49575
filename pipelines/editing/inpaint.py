"""One inpainting round: regenerate the masked region of a picture with a loaded editor.

    editor = store.editor("sd15", control="canny")
    result = inpaint(editor, image, mask, InpaintParams(prompt="a brass desk lamp", seed=7), step)

Only a region around the mask is worked on (with some context), at the editor's working size; the result
is pasted back and composited through the mask, so every pixel where the mask is 0 is exactly the input's.
The same seed gives the same pixels. `step(done, total, message)` is called before the run and after each
denoising step; an exception it raises (a cancelled job) stops the run and propagates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image

from pipelines.errors import InvalidImage, InvalidOptions
from pipelines.models.generative import CONTROLS

Step = Callable[[int, int, str], None]

DEFAULT_NEGATIVE_PROMPT = "blurry, low quality, distorted, watermark, text, extra objects"
MAX_SEED = 2**32 - 1
MAX_PROMPT_CHARS = 1000
CONTEXT = 0.25  # share of the mask's larger side added around it as context for the model
MIN_CONTEXT_PX = 8


@dataclass(frozen=True)
class Limit:
    """The range a number may take, ends included."""

    low: float
    high: float
    whole: bool = False  # whole numbers only


# The one place these ranges are declared: the job schemas (workers.generation) and the studio's sliders read them.
LIMITS = {
    "num_inference_steps": Limit(1, 150, whole=True),
    "guidance_scale": Limit(0.0, 30.0),
    "strength": Limit(0.0, 1.0),  # and above 0: strength 0 would leave no denoising step
    "controlnet_conditioning_scale": Limit(0.0, 2.0),
    "seed": Limit(0, MAX_SEED, whole=True),
}


@dataclass(frozen=True)
class InpaintParams:
    """A round's generation parameters, named as diffusers names them."""

    prompt: str
    negative_prompt: str = DEFAULT_NEGATIVE_PROMPT
    num_inference_steps: int = 25
    guidance_scale: float = 7.5
    strength: float = 1.0  # < 1 keeps the region's structure (restyle); 1 regenerates it
    controlnet_conditioning_scale: float = 0.8
    seed: int = 0
    control: str = "inpaint"  # the ControlNet condition: "inpaint" | "canny" | "depth" | "none"

    def check(self) -> None:
        """Raise InvalidOptions naming the first bad value and what is allowed."""
        for name in ("prompt", "negative_prompt"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InvalidOptions(f"{name} must be text, got {type(value).__name__}")
            if len(value) > MAX_PROMPT_CHARS:
                raise InvalidOptions(f"{name} is {len(value)} characters long; at most {MAX_PROMPT_CHARS} are allowed")
        for name, limit in LIMITS.items():
            _in_range(name, getattr(self, name), limit.low, limit.high, integer=limit.whole)
        if self.strength <= 0:
            raise InvalidOptions(f"strength must be above 0 and at most 1, got {self.strength}")
        if self.control not in CONTROLS:
            raise InvalidOptions(f"control {self.control!r} is not one of: {', '.join(CONTROLS)}")
        if denoising_steps(self) < 1:
            raise InvalidOptions(
                f"strength {self.strength} × num_inference_steps {self.num_inference_steps} leaves no denoising "
                f"step; raise one of them (at least {int(np.ceil(1 / self.strength))} steps at this strength)"
            )


def _in_range(name: str, value, low, high, *, integer: bool = False) -> None:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise InvalidOptions(f"{name} must be {'a whole number' if integer else 'a number'}, got {value!r}")
    if not low <= value <= high:
        raise InvalidOptions(f"{name} must be between {low} and {high}, got {value}")


def denoising_steps(params: InpaintParams) -> int:
    """Steps the pipeline runs: diffusers starts int(num_inference_steps × strength) steps before the end."""
    return min(int(params.num_inference_steps * params.strength), params.num_inference_steps)


@dataclass(frozen=True)
class Region:
    """The part of the picture the model works on: a box in the picture and its size at work."""

    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in picture pixels
    work_size: tuple[int, int]  # width, height given to the pipeline (a multiple the UNet can take)


def inpaint(editor, image: Image.Image, mask: Image.Image, params: InpaintParams, step: Step) -> Image.Image:
    """Regenerate the masked region (mask "L", 255 = change) and return the new picture (RGB, same size)."""
    # 1. check inputs
    params.check()
    _check_inputs(image, mask)
    if params.control != editor.control:
        raise InvalidOptions(
            f"the {editor.name} editor is loaded for control {editor.control!r}, not {params.control!r}; "
            f"load it with store.editor({editor.name!r}, control={params.control!r})"
        )
    mask_pixels = np.asarray(mask)
    bbox = _bbox(mask_pixels)
    if bbox is None:
        raise InvalidOptions("the edit mask is empty: paint or select the region to change")
    total = denoising_steps(params)
    step(0, total, f"preparing the {editor.name} model")

    # 2. the region around the mask, at working size
    region = plan_region(bbox, image.size, editor.working_size, _size_multiple(editor.pipe))
    crop = image.crop(region.box).resize(region.work_size, Image.Resampling.LANCZOS)
    crop_mask = mask.crop(region.box).resize(region.work_size, Image.Resampling.BILINEAR)
    work_mask = crop_mask.point(lambda v: 255 if v > 0 else 0)  # every touched pixel gets generated

    # 3. the ControlNet's condition
    extra = {}
    if editor.has_controlnet:
        extra["control_image"] = control_image(editor, crop, work_mask)
        extra["controlnet_conditioning_scale"] = params.controlnet_conditioning_scale

    # 4. denoise
    import torch

    def on_step_end(pipe, index, timestep, tensors):
        step(index + 1, pipe.num_timesteps, f"generating ({index + 1}/{pipe.num_timesteps})")
        return tensors

    output = editor.pipe(
        prompt=params.prompt, negative_prompt=params.negative_prompt or None, image=crop, mask_image=work_mask,
        width=region.work_size[0], height=region.work_size[1], strength=params.strength,
        num_inference_steps=params.num_inference_steps, guidance_scale=params.guidance_scale,
        generator=torch.Generator("cpu").manual_seed(params.seed), callback_on_step_end=on_step_end, **extra,
    )
    generated = output.images[0].convert("RGB")

    # 5. paste back through the mask
    return composite(image, mask, generated, region)


def _check_inputs(image: Image.Image, mask: Image.Image) -> None:
    if not isinstance(image, Image.Image) or image.mode != "RGB":
        raise InvalidImage(f"the picture must be an RGB image, got {getattr(image, 'mode', type(image).__name__)}")
    if not isinstance(mask, Image.Image) or mask.mode != "L":
        raise InvalidImage(f"the mask must be a greyscale (L) image, got {getattr(mask, 'mode', type(mask).__name__)}")
    if mask.size != image.size:
        (mw, mh), (iw, ih) = mask.size, image.size
        raise InvalidImage(f"the mask is {mw}×{mh} but the picture is {iw}×{ih}")


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _size_multiple(pipe) -> int:
    """Pixel sizes the pipeline takes without resampling inside the UNet: VAE factor × UNet downsampling."""
    vae_factor = getattr(pipe, "vae_scale_factor", 8)
    downsamples = len(pipe.unet.config.block_out_channels) - 1
    return max(8, vae_factor * 2**downsamples)


def plan_region(bbox, image_size, working_size: int, multiple: int) -> Region:
    """A box holding the mask's bounding box plus context, square where the picture allows, and its size
    at work: the long side scaled to `working_size`, both sides rounded to `multiple`."""
    width, height = image_size
    x0, y0, x1, y1 = bbox
    context = max(MIN_CONTEXT_PX, round(CONTEXT * max(x1 - x0, y1 - y0)))
    side = max(x1 - x0, y1 - y0) + 2 * context
    side = max(side, min(working_size // 2, width, height))  # small regions still get enough surroundings
    box_w, box_h = min(side, width), min(side, height)
    left = _place((x0 + x1) / 2, box_w, width)
    top = _place((y0 + y1) / 2, box_h, height)
    scale = working_size / max(box_w, box_h)
    work = tuple(max(multiple, round(n * scale / multiple) * multiple) for n in (box_w, box_h))
    return Region((left, top, left + box_w, top + box_h), work)


def _place(centre: float, length: int, limit: int) -> int:
    return int(min(max(round(centre - length / 2), 0), limit - length))


def control_image(editor, crop: Image.Image, work_mask: Image.Image):
    """The ControlNet's condition for the working crop."""
    if editor.control == "inpaint":
        return inpaint_condition(crop, work_mask)
    if editor.control == "canny":
        return canny_condition(crop)
    if editor.control == "depth":
        return depth_condition(editor, crop)
    raise InvalidOptions(f"control {editor.control!r} has no condition")


def inpaint_condition(crop: Image.Image, work_mask: Image.Image):
    """ControlNet-inpaint's condition: the picture in 0..1 with the pixels to regenerate set to -1."""
    import torch

    pixels = np.asarray(crop, dtype=np.float32) / 255.0
    pixels[np.asarray(work_mask) > 127] = -1.0
    return torch.from_numpy(pixels).permute(2, 0, 1).unsqueeze(0)


def canny_condition(crop: Image.Image, low: int = 100, high: int = 200) -> Image.Image:
    """Canny edges (controlnet-aux) of the working crop, white on black."""
    import warnings

    with warnings.catch_warnings():  # controlnet_aux imports all its detectors, each warning about extras
        warnings.simplefilter("ignore")
        from controlnet_aux.canny import CannyDetector

    short = min(crop.size)
    edges = CannyDetector()(np.asarray(crop), low_threshold=low, high_threshold=high,
                            detect_resolution=short, image_resolution=short, output_type="pil")
    return edges.convert("RGB").resize(crop.size, Image.Resampling.NEAREST)


def depth_condition(editor, crop: Image.Image) -> Image.Image:
    """A relative depth map of the working crop (near = bright), from the editor's depth estimator."""
    import torch

    if editor.depth is None:
        raise InvalidOptions(f"the {editor.name} editor was loaded without a depth estimator")
    model, processor = editor.depth.model, editor.depth.processor
    inputs = processor(images=crop, return_tensors="pt").to(model.device)
    with torch.inference_mode():
        depth = model(**inputs).predicted_depth
    depth = torch.nn.functional.interpolate(depth[:, None].float(), size=crop.size[::-1], mode="bicubic")[0, 0]
    low, high = depth.min(), depth.max()
    scaled = ((depth - low) / (high - low).clamp(min=1e-6) * 255).round().clamp(0, 255)
    return Image.fromarray(scaled.to(torch.uint8).cpu().numpy()).convert("RGB")


def composite(image: Image.Image, mask: Image.Image, generated: Image.Image, region: Region) -> Image.Image:
    """Blend the generated region into the picture by the mask's weight; where the mask is 0, the input stays."""
    left, top, right, bottom = region.box
    patch = np.asarray(generated.resize((right - left, bottom - top), Image.Resampling.LANCZOS), dtype=np.float32)
    original = np.asarray(image)
    out = original.copy()
    area = (slice(top, bottom), slice(left, right))
    weight = np.asarray(mask, dtype=np.float32)[area][..., None] / 255.0
    blended = np.rint(original[area] * (1.0 - weight) + patch * weight).clip(0, 255).astype(np.uint8)
    out[area] = np.where(weight > 0, blended, original[area])
    return Image.fromarray(out)
