"""Speed tuning must not change the pictures: the GPU tuning (fused QKV projections, channels-last), applied
here on the CPU to the tiny ControlNet-inpaint pipeline, gives the untuned result, also when a pipeline over
the same (shared) components is tuned again; on a CPU the pipeline stays fp32 and is never compiled."""

from __future__ import annotations

import numpy as np
from PIL import Image

from pipelines.models.speed import Tuning, apply_tuning, pick_dtype, plan_tuning, tune_pipeline


def tiny_pipeline(models_dir):
    from diffusers import ControlNetModel, StableDiffusionControlNetInpaintPipeline

    controlnet = ControlNetModel.from_pretrained(models_dir / "tiny-sd15-controlnet", local_files_only=True)
    pipe = StableDiffusionControlNetInpaintPipeline.from_pretrained(
        models_dir / "tiny-sd15-inpaint", controlnet=controlnet, safety_checker=None, feature_extractor=None,
        requires_safety_checker=False, local_files_only=True,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def generate(pipe) -> np.ndarray:
    import torch

    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 16, 48, 48))
    return pipe(prompt="a lamp", negative_prompt="blurry", image=image, mask_image=mask, control_image=image,
                height=64, width=64, num_inference_steps=2, output_type="np",
                generator=torch.Generator("cpu").manual_seed(3)).images[0]


def processors(model) -> set[str]:
    return {type(p).__name__ for p in model.attn_processors.values()}


def test_gpu_tuning_keeps_the_picture_and_is_idempotent(tiny_models_dir):
    import torch

    pipe = tiny_pipeline(tiny_models_dir)
    before = generate(pipe)
    gpu_style = Tuning("cpu", torch.float32, fused_qkv=True, channels_last=True, compile_mode=None)

    apply_tuning(pipe, gpu_style)
    for model in (pipe.unet, pipe.controlnet, pipe.vae):
        assert processors(model) == {"FusedAttnProcessor2_0"}
    assert pipe.unet.conv_in.weight.is_contiguous(memory_format=torch.channels_last)
    fused = pipe.unet.down_blocks[1].attentions[0].transformer_blocks[0].attn1.to_qkv
    np.testing.assert_allclose(generate(pipe), before, atol=1e-4)

    apply_tuning(pipe, gpu_style)  # a second editor over the same components
    assert pipe.unet.down_blocks[1].attentions[0].transformer_blocks[0].attn1.to_qkv is fused
    np.testing.assert_allclose(generate(pipe), before, atol=1e-4)


def test_cpu_stays_float32_and_uncompiled(tiny_models_dir):
    import torch

    assert pick_dtype("cpu") == torch.float32
    assert plan_tuning("cpu", compile=True) == Tuning("cpu", torch.float32, False, False, None)
    pipe = tiny_pipeline(tiny_models_dir)
    assert tune_pipeline(pipe, "cpu", compile=True) is pipe
    assert all(model.dtype == torch.float32 for model in (pipe.unet, pipe.controlnet, pipe.vae, pipe.text_encoder))
    assert processors(pipe.unet) == {"AttnProcessor2_0"}
    assert getattr(pipe.unet, "_compiled_call_impl", None) is None
