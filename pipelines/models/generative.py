"""Generative models (inpainting, ControlNet, depth, segment-anything, object detection) and the editors built
from them.

An *editor* is what a user picks ("sd15", "sdxl", or "tiny" for development): an inpainting base model plus
one ControlNet per condition and, for the depth condition, a depth estimator. Every part is a
GenerativeSpec. Hub models load with from_pretrained from, in order: a diffusers/transformers folder at
<models dir>/<name>/, the Hugging Face cache (offline), then a download into that cache. SAM is one
checkpoint file fetched like the salient-object models. The open-vocabulary object detector (OWLv2) is one
transformers folder (model, tokenizer, image processor) found and fetched like the other hub models.
Development ("tiny") parts have random weights and are built from small configs into <models dir>/<name>/ on
first use (pipelines/models/tiny.py).

No torch here: the web tier reads this registry to show what is installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.models.registry import FolderSource, Source, UrlSource

CONDITIONS = ("inpaint", "canny", "depth")  # ControlNet conditions an editor may offer
CONTROLS = (*CONDITIONS, "none")  # what a round may ask for; "none" = the inpainting model alone


@dataclass(frozen=True)
class GenerativeSpec:
    """One model a generative editor uses."""

    name: str
    task: str  # "inpaint" | "controlnet" | "depth" | "segment" | "detect"
    architecture: str  # "sd15" | "sdxl" | "depth-anything" | "sam" | "owlv2"
    hub_id: str | None  # from_pretrained id (Hugging Face cache / download); None for SAM and tiny models
    description: str
    licence: str
    development: bool = False  # random weights, built locally: for exercising the UI, never for users' images
    # the SAM checkpoint is one file, fetched and verified like the salient-object models
    filename: str | None = None
    md5: str | None = None
    bytes: int | None = None
    sources: tuple[Source, ...] = ()
    # a hub snapshot skips what from_pretrained does not read: .ckpt/.bin and fp16 copies, the safety checker
    ignore_patterns: tuple[str, ...] = ("*.fp16.safetensors", "*non_ema*", "*.ckpt", "*.bin", "safety_checker/*")

    @property
    def components(self) -> tuple[str, ...]:
        """Sub-folders a complete local copy holds (each with a config and a weights file); () = the root."""
        if self.task == "inpaint":
            base = ("unet", "vae", "text_encoder")
            return (*base, "text_encoder_2") if self.architecture == "sdxl" else base
        return ()

    @property
    def allow_patterns(self) -> tuple[str, ...]:
        """Files of a hub snapshot to fetch: a pipeline's component folders, or one model's root files."""
        if self.components:  # pipeline repos also keep a multi-GB single-file checkpoint at the root
            return ("model_index.json", "*/*.json", "*/*.txt", "*/*.safetensors")
        return ("*.json", "*.txt", "*.safetensors")

    @property
    def needs_processor(self) -> bool:
        """Whether the folder also holds the model's processor (image preprocessing; a tokenizer for "detect")."""
        return self.task in ("depth", "detect")


@dataclass(frozen=True)
class EditorSpec:
    """What a user picks: an inpainting model and the ControlNets it can be steered with."""

    name: str
    base: str  # GenerativeSpec name of the inpainting model
    controlnets: dict[str, str]  # condition ("inpaint" | "canny" | "depth") -> GenerativeSpec name
    working_size: int  # the long side the model works at (pixels)
    description: str
    architecture: str = "sd15"  # the base model's: "sd15" | "sdxl" (which diffusers pipeline classes)
    depth_estimator: str | None = None  # GenerativeSpec that makes the depth condition
    family: str = "diffusion"  # workers route generative jobs to the queues "interactive.diffusion" etc.
    development: bool = False
    controls: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        # conditions without a ControlNet are not offered, except "inpaint": an inpainting UNet inpaints alone
        offered = [c for c in CONDITIONS if c in self.controlnets or c == "inpaint"]
        object.__setattr__(self, "controls", (*offered, "none"))

    def parts(self, control: str | None = None) -> tuple[str, ...]:
        """GenerativeSpec names this editor needs for one control, or for every control when None."""
        controls = self.controls if control is None else (control,)
        names = [self.base]
        for condition in controls:
            if condition in self.controlnets:
                names.append(self.controlnets[condition])
            if condition == "depth" and self.depth_estimator:
                names.append(self.depth_estimator)
        return tuple(dict.fromkeys(names))


def _hub(name, task, architecture, hub_id, description, licence) -> GenerativeSpec:
    return GenerativeSpec(name, task, architecture, hub_id, description, licence)


def _tiny(name, task, architecture, description, filename=None) -> GenerativeSpec:
    return GenerativeSpec(name, task, architecture, None, description, "Apache-2.0", development=True,
                          filename=filename)


_SAM_URL = "https://dl.fbaipublicfiles.com/segment_anything/sam_vit_b_01ec64.pth"

