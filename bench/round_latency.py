"""One chat-editor round, our pipeline vs plain diffusers, on real-architecture models with random weights.

    python bench/round_latency.py [--arch sd15,sdxl] [--size N] [--steps 25] [--rounds 20] [--warmup N]
                                  [--device cuda|cpu] [--compile [MODE]] [--output FILE] [--configs DIR]

Models: the SD 1.5 inpainting UNet (9 channels) + ControlNet + VAE + CLIP ViT-L text encoder, and the SDXL
inpainting UNet + ControlNet + VAE + CLIP ViT-L and OpenCLIP bigG text encoders, built from the real
configurations (../shared/reference/configs, or shared/reference/configs inside the checkout, or --configs)
with every parameter drawn from N(0, 0.02): latency does not depend on the weights' values, and zeros
could run faster than real numbers. The tokenizer is a small local CLIP BPE vocabulary (the prompt's token
ids only need to be valid; the text encoders always see 77 positions).

A round is one edit as the studio makes it: a size×size picture, a mask in its bottom-left part, a prompt
and a negative prompt, num_inference_steps denoising steps with classifier-free guidance (7.5), the
ControlNet conditioned on the inpaint condition (SD 1.5) or Canny edges (SDXL, which has no inpaint
ControlNet), strength 1, seed 0, and the picture back as a PIL image. Both pipelines get the same
components and the same scheduler (DPM-Solver++ 2M, as the studio loads it), so the difference is the
pipeline itself:

- plain diffusers: StableDiffusion(XL)ControlNetInpaintPipeline as constructed, fp32, its default attention,
  no tuning, called directly on the whole picture with the condition made as diffusers' docs make it;
- ours: `assemble_editor` (pipelines/models/diffusion_loader.py, which calls pipelines/models/speed.py's
  tune_pipeline) and `pipelines.editing.inpaint.inpaint` (crop around the mask at the working size, condition,
  denoise, paste back). With --compile a third row adds torch.compile of the UNet and ControlNet.

Per pipeline: warm-up rounds (compilation, cuDNN autotuning, CUDA graph capture stay out), then timed
rounds; the clock is read after torch.cuda.synchronize() on both sides of each round. There is one copy of
the weights: on CUDA the plain pipeline runs first, then ours converts the same modules in place (bf16,
fused, channels-last; compiled for the last row), and the process-wide torch switches it sets are put back
before the next model; on a CPU, where our tuning leaves the fp32 modules as they are, the two pipelines
take turns round by round, so that a busy moment of a shared machine falls on both alike. Peak GPU memory
is torch.cuda.max_memory_allocated over a pipeline's timed rounds. The table goes to stdout (and --output),
progress to stderr.

Defaults: on CUDA 512 px (SD 1.5) / 1024 px (SDXL), 25 steps, 20 rounds after 3 warm-up rounds. On a CPU
the real UNets take seconds per step, so 128 px, 4 steps, 7 rounds after 1 warm-up. Weights: SD 1.5
1.43 B parameters (5.7 GB in fp32), SDXL 4.72 B (18.9 GB in fp32, 9.4 GB in bf16). On a GPU machine whose
commands are time-limited, run one model per command (--arch sd15, then --arch sdxl): SDXL's plain fp32
rounds and compiling it take minutes each.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds a queue.py: take the folder off the path, or the standard library's `import queue` would load it
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.editing.inpaint import InpaintParams, inpaint  # noqa: E402
from pipelines.models.diffusion_loader import assemble_editor  # noqa: E402
from pipelines.models.generative import EDITORS  # noqa: E402
from pipelines.models.tiny import write_tokenizer_files  # noqa: E402
from pipelines.models.speed import plan_tuning  # noqa: E402

logger = logging.getLogger("round_latency")

PROMPT = "a brass desk lamp with a white shade, studio product photo, soft light"
NEGATIVE_PROMPT = "blurry, low quality, distorted, watermark, text"
GUIDANCE_SCALE = 7.5
CONDITIONING_SCALE = 0.8
SEED = 0
MASK_BOX = (0.08, 0.50, 0.45, 0.92)  # "put a lamp in the bottom left": fractions x0, y0, x1, y1
WEIGHT_STD = 0.02


@dataclasses.dataclass(frozen=True)
class Arch:
    """One model family as the bench builds it."""

    name: str
    unet: str  # config file names
    controlnet: str
    control: str  # the ControlNet condition the round uses
    default_size: int  # CUDA default; CPU runs use CPU_SIZE
    sdxl: bool
    floor: str  # the physical limit on one H100 (../shared/docs/environment.md)


ARCHES = {
    "sd15": Arch("sd15", "sd15_inpaint_unet.json", "sd15_controlnet.json", "inpaint", 512, False,
                 "~73 ms at 512 px (803 + 283 GFLOP per UNet + ControlNet call, ×2 for guidance, ×25)"),
    "sdxl": Arch("sdxl", "sdxl_inpaint_unet.json", "sdxl_controlnet.json", "canny", 1024, True,
                 "~640 ms at 1024 px (6,761 + 3,020 GFLOP per call, ×2, ×25)"),
}
CPU_SIZE, CPU_STEPS, CPU_ROUNDS, CPU_WARMUP = 128, 4, 7, 1


# -- models -------------------------------------------------------------------------------------------
def find_configs(given: Path | None) -> Path:
    candidates = [given] if given else [ROOT / "shared/reference/configs", ROOT.parent / "shared/reference/configs"]
    for folder in candidates:
        if folder and (folder / "sd15_inpaint_unet.json").is_file():
            return folder
    raise SystemExit(f"no model configs in {', '.join(map(str, candidates))}: pass --configs DIR")


def randomize_(module):
    """Every parameter from N(0, WEIGHT_STD); buffers (e.g. CLIP's position ids) stay as built."""
    import torch

    with torch.no_grad():
        for parameter in module.parameters():
            torch.nn.init.normal_(parameter, std=WEIGHT_STD)
    return module.eval()


def diffusers_model(cls, config: dict, device: str):
    """A diffusers model from its config, allocated on the device and filled with random weights (built on
    the meta device first: the default initialisation of billions of parameters would be thrown away)."""
    import torch

    with torch.device("meta"):
        model = cls.from_config(config)
    if any(True for _ in model.buffers()):  # to_empty would leave buffers uninitialised: build it for real
        return randomize_(cls.from_config(config).to(device))
    return randomize_(model.to_empty(device=device))


def clip_text_encoder(device: str, *, big: bool):
    """CLIP ViT-L/14's text tower (SD 1.5, and SDXL's first encoder) or OpenCLIP bigG's with its projection
    (SDXL's second). Token ids 0/1 are the local tokenizer's start/end tokens."""
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    shape = (dict(hidden_size=1280, num_hidden_layers=32, num_attention_heads=20, intermediate_size=5120,
                  projection_dim=1280, hidden_act="gelu") if big else
             dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                  projection_dim=768, hidden_act="quick_gelu"))
    config = CLIPTextConfig(vocab_size=49408, max_position_embeddings=77, bos_token_id=0, eos_token_id=1,
                            pad_token_id=1, **shape)
    with torch.device(device):
        model = (CLIPTextModelWithProjection if big else CLIPTextModel)(config)
    return randomize_(model)


