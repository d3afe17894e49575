"""Planner accuracy per language and phrase type on tests/data/planner_cases.jsonl, and its speed.

    python bench/planner.py [--repeat 20]
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
sys.path.insert(0, str(ROOT))

from layout import plan_layout  # noqa: E402
from layout.evaluate import check_case  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=ROOT / "tests" / "data" / "planner_cases.jsonl")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    cases = [json.loads(line) for line in args.cases.open(encoding="utf-8")]
    by_language, by_type = defaultdict(list), defaultdict(list)
    for case in cases:
        ok, _ = check_case(case)
        by_language[case["language"]].append(ok)
        by_type[case["type"]].append(ok)
    timings = []
    for _ in range(args.repeat):
        for case in cases:
            start = time.perf_counter()
            plan_layout(case["instruction"])
            timings.append(time.perf_counter() - start)
    timings.sort()
    print(f"\nrule planner on {len(cases)} labelled cases\n")
    print("| language | cases | accuracy |\n|---|---|---|")
    for lang, oks in sorted(by_language.items()):
        print(f"| {lang} | {len(oks)} | {sum(oks) / len(oks):.1%} |")
    print("\n| phrase type | cases | accuracy |\n|---|---|---|")
    for kind, oks in sorted(by_type.items()):
        print(f"| {kind} | {len(oks)} | {sum(oks) / len(oks):.1%} |")
    total = [ok for oks in by_type.values() for ok in oks]
    print(f"\noverall accuracy {sum(total) / len(total):.1%}; latency p50 {statistics.median(timings) * 1e3:.3f} ms, "
          f"p95 {timings[int(len(timings) * 0.95)] * 1e3:.3f} ms; {len(timings) / sum(timings):.0f} plans/s")


if __name__ == "__main__":
    main()
