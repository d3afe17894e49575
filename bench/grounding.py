"""Grounding accuracy: instructions about pictures whose objects are known (names + boxes), in 11 languages.

    python bench/grounding.py [--set bench/data/grounding] [--failures N] [--repeat 3]

Prints accuracy per language and per kind of case (referent, relation, between, question), the planning
time with a scene (p50/p95 ms, one thread, after a warm-up pass), and the failures. The set was written by
hand before the planner was run on it (bench/data/grounding/README.md); layout.evaluate_grounding says
what counts as right. The detector's latency is printed by bench/detector.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

from layout import EMPTY, plan_layout  # noqa: E402
from layout.evaluate_grounding import check_grounding, seen_objects  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=ROOT / "bench" / "data" / "grounding")
    parser.add_argument("--failures", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scenes = json.loads((args.set / "scenes.json").read_text(encoding="utf-8"))
    cases = [json.loads(line) for line in (args.set / "instructions.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    by_lang, by_kind, failures = defaultdict(list), defaultdict(list), []
    for case in cases:  # the first pass also warms the language tools up
        objects = seen_objects(scenes[case["scene"]])
        plan, _ = plan_layout(case["text"], EMPTY, objects)
        right, why = check_grounding(case, objects, plan)
        by_lang[case["lang"]].append(right)
        by_kind[case["expect"]["kind"]].append(right)
        if not right:
            failures.append((case["id"], case["text"], why))
    timings = []
    for _ in range(args.repeat):
        for case in cases:
            objects = seen_objects(scenes[case["scene"]])
            start = time.perf_counter()
            plan_layout(case["text"], EMPTY, objects)
            timings.append((time.perf_counter() - start) * 1000)
    total = sum(sum(v) for v in by_lang.values())
    print(f"grounding set: {len(cases)} instructions, {len(scenes)} scenes, {len(by_lang)} languages\n")
    print("| language | n | right |\n|---|---:|---:|")
    for lang, results in sorted(by_lang.items()):
        print(f"| {lang} | {len(results)} | {100 * sum(results) / len(results):.1f}% |")
    print(f"| **all** | {len(cases)} | **{100 * total / len(cases):.1f}%** |\n")
    print("| kind | n | right |\n|---|---:|---:|")
    for kind, results in sorted(by_kind.items()):
        print(f"| {kind} | {len(results)} | {100 * sum(results) / len(results):.1f}% |")
    timings.sort()
    p50, p95 = statistics.median(timings), timings[int(0.95 * (len(timings) - 1))]
    print(f"\nplanning with a scene: p50 {p50:.2f} ms, p95 {p95:.2f} ms ({len(timings)} plans, one thread)")
    if failures and args.failures:
        print(f"\nfailures ({len(failures)}; first {min(args.failures, len(failures))}):")
        for case_id, text, why in failures[: args.failures]:
            print(f"  {case_id}  {text!r}: {why}")


if __name__ == "__main__":
    main()
