"""The rule planner: an instruction (+ the conversation's layout state) -> a plan and the new state.

    plan, state = plan_layout("put the desk lamp on the left", EMPTY)
    plan, state = plan_layout("a bit higher", state)

Pure: no I/O beyond the language data read once, no globals that change. Steps: 1 language, 2 read the
phrases and the noun phrases between them (reading.py), 3 pick the action, 4 for placements: the scene
the words describe (scene.py) solved on the grid (solve.py), for refinements: nudge, resize, go back,
remove, replace, restyle; 5 build the plan, 6 update the state.
"""

from __future__ import annotations

from dataclasses import replace

from layout import placement
from layout.grid import cells_of
from layout.colours import names_colour
from layout.grounding import ambiguous, ask, bind, candidates, ground
from layout.language import detect_language
from layout.reading import Item, read
from layout.scene import Constraint, Scene, Thing, describe, disambiguate
from layout.seen import merge, plain
from layout.solve import solve
from layout.state import EMPTY, LayoutState
from layout.vocab import normalise, vocabulary

PLACE_WORDS = {"l": "on the left", "r": "on the right", "t": "at the top", "b": "at the bottom", "c": "in the centre",
               "tl": "in the top left corner", "tr": "in the top right corner", "bl": "in the bottom left corner",
               "br": "in the bottom right corner", "ut": "in the upper third", "lt": "in the lower third",
               "bg": "in the background", "fg": "in the foreground", "lc": "slightly left of centre",
               "rc": "slightly right of centre", "mr": "in the middle row", "mc": "in the middle column"}
RELATION_WORDS = {"left_of": "to the left of", "right_of": "to the right of", "above": "above", "below": "below",
                  "on": "on", "in_front_of": "in front of", "behind": "behind", "next_to": "next to",
                  "near": "near", "inside": "inside", "around": "around"}
TO_SIDE = {"left": "l", "right": "r", "up": "t", "down": "b"}


def plan_layout(instruction: str, state: LayoutState = EMPTY, seen=None,
                bound: dict[str, str] | None = None) -> tuple[dict, LayoutState]:
    """The plan for one instruction and the conversation's new layout state. `seen`: the objects found in
    the picture (layout.seen.SeenObject), which named objects, 'it' and relations refer to. `bound`: English
    name -> the key of the object it means (the answer to an earlier "which bottle do you mean?")."""
    if seen is not None:
        state = merge(state, seen)
    text = normalise(instruction)
    lang = detect_language(text) if text else "en"
    if not text:
        return _no_placement(lang, "the instruction is empty", state)
    vocab = vocabulary(lang)
    items = ground(bind(disambiguate(read(text, lang, normalise(instruction, lower=False)), vocab), bound or {}),
                   state, lang)
    new = _new_things(items, state, vocab)
    items = [_resolve(i, state) if i.kind == "noun" and i.start not in new else i for i in items]
    nouns = [i for i in items if i.kind == "noun"]
    for noun in nouns:
        several = ambiguous(noun.name_en, state) if noun.start not in new else []
        if several and not _spatial(items):
            return _no_placement(lang, ask(noun.name_en, several), state)
    action = _action(items, nouns, state, names_colour(text, lang))
    handler = {"remove": _remove, "resize": _resize, "background": _restyle, "restyle": _restyle,
               "replace": _replace, "back": _back, "nudge": _nudge}.get(action, _place)
    return handler(action, lang, items, nouns, state, text)


def _new_things(items: list[Item], state: LayoutState, vocab) -> set[int]:
    """Where the nouns an 'add' places stand (item starts): 'add a candle in front of the vase' asks for a new
    candle, which no object in the picture stands for, even one of its kind (a lamp)."""
    actions = {i.key for i in items if i.kind == "action"}
    nouns = [i for i in items if i.kind == "noun"]
    if "replace" in actions and len(nouns) >= 2 and not actions & {"move", "remove"}:
        return {nouns[1].start}  # 'swap the chair for an armchair': the armchair is new
    if "add" not in actions or actions & {"move", "remove", "replace"} or not any(p.seen for p in state.objects):
        return set()
    scene = describe(items, vocab)
    return {scene.things[t].start for t in _targets(scene) if t >= 0 and state.find(scene.things[t].name_en) is None}


def _resolve(noun: Item, state: LayoutState) -> Item:
    """'the lamp' after a desk lamp was placed means that desk lamp; 'the mug' the one cup in the picture."""
    if state.find(noun.name_en) is not None:
        return noun
    matches = candidates(noun.name_en, state)
    if len(matches) == 1:
        return replace(noun, key=matches[0].name_en, name_en=matches[0].name_en, known=True)
    return noun


