"""A picture's scene (the objects in it): our latency vs a peer's, side by side in one run, on this machine.

    python bench/scene.py [--size 768] [--repeat 10] [--detector-size 960] [--threads N] [--image FILE]
                          [--models-dir DIR] [--boxes 10 | --raw-scores] [--fp16] [--output FILE]
    python bench/scene.py --smoke        # tiny sizes, one run: checks that the script works; numbers mean nothing

What is timed, per run, on one picture whose long side is --size (../shared/data/ecssd-dev/images/0029.jpg when
present, else a synthetic product shot like tests/conftest.py's product_photo; --image FILE for another):

- ours, as the scene worker runs it (workers/scene.py):
  - salient: `salient_objects(image, store.session("u2netp"))`, the ONNX session from the model store
    (--models-dir, default the test models folder .test-models where u2netp is installed);
  - detector: `detected_objects(image, detector, DEFAULT_QUERIES)` (69 English nouns, threshold 0.2, no SAM),
    the detector being OWLv2 base (patch 16, the released owlv2-base-patch16-ensemble architecture) with its
    vision input --detector-size px (960 as released), saved with save_pretrained together with its processor
    (a CLIP tokenizer built offline, 16-token queries padded with "!", Owlv2ImageProcessor at that size) and
    loaded back with `load_detector(folder, device)`, the loading code users run;
  - total: salient + detector of the same run.
- the peer: Grounding DINO tiny (transformers GroundingDinoForObjectDetection with GroundingDinoConfig()
  defaults: Swin-T backbone, BERT-base text encoder, 900 queries), used as it is meant to be: one text prompt
  "cup. mug. glass. ..." with the same 69 nouns (split into several prompts only when they exceed its 256-token
  text limit; the table says how many), its processor at shortest edge 800 / longest edge 1333, its processor's
  post-processing (box threshold 0.35, text threshold 0.25, as in Grounding DINO's demo). Two rows: the model
  forward + post-processing, and the same with the processor's preprocessing (resize, normalise, tokenise)
  included, which is what ours' detector row includes too. The BERT tokenizer is a vocab.txt written here with
  bert-base-uncased's ids for [PAD] [UNK] [CLS] [SEP] [MASK] "." "?" (the model reads those ids to split the
  prompt into phrases), lowercase letters and the query words.

Weights are random: both detectors have their real architecture and parameter counts, with transformers' own
random-normal initialisation (never zeros); latency does not depend on weight values (no model hub is reachable
here, see ../shared/docs/environment.md). Only the number of boxes that pass the thresholds depends on them, and
the work done per box: random weights score nearly every one of Grounding DINO's 900 boxes near 1 (its
post-processing would decode ~900 labels, ~0.5 s on a CPU, which a trained model never does). So each detector's
final class logits get a constant offset (a forward hook: one subtraction), set on the picture before the warm-up
so that --boxes boxes (default 10) pass its threshold, as a trained model passes a handful in a product photo;
--raw-scores leaves them as they come. The table reports the objects each side returned.

Device: the CPU (torch.set_num_threads(--threads), default every core; the u2netp session uses ONNX Runtime's
default, every core, as the worker does, or --threads when given), or CUDA whenever torch.cuda.is_available()
(then --fp16 runs both detectors under float16 autocast; the clock is read after torch.cuda.synchronize()).
One warm-up run each, then --repeat timed runs in which ours and the peer take turns (ABBA order), so that a
busy moment of a shared machine falls on both alike. p50/p95 over the runs. Parameter counts of both detectors
and, on CUDA, their peak GPU memory (weights + the largest extra allocation during a run) are printed too.
The markdown table goes to stdout (and --output), progress to stderr. On a 2-core CPU a full-size run takes
several seconds per detector call: minutes in all.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds a queue.py: take the folder off the path, or the standard library's `import queue` would load it
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import date  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.editing.objects import (DEFAULT_QUERIES, DEFAULT_THRESHOLD, PROMPT, detected_objects,  # noqa: E402
                                       salient_objects)
from pipelines.models.detector_loader import load_detector  # noqa: E402
from pipelines.models.store import ModelStore  # noqa: E402
from pipelines.models.tiny import write_tokenizer_files  # noqa: E402

PHOTO = ROOT.parent / "shared/data/ecssd-dev/images/0029.jpg"
TEST_MODELS = ROOT / ".test-models"
SALIENT_MODEL = "u2netp"
OWL_QUERY_TOKENS = 16  # OWLv2's text side reads 16 tokens per query
PEER_SIZE = {"shortest_edge": 800, "longest_edge": 1333}  # Grounding DINO's processor, as released
PEER_BOX_THRESHOLD = 0.35  # Grounding DINO's demo settings
PEER_TEXT_THRESHOLD = 0.25
# Grounding DINO keeps its 900 best encoder positions, so its input needs at least ~900 of them (about 210 px a
# side at strides 8-64): its smoke input is 320 px
SMOKE = dict(size=64, detector_size=64, peer_edge=320, repeat=1)

OURS_SALIENT = f"ours: salient ({SALIENT_MODEL}, ONNX Runtime)"
OURS_DETECTOR = "ours: detector (OWLv2 base, `detected_objects`, 69 queries)"
OURS_TOTAL = "ours: total (salient + detector)"
PEER = "peer: detector (Grounding DINO tiny, forward + post-processing)"
PEER_ALL = "peer: detector incl. its processor (preprocessing + forward + post-processing)"


# -- inputs -------------------------------------------------------------------------------------------------------
def synthetic_photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """A product shot: a red ellipse with a soft edge on a green, slightly noisy background."""
    yy, xx = np.mgrid[0:height, 0:width]
    d = np.sqrt(((xx - width / 2) / (width * 0.28)) ** 2 + ((yy - height / 2) / (height * 0.32)) ** 2)
    alpha = np.clip((1.0 - d) * 12 + 0.5, 0, 1)[..., None]
    noise = np.random.default_rng(seed).normal(0, 4, (height, width, 3))
    pixels = alpha * np.float32([200, 30, 40]) + (1 - alpha) * (np.float32([40, 160, 60]) + noise)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def load_picture(size: int, path: Path | None) -> tuple[Image.Image, str]:
    """The picture, RGB, resized so that its long side is `size`; and where it came from."""
    path = path if path is not None else (PHOTO if PHOTO.is_file() else None)
    if path is None:
        return synthetic_photo(size, round(size * 3 / 4)), "synthetic product shot (4:3)"
    image = Image.open(path).convert("RGB")
    scale = size / max(image.size)
    resized = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                           Image.Resampling.LANCZOS)
    try:
        shown = path.resolve().relative_to(ROOT.parent)
    except ValueError:
        shown = path
    return resized, f"{shown} ({image.width}×{image.height}, resized)"


# -- the detectors ------------------------------------------------------------------------------------------------
def build_owlv2(folder: Path, image_size: int) -> None:
    """OWLv2 base (the default Owlv2Config) with its vision input at image_size px, random weights, and its
    processor, saved into folder as a hub repository would hold them."""
    from transformers import CLIPTokenizer, Owlv2Config, Owlv2ForObjectDetection, Owlv2ImageProcessor, Owlv2Processor

    with tempfile.TemporaryDirectory(prefix="scene-bench-clip-") as scratch:
        write_tokenizer_files(Path(scratch), specials_last=True)
        tokenizer = CLIPTokenizer.from_pretrained(scratch, model_max_length=OWL_QUERY_TOKENS, pad_token="!",
                                                  local_files_only=True)
    # the real text side keeps its 49,408-token embedding; the small vocabulary's ids all fall inside it, and its
    # end token has the highest id, where OWLv2 pools each query (as in CLIP's own vocabulary)
    config = Owlv2Config(
        text_config=dict(pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id),
        vision_config=dict(image_size=image_size),
    )
    model = Owlv2ForObjectDetection(config)  # transformers' random-normal initialisation
    model.save_pretrained(folder)
    del model
    processor = Owlv2Processor(image_processor=Owlv2ImageProcessor(size={"height": image_size, "width": image_size}),
                               tokenizer=tokenizer)
    processor.save_pretrained(folder)


def bert_vocabulary(words: list[str]) -> list[str]:
    """A WordPiece vocabulary with bert-base-uncased's ids for its special tokens and for "." and "?"
    (Grounding DINO splits the prompt into phrases at ids 101, 102, 1012 and 1029), lowercase letters (alone and
    as word pieces) and the given words; the other slots hold unused placeholders."""
    fixed = {0: "[PAD]", 100: "[UNK]", 101: "[CLS]", 102: "[SEP]", 103: "[MASK]", 1012: ".", 1029: "?"}
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    rest = [*letters, *("##" + c for c in letters), *sorted(set(words) - set(letters))]
    vocab = [fixed.get(i, f"[unused{i}]") for i in range(max(fixed) + 1)]
    free = [i for i in range(104, 1012) if i not in fixed]
    for index, token in zip(free, rest):
        vocab[index] = token
    vocab += rest[len(free):]
    return vocab


@dataclass
class Peer:
    model: object
    processor: object
    prompts: list[str]
    tokens: list[int]  # per prompt, [CLS] and [SEP] included
    max_tokens: int


def build_peer(queries: tuple[str, ...], device: str, edge: dict) -> Peer:
    """Grounding DINO tiny (GroundingDinoConfig defaults), random weights, its processor with a local BERT
    tokenizer, and the prompts that put all queries to it within its text limit."""
    from transformers import (BertTokenizer, GroundingDinoConfig, GroundingDinoForObjectDetection,
                              GroundingDinoImageProcessor, GroundingDinoProcessor)

    words = sorted({word for query in queries for word in re.split(r"[ \-']", query.lower()) if word})
    with tempfile.TemporaryDirectory(prefix="scene-bench-bert-") as scratch:
        (Path(scratch) / "vocab.txt").write_text("\n".join(bert_vocabulary(words)) + "\n")
        tokenizer = BertTokenizer.from_pretrained(scratch, do_lower_case=True, local_files_only=True)
    config = GroundingDinoConfig()
    processor = GroundingDinoProcessor(GroundingDinoImageProcessor(size=edge), tokenizer)
    model = GroundingDinoForObjectDetection(config).to(device).eval()
    limit = config.max_text_len
    prompts, current = [], []
    for query in queries:  # as few prompts as fit the text limit: one, unless the nouns need more tokens
        trial = [*current, query]
        if current and len(tokenizer(prompt_text(trial))["input_ids"]) > limit:
            prompts.append(prompt_text(current))
            trial = [query]
        current = trial
    prompts.append(prompt_text(current))
    tokens = [len(tokenizer(p)["input_ids"]) for p in prompts]
    if max(tokens) > limit:
        raise ValueError(f"a single query needs {max(tokens)} tokens, more than Grounding DINO's {limit}")
    return Peer(model, processor, prompts, tokens, limit)


def prompt_text(queries: list[str]) -> str:
    """Grounding DINO's prompt form: lowercase nouns, each ending with a full stop."""
    return " ".join(f"{query.lower()}." for query in queries)


def parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def parameter_bytes(model) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())


class ScoreOffset:
    """A forward hook that subtracts a constant from a detector's class logits (one subtraction per forward).

    Random weights score every box alike: Grounding DINO's come out near 1, so nearly all of its 900 boxes pass
    its threshold and its post-processing decodes a label for each, which a trained model never does. The offset
    is chosen on the picture so that a set number of boxes pass (a trained model finds a handful in a product
    photo), the same number for both detectors."""

    def __init__(self):
        self.value = 0.0

    def __call__(self, module, inputs, output):
        if isinstance(output, tuple):  # OWLv2's class head: (logits, class embeddings)
            return (output[0] - self.value, *output[1:])
        return output - self.value

    def calibrate(self, logits: list, threshold: float, boxes: int) -> None:
        """Set the offset so that `boxes` boxes of these raw logits score above `threshold`."""
        import torch

        scores = torch.cat([t.float().reshape(-1, t.shape[-1]).amax(-1) for t in logits]).sort(descending=True).values
        cut = math.log(threshold / (1 - threshold))
        if boxes >= len(scores):
            self.value = float(scores[-1]) - cut - 1.0
        elif boxes <= 0:
            self.value = float(scores[0]) - cut + 1.0
        else:
            self.value = float(scores[boxes - 1] + scores[boxes]) / 2 - cut