def tokenizer():
    from transformers import CLIPTokenizer

    with tempfile.TemporaryDirectory() as scratch:
        write_tokenizer_files(Path(scratch))
        return CLIPTokenizer.from_pretrained(scratch, model_max_length=77, local_files_only=True)


def scheduler_config(arch: Arch) -> dict:
    """The base repository's scheduler (SD 1.5 inpainting: PNDM; SDXL inpainting: Euler) as DPM-Solver++ 2M,
    which is what the studio's loader makes of it."""
    from diffusers import DPMSolverMultistepScheduler, EulerDiscreteScheduler, PNDMScheduler

    common = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1)
    base = (EulerDiscreteScheduler(timestep_spacing="leading", **common) if arch.sdxl else
            PNDMScheduler(skip_prk_steps=True, set_alpha_to_one=False, **common))
    return DPMSolverMultistepScheduler.from_config(base.config).config


def build_components(arch: Arch, configs: Path, device: str) -> dict:
    import torch
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel

    torch.manual_seed(SEED)
    read = lambda name: json.loads((configs / name).read_text())  # noqa: E731
    vae_config = read("vae.json")
    if arch.sdxl:  # SDXL's VAE: same network, its own latent scale; diffusers upcasts it when in fp16
        vae_config.update(scaling_factor=0.13025, force_upcast=True)
    parts = dict(
        unet=diffusers_model(UNet2DConditionModel, read(arch.unet), device),
        controlnet=diffusers_model(ControlNetModel, read(arch.controlnet), device),
        vae=diffusers_model(AutoencoderKL, vae_config, device),
        text_encoder=clip_text_encoder(device, big=False),
        tokenizer=tokenizer(),
    )
    if arch.sdxl:
        parts.update(text_encoder_2=clip_text_encoder(device, big=True), tokenizer_2=tokenizer())
    return parts


