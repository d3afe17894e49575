"""The open-vocabulary detector in the model store: the tiny random-weight OWLv2 built from a config, saved with
its processor and loaded back with from_pretrained through ModelStore.detector(); its boxes on non-square
pictures mapped back through OWLv2's square padding; a hub-shaped folder preferred to the tiny model; and a
missing detector named with how to install it."""

from __future__ import annotations

import shutil
import types

import numpy as np

import pytest
from PIL import Image

from pipelines import ModelStore
from pipelines.errors import ModelUnavailable
from pipelines.models.detector_loader import Detection, Detector
from pipelines.models.generative import GENERATIVE
from pipelines.models.tiny import write_tokenizer_files


@pytest.fixture(scope="module")
def dev_store(tmp_path_factory, torch_one_thread) -> ModelStore:
    return ModelStore(tmp_path_factory.mktemp("detector-models"), development=True, allow_download=False,
                      device="cpu", hub_cache=tmp_path_factory.mktemp("empty-hub-cache"))


def test_the_registry_names_owlv2_and_its_development_twin():
    real, tiny = GENERATIVE["owlv2-base"], GENERATIVE["tiny-owlv2"]
    assert (real.task, real.architecture, real.hub_id, real.licence) == (
        "detect", "owlv2", "google/owlv2-base-patch16-ensemble", "Apache-2.0")
    assert "620 MB" in real.description and not real.development
    assert (tiny.task, tiny.architecture, tiny.development) == ("detect", "owlv2", True)
    # a hub snapshot brings the weights, the tokenizer and the image processor's settings, not the .bin copy
    assert {"*.json", "*.txt", "*.safetensors"} == set(real.allow_patterns) and "*.bin" in real.ignore_patterns


def test_the_tiny_detector_is_built_loaded_and_kept_warm(dev_store):
    assert dev_store.detector_installed() and dev_store.detector_name() == "tiny-owlv2"
    detector = dev_store.detector()
    folder = dev_store.folder("tiny-owlv2")
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in folder.iterdir()}
    assert type(detector.model).__name__ == "Owlv2ForObjectDetection"
    assert detector.model.config._name_or_path == str(folder)  # read from the folder, not built in memory
    assert not detector.model.training and dev_store.detector() is detector
    assert {s.name: s.installed for s in dev_store.generative_list()}["tiny-owlv2"]


@pytest.mark.parametrize("size", [(200, 100), (90, 160)])
def test_tiny_detector_boxes_lie_in_a_non_square_picture(dev_store, size):
    detections = dev_store.detector().detect(Image.new("RGB", size, (120, 80, 40)), ("a cup", "a lamp"), threshold=0)
    assert detections  # random weights, but every patch of the picture has a box
    assert [d.score for d in detections] == sorted((d.score for d in detections), reverse=True)
    width, height = size
    for label, (x0, y0, x1, y1), score in detections:
        assert isinstance(label, int) and label in (0, 1) and isinstance(score, float) and 0 <= score <= 1
        assert all(isinstance(v, float) for v in (x0, y0, x1, y1))
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height


class KnownBoxes(Detector):
    """A detector whose model answers with chosen boxes (centre x, y, width, height as fractions of the padded
    square), scoring the first query at each box; its post-processing is the real one."""

    def __init__(self, boxes, processor):
        super().__init__(None, processor, "cpu")
        self.boxes = boxes

    def _outputs(self, image, queries):
        import torch

        logits = torch.full((1, len(self.boxes), len(queries)), -10.0)
        logits[0, :, 0] = 5.0
        return types.SimpleNamespace(logits=logits, pred_boxes=torch.tensor([self.boxes], dtype=torch.float32))


