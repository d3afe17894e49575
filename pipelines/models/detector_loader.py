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

from pathlib import Path
from typing import NamedTuple

from PIL import Image

MIN_SCORE = 0.05  # detections below this never leave the detector (the model scores every patch)


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

    def detect(self, image: Image.Image, queries: tuple[str, ...], threshold: float = MIN_SCORE) -> list[Detection]:
        """Boxes in `image` (PIL RGB) that match one of `queries` (English text) with at least `threshold`
        confidence, best first; each box is labelled with its best-matching query."""
        import torch

        width, height = image.size
        inputs = self.processor(text=[list(queries)], images=image.convert("RGB"), return_tensors="pt",
                                truncation=True).to(self.device)
        with torch.inference_mode():
            outputs = self.model(**inputs)
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