def calibrate_ours(image, detector, offset: ScoreOffset, boxes: int, autocast) -> None:
    import torch

    prompts = [PROMPT.format(query) for query in DEFAULT_QUERIES]
    inputs = detector.processor(text=[prompts], images=image, return_tensors="pt", truncation=True).to(detector.device)
    with torch.inference_mode(), autocast():
        logits = detector.model(**inputs).logits
    offset.calibrate([logits], DEFAULT_THRESHOLD, boxes)


def calibrate_peer(image, peer: "Peer", device: str, offset: ScoreOffset, boxes: int, autocast) -> None:
    import torch

    logits = []
    for prompt in peer.prompts:
        inputs = peer.processor(images=image, text=prompt, return_tensors="pt").to(device)
        with torch.inference_mode(), autocast():
            logits.append(peer.model(**inputs).logits)
    offset.calibrate(logits, PEER_BOX_THRESHOLD, boxes)


# -- timing -------------------------------------------------------------------------------------------------------
@dataclass
class Series:
    seconds: list[float] = field(default_factory=list)
    found: list[int] = field(default_factory=list)  # objects / boxes per run
    working_bytes: int = 0  # CUDA: the largest allocation beyond what was resident before a run


class Clock:
    def __init__(self, cuda: bool):
        import torch

        self.torch = torch
        self.cuda = cuda

    def now(self) -> float:
        if self.cuda:
            self.torch.cuda.synchronize()
        return time.perf_counter()

    @contextlib.contextmanager
    def memory(self, series: Series | None):
        """Record, on CUDA, how much the block allocated beyond what was resident when it began."""
        if not self.cuda or series is None:
            yield
            return
        self.torch.cuda.synchronize()
        before = self.torch.cuda.memory_allocated()
        self.torch.cuda.reset_peak_memory_stats()
        yield
        self.torch.cuda.synchronize()
        series.working_bytes = max(series.working_bytes, self.torch.cuda.max_memory_allocated() - before)