def _action(items: list[Item], nouns: list[Item], state: LayoutState, coloured: bool = False) -> str:
    actions = {i.key for i in items if i.kind == "action"}
    kinds = {i.kind for i in items}
    spatial = kinds & {"place", "relation", "relation_it", "group"}
    if "remove" in actions:
        return "remove"
    there = len(nouns) == 1 and state.find(nouns[0].name_en) is not None
    if coloured and there and not actions & {"move", "bigger", "smaller"} and not (
            kinds & {"place", "relation_it", "group", "nudge"} or any(
                i.kind == "relation" and _has_reference(items, k) for k, i in enumerate(items))):
        return "restyle"  # '水壶改成白色的', 'чайник перекрась в белый': the kettle there, in another colour
    if "background" in kinds and not nouns and not spatial:
        return "background"
    if "replace" in actions and (len(nouns) >= 2 or (
            len(nouns) == 1 and state.find(nouns[0].name_en) is not None and not spatial)):
        return "replace"
    if "back" in kinds:
        return "back"
    if actions & {"bigger", "smaller"} and not spatial:
        return "resize"
    if "restyle" in actions and not spatial and "nudge" not in kinds:
        return "restyle" if nouns or "referent" in kinds else "background" if "background" in kinds else "restyle"
    if "nudge" in kinds:
        target = _referent(nouns, state)
        if target is not None and state.find(target) is not None and not spatial:
            return "nudge"
    if "background" in kinds and not spatial:
        return "background"
    return "place"


def _has_reference(items: list[Item], k: int) -> bool:
    """Whether a relation word has an object on its reference side ('в белый': 'в' relates to a colour)."""
    side = items[k + 1:] if items[k].side != "before" else items[:k]
    return any(i.kind in ("noun", "referent", "picture") for i in side)


def _referent(nouns: list[Item], state: LayoutState) -> str | None:
    """The object an instruction is about: a named one, else "it" / the last one placed. A word no dictionary
    knows that names nothing placed ('deixa ele maior': 'deixa' is a verb) does not hide "it"."""
    named = [n for n in nouns if n.known or state.find(n.name_en) is not None]
    if named:
        return named[0].name_en
    return state.last if state.last is not None or not nouns else nouns[0].name_en


def _amount(items: list[Item]) -> str:
    amounts = {i.key for i in items if i.kind == "amount"}
    return "large" if "large" in amounts else "small" if "small" in amounts else "normal"


# -- placements ---------------------------------------------------------------------------------------


def _place(action, lang, items, nouns, state: LayoutState, text):
    vocab = vocabulary(lang)
    # a direction for something new is a place on the picture, not a nudge ('leg den Teppich nach unten')
    items = [Item("place", TO_SIDE[i.key], i.start, i.end, i.text) if i.kind == "nudge" else i for i in items]
    scene = describe(items, vocab)
    notes = list(scene.notes)
    if not scene.things and not scene.pronoun and not any(i.kind == "referent" for i in items):
        reason = "no object was named" if _spatial(items) else "nothing was said about where to put it"
        return _no_placement(lang, reason, state, _verb(items, scene, state))
    named = [t.name for t in scene.things]
    scene = _with_last_object(scene, state, items)
    if scene is None:
        if named:  # 'put the dog below it' in a first round: the dog was named, "it" is what is missing
            return _no_placement(lang, f"'it' stands for nothing placed yet, so there is nothing to place the "
                                       f"{named[0]} by; name the other object too", state)
        return _no_placement(lang, "no object was named and nothing has been placed yet", state)
    if not scene.constraints and scene.things and all(state.find(_state_key(t)) for t in scene.things):
        # 'add the dog' after a round whose plan placed a dog too: where that plan put it
        objects = [_object(t, "target", state.find(_state_key(t)).box) for t in scene.things]
        state = replace(state, last=_state_key(scene.things[0]))
        return _plan("add", lang, objects, _prompt(scene), 0.85, ["placed where an earlier plan put it"], state)
    if not scene.constraints:
        return _no_placement(lang, "nothing was said about where to put it", state, _verb(items, scene, state))
    adding = "add" in {i.key for i in items if i.kind == "action"} and "move" not in {
        i.key for i in items if i.kind == "action"}
    for thing in scene.things:
        placed = state.find(_state_key(thing))
        if adding and placed is not None and placed.seen and thing.id in _targets(scene):
            # 'add a cup next to the laptop' where a cup is in the picture: a new cup, not that one moved
            thing.name_en, thing.other = plain(thing.name_en), True
    for thing in scene.things:  # 'put another cat on the right': a new cat beside the one there
        taken = {_state_key(t) for t in scene.things if t is not thing}
        while thing.other and (state.find(_state_key(thing)) is not None or _state_key(thing) in taken):
            thing.instance += 1
    targets = _targets(scene)
    moving = _verb(items, scene, state) == "move"
    for thing in scene.things:  # a reference, or an object moved, that several objects in the picture could be
        several = ambiguous(_state_key(thing), state)
        if several and (thing.id not in targets or moving):
            return _no_placement(lang, ask(_state_key(thing), several), state)
    fixed, current = {}, {}
    for thing in scene.things:
        placed = state.find(_state_key(thing))
        if placed is not None and thing.id not in targets:
            fixed[thing.id] = placed.box  # an object already in the picture that others are placed around
        elif placed is not None and thing.size == "normal":
            current[thing.id] = placed.box  # moved: it keeps its size
    verb = _verb(items, scene, state)
    boxes, broken = solve(scene, fixed, current)
    for c in broken:
        notes.append(f"could not also have {_describe(c, scene)}: it conflicts with the rest of the instruction")
    unknown = [t.name for t in scene.things if not t.known]
    for name in dict.fromkeys(unknown):
        notes.append(f"'{name}' is not in the dictionaries: its name is passed through unchanged")
    objects = []
    for thing in sorted(scene.things, key=lambda t: (t.id not in targets, t.id)):
        box = tuple(round(v, 4) for v in boxes[thing.id])
        role = "target" if thing.id in targets else "reference"
        objects.append(_object(thing, role, box))
        if role == "target" or state.find(_state_key(thing)) is None:
            state = state.place(thing.name, _state_key(thing), box)
    first_target = next((t for t in scene.things if t.id in targets), None)
    if first_target is not None:
        state = replace(state, last=_state_key(first_target))
    confidence = 0.95 - 0.2 * len(set(unknown)) - 0.3 * len(broken)
    if not any(i.kind == "action" for i in items):
        confidence -= 0.05
    return _plan(verb, lang, objects, _prompt(scene), max(0.3, confidence), notes, state)


