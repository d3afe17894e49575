"""Load an editor's parts with from_pretrained and put them together into a ready, tuned diffusers pipeline.

    base = load_base(spec, folder, device)                  # unet, vae, text encoder(s), tokenizer(s), scheduler
    controlnet = load_controlnet(folder, device)
    editor = assemble_editor(editor_spec, **base, controlnet=controlnet, device=device, control="canny")

Every folder is a local one (a saved diffusers folder, or a Hugging Face cache snapshot): the model store
decides where parts come from; nothing here reaches the network. Heavy imports stay inside functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.models.generative import EditorSpec, GenerativeSpec
from pipelines.models.speed import pick_dtype, tune_pipeline

_SKIPPED = ("safety_checker", "feature_extractor", "image_encoder")  # inpainting here never uses them
_PIPELINES = {  # (architecture, with a ControlNet) -> diffusers pipeline class
    ("sd15", True): "StableDiffusionControlNetInpaintPipeline",
    ("sd15", False): "StableDiffusionInpaintPipeline",
    ("sdxl", True): "StableDiffusionXLControlNetInpaintPipeline",
    ("sdxl", False): "StableDiffusionXLInpaintPipeline",
}


@dataclass(frozen=True)
class DepthEstimator:
    """A transformers depth model and its image processor (the depth ControlNet's condition)."""

    model: object
    processor: object


@dataclass
class Editor:
    """A loaded generative editor, ready for `pipelines.editing.inpaint.inpaint`. One round at a time per editor."""

    name: str
    pipe: object  # a diffusers (SD / SDXL) (ControlNet) inpainting pipeline
    architecture: str  # "sd15" | "sdxl"
    working_size: int  # pixels on the long side of the region the model works on
    control: str  # the condition this pipeline is steered by; "none" = the inpainting model alone
    device: str
    depth: DepthEstimator | None = None  # set when control == "depth"

    @property
    def has_controlnet(self) -> bool:
        return getattr(self.pipe, "controlnet", None) is not None


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _dtype_argument(dtype) -> dict:
    """from_pretrained's dtype keyword: `dtype` in diffusers releases that deprecated `torch_dtype`
    (they added the helper probed here), `torch_dtype` in older ones."""
    from diffusers.utils import deprecation_utils

    return {"dtype" if hasattr(deprecation_utils, "_resolve_dtype") else "torch_dtype": dtype}


def load_base(spec: GenerativeSpec, folder: Path, device: str) -> dict:
    """The components of an inpainting pipeline folder, in the device's dtype (not yet on the device)."""
    from diffusers import DPMSolverMultistepScheduler, StableDiffusionInpaintPipeline, StableDiffusionXLInpaintPipeline

    dtype = _dtype_argument(pick_dtype(device))
    if spec.architecture == "sdxl":
        pipe = StableDiffusionXLInpaintPipeline.from_pretrained(str(folder), **dtype, local_files_only=True)
    else:
        pipe = StableDiffusionInpaintPipeline.from_pretrained(
            str(folder), **dtype, local_files_only=True,
            safety_checker=None, feature_extractor=None, requires_safety_checker=False,
        )
    components = {k: v for k, v in pipe.components.items() if k not in _SKIPPED}
    # DPM-Solver++ (2M): good pictures in 20-25 steps, and exactly num_inference_steps model calls
    components["scheduler"] = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
    return components


def load_controlnet(folder: Path, device: str):
    from diffusers import ControlNetModel

    return ControlNetModel.from_pretrained(str(folder), **_dtype_argument(pick_dtype(device)),
                                           local_files_only=True)


def load_depth_estimator(folder: Path, device: str) -> DepthEstimator:
    from transformers import AutoImageProcessor, AutoModelForDepthEstimation

    model = AutoModelForDepthEstimation.from_pretrained(str(folder), local_files_only=True).to(device).eval()
    return DepthEstimator(model, AutoImageProcessor.from_pretrained(str(folder), local_files_only=True))


def assemble_editor(
    spec: EditorSpec,
    unet,
    controlnet,
    vae,
    text_encoder,
    tokenizer,
    scheduler,
    device: str,
    control: str = "inpaint",
    *,
    text_encoder_2=None,
    tokenizer_2=None,
    depth: DepthEstimator | None = None,
    compile: bool | str = False,
) -> Editor:
    """Build the pipeline for this architecture (ControlNet-inpaint, or plain inpaint when controlnet is
    None), move it to the device and tune it there. Components may be shared between editors of one
    spec (switching the condition swaps only the ControlNet), so tuning must leave them usable by both."""
    import diffusers

    parts = dict(unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, scheduler=scheduler)
    if spec.architecture == "sdxl":
        parts.update(text_encoder_2=text_encoder_2, tokenizer_2=tokenizer_2)
        extra = {"add_watermarker": False}  # needs the invisible-watermark package, and alters the pixels
    else:
        extra = {"safety_checker": None, "feature_extractor": None, "requires_safety_checker": False}
    if controlnet is not None:
        parts["controlnet"] = controlnet
    kind = _PIPELINES[spec.architecture, controlnet is not None]
    pipe = getattr(diffusers, kind)(**parts, **extra)
    pipe.set_progress_bar_config(disable=True)
    pipe = tune_pipeline(pipe, device, compile=compile)  # moves it to the device in the device's dtype
    return Editor(spec.name, pipe, spec.architecture, spec.working_size, control, device, depth)