def test_boxes_are_mapped_back_through_the_square_padding(dev_store):
    """OWLv2 pads a picture at the bottom and right to a square: fractions are of the longer side."""
    processor = dev_store.detector().processor
    # a box over the top-left quarter of the padded square, and one wholly in the padding
    detector = KnownBoxes([[0.25, 0.25, 0.5, 0.5], [0.5, 0.9, 0.2, 0.1]], processor)
    landscape = detector.detect(Image.new("RGB", (200, 100)), ("a cup",))
    assert landscape == [Detection(0, (0.0, 0.0, 100.0, 100.0), pytest.approx(0.9933, abs=1e-4))]
    portrait = detector.detect(Image.new("RGB", (100, 200)), ("a cup",))
    assert [d.box for d in portrait] == [(0.0, 0.0, 100.0, 100.0), (80.0, 170.0, 100.0, 190.0)]


def test_a_hub_shaped_folder_is_preferred_to_the_tiny_model(dev_store, tmp_path):
    store = ModelStore(tmp_path / "models", development=True, allow_download=False, device="cpu",
                       hub_cache=tmp_path / "hub")
    # what a hub snapshot holds: weights, configs, and a vocab.json + merges.txt tokenizer
    target = tmp_path / "models" / "owlv2-base"
    shutil.copytree(dev_store.folder("tiny-owlv2"), target)
    (target / "studio-tiny.json").unlink()
    (target / "tokenizer.json").unlink()
    write_tokenizer_files(target, specials_last=True)
    assert store.locate("owlv2-base") == target and store.detector_name() == "owlv2-base"
    assert store.detector().model.config._name_or_path == str(target)
    (target / "merges.txt").unlink()  # no tokenizer: not a complete copy
    assert store.locate("owlv2-base") is None and store.detector_name() == "tiny-owlv2"


def test_a_missing_detector_says_how_to_install_it(tmp_path):
    store = ModelStore(tmp_path / "models", allow_download=False, device="cpu", hub_cache=tmp_path / "hub")
    assert not store.detector_installed() and store.detector_name() == "owlv2-base"
    with pytest.raises(ModelUnavailable) as error:
        store.detector()
    message = str(error.value)
    assert "owlv2-base (hub id google/owlv2-base-patch16-ensemble) is not installed" in message
    assert "`studio models pull owlv2-base`" in message and "as a transformers folder" in message
    assert not (tmp_path / "hub").exists() or not any((tmp_path / "hub").iterdir())


def test_cached_query_embeddings_give_the_models_own_answer_and_are_reused(tmp_path):
    """The text tower runs once per set of prompts; per picture only the vision tower and the heads run, with
    exactly the boxes and scores the model's own forward gives."""
    import torch

    detector = ModelStore(tmp_path, development=True).detector()
    picture = Image.fromarray(np.random.default_rng(3).integers(0, 255, (70, 110, 3), np.uint8))
    prompts = ("a photo of a cup", "a photo of a lamp", "a photo of a bottle")
    inputs = detector.processor(text=[list(prompts)], images=picture, return_tensors="pt", truncation=True)
    with torch.inference_mode():
        expected = detector.model(**inputs)
    calls = []
    hook = detector.model.owlv2.text_model.register_forward_hook(lambda *args: calls.append(1))
    try:
        found = detector.detect(picture, prompts, threshold=0.0)
        again = detector.detect(picture, prompts, threshold=0.0)
        detector.detect(picture, prompts[:2], threshold=0.0)
    finally:
        hook.remove()
    assert len(calls) == 2  # once for the three prompts, once for the two; not for the repeat
    assert found == again and found
    side = max(picture.size)
    reference = detector.processor.post_process_grounded_object_detection(
        expected, threshold=0.0, target_sizes=[(side, side)])[0]
    assert len(found) <= len(reference["scores"])
    expected_scores = sorted(float(v) for v in reference["scores"])
    for detection in found:  # every answer is one of the forward's, to float precision
        assert min(abs(detection.score - v) for v in expected_scores) < 1e-4
    assert abs(max(d.score for d in found) - expected_scores[-1]) < 1e-4