def count_parameters(parts: dict) -> int:
    return sum(p.numel() for part in parts.values() if hasattr(part, "parameters") for p in part.parameters())


# -- the round's inputs ---------------------------------------------------------------------------------
def round_picture(size: int) -> tuple[Image.Image, Image.Image]:
    """A product-photo-like picture (graded backdrop, a few objects, sensor noise) and the edit mask."""
    rng = np.random.default_rng(SEED)
    ramp = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    pixels = (np.array([236, 232, 226]) * (1 - 0.25 * ramp)).repeat(size, axis=1)
    picture = Image.fromarray(pixels.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(picture)
    s = size / 100
    draw.rectangle((0, 70 * s, size, size), fill=(180, 150, 120))  # a table top
    draw.ellipse((55 * s, 30 * s, 85 * s, 75 * s), fill=(40, 90, 160))  # the product
    draw.rectangle((62 * s, 20 * s, 78 * s, 32 * s), fill=(220, 220, 225))
    picture = picture.filter(ImageFilter.GaussianBlur(max(1.0, s / 2)))
    noisy = np.asarray(picture, dtype=np.int16) + rng.integers(-6, 7, (size, size, 3))
    picture = Image.fromarray(noisy.clip(0, 255).astype(np.uint8), "RGB")
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rectangle(tuple(round(f * size) for f in MASK_BOX), fill=255)
    return picture, mask


# -- the two pipelines ------------------------------------------------------------------------------------
def plain_pipeline(arch: Arch, parts: dict, device: str):
    """diffusers' ControlNet inpainting pipeline over the same components, as constructed (fp32)."""
    from diffusers import (DPMSolverMultistepScheduler, StableDiffusionControlNetInpaintPipeline,
                           StableDiffusionXLControlNetInpaintPipeline)

    scheduler = DPMSolverMultistepScheduler.from_config(scheduler_config(arch))
    if arch.sdxl:
        # no invisible watermark: ours does not add one either (and it is not installed here)
        pipe = StableDiffusionXLControlNetInpaintPipeline(**parts, scheduler=scheduler, add_watermarker=False,
                                                          requires_aesthetics_score=False)
    else:
        pipe = StableDiffusionControlNetInpaintPipeline(**parts, scheduler=scheduler, safety_checker=None,
                                                        feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)  # a console progress bar is not part of the work
    return pipe.to(device)


def plain_condition(arch: Arch, picture: Image.Image, mask: Image.Image):
    """The ControlNet condition the way diffusers' documentation makes it."""
    import cv2
    import torch

    pixels = np.asarray(picture, dtype=np.float32) / 255.0
    if arch.control == "inpaint":
        pixels[np.asarray(mask) > 127] = -1.0
        return torch.from_numpy(pixels).permute(2, 0, 1).unsqueeze(0)
    edges = cv2.Canny(np.asarray(picture), 100, 200)
    return Image.fromarray(np.stack([edges] * 3, axis=-1))


def plain_round(pipe, arch: Arch, picture: Image.Image, mask: Image.Image, steps: int) -> Image.Image:
    import torch

    return pipe(
        prompt=PROMPT, negative_prompt=NEGATIVE_PROMPT, image=picture, mask_image=mask,
        control_image=plain_condition(arch, picture, mask), height=picture.height, width=picture.width,
        strength=1.0, num_inference_steps=steps, guidance_scale=GUIDANCE_SCALE,
        controlnet_conditioning_scale=CONDITIONING_SCALE, generator=torch.Generator("cpu").manual_seed(SEED),
    ).images[0]


def our_editor(arch: Arch, parts: dict, size: int, device: str, compile: bool | str):
    from diffusers import DPMSolverMultistepScheduler

    spec = dataclasses.replace(EDITORS[arch.name], working_size=size)
    scheduler = DPMSolverMultistepScheduler.from_config(scheduler_config(arch))
    return assemble_editor(spec, parts["unet"], parts["controlnet"], parts["vae"], parts["text_encoder"],
                           parts["tokenizer"], scheduler, device, arch.control,
                           text_encoder_2=parts.get("text_encoder_2"), tokenizer_2=parts.get("tokenizer_2"),
                           compile=compile)


def our_round(editor, arch: Arch, picture: Image.Image, mask: Image.Image, steps: int) -> Image.Image:
    params = InpaintParams(prompt=PROMPT, negative_prompt=NEGATIVE_PROMPT, num_inference_steps=steps,
                           guidance_scale=GUIDANCE_SCALE, strength=1.0,
                           controlnet_conditioning_scale=CONDITIONING_SCALE, seed=SEED, control=arch.control)
    return inpaint(editor, picture, mask, params, lambda done, total, message: None)


# -- timing -----------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Timing:
    pipeline: str
    settings: str
    seconds: tuple[float, ...]
    warmup_seconds: tuple[float, ...]
    peak_bytes: int | None
    others_cpu: tuple[float, ...]  # per timed round: share of the machine's CPU used by other processes

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        return float(np.percentile(self.seconds, 95))


def synchronize(device: str) -> None:
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


class OthersCpu:
    """The share of the machine's CPU time that processes other than this one used while a round ran:
    busy time in /proc/stat (user ... steal) less this process's own CPU time. The bench shares its
    cores with whatever else runs on the machine; more than a few % means the round was disturbed."""

    def __init__(self):
        self.tick = os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _busy() -> int:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields[:8]) - fields[3] - fields[4]  # less idle and iowait (guest time is inside user)

    def __enter__(self) -> "OthersCpu":
        times = os.times()
        self._wall, self._busy0, self._own0 = time.monotonic(), self._busy(), times.user + times.system
        return self

    def __exit__(self, *exc) -> None:
        times = os.times()
        wall = time.monotonic() - self._wall
        others = (self._busy() - self._busy0) / self.tick - (times.user + times.system - self._own0)
        self.share = max(0.0, others / (wall * (os.cpu_count() or 1)))


