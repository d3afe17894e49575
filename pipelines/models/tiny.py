"""Tiny random-weight models for development and tests, built from small configs and saved to a folder.

They have the real architectures (a 9-channel inpainting UNet, a 4-channel ControlNet, an AutoencoderKL,
a CLIP text encoder with a byte-level BPE tokenizer, a Depth Anything estimator, a SAM model, an OWLv2
detector) at a few hundred thousand parameters, so the studio's whole generative flow runs in well under
a second per round on a CPU. Each builder writes with save_pretrained (torch.save for SAM) into a
temporary folder that is renamed into place when complete; the model store then loads the folder with
from_pretrained, exactly as it loads downloaded models. The pictures they make are noise.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from pipelines.models.sam_loader import CONFIG_FILE, SamConfig, build_sam_model

SEED = 0
VERSION = 1  # bump when a config below changes: folders built by an older version are rebuilt
MARK = "studio-tiny.json"  # written last into a complete build
WORKING_SIZE = 64  # pixels; the tiny VAE halves it to a 32x32 latent
CROSS_ATTENTION_DIM = 32
_MERGES = (("l", "a"), ("la", "m"), ("lam", "p</w>"), ("o", "n</w>"), ("t", "h"), ("th", "e</w>"))


def _byte_symbols() -> list[str]:
    """The 256 printable stand-ins byte-level BPE uses for bytes (printable Latin-1 as is, the rest shifted)."""
    kept = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    shifted = iter(range(256, 512))
    return [chr(b) if b in kept else chr(next(shifted)) for b in range(256)]


def write_tokenizer_files(folder: Path, specials_last: bool = False) -> int:
    """A small CLIP vocabulary (every byte, alone and word-final, plus a few merges); returns its size.
    specials_last: the start and end tokens take the last two ids, as in CLIP's own vocabulary (OWLv2 reads
    a query whose first id is 0 as padding, and pools at the highest id)."""
    symbols = _byte_symbols()
    specials = ["<|startoftext|>", "<|endoftext|>"]
    tokens = [*symbols, *(s + "</w>" for s in symbols), *("".join(pair) for pair in _MERGES)]
    tokens = [*tokens, *specials] if specials_last else [*specials, *tokens]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps({token: i for i, token in enumerate(tokens)}))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in _MERGES))
    return len(tokens)


def _tiny_blocks() -> dict:
    return dict(block_out_channels=(32, 64), layers_per_block=1, attention_head_dim=(2, 4),
                down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), cross_attention_dim=CROSS_ATTENTION_DIM)


def build_inpaint_pipeline(folder: Path) -> None:
    """A diffusers StableDiffusionInpaintPipeline folder: 9-channel UNet, VAE, CLIP text encoder, tokenizer."""
    from diffusers import AutoencoderKL, PNDMScheduler, StableDiffusionInpaintPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    with tempfile.TemporaryDirectory() as scratch:
        vocab_size = write_tokenizer_files(Path(scratch))
        tokenizer = CLIPTokenizer.from_pretrained(scratch, model_max_length=77, local_files_only=True)
    unet = UNet2DConditionModel(
        sample_size=WORKING_SIZE // 2, in_channels=9, out_channels=4,
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), **_tiny_blocks(),
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 64), in_channels=3, out_channels=3, latent_channels=4, sample_size=WORKING_SIZE,
        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
    )
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=vocab_size, hidden_size=CROSS_ATTENTION_DIM, intermediate_size=37, num_attention_heads=4,
        num_hidden_layers=2, projection_dim=32, max_position_embeddings=77,
        bos_token_id=0, eos_token_id=1, pad_token_id=1,
    ))
    # the scheduler settings of the SD 1.5 inpainting repository
    scheduler = PNDMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              skip_prk_steps=True, set_alpha_to_one=False, steps_offset=1)
    pipe = StableDiffusionInpaintPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )
    pipe.save_pretrained(folder)


def build_controlnet(folder: Path) -> None:
    """A ControlNet for the tiny UNet, from a 4-channel config (as ControlNets for inpainting models are)."""
    from diffusers import ControlNetModel

    controlnet = ControlNetModel(in_channels=4, conditioning_embedding_out_channels=(16, 32), **_tiny_blocks())
    controlnet.save_pretrained(folder)


def build_depth_estimator(folder: Path) -> None:
    """A Depth Anything model (DINOv2 backbone) and its DPT image processor."""
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config, DPTImageProcessor

    backbone = Dinov2Config(image_size=56, patch_size=14, hidden_size=32, num_hidden_layers=4, num_attention_heads=2,
                            intermediate_size=37, out_features=["stage1", "stage2", "stage3", "stage4"],
                            reshape_hidden_states=False)
    config = DepthAnythingConfig(backbone_config=backbone, patch_size=14, reassemble_hidden_size=32,
                                 neck_hidden_sizes=[8, 16, 32, 32], fusion_hidden_size=16, head_hidden_size=8)
    DepthAnythingForDepthEstimation(config).save_pretrained(folder)
    DPTImageProcessor(
        size={"height": 56, "width": 56}, keep_aspect_ratio=True, ensure_multiple_of=14, resample=3,
        image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225],
    ).save_pretrained(folder)


TINY_SAM = SamConfig(
    encoder_embed_dim=32, encoder_depth=2, encoder_num_heads=2, encoder_global_attn_indexes=(1,),
    image_size=64, window_size=2, prompt_embed_dim=32, decoder_mlp_dim=64, decoder_num_heads=2,
    iou_head_hidden_dim=32,
)


def build_sam(folder: Path, filename: str = "tiny_sam.pth") -> None:
    """A SAM checkpoint (state dict) and the dimensions it was built with."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    torch.save(build_sam_model(TINY_SAM).state_dict(), folder / filename)
    (folder / CONFIG_FILE).write_text(TINY_SAM.to_json())


