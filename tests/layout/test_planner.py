"""The rule planner: table-driven cases per language and phrase type, properties, multi-round sessions."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from layout import plan_layout, validate_plan
from layout.grid import cells_of, center
from layout.names import objects
from layout.vocab import vocabulary

# object names that are not also English closed-class words ('top' the garment is also 'top' the place)
NOUNS = sorted(n for n, known in objects().items() if known.kind in ("object", "person")
               and not any(w in vocabulary("en").meanings for w in n.split())
               and f"a {n}" not in vocabulary("en").meanings)  # 'a hair' is also "a little"

LEFT, RIGHT, TOP, BOTTOM = "left", "right", "top", "bottom"

ABSOLUTE = [
    ("en", "put the desk lamp on the left of the picture", "desk lamp", LEFT),
    ("zh", "把台灯放在左边", "desk lamp", LEFT),
    ("ja", "デスクランプを左に置いて", "desk lamp", LEFT),
    ("ko", "책상 램프를 왼쪽에 놓아", "desk lamp", LEFT),
    ("es", "pon la lámpara a la izquierda", "lamp", LEFT),
    ("pt", "coloque a luminária à direita", "lamp", RIGHT),
    ("fr", "mets un chat en haut à droite", "cat", "top right"),
    ("de", "stell die vase unten links", "vase", "bottom left"),
    ("ru", "поставь лампу слева", "lamp", LEFT),
    ("id", "letakkan kucing di kanan", "cat", RIGHT),
    ("en", "add a sun in the top right corner", "sun", "top right"),
    ("en", "put the rug at the bottom", "rug", BOTTOM),
]

RELATIONS = [
    ("en", "a dog to the left of a cat", "dog", "cat", "left_of"),
    ("zh", "狗在猫的左边", "dog", "cat", "left_of"),
    ("zh", "在猫的左边放一只狗", "dog", "cat", "left_of"),
    ("ja", "猫の左に犬を置いて", "dog", "cat", "left_of"),
    ("ko", "고양이 왼쪽에 강아지를 놓아", "dog", "cat", "left_of"),
    ("es", "un perro a la derecha de un gato", "dog", "cat", "right_of"),
    ("pt", "coloque o cachorro à esquerda do gato", "dog", "cat", "left_of"),
    ("fr", "une lampe sur la table", "lamp", "table", "above"),
    ("de", "stell den hund links neben die katze", "dog", "cat", "left_of"),
    ("ru", "поставь собаку слева от кошки", "dog", "cat", "left_of"),
    ("id", "letakkan anjing di sebelah kiri kucing", "dog", "cat", "left_of"),
    ("en", "a photo of a cup above a bench", "cup", "bench", "above"),
    ("en", "a chair to the left of a toilet", "chair", "toilet", "left_of"),
]


def _side(box, where: str) -> bool:
    cx, cy = center(box)
    return {
        LEFT: cx < 1 / 3, RIGHT: cx > 2 / 3, TOP: cy < 1 / 3, BOTTOM: cy > 2 / 3,
        "top right": cx > 2 / 3 and cy < 1 / 3, "bottom left": cx < 1 / 3 and cy > 2 / 3,
    }[where]


@pytest.mark.parametrize("language,instruction,name_en,where", ABSOLUTE)
def test_absolute_placement(language, instruction, name_en, where):
    plan, _ = plan_layout(instruction)
    assert validate_plan(plan) == []
    assert plan["language"] == language and plan["placement"] == "planned"
    target = plan["objects"][0]
    assert target["name_en"] == name_en and target["role"] == "target"
    assert _side(target["box"], where), target["box"]


@pytest.mark.parametrize("language,instruction,target,reference,relation", RELATIONS)
def test_relations_between_objects(language, instruction, target, reference, relation):
    plan, _ = plan_layout(instruction)
    assert validate_plan(plan) == [] and plan["language"] == language
    boxes = {o["name_en"]: (o["role"], o["box"]) for o in plan["objects"]}
    assert boxes[target][0] == "target" and boxes[reference][0] == "reference"
    (tx, ty), (rx, ry) = center(boxes[target][1]), center(boxes[reference][1])
    assert {"left_of": tx < rx, "right_of": tx > rx, "above": ty < ry}[relation]


def test_between_puts_the_target_between_both_references():
    plan, _ = plan_layout("a vase between the books and the lamp")
    boxes = {o["name_en"]: center(o["box"]) for o in plan["objects"]}
    assert min(boxes["books"][0], boxes["lamp"][0]) < boxes["vase"][0] < max(boxes["books"][0], boxes["lamp"][0])


def test_object_knowledge_sets_the_axis_that_was_not_given():
    rug, _ = plan_layout("put a rug on the left")
    sun, _ = plan_layout("put the sun on the left")
    assert center(rug["objects"][0]["box"])[1] > 0.6 and center(sun["objects"][0]["box"])[1] < 0.34


def test_nothing_spatial_is_an_explicit_no_placement():
    plan, _ = plan_layout("a nice lamp please")
    assert plan["placement"] == "none" and plan["objects"] == [] and "where" in plan["reason"]
    assert validate_plan(plan) == []


def test_unknown_words_pass_through():
    plan, _ = plan_layout("put a zebra in the top left")
    assert plan["objects"][0]["name_en"] == "zebra" and _side(plan["objects"][0]["box"], LEFT)


def test_rounds_refine_and_go_back():
    plan, state = plan_layout("put the desk lamp on the left")
    first = plan["objects"][0]["box"]
    plan, state = plan_layout("a bit higher", state)
    higher = plan["objects"][0]["box"]
    assert higher[1] < first[1] and higher[0] == first[0]
    plan, state = plan_layout("much more to the right", state)
    assert plan["objects"][0]["box"][0] > higher[0] + 0.3
    plan, state = plan_layout("bigger", state)
    assert plan["action"] == "resize"
    plan, state = plan_layout("back where it was", state)
    plan, state = plan_layout("它再往左一点", state)  # mixed languages across rounds, "it" resolved
    assert plan["objects"][0]["name_en"] == "desk lamp"
    plan, state = plan_layout("remove it", state)
    assert plan["action"] == "remove" and state.objects == ()


def test_latest_instruction_wins():
    _, state = plan_layout("put the vase on the left")
    plan, state = plan_layout("put the vase on the right", state)
    assert _side(plan["objects"][0]["box"], RIGHT) and len(state.objects) == 1


def test_background_change_is_not_a_placement():
    plan, _ = plan_layout("make the background warmer")
    assert plan["action"] == "background" and plan["placement"] == "unchanged"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(NOUNS), st.sampled_from(NOUNS),
       st.sampled_from(["to the left of", "to the right of", "above", "below", "next to", "in front of", "behind"]))
def test_properties_boxes_inside_cells_consistent_relations_hold(a, b, relation):
    if a == b:
        return
    if a in b.split() or b in a.split():
        return  # 'a lamp next to a desk lamp': one head noun, one object
    plan, _ = plan_layout(f"a {a} {relation} a {b}")
    assert validate_plan(plan) == []
    for obj in plan["objects"]:
        x0, y0, x1, y1 = obj["box"]
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
        assert obj["cells"] == cells_of(tuple(obj["box"]))
    boxes = {o["role"]: center(o["box"]) for o in plan["objects"]}
    (tx, ty), (rx, ry) = boxes["target"], boxes["reference"]
    check = {"to the left of": tx < rx, "to the right of": tx > rx, "above": ty < ry, "below": ty > ry,
             "next to": tx != rx, "in front of": ty > ry, "behind": ty < ry}
    assert check[relation]


def test_validate_plan_names_problems():
    plan, _ = plan_layout("put the lamp on the left")
    broken = json.loads(json.dumps(plan))
    broken["objects"][0]["cells"] = [[0, 0]]
    broken["confidence"] = 3
    problems = validate_plan(broken)
    assert any("cells" in p for p in problems) and any("confidence" in p for p in problems)


def test_command_line_contract():
    run = lambda args, stdin=None: subprocess.run([sys.executable, "-m", "layout", *args], input=stdin,
                                                  capture_output=True, text=True, check=True).stdout.splitlines()
    (one,) = run(["plan", "put a cat on the right"])
    assert json.loads(one)["objects"][0]["name_en"] == "cat"
    independent = run(["plan"], "put a cat on the right\na bit higher\n")
    assert [json.loads(l)["placement"] for l in independent] == ["planned", "none"]
    session = run(["session"], "put a cat on the right\na bit higher\n\na bit higher\n")
    assert [json.loads(l)["placement"] for l in session] == ["planned", "planned", "none"]


def test_a_shorter_name_refers_to_the_placed_object():
    _, state = plan_layout("put the desk lamp on the left")
    plan, state = plan_layout("move the lamp a bit higher", state)
    assert plan["objects"][0]["name_en"] == "desk lamp" and len(state.objects) == 1
    plan, state = plan_layout("那个台灯再大一点", state)
    assert plan["action"] == "resize" and plan["objects"][0]["name_en"] == "desk lamp"


def test_back_where_it_was_walks_back_through_the_rounds():
    plan, state = plan_layout("put the lamp on the left")
    original = plan["objects"][0]["box"]
    for step in ("much higher", "bigger", "back where it was", "back where it was"):
        plan, state = plan_layout(step, state)
    assert plan["objects"][0]["box"] == original
    plan, state = plan_layout("back where it was", state)
    assert plan["placement"] == "none" and "no earlier position" in plan["reason"]
