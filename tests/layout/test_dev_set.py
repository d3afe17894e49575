"""Accuracy on the development set: instructions, captions and questions taken verbatim from public
datasets (VSR, xGQA), labels from the sources' own annotations (tests/data/planner_dev_sources.md).

The floors are a regression gate just under what the planner reaches today (81.6% overall, 56% in the
weakest language); the issue's targets (90% overall, 80% in every language) are not reached yet — see
`python bench/planner.py` for the current table."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from layout import plan_layout, validate_plan
from layout.evaluate import check_item, same_object

DEV = Path(__file__).parents[1] / "data" / "planner_dev.jsonl"
ITEMS = [json.loads(line) for line in DEV.open(encoding="utf-8")]


@pytest.fixture(scope="module")
def results():
    out = []
    for item in ITEMS:
        plan, _ = plan_layout(item["text"])
        out.append((item, plan, check_item(item, plan)))
    return out


def test_every_item_records_where_it_comes_from():
    assert len(ITEMS) >= 1500
    for item in ITEMS:
        assert item["source"] and item["source_ref"] and item["license"] and item["text"].strip()
        assert set(item["objects"]) >= {r["target"] for r in item["relations"]} | {p["object"] for p in item["places"]}


def test_every_plan_follows_the_schema(results):
    bad = [(item["text"], validate_plan(plan)) for item, plan, _ in results if validate_plan(plan)]
    assert not bad, bad[:5]


def test_accuracy_overall_and_per_language(results):
    by_language = defaultdict(list)
    for item, _, (ok, _) in results:
        by_language[item["language"]].append(ok)
    overall = sum(ok for oks in by_language.values() for ok in oks) / len(results)
    per_language = {k: sum(v) / len(v) for k, v in by_language.items()}
    assert overall >= 0.81, per_language
    assert min(per_language.values()) >= 0.58, per_language


def test_the_scorer_fails_a_plan_that_swaps_the_objects():
    item = {"language": "en", "relations": [{"target": "cat", "relation": "left_of", "reference": "dog"}],
            "places": []}
    plan, _ = plan_layout("a cat to the left of a dog")
    assert check_item(item, plan)[0]
    swapped = {**plan, "objects": [{**o, "name_en": {"cat": "dog", "dog": "cat"}[o["name_en"]]} for o in plan["objects"]]}
    assert not check_item(item, swapped)[0]
    assert same_object("dining table", "table") and same_object("palm", "palm tree") and not same_object("cat", "dog")


def test_the_scorer_fails_near_and_next_to_when_the_objects_are_far_apart():
    plan, _ = plan_layout("a cat next to a dog")
    item = {"language": "en", "places": [], "relations": [{"target": "cat", "relation": "next_to", "reference": "dog"}]}
    assert check_item(item, plan)[0]
    far = {**plan, "objects": [{**o, "box": [0.0, 0.0, 0.1, 0.1] if o["name_en"] == "cat" else [0.9, 0.9, 1.0, 1.0]}
                               for o in plan["objects"]]}
    assert not check_item(item, far)[0]
    assert not check_item({**item, "relations": [{**item["relations"][0], "relation": "near"}]}, far)[0]