@dataclasses.dataclass(frozen=True)
class Contender:
    """A pipeline to time: its row's name and settings, and one round."""

    pipeline: str
    settings: str
    run: object  # () -> Image
    warmup: int


def time_rounds(contenders: list[Contender], device: str, rounds: int) -> list[Timing]:
    """Warm every contender up, then time `rounds` rounds of each, taking turns (round 1 of each, then
    round 2 of each, ...) so that a slow patch of a shared machine falls on all of them alike. Peak GPU
    memory is per contender only when it runs alone."""
    import torch

    cuda = torch.device(device).type == "cuda"

    def timed(contender: Contender, label: str) -> tuple[float, float]:
        with OthersCpu() as others:
            synchronize(device)
            start = time.perf_counter()
            contender.run()
            synchronize(device)
            elapsed = time.perf_counter() - start
        logger.info("%s: %s %.3f s (others' CPU %.0f%%)", contender.pipeline, label, elapsed, 100 * others.share)
        return elapsed, others.share

    warm = {c.pipeline: [timed(c, f"warm-up {i + 1}/{c.warmup}")[0] for i in range(c.warmup)] for c in contenders}
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    measured = {c.pipeline: [] for c in contenders}
    for i in range(rounds):
        for c in contenders:
            measured[c.pipeline].append(timed(c, f"round {i + 1}/{rounds}"))
    peak = torch.cuda.max_memory_allocated(device) if cuda and len(contenders) == 1 else None
    return [Timing(c.pipeline, c.settings, tuple(t for t, _ in measured[c.pipeline]), tuple(warm[c.pipeline]), peak,
                   tuple(o for _, o in measured[c.pipeline])) for c in contenders]