def run_ours(image, session, detector, clock: Clock, autocast, record: dict[str, Series] | None) -> None:
    start = clock.now()
    products = salient_objects(image, session)
    middle = clock.now()
    with clock.memory(record and record[OURS_DETECTOR]), autocast():
        objects = detected_objects(image, detector, DEFAULT_QUERIES)
    end = clock.now()
    if record is not None:
        for name, seconds, found in ((OURS_SALIENT, middle - start, len(products)),
                                     (OURS_DETECTOR, end - middle, len(objects)),
                                     (OURS_TOTAL, end - start, len(products) + len(objects))):
            record[name].seconds.append(seconds)
            record[name].found.append(found)


def run_peer(image, peer: Peer, device: str, clock: Clock, autocast, record: dict[str, Series] | None) -> None:
    import torch

    prepare = infer = 0.0
    found = 0
    with clock.memory(record and record[PEER]):
        for prompt in peer.prompts:  # the picture goes through the model once per prompt
            start = clock.now()
            inputs = peer.processor(images=image, text=prompt, return_tensors="pt").to(device)
            middle = clock.now()
            with torch.inference_mode(), autocast():
                outputs = peer.model(**inputs)
            result = peer.processor.post_process_grounded_object_detection(
                outputs, inputs["input_ids"], threshold=PEER_BOX_THRESHOLD, text_threshold=PEER_TEXT_THRESHOLD,
                target_sizes=[(image.height, image.width)])[0]
            end = clock.now()
            prepare += middle - start
            infer += end - middle
            found += len(result["scores"])
    if record is not None:
        record[PEER].seconds.append(infer)
        record[PEER_ALL].seconds.append(prepare + infer)
        for name in (PEER, PEER_ALL):
            record[name].found.append(found)


