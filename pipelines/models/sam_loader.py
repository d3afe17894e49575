"""Build a Segment Anything predictor from a checkpoint and the dimensions of its model.

The real ViT-B checkpoint and the tiny development one load through the same function: the model is
built from segment_anything's modeling classes with the given dimensions, then the state dict is read
with `torch.load(weights_only=True)` (no pickled code runs). Heavy imports stay inside the functions.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

CONFIG_FILE = "sam_config.json"


@dataclass(frozen=True)
class SamConfig:
    """The dimensions of a SAM model; VIT_B is the published ViT-B model."""

    encoder_embed_dim: int
    encoder_depth: int
    encoder_num_heads: int
    encoder_global_attn_indexes: tuple[int, ...]
    image_size: int = 1024
    patch_size: int = 16
    window_size: int = 14
    prompt_embed_dim: int = 256
    mask_in_chans: int = 16
    decoder_depth: int = 2
    decoder_mlp_dim: int = 2048
    decoder_num_heads: int = 8
    iou_head_hidden_dim: int = 256

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_file(cls, path: Path) -> "SamConfig":
        values = json.loads(Path(path).read_text())
        values["encoder_global_attn_indexes"] = tuple(values["encoder_global_attn_indexes"])
        return cls(**values)


VIT_B = SamConfig(encoder_embed_dim=768, encoder_depth=12, encoder_num_heads=12,
                  encoder_global_attn_indexes=(2, 5, 8, 11))


def build_sam_model(config: SamConfig):
    """An untrained `segment_anything.modeling.Sam` with these dimensions."""
    from functools import partial

    import torch
    from segment_anything.modeling import ImageEncoderViT, MaskDecoder, PromptEncoder, Sam, TwoWayTransformer

    grid = config.image_size // config.patch_size
    encoder = ImageEncoderViT(
        img_size=config.image_size, patch_size=config.patch_size, embed_dim=config.encoder_embed_dim,
        depth=config.encoder_depth, num_heads=config.encoder_num_heads, mlp_ratio=4,
        out_chans=config.prompt_embed_dim, qkv_bias=True, norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
        use_rel_pos=True, window_size=config.window_size,
        global_attn_indexes=config.encoder_global_attn_indexes,
    )
    prompt_encoder = PromptEncoder(
        embed_dim=config.prompt_embed_dim, image_embedding_size=(grid, grid),
        input_image_size=(config.image_size, config.image_size), mask_in_chans=config.mask_in_chans,
    )
    decoder = MaskDecoder(
        transformer_dim=config.prompt_embed_dim, num_multimask_outputs=3,
        transformer=TwoWayTransformer(depth=config.decoder_depth, embedding_dim=config.prompt_embed_dim,
                                      mlp_dim=config.decoder_mlp_dim, num_heads=config.decoder_num_heads),
        iou_head_depth=3, iou_head_hidden_dim=config.iou_head_hidden_dim,
    )
    return Sam(image_encoder=encoder, prompt_encoder=prompt_encoder, mask_decoder=decoder)


def load_sam(checkpoint: Path, config: SamConfig, device: str):
    """A `segment_anything.SamPredictor` over the checkpoint's weights, in eval mode on the device."""
    import torch
    from segment_anything import SamPredictor

    model = build_sam_model(config)
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.to(device).eval()
    return SamPredictor(model)
