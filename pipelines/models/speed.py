"""Make a loaded diffusers pipeline fast on the device it runs on.

    dtype = pick_dtype("cuda")                      # load weights in this dtype
    pipe = tune_pipeline(pipe, "cuda", compile=True)

On a CUDA GPU a pipeline runs in half precision (bf16 where the GPU has it, else fp16), with PyTorch's
scaled-dot-product attention, fused QKV projections, channels-last convolutions and cuDNN's autotuner;
optionally the UNet and ControlNet(s) are compiled with torch.compile (CUDA graphs by default: at batch 2
the UNet is a few thousand small kernels and launching them costs as much as running them). In bf16 (and
fp32) the VAE's fp16 overflow guard is switched off: SDXL pipelines otherwise cast the VAE to fp32 and
back and encode in fp32 on every call.

On a CPU the pipeline stays in fp32 with diffusers' default (SDPA) attention and nothing else: measured here
on the real SD 1.5 inpainting UNet (2-core x86-64 with AVX-512 BF16, 32x32 latent, batch 2), channels-last and
fused QKV changed a forward's time by less than the run-to-run spread, and bf16 was 15% slower than fp32.

Tuning changes modules in place and is idempotent: an editor's components are shared between its pipelines
(switching the ControlNet condition keeps the UNet), so tuning a second pipeline over the same UNet must
neither fuse nor compile it twice. It also sets process-wide torch switches (cuDNN autotuner, TF32 for fp32
matrix work, an inductor option): a worker process runs one model at a time, and they only speed others up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

DEFAULT_COMPILE_MODE = "reduce-overhead"  # inductor + CUDA graphs; "max-autotune" also tunes kernels (minutes)
_HALF_PRECISION_DEVICES = ("cuda", "mps")


@dataclass(frozen=True)
class Tuning:
    """What tune_pipeline does on one device."""

    device: str
    dtype: object  # torch.dtype
    fused_qkv: bool
    channels_last: bool
    compile_mode: str | None  # torch.compile mode for the UNet and ControlNet(s); None = eager

    def describe(self) -> str:
        parts = [str(self.dtype).removeprefix("torch."), "SDPA attention"]
        if self.fused_qkv:
            parts.append("fused QKV")
        if self.channels_last:
            parts.append("channels-last")
        if self.compile_mode:
            parts.append(f"torch.compile ({self.compile_mode})")
        return ", ".join(parts)


def _device_type(device) -> str:
    import torch

    return torch.device(device).type


def pick_dtype(device: str):
    """The dtype a pipeline runs in on `device`: bf16 on CUDA GPUs that have it (Ampere and newer; it also
    keeps the SDXL VAE from overflowing, so it needs no fp32 upcast), fp16 on older GPUs and Apple's MPS,
    fp32 on a CPU."""
    import torch

    kind = _device_type(device)
    if kind == "cuda":
        with torch.cuda.device(torch.device(device)):
            # emulated bf16 (pre-Ampere GPUs) is slow: those get fp16
            return torch.bfloat16 if torch.cuda.is_bf16_supported(including_emulation=False) else torch.float16
    if kind in _HALF_PRECISION_DEVICES:
        return torch.float16
    return torch.float32


def plan_tuning(device: str, *, compile: bool | str = False) -> Tuning:
    """The tuning for `device`. compile: False, True (DEFAULT_COMPILE_MODE) or a torch.compile mode name;
    it applies on CUDA only (inductor's CPU code is not faster here and takes minutes to build)."""
    cuda = _device_type(device) == "cuda"
    mode = (DEFAULT_COMPILE_MODE if compile is True else compile or None) if cuda else None
    return Tuning(device=device, dtype=pick_dtype(device), fused_qkv=cuda, channels_last=cuda, compile_mode=mode)


def tune_pipeline(pipe, device: str, *, compile: bool | str = False):
    """Move `pipe` to `device` in its dtype and apply the device's tuning (module docstring); returns `pipe`."""
    tuning = plan_tuning(device, compile=compile)
    apply_tuning(pipe, tuning)
    logger.info("tuned %s for %s: %s", type(pipe).__name__, device, tuning.describe())
    return pipe


def apply_tuning(pipe, tuning: Tuning) -> None:
    import torch

    if _device_type(tuning.device) == "cuda":
        torch.backends.cudnn.benchmark = True  # shapes repeat every step: pick the fastest conv algorithm once
        torch.backends.cuda.matmul.allow_tf32 = True  # fp32 leftovers (an upcast VAE on fp16-only GPUs)
        torch.backends.cudnn.allow_tf32 = True
    pipe.to(tuning.device)
    modules = [c for c in pipe.components.values() if isinstance(c, torch.nn.Module)]
    if any(module.dtype != tuning.dtype for module in modules):  # (casting what is cast already only warns)
        pipe.to(dtype=tuning.dtype)

    denoisers = [getattr(pipe, "unet", None), *_controlnets(pipe)]
    denoisers = [model for model in denoisers if model is not None]
    vae = getattr(pipe, "vae", None)
    if vae is not None and tuning.dtype != torch.float16 and getattr(vae.config, "force_upcast", False):
        # the upcast guards the SDXL VAE against fp16 overflow; bf16 and fp32 have the range. Left on, SDXL
        # pipelines cast the VAE to fp32 and back and encode in fp32 on every call
        vae.register_to_config(force_upcast=False)
    for model in [*denoisers, vae]:
        if model is None:
            continue
        _use_sdpa(model)
        if tuning.fused_qkv:
            _fuse_qkv(model)
        if tuning.channels_last:
            model.to(memory_format=torch.channels_last)
    if tuning.compile_mode:
        import torch._inductor.config as inductor

        inductor.conv_1x1_as_mm = True  # 1x1 convolutions as matrix products: faster in channels-last
        for model in denoisers:
            _compile(model, tuning.compile_mode)


def _controlnets(pipe) -> list:
    controlnet = getattr(pipe, "controlnet", None)
    if controlnet is None:
        return []
    return list(getattr(controlnet, "nets", [controlnet]))  # MultiControlNetModel keeps its nets in .nets


def _plain_attention(model) -> bool:
    """True when every attention layer uses diffusers' stock processors (no IP-Adapter, LoRA or xformers)."""
    from diffusers.models.attention_processor import AttnProcessor, AttnProcessor2_0, FusedAttnProcessor2_0

    processors = getattr(model, "attn_processors", None)
    stock = (AttnProcessor, AttnProcessor2_0, FusedAttnProcessor2_0)
    return bool(processors) and all(type(p) in stock for p in processors.values())


def _use_sdpa(model) -> None:
    """PyTorch's fused attention kernels (flash / memory-efficient) instead of diffusers' classic processor.
    diffusers picks them by default on torch 2; this undoes a model set back to the classic one."""
    from diffusers.models.attention_processor import AttnProcessor, AttnProcessor2_0

    if _plain_attention(model) and any(type(p) is AttnProcessor for p in model.attn_processors.values()):
        model.set_attn_processor(AttnProcessor2_0())


def _fuse_qkv(model) -> None:
    """One matrix product for q, k and v (k and v in cross-attention) instead of three: fewer, larger GEMMs.
    Done per attention layer: the models' own fuse_qkv_projections is missing or a no-op on some of them
    (ControlNetModel's skips diffusers' classic Attention layers)."""
    from diffusers.models.attention_processor import Attention, FusedAttnProcessor2_0

    if not _plain_attention(model):
        return
    attentions = [m for m in model.modules() if isinstance(m, Attention)]
    if not attentions:
        return
    for attention in attentions:
        if not attention.fused_projections:
            attention.fuse_projections(fuse=True)
    model.set_attn_processor(FusedAttnProcessor2_0())


def _compile(model, mode: str) -> None:
    if getattr(model, "_compiled_call_impl", None) is not None:  # shared with an editor compiled earlier
        return
    # nn.Module.compile keeps the module's class, so the pipelines' isinstance checks still hold
    model.compile(mode=mode, dynamic=False)
