"""Accuracy on the labelled set in tests/data (written from how sellers and public benchmarks phrase
spatial requests, in every supported language)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from layout.evaluate import check_case

CASES = [json.loads(line) for line in (Path(__file__).parents[1] / "data" / "planner_cases.jsonl").open(encoding="utf-8")]


def test_the_set_covers_every_language_and_phrase_type():
    languages = Counter(c["language"] for c in CASES)
    assert set(languages) == {"en", "zh", "ja", "ko", "es", "pt", "fr", "de", "ru", "id"}
    assert {"absolute", "relation", "action", "none", "mixed"} <= {c["type"] for c in CASES}


def test_accuracy_on_the_labelled_set_is_above_95_percent():
    wrong = [(c["instruction"], why) for c in CASES for ok, why in [check_case(c)] if not ok]
    assert len(wrong) / len(CASES) < 0.05, wrong