def _spatial(items: list[Item]) -> bool:
    return any(i.kind in ("place", "relation", "relation_it", "group") for i in items)


def _verb(items: list[Item], scene: Scene, state: LayoutState) -> str:
    explicit = [i.key for i in items if i.kind == "action"]
    if "move" in explicit:
        return "move"
    if explicit and "add" in explicit:
        targets = _targets(scene)
        if targets and all(state.find(_state_key(scene.things[t])) is not None for t in targets if t >= 0):
            return "move"
        return "add"
    targets = _targets(scene)
    if targets and all(state.find(_state_key(scene.things[t])) is not None for t in targets):
        return "move"
    if len(scene.things) >= 2 or any(i.kind == "question" for i in items):
        return "compose"
    return "add"


def _targets(scene: Scene) -> set[int]:
    """What the instruction places: every constraint's target, and every member of a row or column."""
    out = {c.target for c in scene.constraints if c.target >= 0}
    out |= {r for c in scene.constraints if c.kind in ("row", "column") for r in c.refs}
    return out


def _state_key(thing: Thing) -> str:
    return thing.name_en if thing.instance == 1 else f"{thing.name_en} {thing.instance}"


def _with_last_object(scene: Scene, state: LayoutState, items: list[Item]) -> Scene | None:
    """'put it on the left', 'a vase next to it': the pronoun is the conversation's last object."""
    uses_last = any(-1 in (c.target, *c.refs) for c in scene.constraints)
    if not scene.things and any(i.kind == "referent" for i in items) and not uses_last:
        uses_last = True
    if not uses_last:
        return scene
    if state.last is None:
        return None
    last = state.find(state.last)
    thing = Thing(len(scene.things), last.name, last.name_en, True, 0)
    things = [*scene.things, thing]
    constraints = [Constraint(c.kind, thing.id if c.target == -1 else c.target, c.key,
                              tuple(thing.id if r == -1 else r for r in c.refs)) for c in scene.constraints]
    return Scene(things, constraints, scene.notes)


def _describe(c: Constraint, scene: Scene) -> str:
    name = scene.things[c.target].name_en
    if c.kind == "place":
        return f"the {name} {PLACE_WORDS[c.key]}"
    if c.kind == "between":
        a, b = (scene.things[r].name_en for r in c.refs)
        return f"the {name} between the {a} and the {b}"
    if c.kind == "relation":
        return f"the {name} {RELATION_WORDS.get(c.key, c.key)} the {scene.things[c.refs[0]].name_en}"
    return f"the {name} in a {c.kind}"


def _prompt(scene: Scene) -> str:
    parts = []
    for c in scene.constraints:
        if c.kind in ("row", "column"):
            continue
        parts.append(_describe(c, scene).replace("the ", "a ", 1))
    mentioned = {c.target for c in scene.constraints} | {r for c in scene.constraints for r in c.refs}
    parts += [f"a {t.name_en}" for t in scene.things if t.id not in mentioned]
    return ", ".join(dict.fromkeys(parts))


