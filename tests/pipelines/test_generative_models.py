"""Generative models in the model store: the registry, tiny models built from configs and loaded back with
from_pretrained, hub models found in the models folder or the Hugging Face cache, clear messages when a
model is missing, SAM, and `studio models` for editors."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from pipelines.errors import InvalidOptions, ModelUnavailable
from pipelines.models import EDITORS, GENERATIVE, EditorSpec, ModelStore
from pipelines.models.generative import CONTROLS
from pipelines.models.tiny import BUILDERS


def test_every_editor_part_is_in_the_registry_with_a_source():
    for editor in EDITORS.values():
        for part in editor.parts():
            spec = GENERATIVE[part]
            assert spec.development == editor.development
            assert spec.hub_id or spec.filename or part in BUILDERS, part
    real = [s for s in GENERATIVE.values() if not s.development]
    assert all("/" in s.hub_id for s in real if s.task != "segment")
    assert EDITORS["sd15"].controls == CONTROLS and EDITORS["sdxl"].controls == CONTROLS
    assert EDITORS["sdxl"].parts("inpaint") == ("sdxl-inpaint",)  # the inpainting UNet alone
    assert EDITORS["sd15"].parts("depth") == ("sd15-inpaint", "sd15-controlnet-depth", "depth-anything-v2-small")
    sam = GENERATIVE["sam-vit-b"]
    assert sam.sources[0].url == "https://dl.fbaipublicfiles.com/segment_anything/sam_vit_b_01ec64.pth"
    assert (sam.md5, sam.bytes) == ("01ec64d29a2fca3f0661936605ae66f8", 375_042_383)


def test_tiny_models_are_saved_folders_loaded_back_with_from_pretrained(tiny_models_dir, tiny_store):
    base = tiny_models_dir / "tiny-sd15-inpaint"
    assert json.loads((base / "model_index.json").read_text())["_class_name"] == "StableDiffusionInpaintPipeline"
    assert list((base / "unet").glob("*.safetensors")) and (base / "tokenizer" / "tokenizer_config.json").is_file()
    editor = tiny_store.editor("tiny", control="inpaint")
    pipe = editor.pipe
    assert type(pipe).__name__ == "StableDiffusionControlNetInpaintPipeline"
    assert pipe.unet.config.in_channels == 9 and pipe.controlnet.config.in_channels == 4
    assert pipe.unet.config._name_or_path == str(base / "unet")  # read from the folder, not built in memory
    assert pipe.controlnet.config._name_or_path == str(tiny_models_dir / "tiny-sd15-controlnet")
    assert type(pipe.scheduler).__name__ == "DPMSolverMultistepScheduler"
    assert pipe.tokenizer("a lamp").input_ids[0] == pipe.tokenizer.bos_token_id
    assert (editor.working_size, editor.device, editor.architecture) == (64, "cpu", "sd15")
    assert tiny_store.editor_installed("tiny")


def test_an_editor_stays_warm_and_another_condition_shares_its_base(tiny_store):
    inpaint = tiny_store.editor("tiny", control="inpaint")
    assert tiny_store.editor("tiny", control="inpaint") is inpaint
    plain = tiny_store.editor("tiny", control="none")
    depth = tiny_store.editor("tiny", control="depth")
    assert plain.pipe.unet is inpaint.pipe.unet and not plain.has_controlnet
    assert depth.depth is not None and type(depth.depth.model).__name__ == "DepthAnythingForDepthEstimation"
    assert tiny_store.loaded_editors() == ["tiny"]


def test_tiny_models_are_refused_outside_development(tiny_models_dir):
    with pytest.raises(ModelUnavailable, match=r"random weights .* development models \(STUDIO_EDIT_MODEL=tiny\)"):
        ModelStore(tiny_models_dir, allow_download=False).editor("tiny")


def test_a_missing_editor_names_the_models_and_how_to_get_them(tmp_path):
    store = ModelStore(tmp_path / "models", allow_download=False, hub_cache=tmp_path / "hub")
    assert not store.editor_installed("sd15")
    assert [p.name for p in store.missing("sd15", "canny")] == ["sd15-inpaint", "sd15-controlnet-canny"]
    with pytest.raises(ModelUnavailable) as error:
        store.editor("sd15", control="canny")
    message = str(error.value)
    assert "the sd15 editor needs models that are not installed" in message
    assert "sd15-inpaint (hub id stable-diffusion-v1-5/stable-diffusion-inpainting)" in message
    assert "sd15-controlnet-canny (hub id lllyasviel/control_v11p_sd15_canny)" in message
    assert "`studio models pull sd15`" in message
    assert str(tmp_path / "models" / "sd15-inpaint") in message
    assert not (tmp_path / "hub").exists() or not any((tmp_path / "hub").iterdir())  # nothing was written


def test_a_failed_download_says_why(tmp_path):
    spec = replace(GENERATIVE["sd15-controlnet-canny"], name="nowhere", hub_id="storefront-studio-tests/no-such-model")
    store = ModelStore(tmp_path / "models", allow_download=True, hub_cache=tmp_path / "hub",
                       generative={"nowhere": spec})
    with pytest.raises(ModelUnavailable) as error:
        store.pull_generative("nowhere")
    message = str(error.value)
    assert "model nowhere (hub id storefront-studio-tests/no-such-model) is not installed. Tried: " in message
    assert "`studio models pull nowhere`" in message


def _cached_editor(inpaint_hub_id: str, canny_hub_id: str):
    generative = {
        "cached-inpaint": replace(GENERATIVE["sd15-inpaint"], name="cached-inpaint", hub_id=inpaint_hub_id),
        "cached-canny": replace(GENERATIVE["sd15-controlnet-canny"], name="cached-canny", hub_id=canny_hub_id),
    }
    editors = {"cached": EditorSpec("cached", "cached-inpaint", {"canny": "cached-canny"}, 64, "test editor")}
    return generative, editors


def _put_in_hub_cache(cache, hub_id, source):
    """The Hugging Face cache's layout: models--org--name/{refs/main, snapshots/<commit>/...}."""
    repo = cache / f"models--{hub_id.replace('/', '--')}"
    commit = "0123456789abcdef0123456789abcdef01234567"
    shutil.copytree(source, repo / "snapshots" / commit)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    return repo / "snapshots" / commit