# -- report -------------------------------------------------------------------------------------------------------
def milliseconds(values: list[float], q: float) -> str:
    return f"{np.percentile(np.asarray(values) * 1000, q):.1f}" if values else "–"


def device_name(cuda: bool) -> str:
    import torch

    if cuda:
        return torch.cuda.get_device_name(0)
    name = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    return f"CPU {name}, {os.cpu_count()} logical cores"


def report(args, facts: dict, record: dict[str, Series], peer_error: str | None) -> str:
    import torch
    import transformers

    command = "python bench/scene.py " + " ".join(sys.argv[1:])
    where = "GPU" if args.cuda else "CPU"
    lines = [f"# Scene latency: ours (u2netp + OWLv2 base) vs Grounding DINO tiny ({where})", ""]
    if args.smoke:
        lines += [f"**SMOKE RUN: tiny inputs ({SMOKE['size']} px picture, OWLv2 at {SMOKE['detector_size']} px, "
                  f"Grounding DINO at {SMOKE['peer_edge']} px) and one run; these numbers mean nothing about real "
                  "latency. They only show that the script runs end to end.**", ""]
    lines += [
        f"Command: `{command.strip()}` — run {date.today().isoformat()} on {device_name(args.cuda)}; "
        f"device {args.device}{', float16 autocast' if args.fp16 else ''}; torch {torch.__version__}, "
        f"transformers {transformers.__version__}, torch threads {torch.get_num_threads()}"
        f"{'' if args.cuda else f', u2netp session threads {args.session_threads or 0} (0 = ONNX Runtime default)'}.",
        f"Picture: {facts['picture']}, {facts['width']}×{facts['height']} px. "
        f"OWLv2 input {args.detector_size}×{args.detector_size} px (padded to a square, "
        f"{(args.detector_size // 16) ** 2} patches of 16 px), {len(DEFAULT_QUERIES)} queries of "
        f"{OWL_QUERY_TOKENS} tokens, threshold {DEFAULT_THRESHOLD}."
        + (f" Grounding DINO input {facts['peer_input']} px (processor: shortest edge "
           f"{facts['peer_edge']['shortest_edge']}, longest edge {facts['peer_edge']['longest_edge']}), "
           f"{len(facts['peer_tokens'])} prompt{'s' if len(facts['peer_tokens']) != 1 else ''} of "
           f"{', '.join(map(str, facts['peer_tokens']))} tokens (limit {facts['peer_limit']}) for the same "
           f"{len(DEFAULT_QUERIES)} nouns, box threshold {PEER_BOX_THRESHOLD}, text threshold {PEER_TEXT_THRESHOLD}."
           if peer_error is None else ""),
        f"p50/p95 over {args.repeat} run(s) after 1 warm-up run each; ours and the peer took turns (ABBA). "
        "Real architectures, random weights (transformers' own random-normal initialisation): latency does not "
        "depend on the weights' values, only the boxes that pass the thresholds do, and the work done per box. "
        + ("Each detector's class logits were left as the random weights make them (--raw-scores)."
           if args.raw_scores else
           f"Each detector's class logits get a constant offset (a forward hook), set on this picture so that "
           f"{args.boxes} boxes pass its threshold, as a trained model passes a handful (random weights pass "
           "nearly all of Grounding DINO's 900); ours then keeps fewer after its suppression of overlaps."),
        "",
        "| what | p50 ms | p95 ms | runs | objects found (median) | notes |",
        "|---|---|---|---|---|---|",
    ]
    notes = {
        OURS_SALIENT: "the scene worker's salient-object step (model store session)",
        OURS_DETECTOR: "`load_detector` + `detected_objects`: its processor, forward, post-processing, NMS, box masks",
        OURS_TOTAL: "per run",
        PEER: f"{len(facts.get('peer_tokens', []))} prompt(s) per run",
        PEER_ALL: "like for like with ours' detector row",
    }
    for name, series in record.items():
        if name in (PEER, PEER_ALL) and peer_error is not None:
            continue
        found = f"{float(np.median(series.found)):g}" if series.found else "–"
        lines.append(f"| {name} | {milliseconds(series.seconds, 50)} | {milliseconds(series.seconds, 95)} | "
                     f"{len(series.seconds)} | {found} | {notes[name]} |")
    if peer_error is not None:
        lines.append(f"| peer: Grounding DINO tiny | – | – | 0 | – | could not run here: {peer_error} |")
    lines += ["", "| detector | parameters | weights | peak GPU memory |", "|---|---|---|---|"]
    for label, key, series in (("OWLv2 base (ours)", "ours", record[OURS_DETECTOR]),
                               ("Grounding DINO tiny (peer)", "peer", record[PEER])):
        if key not in facts.get("params", {}):
            lines.append(f"| {label} | – | – | – |")
            continue
        count, size = facts["params"][key]
        peak = f"{(size + series.working_bytes) / 2**30:.2f} GiB" if args.cuda else "– (CPU)"
        lines.append(f"| {label} | {count / 1e6:.1f} M | {size / 2**20:.0f} MiB | {peak} |")
    if args.cuda:
        lines += ["", "Peak GPU memory: the detector's weights plus the largest allocation beyond what was resident "
                      "(both detectors' weights) during one of its runs. The u2netp session runs in ONNX Runtime, "
                      "outside torch's allocator."]
    return "\n".join(lines) + "\n"


# -- main ---------------------------------------------------------------------------------------------------------
def main() -> None:
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=768, help="the picture's long side in px (default 768)")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs after one warm-up (default 10)")
    parser.add_argument("--detector-size", type=int, default=960,
                        help="OWLv2's vision input in px, a multiple of 16 (default 960, as released)")
    parser.add_argument("--threads", type=int, default=None, help=f"CPU threads (default every core: {cores})")
    parser.add_argument("--image", type=Path, default=None,
                        help=f"the picture (default {PHOTO} when present, else a synthetic one)")
    parser.add_argument("--models-dir", type=Path, default=TEST_MODELS,
                        help=f"the model store folder holding {SALIENT_MODEL} (default {TEST_MODELS})")
    parser.add_argument("--boxes", type=int, default=10,
                        help="boxes each random-weight detector is made to pass its threshold (default 10)")
    parser.add_argument("--raw-scores", action="store_true",
                        help="leave the random detectors' scores as they come (no offset; see ScoreOffset)")
    parser.add_argument("--fp16", action="store_true", help="CUDA only: run both detectors under float16 autocast")
    parser.add_argument("--output", type=Path, default=None, help="also write the markdown table here")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes and one run, to check the script works (the numbers mean nothing)")
    args = parser.parse_args()
    peer_edge = dict(PEER_SIZE)
    if args.smoke:
        args.size, args.detector_size, args.repeat = SMOKE["size"], SMOKE["detector_size"], SMOKE["repeat"]
        peer_edge = {"shortest_edge": SMOKE["peer_edge"], "longest_edge": SMOKE["peer_edge"]}
    if args.size < 16 or args.repeat < 1 or args.boxes < 0:
        parser.error("--size must be at least 16, --repeat at least 1 and --boxes at least 0")
    if args.detector_size < 16 or args.detector_size % 16:
        parser.error("--detector-size must be a positive multiple of 16 (OWLv2's patch size)")
    args.cuda = torch.cuda.is_available()
    args.device = "cuda" if args.cuda else "cpu"
    if args.fp16 and not args.cuda:
        parser.error("--fp16 applies on CUDA only")
    args.session_threads = args.threads if args.threads and args.threads != cores else 0
    torch.set_num_threads(args.threads or cores)

    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()  # saving and loading shards
    progress = lambda message: print(f"[scene bench] {message}", file=sys.stderr, flush=True)  # noqa: E731
    autocast = ((lambda: torch.autocast("cuda", dtype=torch.float16)) if args.fp16 else contextlib.nullcontext)
    clock = Clock(args.cuda)
    torch.manual_seed(0)

    image, source = load_picture(args.size, args.image)
    facts: dict = {"picture": source, "width": image.width, "height": image.height, "params": {},
                   "peer_edge": peer_edge}

    progress(f"loading {SALIENT_MODEL} from {args.models_dir}")
    store = ModelStore(args.models_dir, session_threads=args.session_threads)
    session = store.session(SALIENT_MODEL)

    progress(f"building OWLv2 base at {args.detector_size} px and loading it with load_detector")
    with tempfile.TemporaryDirectory(prefix="scene-bench-owlv2-") as folder:
        build_owlv2(Path(folder), args.detector_size)
        detector = load_detector(Path(folder), args.device)
    facts["params"]["ours"] = (parameters(detector.model), parameter_bytes(detector.model))

    peer, peer_error = None, None
    progress("building Grounding DINO tiny")
    try:
        peer = build_peer(DEFAULT_QUERIES, args.device, peer_edge)
        facts["params"]["peer"] = (parameters(peer.model), parameter_bytes(peer.model))
        facts["peer_tokens"], facts["peer_limit"] = peer.tokens, peer.max_tokens
        shape = peer.processor.image_processor(images=image, return_tensors="pt")["pixel_values"].shape
        facts["peer_input"] = f"{shape[-1]}×{shape[-2]}"
    except Exception as exc:  # an installed transformers that cannot build or run it: say so in the table
        peer, peer_error = None, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        progress(f"the peer could not be built: {peer_error}")

    ours_offset, peer_offset = ScoreOffset(), ScoreOffset()
    detector.model.class_head.register_forward_hook(ours_offset)
    if peer is not None:
        for head in {id(m): m for m in peer.model.class_embed}.values():
            head.register_forward_hook(peer_offset)
    if not args.raw_scores:
        progress(f"setting score offsets so that {args.boxes} boxes pass each detector's threshold")
        calibrate_ours(image, detector, ours_offset, args.boxes, autocast)
        if peer is not None:
            try:
                calibrate_peer(image, peer, args.device, peer_offset, args.boxes, autocast)
            except Exception as exc:
                peer, peer_error = None, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                progress(f"the peer failed to run: {peer_error}")

    record = {name: Series() for name in (OURS_SALIENT, OURS_DETECTOR, OURS_TOTAL, PEER, PEER_ALL)}
    progress("warm-up")
    run_ours(image, session, detector, clock, autocast, None)
    if peer is not None:
        try:
            run_peer(image, peer, args.device, clock, autocast, None)
        except Exception as exc:
            peer, peer_error = None, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            progress(f"the peer failed to run: {peer_error}")
    for index in range(args.repeat):
        progress(f"run {index + 1}/{args.repeat}")
        turns = ["ours", "peer"] if index % 2 == 0 else ["peer", "ours"]  # A B, B A, A B, ...: ABBA
        for turn in turns:
            if turn == "ours":
                run_ours(image, session, detector, clock, autocast, record)
            elif peer is not None:
                run_peer(image, peer, args.device, clock, autocast, record)

    table = report(args, facts, record, peer_error)
    print(table)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table)


if __name__ == "__main__":
    main()