class TorchSwitches:
    """Puts back the process-wide torch switches tune_pipeline sets, so the next model's plain pipeline
    runs with torch's defaults."""

    def __enter__(self):
        import torch

        self.saved = (torch.backends.cudnn.benchmark, torch.backends.cuda.matmul.allow_tf32,
                      torch.backends.cudnn.allow_tf32)
        return self

    def __exit__(self, *exc):
        import torch

        (torch.backends.cudnn.benchmark, torch.backends.cuda.matmul.allow_tf32,
         torch.backends.cudnn.allow_tf32) = self.saved


def bench_arch(arch: Arch, args, configs: Path) -> tuple[list[Timing], int]:
    """Time the plain pipeline and ours on one set of components. Where our tuning leaves the modules as
    the plain pipeline uses them (fp32, nothing fused: a CPU), the two take turns round by round; where it
    converts them in place (half precision, fused QKV, compile: CUDA), the plain pipeline runs first."""
    import torch

    size = args.size or (arch.default_size if args.cuda else CPU_SIZE)
    start = time.perf_counter()
    parts = build_components(arch, configs, args.device)
    logger.info("%s: built %.2f B parameters in %.1f s", arch.name, count_parameters(parts) / 1e9,
                time.perf_counter() - start)
    picture, mask = round_picture(size)

    plain = plain_pipeline(arch, parts, args.device)
    phase = [Contender("plain diffusers", "float32, default (SDPA) attention, untuned",
                       lambda pipe=plain: plain_round(pipe, arch, picture, mask, args.steps), args.warmup)]
    tuning = plan_tuning(args.device)
    in_place = tuning.dtype != torch.float32 or tuning.fused_qkv or tuning.channels_last
    timings = []
    with TorchSwitches():
        for compile in [False] + ([args.compile] if args.compile else []):
            if in_place or compile:  # time what runs on the modules as they are before they are converted
                timings += time_rounds(phase, args.device, args.rounds)
                phase = []
            editor = our_editor(arch, parts, size, args.device, compile)
            phase.append(Contender("ours" + (" + torch.compile" if compile else ""),
                                   plan_tuning(args.device, compile=compile).describe(),
                                   lambda editor=editor: our_round(editor, arch, picture, mask, args.steps),
                                   max(args.warmup, 3) if compile else args.warmup))  # compile, CUDA graphs
        timings += time_rounds(phase, args.device, args.rounds)
    del plain, parts, phase, editor
    gc.collect()
    if args.cuda:
        torch.cuda.empty_cache()
    return timings, size


# -- report -----------------------------------------------------------------------------------------------
def device_name(device: str) -> str:
    import torch

    if torch.device(device).type == "cuda":
        return torch.cuda.get_device_name(device)
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or platform.machine())
    return f"CPU: {os.cpu_count()} cores, {model}"


def report(results: list[tuple[Arch, int, list[Timing]]], args) -> str:
    import diffusers
    import torch

    command = "python bench/round_latency.py " + " ".join(sys.argv[1:])
    lines = [
        f"# Editing round latency: ours vs plain diffusers ({'GPU' if args.cuda else 'CPU'})",
        "",
        f"Command: `{command.strip()}` — run {date.today().isoformat()} on {device_name(args.device)}; "
        f"torch {torch.__version__}, diffusers {diffusers.__version__}.",
        f"Device {args.device}; {args.steps} steps (DPM-Solver++ 2M, classifier-free guidance {GUIDANCE_SCALE}, "
        f"ControlNet scale {CONDITIONING_SCALE}, strength 1); p50/p95 over {args.rounds} rounds after "
        f"{args.warmup} warm-up round(s){' (at least 3 when compiled)' if args.compile else ''}. Real architectures, random N(0, {WEIGHT_STD}) "
        "weights. A round = prompt encoding, ControlNet condition, VAE encode, denoising, VAE decode, PIL out."
        + ("" if args.cuda else " Both pipelines share the same fp32 modules here and took turns round by round."),
        "",
        "| model | size | steps | pipeline | settings | p50 | p95 | mean | peak GPU memory | others' CPU | "
        "speed-up (p50) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for arch, size, timings in results:
        plain = timings[0]
        for t in timings:
            memory = f"{t.peak_bytes / 2**30:.1f} GiB" if t.peak_bytes is not None else "–"
            lines.append(
                f"| {arch.name} ({arch.control} ControlNet) | {size} px | {args.steps} | {t.pipeline} | {t.settings} | "
                f"{seconds(t.p50)} | {seconds(t.p95)} | {seconds(statistics.fmean(t.seconds))} | {memory} | "
                f"{statistics.median(t.others_cpu):.0%} (max {max(t.others_cpu):.0%}) | {plain.p50 / t.p50:.2f}× |")
    lines += ["", "others' CPU: median (and largest) share of the machine's CPU time that other processes used "
              "during a timed round; the bench shares its cores with whatever else runs, and more than a few % "
              "means rounds were slowed by it.",
              "", "Physical floor on one H100 (../shared/docs/environment.md): "
              + "; ".join(f"{arch.name} {arch.floor}" for arch, _, _ in results) + "."]
    return "\n".join(lines) + "\n"


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="sd15,sdxl", help="comma-separated: sd15, sdxl")
    parser.add_argument("--size", type=int, default=None,
                        help=f"picture side in px (default: 512 sd15 / 1024 sdxl on CUDA, {CPU_SIZE} on a CPU)")
    parser.add_argument("--steps", type=int, default=None, help=f"denoising steps (default 25; {CPU_STEPS} on a CPU)")
    parser.add_argument("--rounds", type=int, default=None, help=f"timed rounds (default 20; {CPU_ROUNDS} on a CPU)")
    parser.add_argument("--warmup", type=int, default=None, help=f"warm-up rounds (default 3; {CPU_WARMUP} on a CPU)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--compile", nargs="?", const=True, default=False, metavar="MODE",
                        help="add a row with torch.compile of the UNet and ControlNet (optionally a torch.compile "
                             "mode, e.g. max-autotune; default reduce-overhead)")
    parser.add_argument("--configs", type=Path, default=None, help="folder of the reference model configs")
    parser.add_argument("--output", type=Path, default=None, help="also write the markdown table here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    import diffusers
    import transformers

    diffusers.utils.logging.set_verbosity_error()  # SDXL's fp32 VAE "upcast" warns on every call
    transformers.utils.logging.set_verbosity_error()

    args.cuda = torch.device(args.device).type == "cuda"
    if args.cuda and not torch.cuda.is_available():
        parser.error(f"--device {args.device}: no CUDA GPU is available here")
    if args.compile and not args.cuda:
        parser.error("--compile applies on CUDA only (tune_pipeline does not compile on a CPU)")
    args.steps = args.steps or (25 if args.cuda else CPU_STEPS)
    args.rounds = args.rounds or (20 if args.cuda else CPU_ROUNDS)
    args.warmup = args.warmup if args.warmup is not None else (3 if args.cuda else CPU_WARMUP)
    names = [name.strip() for name in args.arch.split(",") if name.strip()]
    unknown = [name for name in names if name not in ARCHES]
    if unknown or not names:
        parser.error(f"--arch: unknown {', '.join(unknown) or '(none)'}; choose from {', '.join(ARCHES)}")
    configs = find_configs(args.configs)

    results = []
    for name in names:
        timings, size = bench_arch(ARCHES[name], args, configs)
        results.append((ARCHES[name], size, timings))
    table = report(results, args)
    print(table)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table)


if __name__ == "__main__":
    main()