def test_hub_models_load_from_the_hugging_face_cache_and_the_models_folder(tmp_path, tiny_models_dir):
    cache, models = tmp_path / "hub", tmp_path / "models"
    snapshot = _put_in_hub_cache(cache, "studio-tests/inpaint", tiny_models_dir / "tiny-sd15-inpaint")
    shutil.copytree(tiny_models_dir / "tiny-sd15-controlnet", models / "cached-canny")  # a user's own folder
    generative, editors = _cached_editor("studio-tests/inpaint", "studio-tests/canny-not-in-the-cache")
    store = ModelStore(models, allow_download=False, hub_cache=cache, device="cpu",
                       generative=generative, editors=editors)
    assert store.editor_installed("cached")
    assert store.locate("cached-inpaint") == snapshot and store.locate("cached-canny") == models / "cached-canny"
    editor = store.editor("cached", control="canny")
    assert editor.pipe.unet.config._name_or_path == str(snapshot / "unet")
    assert editor.pipe.controlnet.config._name_or_path == str(models / "cached-canny")


def test_an_incomplete_snapshot_is_not_installed(tmp_path, tiny_models_dir):
    cache = tmp_path / "hub"
    snapshot = _put_in_hub_cache(cache, "studio-tests/inpaint", tiny_models_dir / "tiny-sd15-inpaint")
    for weights in (snapshot / "unet").glob("*.safetensors"):
        weights.unlink()  # an interrupted download
    generative, editors = _cached_editor("studio-tests/inpaint", "studio-tests/canny")
    store = ModelStore(tmp_path / "models", allow_download=False, hub_cache=cache,
                       generative=generative, editors=editors)
    assert store.locate("cached-inpaint") is None and not store.editor_installed("cached", "inpaint")


def test_a_broken_folder_fails_with_what_to_do_and_leaves_nothing_loaded(tmp_path, tiny_models_dir):
    models = tmp_path / "models"
    shutil.copytree(tiny_models_dir, models)
    (models / "tiny-sd15-controlnet" / "config.json").write_text("{not json")
    store = ModelStore(models, development=True, allow_download=False, device="cpu")
    with pytest.raises(ModelUnavailable, match=r"the tiny editor could not be loaded .*`studio models pull tiny`"):
        store.editor("tiny", control="canny")
    assert store.loaded_editors() == []
    assert store.editor("tiny", control="none").control == "none"  # the base model is fine


def test_unknown_editor_or_control_is_refused_with_the_choices(tiny_store):
    with pytest.raises(ModelUnavailable, match="unknown editor 'sd3'; available: sd15, sdxl, tiny"):
        tiny_store.editor("sd3")
    with pytest.raises(InvalidOptions, match="offers the controls inpaint, canny, depth, none, not 'pose'"):
        tiny_store.editor("tiny", control="pose")


def test_tiny_sam_segments_from_a_point_and_a_box(tiny_store, tiny_models_dir):
    predictor = tiny_store.sam()
    assert tiny_store.sam() is predictor and tiny_store.sam_installed()
    assert (tiny_models_dir / "tiny-sam" / "tiny_sam.pth").is_file()
    image = np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8)
    predictor.set_image(image)
    masks, scores, _ = predictor.predict(point_coords=np.array([[40, 30]]), point_labels=np.array([1]),
                                         multimask_output=True)
    assert masks.shape == (3, 60, 80) and masks.dtype == bool and scores.shape == (3,)
    masks, _, _ = predictor.predict(box=np.array([10, 10, 50, 40]), multimask_output=False)
    assert masks.shape == (1, 60, 80)


def test_real_sam_missing_or_damaged_says_how_to_get_it(tmp_path, monkeypatch):
    store = ModelStore(tmp_path / "models", allow_download=False)
    assert not store.sam_installed()
    with pytest.raises(ModelUnavailable) as error:
        store.sam()
    message = str(error.value)
    assert "model sam-vit-b (sam_vit_b_01ec64.pth) is not installed" in message
    assert "`studio models pull sam-vit-b`" in message and "md5 01ec64d29a2fca3f0661936605ae66f8" in message
    home = tmp_path / "sam-home"
    home.mkdir()
    (home / "sam_vit_b_01ec64.pth").write_bytes(b"not the checkpoint")
    monkeypatch.setenv("SAM_HOME", str(home))
    with pytest.raises(ModelUnavailable, match="got 18 bytes, expected 375,042,383"):
        store.sam()
    assert not (tmp_path / "models" / "sam-vit-b" / "sam_vit_b_01ec64.pth").exists()


def test_models_command_lists_editors_and_a_pull_offline_says_what_to_do(tmp_path, monkeypatch, capsys):
    import huggingface_hub.constants

    from studio.cli import main

    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(line.startswith("sd15 ") and " no " in line and "missing: sd15-inpaint" in line for line in listed)
    assert any(line.startswith("sam-vit-b ") and "sam_vit_b_01ec64.pth: not installed" in line for line in listed)
    assert main(["models", "pull", "sd15"]) == 3
    error = capsys.readouterr().err
    assert "the sd15 editor needs models that are not installed: sd15-inpaint" in error
    assert "`studio models pull sd15`" in error and "downloads are turned off" in error