def _object(thing: Thing, role: str, box) -> dict:
    box = tuple(round(v, 4) for v in box)
    return {"name": thing.name, "name_en": thing.name_en, "box": list(box), "cells": cells_of(box), "role": role}


def _named(name_en: str, name: str, role: str, box) -> dict:
    return _object(Thing(0, name, name_en, True, 0), role, box)


# -- refinements ----------------------------------------------------------------------------------------


def _nudge(action, lang, items, nouns, state: LayoutState, text):
    target = _referent(nouns, state)
    current = state.find(target)
    box = current.box
    for item in items:
        if item.kind == "nudge":
            box = placement.nudge(box, item.key, _amount(items))
    state = state.place(current.name, current.name_en, box)
    return _plan("move", lang, [_named(current.name_en, current.name, "target", box)], f"a {current.name_en}", 0.9,
                 [], state)


def _back(action, lang, items, nouns, state: LayoutState, text):
    target = _referent(nouns, state)
    if target is None:
        return _no_placement(lang, "nothing has been placed yet", state, "move")
    current = state.find(target)
    if current is None or not current.history:
        return _no_placement(lang, f"the {target} has no earlier position to go back to", state, "move")
    state = state.restore(current.name_en)
    placed = state.find(current.name_en)
    return _plan("move", lang, [_named(placed.name_en, placed.name, "target", placed.box)], f"a {placed.name_en}",
                 0.9, [], state)


def _replace(action, lang, items, nouns, state: LayoutState, text):
    if len(nouns) == 1:  # 'swap the sofa for a grey one': what replaces it is said in the rest of the text
        current = state.find(nouns[0].name_en)
        name = plain(current.name_en)
        objects = [_named(current.name_en, current.name, "target", current.box)]
        return _plan("replace", lang, objects, f"a {name} replacing the {name}: {text}", 0.7, [], state)
    old, new = nouns[0], nouns[1]
    current = state.find(old.name_en) or state.find(new.name_en)
    if current is None:
        return _no_placement(lang, f"the {old.name_en} has not been placed yet, so there is nothing to replace",
                             state, "replace")
    state = state.remove(current.name_en).place(new.text, new.name_en, current.box)
    objects = [_named(new.name_en, new.text, "target", current.box), _named(old.name_en, old.text, "reference",
                                                                              current.box)]
    return _plan("replace", lang, objects, f"a {new.name_en}", 0.9, [], state)


def _remove(action, lang, items, nouns, state: LayoutState, text):
    target = _referent(nouns, state)
    current = state.find(target) if target else None
    notes = []
    objects = [_named(current.name_en, current.name, "target", current.box)] if current else []
    if target and current is None:
        notes.append(f"the {target} was not placed in an earlier round: the editor must find it in the picture")
    if current:
        state = state.remove(current.name_en)
    prompt = f"remove the {target}" if target else "remove the selected object"
    return _plan("remove", lang, objects, prompt, 0.85 if current else 0.6, notes, state,
                 placement_kind="unchanged" if not objects else "planned")


def _resize(action, lang, items, nouns, state: LayoutState, text):
    target = _referent(nouns, state)
    current = state.find(target) if target else None
    if current is None:
        return _no_placement(lang, "nothing placed yet to make bigger or smaller", state, "resize")
    bigger = any(i.kind == "action" and i.key == "bigger" for i in items)
    box = placement.resize(current.box, bigger, _amount(items))
    state = state.place(current.name, current.name_en, box)
    return _plan("resize", lang, [_named(current.name_en, current.name, "target", box)], f"a {current.name_en}", 0.9,
                 [], state)


def _restyle(action, lang, items, nouns, state: LayoutState, text):
    target = nouns[0].name_en if nouns and action == "restyle" else None
    current = state.find(target) if target else None
    objects = [_named(current.name_en, current.name, "target", current.box)] if current else []
    subject = "the background" if action == "background" else f"the {target}" if target else "the picture"
    return _plan(action, lang, objects, f"{subject}: {text}", 0.7, [], state, placement_kind="unchanged")


def _plan(action, lang, objects, prompt, confidence, notes, state, placement_kind="planned"):
    plan = {"action": action, "language": lang, "placement": placement_kind, "reason": None, "objects": objects,
            "prompt_en": prompt, "confidence": round(confidence, 2), "notes": notes}
    return plan, state


def _no_placement(lang, reason, state, action="none"):
    plan = {"action": action if action in ("remove", "restyle", "background", "replace", "resize", "move") else "none",
            "language": lang, "placement": "none", "reason": reason, "objects": [], "prompt_en": "",
            "confidence": 0.3, "notes": [f"no placement: {reason}"]}
    return plan, state

