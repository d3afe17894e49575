"""Planner accuracy on the development set (public sources, labels from their annotations) per language,
phrase type and source; its speed; and how the LLM hybrid mode would split the work.

    python bench/planner.py [--set tests/data/planner_dev.jsonl] [--repeat 5] [--threshold 0.75] [--failures N]
                            [--peer 073f607]

The peer is an earlier planner from this repository's history (default: the one before open vocabulary),
run on the same items in a subprocess from `git archive` of that commit, side by side with ours.

A case is right when every labelled object is found by its head noun ('dining table' ~ 'table'), in the
right relation and place. The second column also accepts a WordNet synonym or kind of the label (the
translation says 'bicycle' where the source's annotation says 'bike'; 'car' where it says 'vehicle'); the
first is the strict figure.

Speed is measured on one thread after one warm-up pass (the language tools load on first use): p50/p95
milliseconds per plan. The hybrid table shows, for the rule planner's confidence threshold, the share of
items that would be sent to the LLM and the rule planner's accuracy on the items it keeps and on those it
would hand over (a calibration check: the kept ones should be the accurate ones).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/ itself: bench/queue.py would shadow the standard library

from layout import plan_layout  # noqa: E402
from layout.evaluate import check_case, check_item  # noqa: E402
from layout import wordnet  # noqa: E402
from layout.llm import needs_llm  # noqa: E402


PEER_SCRIPT = """
import json, statistics, sys, time
from collections import defaultdict
sys.path.insert(0, sys.argv[1])
from layout import plan_layout
sys.path.insert(0, sys.argv[2])
items = [json.loads(line) for line in open(sys.argv[3], encoding="utf-8")]
from layout_eval import check_item
by = defaultdict(list)
timings = []
for item in items:
    start = time.perf_counter()
    try:
        plan, _ = plan_layout(item["text"])
        ok = check_item(item, plan)[0]
    except Exception:
        ok = False
    timings.append(time.perf_counter() - start)
    by[item["language"]].append(ok)
print(json.dumps({"by_language": by, "p50": statistics.median(timings)}))
"""


def _peer(rev: str, items_path: Path) -> dict | None:
    """An earlier planner's accuracy per language and p50 latency on the same items (None: no git)."""
    try:
        archive = subprocess.run(["git", "archive", rev, "layout"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(tmp, filter="data")
        evaluator = Path(tmp) / "eval"
        evaluator.mkdir()
        (evaluator / "layout_eval.py").write_text((ROOT / "layout" / "evaluate.py").read_text(encoding="utf-8")
                                                  .replace("from layout.planner import plan_layout", "")
                                                  .replace("from layout import wordnet", ""))
        done = subprocess.run([sys.executable, "-c", PEER_SCRIPT, tmp, str(evaluator), str(items_path)],
                              capture_output=True, text=True)
        return json.loads(done.stdout) if done.returncode == 0 else None


def _table(title: str, groups: dict[str, list[bool]], peer: dict[str, list[bool]] | None = None,
           synonyms: dict[str, list[bool]] | None = None) -> None:
    head = (" | ours, WordNet names" if synonyms else "") + (" | peer" if peer is not None else "")
    print(f"\n| {title} | items | ours{head} |\n|---|---|---{'|---' * head.count('|')}|")
    for key, oks in sorted(groups.items()):
        row = f"| {key} | {len(oks)} | {sum(oks) / len(oks):.1%}"
        if synonyms:
            row += f" | {sum(synonyms[key]) / len(synonyms[key]):.1%}"
        if peer is not None:
            other = peer.get(key)
            row += f" | {sum(other) / len(other):.1%}" if other else " | -"
        print(row + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "data" / "planner_dev.jsonl")
    parser.add_argument("--cases", type=Path, default=ROOT / "tests" / "data" / "planner_cases.jsonl",
                        help="the hand-written regression cases (reported apart: they prove little)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.75)
    parser.add_argument("--failures", type=int, default=0, help="print this many failures (random sample)")
    parser.add_argument("--peer", default="073f607", help="git revision of an earlier planner to compare ('' = none)")
    args = parser.parse_args()
    items = [json.loads(line) for line in args.set.open(encoding="utf-8")]
    by_language, by_type, by_source = defaultdict(list), defaultdict(list), defaultdict(list)
    named = {"language": defaultdict(list), "type": defaultdict(list), "source": defaultdict(list)}
    kept, handed = [], []
    failures = []
    for item in items:
        plan, _ = plan_layout(item["text"])
        ok, why = check_item(item, plan)
        for key, groups in named.items():
            groups[item[key]].append(check_item(item, plan, synonyms=True)[0])
        by_language[item["language"]].append(ok)
        by_type[item["type"]].append(ok)
        by_source[item["source"]].append(ok)
        (handed if needs_llm(plan, args.threshold) else kept).append(ok)
        if not ok:
            failures.append((item["language"], item["text"], why))
    timings = []
    for _ in range(args.repeat):
        for item in items:
            start = time.perf_counter()
            plan_layout(item["text"])
            timings.append(time.perf_counter() - start)
    timings.sort()
    total = [ok for oks in by_language.values() for ok in oks]
    peer = _peer(args.peer, args.set) if args.peer else None
    print(f"\nrule planner on {len(items)} development items ({args.set.name})"
          + (f"; peer = the planner at {args.peer}" if peer else ""))
    synonyms = named if wordnet.available() else {"language": None, "type": None, "source": None}
    _table("language", by_language, peer["by_language"] if peer else None, synonyms["language"])
    _table("phrase type", by_type, synonyms=synonyms["type"])
    _table("source", by_source, synonyms=synonyms["source"])
    print(f"\n| hybrid mode, threshold {args.threshold} | items | rule accuracy |\n|---|---|---|")
    for label, oks in (("kept by the rule planner", kept), ("sent to the LLM", handed)):
        share = len(oks) / len(items)
        accuracy = f"{sum(oks) / len(oks):.1%}" if oks else "-"
        print(f"| {label} | {len(oks)} ({share:.0%}) | {accuracy} |")
    if peer:
        flat = [ok for oks in peer["by_language"].values() for ok in oks]
        print(f"\npeer ({args.peer}): overall {sum(flat) / len(flat):.1%}, p50 {peer['p50'] * 1e3:.3f} ms per plan")
    worst = min(by_language, key=lambda k: sum(by_language[k]) / len(by_language[k]))
    print(f"\noverall accuracy {sum(total) / len(total):.1%} (lowest language: {worst} "
          f"{sum(by_language[worst]) / len(by_language[worst]):.1%}); latency p50 "
          f"{statistics.median(timings) * 1e3:.3f} ms, p95 {timings[int(len(timings) * 0.95)] * 1e3:.3f} ms "
          f"(one thread, {len(timings)} plans)")
    if wordnet.available():
        flat = [ok for oks in named["language"].values() for ok in oks]
        print(f"with names matched through WordNet (a synonym or kind of the label: 'bicycle' for 'bike', "
              f"'car' for 'vehicle'): {sum(flat) / len(flat):.1%}")
    else:
        print("WordNet column left out: install wordnet-base (Debian) to score names through synonyms")
    if args.cases.exists():
        cases = [json.loads(line) for line in args.cases.open(encoding="utf-8")]
        right = sum(check_case(c)[0] for c in cases)
        print(f"hand-written regression cases: {right}/{len(cases)}")
    if args.failures:
        random.seed(0)
        for failure in random.sample(failures, min(args.failures, len(failures))):
            print(*failure, sep="  |  ")


if __name__ == "__main__":
    main()
