"""One inpainting round with the tiny editor (2 steps): size, pixels outside the mask untouched, the same
seed gives the same pixels, every condition runs, progress per step, cancellation, and clear refusals."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from pipelines.errors import InvalidImage, InvalidOptions
from pipelines.editing.inpaint import InpaintParams, inpaint, inpaint_condition, plan_region

PARAMS = InpaintParams(prompt="a brass desk lamp", num_inference_steps=2, seed=7)


class Steps:
    def __init__(self, cancel_after: int | None = None):
        self.calls, self.cancel_after = [], cancel_after

    def __call__(self, done, total, message):
        self.calls.append((done, total, message))
        if self.cancel_after is not None and done >= self.cancel_after:
            raise KeyboardInterrupt("cancelled")


def picture(size=(160, 120), seed=0) -> Image.Image:
    """A smooth gradient with a few shapes, so the crop has edges and depth to condition on."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    pixels = np.stack([xx * 255 / w, yy * 255 / h, np.full_like(xx, 90.0)], axis=2)
    pixels[20:60, 30:70] = (200, 40, 40)
    pixels += np.random.default_rng(seed).normal(0, 3, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def box_mask(size=(160, 120), box=(60, 40, 110, 90), feather=False) -> Image.Image:
    mask = np.zeros(size[::-1], np.uint8)
    x0, y0, x1, y1 = box
    mask[y0:y1, x0:x1] = 255
    if feather:  # soft edge inside the box only
        mask[y0:y1, x0:x0 + 4] = np.linspace(40, 200, 4, dtype=np.uint8)
    return Image.fromarray(mask)


def assert_outside_unchanged(image, result, mask):
    outside = np.asarray(mask) == 0
    assert np.array_equal(np.asarray(result)[outside], np.asarray(image)[outside])


@pytest.mark.parametrize("control", ["inpaint", "canny", "depth", "none"])
def test_each_condition_changes_only_the_masked_region(tiny_store, control):
    image, mask = picture(), box_mask(feather=True)
    steps = Steps()
    result = inpaint(tiny_store.editor("tiny", control=control), image, mask, replace(PARAMS, control=control), steps)
    assert result.mode == "RGB" and result.size == image.size
    assert_outside_unchanged(image, result, mask)
    inside = np.asarray(mask) == 255
    assert np.any(np.asarray(result)[inside] != np.asarray(image)[inside])
    assert [c[:2] for c in steps.calls] == [(0, 2), (1, 2), (2, 2)]
    assert steps.calls[-1][2] == "generating (2/2)"


def test_the_same_seed_gives_the_same_pixels(tiny_store):
    editor = tiny_store.editor("tiny", control="inpaint")
    image, mask = picture(), box_mask()
    first, again, other = (inpaint(editor, image, mask, replace(PARAMS, seed=seed), Steps()) for seed in (3, 3, 4))
    assert np.array_equal(np.asarray(first), np.asarray(again))
    assert not np.array_equal(np.asarray(first), np.asarray(other))


def test_a_small_mask_in_a_large_picture_touches_nothing_else(tiny_store):
    image, mask = picture((400, 300), seed=1), box_mask((400, 300), (380, 5, 396, 20))  # near a corner
    steps = Steps()
    result = inpaint(tiny_store.editor("tiny", control="none"), image, mask,
                     replace(PARAMS, control="none", strength=0.5, num_inference_steps=4), steps)
    assert_outside_unchanged(image, result, mask)
    assert steps.calls[-1][:2] == (2, 2)  # strength 0.5 of 4 steps runs 2


def test_cancelling_during_the_run_stops_it_and_propagates(tiny_store):
    steps = Steps(cancel_after=1)
    with pytest.raises(KeyboardInterrupt, match="cancelled"):
        inpaint(tiny_store.editor("tiny", control="inpaint"), picture(), box_mask(),
                replace(PARAMS, num_inference_steps=3), steps)
    assert [c[0] for c in steps.calls] == [0, 1]  # no step after the one that raised


@pytest.mark.parametrize(
    "change, message",
    [
        ({"num_inference_steps": 0}, "num_inference_steps must be between 1 and 150, got 0"),
        ({"num_inference_steps": 2.5}, "num_inference_steps must be a whole number, got 2.5"),
        ({"guidance_scale": 31}, "guidance_scale must be between 0.0 and 30.0, got 31"),
        ({"strength": 0}, "strength must be above 0 and at most 1, got 0"),
        ({"strength": 1.5}, "strength must be between 0.0 and 1.0, got 1.5"),
        ({"controlnet_conditioning_scale": -1}, "controlnet_conditioning_scale must be between 0.0 and 2.0"),
        ({"seed": -1}, "seed must be between 0 and 4294967295, got -1"),
        ({"control": "pose"}, "control 'pose' is not one of: inpaint, canny, depth, none"),
        ({"prompt": None}, "prompt must be text"),
        ({"strength": 0.1, "num_inference_steps": 5}, "leaves no denoising step; raise one of them (at least 10 steps"),
    ],
)
def test_bad_parameters_are_refused_with_the_allowed_range(change, message):
    with pytest.raises(InvalidOptions, match=message.replace("(", r"\(").replace(")", r"\)")):
        replace(PARAMS, **change).check()


def test_bad_inputs_are_refused_before_any_work(tiny_store):
    editor = tiny_store.editor("tiny", control="inpaint")
    steps = Steps()
    with pytest.raises(InvalidImage, match="the mask is 80×60 but the picture is 160×120"):
        inpaint(editor, picture(), box_mask((80, 60), (0, 0, 10, 10)), PARAMS, steps)
    with pytest.raises(InvalidImage, match="the picture must be an RGB image, got RGBA"):
        inpaint(editor, picture().convert("RGBA"), box_mask(), PARAMS, steps)
    with pytest.raises(InvalidOptions, match="the edit mask is empty"):
        inpaint(editor, picture(), Image.new("L", (160, 120), 0), PARAMS, steps)
    with pytest.raises(InvalidOptions, match="loaded for control 'inpaint', not 'canny'"):
        inpaint(editor, picture(), box_mask(), replace(PARAMS, control="canny"), steps)
    assert steps.calls == []


def test_the_region_holds_the_mask_with_context_at_a_size_the_model_takes():
    region = plan_region((380, 5, 396, 20), (400, 300), working_size=512, multiple=64)
    x0, y0, x1, y1 = region.box
    assert 0 <= x0 <= 380 and x1 == 400 and y0 == 0 and y1 >= 20  # clamped at the picture's corner
    assert x1 - x0 == y1 - y0 == 256  # small regions still get half the working size of surroundings
    assert region.work_size == (512, 512)
    wide = plan_region((0, 40, 400, 60), (400, 100), working_size=512, multiple=64)
    assert wide.box == (0, 0, 400, 100) and wide.work_size == (512, 128)


def test_the_inpaint_condition_marks_the_pixels_to_regenerate():
    crop = Image.new("RGB", (8, 8), (255, 0, 0))
    mask = Image.new("L", (8, 8), 0)
    mask.paste(255, (0, 0, 4, 8))
    condition = inpaint_condition(crop, mask).numpy()
    assert condition.shape == (1, 3, 8, 8)
    assert (condition[0, :, :, :4] == -1).all() and condition[0, 0, 0, 7] == 1.0 and condition[0, 1, 0, 7] == 0.0


@pytest.fixture(scope="module")
def tiny_sdxl_parts(torch_one_thread, tmp_path_factory):
    """SDXL-shaped components (two text encoders, text-time conditioning) from small configs, in memory."""
    import torch
    from diffusers import AutoencoderKL, ControlNetModel, EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    from pipelines.models.tiny import write_tokenizer_files

    torch.manual_seed(0)
    blocks = dict(block_out_channels=(32, 64), layers_per_block=1, attention_head_dim=(2, 4),
                  down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), cross_attention_dim=64,
                  transformer_layers_per_block=(1, 2), use_linear_projection=True, addition_embed_type="text_time",
                  addition_time_embed_dim=8, projection_class_embeddings_input_dim=80)  # 6 × 8 + 32
    folder = tmp_path_factory.mktemp("sdxl-tokenizer")
    text = dict(vocab_size=write_tokenizer_files(folder), hidden_size=32, intermediate_size=37, num_attention_heads=4,
                num_hidden_layers=2, projection_dim=32, bos_token_id=0, eos_token_id=1, pad_token_id=1)
    tokenizer = CLIPTokenizer.from_pretrained(str(folder), model_max_length=77)
    return dict(
        unet=UNet2DConditionModel(in_channels=9, out_channels=4, up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
                                  **blocks),
        controlnet=ControlNetModel(in_channels=4, conditioning_embedding_out_channels=(16, 32), **blocks),
        vae=AutoencoderKL(block_out_channels=(32, 64), latent_channels=4, down_block_types=("DownEncoderBlock2D",) * 2,
                          up_block_types=("UpDecoderBlock2D",) * 2),
        text_encoder=CLIPTextModel(CLIPTextConfig(**text)), tokenizer=tokenizer,
        text_encoder_2=CLIPTextModelWithProjection(CLIPTextConfig(**text)), tokenizer_2=tokenizer,
        scheduler=EulerDiscreteScheduler(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012),
    )


@pytest.mark.parametrize("control", ["canny", "inpaint"])
def test_an_sdxl_editor_is_assembled_and_inpaints(tiny_sdxl_parts, control):
    from pipelines.models import EDITORS
    from pipelines.models.diffusion_loader import assemble_editor

    spec = replace(EDITORS["sdxl"], working_size=64)
    parts = {**tiny_sdxl_parts, "controlnet": tiny_sdxl_parts["controlnet"] if control == "canny" else None}
    editor = assemble_editor(spec, device="cpu", control=control, **parts)
    expected = "StableDiffusionXLControlNetInpaintPipeline" if control == "canny" else "StableDiffusionXLInpaintPipeline"
    assert type(editor.pipe).__name__ == expected  # SDXL has no inpaint ControlNet: its UNet inpaints alone
    image, mask = picture(), box_mask()
    steps = Steps()
    result = inpaint(editor, image, mask, replace(PARAMS, control=control), steps)
    assert result.size == image.size and steps.calls[-1][:2] == (2, 2)
    assert_outside_unchanged(image, result, mask)
