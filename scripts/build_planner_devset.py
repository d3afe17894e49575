"""Builds the layout planner's development set, tests/data/planner_dev.jsonl, mechanically from public
datasets with spatial annotations. No network access: it reads sources that were fetched beforehand.

Sources (pinned commits; see tests/data/planner_dev_sources.md for licences and counts):

* VSR, Visual Spatial Reasoning (github cambridgeltl/visual-spatial-reasoning): English captions
  "The <subj> is <relation> the <obj>." with the annotation's own subj / relation / obj fields
  (the zero-shot split files are the ones that carry subj and obj).
* xGQA (github Adapter-Hub/xGQA): GQA questions in en and their human translations into de, pt, ru, id,
  bn, ko, zh. Labels come from the GQA semantic program of the *English* file's entry with the same
  question id (relate / verify rel / choose rel steps with a spatial relation, and h/vposition steps).
  Questions whose label only GQA's answer can pick (choose rel, choose h/vposition, query h/vposition: "Is the
  cup on the left or the right?", "Which side is the chair on?") are excluded: the text does not determine it.

No public source with spatial annotation was found for fr, es, it, ja, pl, tr, vi, th, ar, hi (see the sources
doc, "Searched for the missing languages"), so the set has no items in those languages.

Each source is given either as a bare git directory (as the `fetch` tool mirrors it; files are read at the
pinned commit with `git show`) or as a plain checkout directory of that commit. Rebuild:

    python scripts/build_planner_devset.py --sources-dir /work/.mirror

which is the same as

    python scripts/build_planner_devset.py \\
        --vsr /work/.mirror/cambridgeltl+visual-spatial-reasoning/repo \\
        --xgqa /work/.mirror/Adapter-Hub+xGQA/repo

Sampling is seeded (--seed, default 20240611) and stratified by relation / place so that no relation
dominates. `--stats` prints counts (taken, skipped and why) as JSON on stderr.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "tests" / "data" / "planner_dev.jsonl"

VSR_REPO = "cambridgeltl/visual-spatial-reasoning"
VSR_COMMIT = "b27a0af0ee1462d2b6b92c8c83e869d9254a241a"
VSR_FILES = ["data/splits/zeroshot/train.jsonl", "data/splits/zeroshot/dev.jsonl", "data/splits/zeroshot/test.jsonl"]
VSR_LICENSE = "Apache-2.0"

XGQA_REPO = "Adapter-Hub/xGQA"
XGQA_COMMIT = "6c34cbdaddae1a0de920dd095924df53aebb3063"
XGQA_SPLITS = ["dev", "train_48"]  # few-shot dev + largest few-shot train (the smaller train_* are subsets of train_48;
# the test-dev files are over the mirror's 4 MiB file limit and are not read)
XGQA_LANGS = ["en", "de", "pt", "ru", "id", "bn", "ko", "zh"]
XGQA_LICENSE = "CC BY 4.0"

# Targets (items per source/language); English is capped at about half of the set.
VSR_TARGET = 700
XGQA_TARGET = {"en": 300, "de": 145, "pt": 145, "ru": 145, "id": 145, "bn": 145, "ko": 145, "zh": 145}

# --- relation vocabularies -----------------------------------------------------------------------------------
# VSR relation (annotation field "relation") -> planner relation. Relations not listed have no geometric
# meaning on a 2D grid, or an ambiguous one, and are skipped (counted).
VSR_REL = {
    "at the left side of": "left_of", "left of": "left_of",
    "at the right side of": "right_of", "right of": "right_of",
    "on": "on", "on top of": "on",
    "under": "below", "beneath": "below", "below": "below",
    "above": "above", "over": "above",
    "in front of": "in_front_of",
    "behind": "behind",
    "beside": "next_to", "next to": "next_to", "alongside": "next_to", "adjacent to": "next_to",
    "near": "near", "close to": "near", "by": "near",
    "in": "inside", "inside": "inside", "within": "inside", "enclosed by": "inside",
}

# GQA relation name (2nd field of a relate / verify rel / choose rel argument) -> planner relation.
# Posture/verb + preposition relations map through their preposition; action relations are skipped.
GQA_REL = {
    "to the left of": "left_of", "to the right of": "right_of",
    "in front of": "in_front_of", "sitting in front of": "in_front_of", "standing in front of": "in_front_of",
    "parked in front of": "in_front_of",
    "behind": "behind", "standing behind": "behind", "sitting behind": "behind", "parked behind": "behind",
    "walking behind": "behind", "growing behind": "behind",
    "on": "on", "on top of": "on", "sitting on": "on", "sitting on top of": "on", "sitting atop": "on",
    "standing on": "on", "standing on top of": "on", "lying on": "on", "lying on top of": "on", "resting on": "on",
    "walking on": "on", "parked on": "on", "sleeping on": "on", "skating on": "on",
    "above": "above", "over": "above", "hanging above": "above", "flying above": "above",
    "below": "below", "under": "below", "underneath": "below", "beneath": "below",
    "next to": "next_to", "beside": "next_to", "standing beside": "next_to", "sitting beside": "next_to",
    "lying next to": "next_to", "standing next to": "next_to", "sitting next to": "next_to",
    "parked next to": "next_to",
    "near": "near", "parked near": "near", "standing near": "near", "standing by": "near",
    "inside": "inside", "in": "inside", "standing in": "inside",
}
# GQA's "Where is the X?" programs relate X to a generic object named "place" (relate: place,in,o): the wording
# names no second object, so such steps are skipped.
GQA_GENERIC_NAMES = {"place"}

GQA_HPOS = {"left": "left", "right": "right", "middle": "center"}
GQA_VPOS = {"top": "top", "bottom": "bottom", "middle": "center"}


# --- reading sources -----------------------------------------------------------------------------------------
class Source:
    """A fetched repository: a bare git dir (read at `commit`) or a plain checkout directory."""

    def __init__(self, path: str, commit: str):
        self.path = Path(path)
        self.commit = commit
        self.is_git = (self.path / "HEAD").is_file() and (self.path / "objects").is_dir()
        if not self.path.exists():
            raise SystemExit(f"source not found: {path}")

    def read(self, rel: str) -> str:
        if self.is_git:
            out = subprocess.run(["git", f"--git-dir={self.path}", "show", f"{self.commit}:{rel}"],
                                 capture_output=True, check=True)
            return out.stdout.decode("utf-8")
        return (self.path / rel).read_text(encoding="utf-8")


LEFT_OVER: dict[str, list] = {}  # candidates the development set did not take: the held-out split's pool
HOLDOUT_VSR, HOLDOUT_PER_LANGUAGE = 300, 60


def ws(text: str) -> str:
    """Whitespace trim only (leading/trailing, and runs of internal whitespace)."""
    return re.sub(r"\s+", " ", text).strip()


def stratified_sample(items: list[dict], key, n: int, rng: random.Random) -> list[dict]:
    """Round-robin over buckets (shuffled, in sorted key order) so that rare relations are kept whole and
    frequent ones are capped."""
    buckets: dict[str, list[dict]] = collections.defaultdict(list)
    for it in items:
        buckets[key(it)].append(it)
    order = sorted(buckets)
    for k in order:
        rng.shuffle(buckets[k])
    out: list[dict] = []
    i = 0
    while len(out) < n and any(buckets[k] for k in order):
        k = order[i % len(order)]
        if buckets[k]:
            out.append(buckets[k].pop())
        i += 1
    return out


# --- VSR -----------------------------------------------------------------------------------------------------
COCO = frozenset((
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis",
    "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich",
    "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
    "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
    "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier",
    "toothbrush",
))  # the 80 COCO categories, which VSR's subj/obj name


def _vsr_name(raw: str, caption: str) -> str:
    """VSR's subj/obj are COCO category names, but some lost their first letter in the release ('andbag',
    'lephant', 'orse'): a name that is not a COCO category is repaired to the one category that ends with
    it and is in the caption. Mechanical, and counted in --stats."""
    name = raw.strip().lower()
    if name in COCO:
        return name
    fits = [c for c in COCO if c.endswith(name) and c in caption.lower()]
    return fits[0] if len(fits) == 1 else name

def build_vsr(src: Source, rng: random.Random, stats: dict) -> list[dict]:
    cands = []
    skipped = collections.Counter()
    seen = set()
    for rel_path in VSR_FILES:
        for lineno, line in enumerate(src.read(rel_path).splitlines(), start=1):
            if not line.strip():
                continue
            d = json.loads(line)
            rel = VSR_REL.get(d["relation"])
            if rel is None:
                skipped[f"relation not mappable: {d['relation']}"] += 1
                continue
            if "subj" not in d or "obj" not in d:
                skipped["no subj/obj annotation"] += 1
                continue
            text = ws(d["caption"])
            if text in seen:
                skipped["duplicate caption"] += 1
                continue
            seen.add(text)
            subj, obj = (_vsr_name(d[k], text) for k in ("subj", "obj"))
            if subj != d["subj"].strip().lower() or obj != d["obj"].strip().lower():
                stats.setdefault("vsr_label_repairs", collections.Counter())[f"{d['subj']}/{d['obj']} -> {subj}/{obj}"] += 1
            split = rel_path.rsplit("/", 1)[1].split(".")[0]
            cands.append({
                "id": f"vsr-zs{split}-{lineno:05d}",
                "source": "vsr",
                "source_ref": f"{VSR_REPO}@{VSR_COMMIT}:{rel_path}#L{lineno}",
                "license": VSR_LICENSE,
                "language": "en",
                "type": "relation",
                "text": text,
                "objects": [subj] if subj == obj else [subj, obj],
                "relations": [{"target": subj, "relation": rel, "reference": obj}],
                "places": [],
            })
    picked = stratified_sample(cands, lambda it: it["relations"][0]["relation"], VSR_TARGET, rng)
    LEFT_OVER["vsr"] = [it for it in cands if it not in picked]
    stats["vsr"] = {"candidates": len(cands), "taken": len(picked),
                    "skipped": dict(sorted(skipped.items(), key=lambda kv: -kv[1]))}
    return picked


# --- xGQA ----------------------------------------------------------------------------------------------------
ARG_RE = re.compile(r"^(?P<body>.*?)\s*(\((?P<oid>[^)]*)\))?\s*$")


def _name(arg: str) -> str:
    return ARG_RE.match(arg).group("body").strip().lower()


def gqa_labels(program: list[dict], answer: str) -> tuple[list[str], list[dict], list[dict], list[str]]:
    """Objects, relations, places from a GQA semantic program; also the reasons for skipped steps."""
    objects: list[str] = []
    relations: list[dict] = []
    places: dict[str, dict[str, str]] = collections.defaultdict(dict)  # object -> {"h": .., "v": ..}
    skipped: list[str] = []
    step_obj: list[str | None] = []

    def add_obj(name):
        if name and name != "_" and name not in objects:
            objects.append(name)

    for step in program:
        op, arg, deps = step["operation"], step["argument"], step["dependencies"]
        cur = step_obj[deps[0]] if deps else None
        result = cur
        if op == "select":
            result = _name(arg)
            add_obj(result)
        elif op in ("relate", "verify rel", "choose rel"):
            parts = [p.strip() for p in arg.split(",")]
            name, rel_name, direction = _name(parts[0]), parts[1], _name(parts[2])
            if op == "choose rel":
                options = rel_name.split("|")
                hit = [o for o in options if answer.lower() in o.split()]
                rel_name = hit[0] if len(hit) == 1 else None
                if rel_name is None:
                    skipped.append("choose rel: answer does not pick an option")
            if name != "_" and name not in GQA_GENERIC_NAMES:
                add_obj(name)
            if op == "relate":
                result = name if name != "_" else None
            if rel_name is None:
                pass
            elif rel_name not in GQA_REL:
                skipped.append(f"relation not mappable: {rel_name}")
            elif name == "_" or cur is None:
                skipped.append("relation with an unnamed object")
            elif name in GQA_GENERIC_NAMES:
                skipped.append(f"relation to the generic object '{name}' (a Where-question)")
            else:
                target, reference = (name, cur) if direction == "s" else (cur, name)
                r = {"target": target, "relation": GQA_REL[rel_name], "reference": reference}
                if r not in relations:
                    relations.append(r)
        elif op in ("filter hposition", "verify hposition", "filter vposition", "verify vposition",
                    "choose hposition", "choose vposition") or (op == "query" and arg in ("hposition", "vposition")):
            axis = "h" if "hposition" in (op + arg) else "v"
            table = GQA_HPOS if axis == "h" else GQA_VPOS
            value = answer if (op.startswith("choose") or op == "query") else _name(arg)
            if op.startswith("choose") and value not in _name(arg).split("|"):
                value = None
            if cur is None or value not in table:
                skipped.append(f"position not mappable: {op} {arg} -> {answer}")
            else:
                places[cur][axis] = table[value]
        elif op in ("and", "or", "same", "different", "common", "same color", "different color",
                    "same material", "same shape"):
            result = None
        step_obj.append(result)

    place_list = []
    for obj, hv in places.items():
        h, v = hv.get("h"), hv.get("v")
        if h and v:
            where = "center" if h == v == "center" else (h if v == "center" else v if h == "center" else f"{v} {h}")
        else:
            where = h or v
        place_list.append({"object": obj, "where": where})
    return objects, relations, place_list, skipped


def answer_picks_label(program: list[dict]) -> bool:
    """True where the question offers alternatives (choose rel / choose h|vposition) or asks for the position
    (query h|vposition): the label then comes from GQA's answer, not from the wording."""
    return any(st["operation"] in ("choose rel", "choose hposition", "choose vposition")
               or (st["operation"] == "query" and st["argument"] in ("hposition", "vposition")) for st in program)


def build_xgqa(src: Source, rng: random.Random, stats: dict) -> list[dict]:
    data: dict[str, dict[str, dict]] = {}
    where_from: dict[str, dict[str, str]] = {}
    for lang in XGQA_LANGS:
        data[lang], where_from[lang] = {}, {}
        for split in XGQA_SPLITS:
            rel_path = f"data/few_shot/{lang}/{split}.json"
            d = json.loads(src.read(rel_path))
            for qid, q in d.items():
                data[lang][qid] = q
                where_from[lang][qid] = rel_path
    en = data["en"]
    labelled: dict[str, tuple] = {}
    skipped = collections.Counter()
    from_answer: set[str] = set()
    for qid, q in en.items():
        objects, relations, places, why = gqa_labels(q["semantic"], q["answer"])
        for w in why:
            skipped[f"step skipped: {w}"] += 1
        if not relations and not places:
            skipped["question without a mappable spatial relation or position"] += 1
            continue
        if answer_picks_label(q["semantic"]):
            # "Is the cup on the left or the right?", "Which side is the chair on?": the wording offers both
            # alternatives or asks for the side, so only GQA's answer picks the label; unfair to a planner.
            skipped["label comes from the answer, not the text"] += 1
            from_answer.add(qid)
            continue
        labelled[qid] = (objects, relations, places)
    out = []
    stats["xgqa"] = {"english_questions": len(en), "spatial_questions": len(labelled) + len(from_answer),
                     "spatial_questions_kept": len(labelled),
                     "skipped_en_program_steps_and_questions": dict(sorted(skipped.items(), key=lambda kv: -kv[1])),
                     "taken": {}}
    for lang in XGQA_LANGS:
        cands = []
        seen_text = set()
        dup = 0
        answer_skipped = sum(1 for qid in from_answer if ws(data[lang].get(qid, {}).get("question", "")))
        for qid in sorted(labelled):
            q = data[lang].get(qid)
            if q is None or not ws(q.get("question", "")):
                continue
            if ws(q["question"]) in seen_text:  # same wording for another image: keep the first question id only
                dup += 1
                continue
            seen_text.add(ws(q["question"]))
            objects, relations, places = labelled[qid]
            cands.append({
                "id": f"xgqa-{lang}-{qid}",
                "source": "xgqa",
                "source_ref": f"{XGQA_REPO}@{XGQA_COMMIT}:{where_from[lang][qid]}#{qid}",
                "license": XGQA_LICENSE,
                "language": lang,
                "type": "question",
                "text": ws(q["question"]),
                "objects": objects,
                "relations": relations,
                "places": places,
            })

        def key(it):
            if it["relations"]:
                return "rel:" + it["relations"][0]["relation"]
            return "place:" + it["places"][0]["where"]

        lrng = random.Random(f"{rng.random()}-{lang}")
        picked = stratified_sample(cands, key, XGQA_TARGET[lang], lrng)
        taken_ids = {it["id"] for it in picked}
        LEFT_OVER[f"xgqa-{lang}"] = [(it, key(it)) for it in cands if it["id"] not in taken_ids]
        stats["xgqa"]["taken"][lang] = len(picked)
        assert not any(answer_picks_label(data["en"][it["id"].rsplit("-", 1)[1]]["semantic"]) for it in picked)
        stats["xgqa"].setdefault("skipped_label_from_answer", {})[lang] = answer_skipped
        stats["xgqa"].setdefault("skipped_duplicate_text", {})[lang] = dup
        stats["xgqa"].setdefault("candidates", {})[lang] = len(cands)
        out.extend(picked)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources-dir", help="folder holding <owner>+<name>/repo bare mirrors (the fetch tool's layout)")
    ap.add_argument("--vsr", help="VSR repository (bare git dir or checkout)")
    ap.add_argument("--xgqa", help="xGQA repository (bare git dir or checkout)")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--stats", action="store_true", help="print counts as JSON on stderr")
    ap.add_argument("--holdout", default=str(DEFAULT_OUT.with_name("planner_holdout.jsonl")),
                    help="also write a held-out split from items the development set did not take ('' = none): "
                         "never read while tuning, scored once to estimate accuracy on unseen text")
    args = ap.parse_args(argv)

    def resolve(explicit, repo):
        if explicit:
            return explicit
        if args.sources_dir:
            return os.path.join(args.sources_dir, repo.replace("/", "+"), "repo")
        raise SystemExit(f"give --sources-dir or a path for {repo}")

    rng = random.Random(args.seed)
    stats: dict = {}
    items = build_vsr(Source(resolve(args.vsr, VSR_REPO), VSR_COMMIT), random.Random(rng.random()), stats)
    items += build_xgqa(Source(resolve(args.xgqa, XGQA_REPO), XGQA_COMMIT), random.Random(rng.random()), stats)

    ids = [it["id"] for it in items]
    assert len(ids) == len(set(ids)), "duplicate ids"
    items.sort(key=lambda it: (it["source"], it["language"], it["id"]))
    with open(args.out, "w", encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")

    if args.holdout:
        hrng = random.Random(f"{args.seed}-holdout")  # its own generator: the development set is unchanged
        held = stratified_sample(LEFT_OVER["vsr"], lambda it: it["relations"][0]["relation"], HOLDOUT_VSR, hrng)
        for name, pool in sorted(LEFT_OVER.items()):
            if name.startswith("xgqa-"):
                by_key = {id(it): k for it, k in pool}
                held += stratified_sample([it for it, _ in pool], lambda it: by_key[id(it)], HOLDOUT_PER_LANGUAGE, hrng)
        held.sort(key=lambda it: (it["source"], it["language"], it["id"]))
        assert not {it["id"] for it in held} & set(ids), "held-out items overlap the development set"
        with open(args.holdout, "w", encoding="utf-8") as f:
            for it in held:
                f.write(json.dumps(it, ensure_ascii=False) + "\n")
        stats["holdout"] = dict(sorted(collections.Counter(it["language"] for it in held).items()))
        print(f"wrote {len(held)} held-out items to {args.holdout}", file=sys.stderr)

    summary = {k: dict(sorted(collections.Counter(f(it) for it in items).items())) for k, f in {
        "source": lambda it: it["source"], "language": lambda it: it["language"], "type": lambda it: it["type"],
        "relation": lambda it: it["relations"][0]["relation"] if it["relations"] else "-",
    }.items()}
    summary["relations_all"] = dict(sorted(collections.Counter(
        r["relation"] for it in items for r in it["relations"]).items()))
    summary["places_all"] = dict(sorted(collections.Counter(
        p["where"] for it in items for p in it["places"]).items()))
    stats["output"] = {"items": len(items), **summary}
    print(f"wrote {len(items)} items to {args.out}", file=sys.stderr)
    if args.stats:
        print(json.dumps(stats, indent=1, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