TINY_DETECTOR_SIZE = 64  # pixels: the tiny OWLv2 sees a 4x4 grid of 16-pixel patches, so it predicts 16 boxes


def build_owlv2(folder: Path) -> None:
    """An OWLv2 open-vocabulary detector (CLIP-style text and vision towers, box and class heads) and its
    processor: a CLIP tokenizer with OWLv2's 16-token queries and an image processor that pads to a square."""
    import torch
    from transformers import CLIPTokenizer, Owlv2Config, Owlv2ForObjectDetection, Owlv2ImageProcessor, Owlv2Processor

    with tempfile.TemporaryDirectory() as scratch:
        vocab_size = write_tokenizer_files(Path(scratch), specials_last=True)
        # as OWLv2's own tokenizer: padding with "!", queries of at most 16 tokens
        tokenizer = CLIPTokenizer.from_pretrained(scratch, model_max_length=16, pad_token="!", local_files_only=True)
    tower = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4)
    config = Owlv2Config(
        text_config=dict(vocab_size=vocab_size, max_position_embeddings=16, pad_token_id=tokenizer.pad_token_id,
                         bos_token_id=vocab_size - 2, eos_token_id=vocab_size - 1, **tower),
        vision_config=dict(image_size=TINY_DETECTOR_SIZE, patch_size=16, **tower),
        projection_dim=32,
    )
    model = Owlv2ForObjectDetection(config)
    # The heads' default initialisation (std 1) sends every random box out of the picture and every score
    # to ~0. Small weights keep each box near its own patch and the scores near 0.5: still noise, but boxes
    # of the picture that pass a threshold, so the development setting runs the whole scene flow.
    with torch.no_grad():
        head = model.box_head
        for layer in (head.dense0, head.dense1, head.dense2, model.class_head.logit_shift,
                      model.class_head.logit_scale):
            layer.weight.normal_(0.0, 0.02)
    model.save_pretrained(folder)
    size = {"height": TINY_DETECTOR_SIZE, "width": TINY_DETECTOR_SIZE}
    Owlv2Processor(image_processor=Owlv2ImageProcessor(size=size), tokenizer=tokenizer).save_pretrained(folder)


BUILDERS: dict[str, Callable[[Path], None]] = {
    "tiny-sd15-inpaint": build_inpaint_pipeline,
    "tiny-sd15-controlnet": build_controlnet,
    "tiny-depth": build_depth_estimator,
    "tiny-sam": build_sam,
    "tiny-owlv2": build_owlv2,
}


def is_built(folder: Path) -> bool:
    """A complete build of the current version is in the folder."""
    try:
        return json.loads((Path(folder) / MARK).read_text())["version"] == VERSION
    except (OSError, ValueError, KeyError):
        return False


def build_tiny(name: str, folder: Path) -> Path:
    """Build the named tiny model into `folder`, which must not exist (a complete folder appears at once;
    when another process finished the same build first, its folder is kept)."""
    import torch

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.building-"))
    try:
        with torch.random.fork_rng(devices=[]):  # the same weights every time, without touching the caller's RNG
            torch.manual_seed(SEED)
            BUILDERS[name](scratch / "model")
        (scratch / "model" / MARK).write_text(json.dumps({"model": name, "version": VERSION}))
        try:
            os.replace(scratch / "model", folder)
        except OSError:
            if not is_built(folder):
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder
