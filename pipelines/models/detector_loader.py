"""Load an open-vocabulary object detector (OWLv2) from a transformers folder and run it on one picture.

    detector = load_detector(folder, "cuda")
    for label, box, score in detector.detect(image, ("a photo of a cup", "a photo of a lamp")):
        ...   # label: index into the queries; box: x0, y0, x1, y1 in pixels of the picture (floats)

The folder holds the model (config.json + weights) and its processor (CLIP tokenizer + image processor),
as the hub repository google/owlv2-base-patch16-ensemble and the tiny development build both do. The
image processor pads the picture to a square (bottom and right) before resizing it, so the model's boxes
are fractions of that square: they are scaled by the longer side, then clipped to the picture.
Heavy imports stay inside the functions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

from PIL import Image

MIN_SCORE = 0.05  # detections below this never leave the detector (the model scores every patch)
QUERY_CACHE = 8  # sets of prompts whose text embeddings are kept


class Detection(NamedTuple):
    label: int  # index of the query that scored highest for this box
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels of the picture, inside it
    score: float  # 0..1


class Detector:
    """A loaded OWLv2 model and its processor on one device; one picture at a time (not thread-safe)."""

    def __init__(self, model, processor, device: str):
        self.model = model
        self.processor = processor
        self.device = device
        self._queries: OrderedDict[tuple[str, ...], tuple] = OrderedDict()  # prompts -> (embeddings, mask)
        self._queries_lock = threading.Lock()  # the cache stays whole even if two threads share the detector

    def _query_embeddings(self, queries: tuple[str, ...]):
        """The prompts' text embeddings and mask as the model's own forward makes them (projected, unit
        length), computed once per set of prompts: a scene job asks the same ~70 names of every picture, and
        the text tower over them costs as much as the picture on a CPU."""
        import torch

        with self._queries_lock:
            cached = self._queries.get(queries)
            if cached is not None:
                self._queries.move_to_end(queries)
                return cached
        tokens = self.processor.tokenizer(list(queries), padding="max_length", truncation=True,
                                          return_tensors="pt").to(self.device)
        with torch.inference_mode():
            text = self.model.owlv2.text_model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"])
            embeds = self.model.owlv2.text_projection(text.pooler_output)
            embeds = embeds / torch.linalg.norm(embeds, ord=2, dim=-1, keepdim=True)
        # as forward: [1 picture, queries, dim], and a query whose first token is 0 is padding
        cached = (embeds[None], (tokens["input_ids"][:, 0] > 0)[None])
        with self._queries_lock:
            self._queries[queries] = cached
            self._queries.move_to_end(queries)
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return cached

    def _outputs(self, image: Image.Image, queries: tuple[str, ...]):
        """The model's forward for one picture (logits per box and query, boxes), with the prompts'
        embeddings from the cache: the vision tower and the heads run, the text tower does not."""
        import torch
        from transformers.models.owlv2.modeling_owlv2 import Owlv2ObjectDetectionOutput

        query_embeds, query_mask = self._query_embeddings(queries)
        pixels = self.processor.image_processor(images=image.convert("RGB"), return_tensors="pt")["pixel_values"]
        model = self.model
        with torch.inference_mode():
            feature_map, _ = model.image_embedder(pixel_values=pixels.to(self.device, dtype=model.dtype))
            batch, rows, cols, hidden = feature_map.shape
            image_feats = feature_map.reshape(batch, rows * cols, hidden)
            logits, _ = model.class_predictor(image_feats, query_embeds.to(image_feats.dtype), query_mask)
            boxes = model.box_predictor(image_feats, feature_map)
        return Owlv2ObjectDetectionOutput(logits=logits, pred_boxes=boxes)

    def detect(self, image: Image.Image, queries: tuple[str, ...], threshold: float = MIN_SCORE) -> list[Detection]:
        """Boxes in `image` (PIL RGB) that match one of `queries` (English text) with at least `threshold`
        confidence, best first; each box is labelled with its best-matching query."""
        import torch

        width, height = image.size
        outputs = self._outputs(image, tuple(queries))

        # The boxes are fractions of the padded square. Scaling both axes by its side is right whether or
        # not the installed transformers knows about the padding (newer versions scale by max(h, w) anyway).
        side = max(width, height)
        found = self.processor.post_process_grounded_object_detection(
            outputs, threshold=threshold, target_sizes=[(side, side)])[0]
        boxes = found["boxes"].float().cpu().numpy()
        scores = found["scores"].float().cpu().numpy()
        labels = found["labels"].cpu().numpy()
        detections = []
        for (x0, y0, x1, y1), score, label in zip(boxes, scores, labels):
            x0, x1 = (min(max(float(v), 0.0), float(width)) for v in (x0, x1))
            y0, y1 = (min(max(float(v), 0.0), float(height)) for v in (y0, y1))
            if x1 > x0 and y1 > y0:  # a box wholly in the padding has nothing of the picture in it
                detections.append(Detection(int(label), (x0, y0, x1, y1), float(score)))
        return sorted(detections, key=lambda d: -d.score)


def load_detector(folder: Path, device: str) -> Detector:
    """The OWLv2 model and processor saved in `folder` (from_pretrained, no download), in eval mode on `device`."""
    from transformers import Owlv2ForObjectDetection, Owlv2Processor

    model = Owlv2ForObjectDetection.from_pretrained(str(folder), local_files_only=True).to(device).eval()
    processor = Owlv2Processor.from_pretrained(str(folder), local_files_only=True)
    return Detector(model, processor, device)
