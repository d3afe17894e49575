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


class ForwardWithText(Detector):
    """The detector as it was before the query cache: the model's own forward with the tokenised prompts, the text
    tower included, on every picture; post-processing is the real one (Detector.detect)."""

    def _outputs(self, image, queries):
        import torch

        inputs = self.processor(text=[list(queries)], images=image.convert("RGB"), return_tensors="pt",
                                truncation=True).to(self.device)
        with torch.inference_mode():
            return self.model(**inputs)


def _random_picture(size, seed=3):
    width, height = size
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (height, width, 3), np.uint8))


def _count_text_tower(detector, calls):
    return detector.model.owlv2.text_model.register_forward_hook(lambda *args: calls.append(1))


@pytest.mark.parametrize("size", [(110, 70), (60, 130), (64, 64)])
def test_cached_query_embeddings_give_the_models_own_answer(dev_store, size):
    """Only the vision tower and the heads run per picture, with the cached text embeddings; the boxes, labels
    and scores are the model's own forward's (with input_ids), to float precision, for the scene job's prompts."""
    import torch

    from pipelines.editing.objects import DEFAULT_QUERIES, PROMPT

    detector = dev_store.detector()
    reference = ForwardWithText(detector.model, detector.processor, "cpu")
    picture = _random_picture(size)
    for queries in (tuple(PROMPT.format(q) for q in DEFAULT_QUERIES), ("a photo of a cup", "a photo of a lamp")):
        # the raw outputs: every logit of every patch and query, every box
        ours, theirs = detector._outputs(picture, queries), reference._outputs(picture, queries)
        assert ours.logits.shape == theirs.logits.shape == (1, 16, len(queries))
        assert torch.allclose(ours.logits, theirs.logits, atol=1e-4, rtol=0)
        assert torch.allclose(ours.pred_boxes, theirs.pred_boxes, atol=1e-5, rtol=0)
        # and the detections, through the same post-processing
        found, expected = detector.detect(picture, queries, threshold=0.0), reference.detect(picture, queries, 0.0)
        assert found and len(found) == len(expected)
        for mine, model in zip(found, expected):
            assert mine.label == model.label
            assert mine.score == pytest.approx(model.score, abs=1e-4)
            assert mine.box == pytest.approx(model.box, abs=1e-3)  # pixels: 1e-5 of a fraction times the side


def test_the_text_tower_runs_once_per_set_of_prompts(tmp_path):
    detector = ModelStore(tmp_path, development=True).detector()
    picture = _random_picture((90, 50))
    prompts = ("a photo of a cup", "a photo of a lamp", "a photo of a bottle")
    calls = []
    hook = _count_text_tower(detector, calls)
    try:
        found = detector.detect(picture, prompts, threshold=0.0)
        assert len(calls) == 1
        again = detector.detect(_random_picture((90, 50), seed=4), list(prompts), threshold=0.0)  # a list: same key
        assert len(calls) == 1 and again != found  # another picture, the same prompts: the tower did not run
        assert detector.detect(picture, prompts, threshold=0.0) == found
        assert len(calls) == 1
        two = detector.detect(picture, prompts[:2], threshold=0.0)  # other prompts: their own embeddings
        assert len(calls) == 2 and {d.label for d in two} <= {0, 1}
        detector.detect(picture, prompts[::-1], threshold=0.0)  # the order matters: labels are indices
        assert len(calls) == 3
        detector.detect(picture, prompts[:2], threshold=0.0)
        assert len(calls) == 3
    finally:
        hook.remove()


def test_the_query_cache_keeps_the_most_recently_used_sets(tmp_path, monkeypatch):
    from pipelines.models import detector_loader

    monkeypatch.setattr(detector_loader, "QUERY_CACHE", 2)
    detector = ModelStore(tmp_path, development=True).detector()
    picture = _random_picture((40, 40))
    first, second, third = ("a photo of a cup",), ("a photo of a lamp",), ("a photo of a bottle",)
    calls = []
    hook = _count_text_tower(detector, calls)
    try:
        for queries in (first, second, first, third):  # the third pushes out the least recently used: second
            detector.detect(picture, queries)
        assert len(calls) == 3 and list(detector._queries) == [first, third]
        detector.detect(picture, first)
        assert len(calls) == 3
        detector.detect(picture, second)  # evicted: computed again
        assert len(calls) == 4 and list(detector._queries) == [first, second]
    finally:
        hook.remove()