GENERATIVE: dict[str, GenerativeSpec] = {
    spec.name: spec
    for spec in (
        _hub("sd15-inpaint", "inpaint", "sd15", "stable-diffusion-v1-5/stable-diffusion-inpainting",
             "Stable Diffusion 1.5 inpainting (~2 GB fp16 on the GPU)", "CreativeML-OpenRAIL-M"),
        _hub("sd15-controlnet-inpaint", "controlnet", "sd15", "lllyasviel/control_v11p_sd15_inpaint",
             "ControlNet 1.1 inpaint for SD 1.5 (~1.4 GB)", "CreativeML-OpenRAIL-M"),
        _hub("sd15-controlnet-canny", "controlnet", "sd15", "lllyasviel/control_v11p_sd15_canny",
             "ControlNet 1.1 canny edges for SD 1.5 (~1.4 GB)", "CreativeML-OpenRAIL-M"),
        _hub("sd15-controlnet-depth", "controlnet", "sd15", "lllyasviel/control_v11f1p_sd15_depth",
             "ControlNet 1.1 depth for SD 1.5 (~1.4 GB)", "CreativeML-OpenRAIL-M"),
        _hub("sdxl-inpaint", "inpaint", "sdxl", "diffusers/stable-diffusion-xl-1.0-inpainting-0.1",
             "SDXL 1.0 inpainting 0.1 (~7 GB fp16 on the GPU)", "CreativeML-OpenRAIL++-M"),
        _hub("sdxl-controlnet-canny", "controlnet", "sdxl", "diffusers/controlnet-canny-sdxl-1.0",
             "ControlNet canny edges for SDXL (~2.5 GB)", "CreativeML-OpenRAIL++-M"),
        _hub("sdxl-controlnet-depth", "controlnet", "sdxl", "diffusers/controlnet-depth-sdxl-1.0",
             "ControlNet depth for SDXL (~2.5 GB)", "CreativeML-OpenRAIL++-M"),
        _hub("depth-anything-v2-small", "depth", "depth-anything", "depth-anything/Depth-Anything-V2-Small-hf",
             "Depth Anything V2 small: depth maps for the depth condition (~100 MB)", "Apache-2.0"),
        GenerativeSpec(
            "sam-vit-b", "segment", "sam", None,
            "Segment Anything ViT-B (375 MB): click or box to select an object", "Apache-2.0",
            filename="sam_vit_b_01ec64.pth",
            # md5 and size as published by several independent installers (IOPaint, lama-cleaner, ...);
            # the file cannot be downloaded on the build machines, so they were not re-measured there
            md5="01ec64d29a2fca3f0661936605ae66f8", bytes=375_042_383,
            sources=(UrlSource(_SAM_URL), FolderSource("SAM_HOME", "~/.cache/segment_anything")),
        ),
        _tiny("tiny-sd15-inpaint", "inpaint", "sd15", "development: tiny random-weight SD-1.5-shaped inpainting"),
        _tiny("tiny-sd15-controlnet", "controlnet", "sd15", "development: tiny random-weight ControlNet"),
        _tiny("tiny-depth", "depth", "depth-anything", "development: tiny random-weight depth estimator"),
        _tiny("tiny-sam", "segment", "sam", "development: tiny random-weight Segment Anything", "tiny_sam.pth"),
        _hub("owlv2-base", "detect", "owlv2", "google/owlv2-base-patch16-ensemble",
             "OWLv2 base (patch 16, ensemble, ~620 MB): finds objects named in English, for a picture's scene",
             "Apache-2.0"),
        _tiny("tiny-owlv2", "detect", "owlv2", "development: tiny random-weight OWLv2 object detector"),
    )
}

DEFAULT_EDITOR = "sd15"

EDITORS: dict[str, EditorSpec] = {
    spec.name: spec
    for spec in (
        EditorSpec(
            "sd15", "sd15-inpaint",
            {"inpaint": "sd15-controlnet-inpaint", "canny": "sd15-controlnet-canny", "depth": "sd15-controlnet-depth"},
            512, "Stable Diffusion 1.5 inpainting + ControlNet: fast, good at 512 px regions",
            depth_estimator="depth-anything-v2-small",
        ),
        EditorSpec(
            "sdxl", "sdxl-inpaint",
            {"canny": "sdxl-controlnet-canny", "depth": "sdxl-controlnet-depth"},
            1024, "SDXL inpainting + ControlNet: higher quality at 1024 px, needs a large GPU", architecture="sdxl",
            depth_estimator="depth-anything-v2-small",
        ),
        EditorSpec(
            "tiny", "tiny-sd15-inpaint",
            {"inpaint": "tiny-sd15-controlnet", "canny": "tiny-sd15-controlnet", "depth": "tiny-sd15-controlnet"},
            64, "development: tiny random-weight models (noise, not pictures) to exercise the studio",
            depth_estimator="tiny-depth", development=True,
        ),
    )
}

SAM_MODEL = "sam-vit-b"
DEVELOPMENT_SAM = "tiny-sam"
DETECTOR_MODEL = "owlv2-base"
DEVELOPMENT_DETECTOR = "tiny-owlv2"
