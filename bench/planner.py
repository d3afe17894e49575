"""Planner accuracy on the development set (public sources, labels from their annotations) per language,
phrase type and source; its speed; and how the LLM hybrid mode would split the work.

    python bench/planner.py [--set tests/data/planner_dev.jsonl] [--repeat 5] [--threshold 0.75] [--failures N]

Speed is measured on one thread after one warm-up pass (the language tools load on first use): p50/p95
milliseconds per plan. The hybrid table shows, for the rule planner's confidence threshold, the share of
items that would be sent to the LLM and the rule planner's accuracy on the items it keeps and on those it
would hand over (a calibration check: the kept ones should be the accurate ones).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layout import plan_layout  # noqa: E402
from layout.evaluate import check_case, check_item  # noqa: E402
from layout.llm import needs_llm  # noqa: E402


def _table(title: str, groups: dict[str, list[bool]]) -> None:
    print(f"\n| {title} | items | accuracy |\n|---|---|---|")
    for key, oks in sorted(groups.items()):
        print(f"| {key} | {len(oks)} | {sum(oks) / len(oks):.1%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "data" / "planner_dev.jsonl")
    parser.add_argument("--cases", type=Path, default=ROOT / "tests" / "data" / "planner_cases.jsonl",
                        help="the hand-written regression cases (reported apart: they prove little)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.75)
    parser.add_argument("--failures", type=int, default=0, help="print this many failures (random sample)")
    args = parser.parse_args()
    items = [json.loads(line) for line in args.set.open(encoding="utf-8")]
    by_language, by_type, by_source = defaultdict(list), defaultdict(list), defaultdict(list)
    kept, handed = [], []
    failures = []
    for item in items:
        plan, _ = plan_layout(item["text"])
        ok, why = check_item(item, plan)
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
    print(f"\nrule planner on {len(items)} development items ({args.set.name})")
    _table("language", by_language)
    _table("phrase type", by_type)
    _table("source", by_source)
    print(f"\n| hybrid mode, threshold {args.threshold} | items | rule accuracy |\n|---|---|---|")
    for label, oks in (("kept by the rule planner", kept), ("sent to the LLM", handed)):
        share = len(oks) / len(items)
        accuracy = f"{sum(oks) / len(oks):.1%}" if oks else "-"
        print(f"| {label} | {len(oks)} ({share:.0%}) | {accuracy} |")
    worst = min(by_language, key=lambda k: sum(by_language[k]) / len(by_language[k]))
    print(f"\noverall accuracy {sum(total) / len(total):.1%} (lowest language: {worst} "
          f"{sum(by_language[worst]) / len(by_language[worst]):.1%}); latency p50 "
          f"{statistics.median(timings) * 1e3:.3f} ms, p95 {timings[int(len(timings) * 0.95)] * 1e3:.3f} ms "
          f"(one thread, {len(timings)} plans)")
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
