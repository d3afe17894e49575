"""The rule planner: an instruction (+ the conversation's layout state) -> a plan and the new state.

    plan, state = plan_layout("put the desk lamp on the left", EMPTY)
    plan, state = plan_layout("a bit higher", state)

Pure: no I/O, no globals that change. Steps: 1 language, 2 spot phrases, 3 pick the action and the
objects, 4 place them (absolute, relation, nudge, resize, restore), 5 build the plan, 6 update state.
"""

from __future__ import annotations

import re
import unicodedata

from layout import placement
from layout.grid import cells_of
from layout.language import detect_language
from layout.matcher import CJK, Hit, spot_nouns, spot_words
from layout.state import EMPTY, LayoutState

_FILLERS = {
    "en": {"the", "a", "an", "please", "some", "of", "in", "at", "to", "and", "with", "my", "new", "one", "put", "place", "add", "is", "there"},
    "es": {"el", "la", "los", "las", "un", "una", "de", "del", "en", "por", "favor", "y", "con"},
    "pt": {"o", "a", "os", "as", "um", "uma", "de", "do", "da", "no", "na", "em", "por", "favor", "e", "com"},
    "fr": {"le", "la", "les", "un", "une", "de", "du", "des", "dans", "s'il", "te", "plaît", "et", "avec", "l'"},
    "de": {"der", "die", "das", "den", "dem", "ein", "eine", "einen", "im", "in", "bitte", "und", "mit", "hinzu", "an"},
    "ru": {"пожалуйста", "и", "с", "в"},
    "id": {"sebuah", "seekor", "yang", "di", "ke", "tolong", "dan", "dengan", "nya"},
}
_CJK_PARTICLES = re.compile(r"[把在的一个只张请再给了を に の は が へ と で 을 를 에 의 은 는 이 가 좀 으로 로 하나 개 마리 해 줘 주세요 て ください]|一个|一只|一张|放在|放到|置いて|놓아|놓아줘")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"\s+", " ", text)


def _select(hits: list[Hit]) -> list[Hit]:
    """Non-overlapping hits, longest first, then in reading order."""
    chosen: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
        if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


def _unknown_object(text: str, hits: list[Hit], lang: str) -> Hit | None:
    """Words no table knows, between the verb and the place: an object name passed through unchanged."""
    mask = list(text)
    for h in hits:
        mask[h.start:h.end] = " " * (h.end - h.start)
    rest = "".join(mask)
    if lang in CJK:
        rest = _CJK_PARTICLES.sub(" ", rest)
        words = [w for w in re.split(r"[\s,.!?。、，！？]+", rest) if len(w) >= 1]
    else:
        fillers = _FILLERS.get(lang, set()) | _FILLERS["en"]
        words = [w for w in re.split(r"[^\w'-]+", rest) if w and w not in fillers]
        words = [w for w in words if not w.isdigit()]
    if not words:
        return None
    name = " ".join(words[:3]) if lang not in CJK else words[0]
    start = text.find(name.split(" ")[0])
    return Hit(max(0, start), max(0, start) + len(name), "noun", name, name)


def _interpret(text: str, lang: str) -> list[Hit]:
    vocab = []
    for code in dict.fromkeys([lang, "en"]):
        for hit, meanings in spot_words(text, code):
            vocab.append((hit, meanings))
    nouns = spot_nouns(text)
    hits = _select(nouns + [h for h, _ in vocab])
    meanings = {(h.start, h.end): m for h, m in vocab}
    return _disambiguate(hits, meanings, lang)


def _disambiguate(hits: list[Hit], meanings: dict, lang: str) -> list[Hit]:
    """A phrase with several meanings ('left': a place or a nudge; '左边': a place or a relation) gets the
    one its neighbours call for."""
    out = []
    for i, hit in enumerate(hits):
        options = meanings.get((hit.start, hit.end), [(hit.kind, hit.key)])
        kinds = {k for k, _ in options}
        prev = out[-1] if out else None
        nxt = hits[i + 1] if i + 1 < len(hits) else None
        chosen = options[0]
        if "relation" in kinds and "place" in kinds:
            ref_side = prev if lang in CJK else nxt
            is_rel = ref_side is not None and ref_side.kind == "noun"
            chosen = next(o for o in options if o[0] == ("relation" if is_rel else "place"))
        elif "nudge" in kinds and "place" in kinds:
            modified = prev is not None and prev.kind in ("small", "large")
            chosen = next(o for o in options if o[0] == ("nudge" if modified else "place"))
        elif "relation" in kinds and hit.kind != "relation":
            chosen = next(o for o in options if o[0] == "relation")
        out.append(Hit(hit.start, hit.end, chosen[0], chosen[1], hit.text))
    # "on the left of the picture": a relation to the picture itself is a place on it
    to_place = {"left_of": "l", "right_of": "r", "above": "t", "below": "b", "on": "t"}
    for i, h in enumerate(out):
        neighbour = (out[i - 1] if i > 0 else None) if lang in CJK else (out[i + 1] if i + 1 < len(out) else None)
        if h.kind == "relation" and h.key in to_place and neighbour is not None and neighbour.kind == "picture":
            out[i] = Hit(h.start, h.end, "place", to_place[h.key], h.text)
    # in CJK a place word right after a noun reads as a relation ('猫左边' = left of the cat)
    if lang in CJK:
        as_relation = {"l": "left_of", "r": "right_of", "t": "above", "b": "below"}
        for i in range(1, len(out)):
            h, before = out[i], out[i - 1]
            if h.kind == "place" and h.key in as_relation and before.kind == "noun" and h.start - before.end <= 1:
                out[i] = Hit(h.start, h.end, "relation", as_relation[h.key], h.text)
    return out


def _action(hits: list[Hit], nouns: list[Hit], state: LayoutState) -> str:
    actions = [h.key for h in hits if h.kind == "action"]
    kinds = {h.kind for h in hits}
    if "remove" in actions:
        return "remove"
    if "background" in kinds and not nouns and not any(h.kind in ("place", "relation") for h in hits):
        return "background"
    if "replace" in actions:
        return "replace"
    if "back" in kinds:
        return "move"
    if "bigger" in actions or "smaller" in actions:
        return "resize"
    if "background" in kinds and not any(h.kind in ("place", "relation") for h in hits):
        return "background"
    if "restyle" in actions and not any(h.kind in ("place", "relation", "nudge") for h in hits):
        return "restyle"
    if "move" in actions or "nudge" in kinds:
        return "move"
    if nouns and all(state.find(n.key) for n in nouns) and "add" not in actions:
        return "move"
    if not actions and len(nouns) >= 2 and "relation" in kinds and not state.objects:
        return "compose"
    return "add"


def _object(hit: Hit, role: str, box) -> dict:
    box = tuple(round(v, 4) for v in box)
    return {"name": hit.text, "name_en": hit.key, "box": list(box), "cells": cells_of(box), "role": role}


def _amount(hits: list[Hit]) -> str:
    kinds = {h.kind for h in hits}
    return "large" if "large" in kinds else "small" if "small" in kinds else "normal"


def plan_layout(instruction: str, state: LayoutState = EMPTY) -> tuple[dict, LayoutState]:
    """The plan for one instruction and the conversation's new layout state."""
    text = _normalise(instruction)
    lang = detect_language(text) if text else "en"
    if not text:
        return _no_placement(lang, "the instruction is empty", state)
    hits = _interpret(text, lang)
    nouns = [h for h in hits if h.kind == "noun"]
    if not nouns:
        unknown = _unknown_object(text, hits, lang)
        if unknown and any(h.kind in ("place", "relation") for h in hits) and not any(h.kind == "referent" for h in hits):
            hits = sorted([*hits, unknown], key=lambda h: h.start)
            nouns = [unknown]
    hits = [_resolve(h, state) if h.kind == "noun" else h for h in hits]
    nouns = [_resolve(n, state) for n in nouns]
    action = _action(hits, nouns, state)
    notes: list[str] = []
    handler = {"remove": _remove, "resize": _resize, "background": _restyle, "restyle": _restyle}.get(action, _place)
    return handler(action, lang, hits, nouns, state, notes, text)


def _resolve(noun: Hit, state: LayoutState) -> Hit:
    """'the lamp' after a desk lamp was placed means that desk lamp."""
    if state.find(noun.key) is not None:
        return noun
    matches = [o for o in state.objects if noun.key in o.name_en.split(" ") or o.name_en.endswith(noun.key)]
    return Hit(noun.start, noun.end, "noun", matches[0].name_en, noun.text) if len(matches) == 1 else noun


def _referent(nouns: list[Hit], state: LayoutState):
    """The object an instruction is about: a named one, else "it" / the last one placed."""
    if nouns:
        return nouns[0]
    if state.last:
        placed = state.find(state.last)
        return Hit(0, 0, "noun", placed.name_en, placed.name)
    return None


def _place(action, lang, hits, nouns, state: LayoutState, notes, text):
    relations = [h for h in hits if h.kind == "relation"]
    places = [h.key for h in hits if h.kind == "place"]
    nudges = [h.key for h in hits if h.kind == "nudge"]
    back = any(h.kind == "back" for h in hits)
    if relations and len(nouns) >= 2:
        return _relate(action, lang, hits, nouns, relations[0], state, notes)
    if relations and len(nouns) == 1 and state.last and state.last != nouns[0].key:
        # "put a vase next to it": the reference is the last placed object
        last = state.find(state.last)
        ref = Hit(0, 0, "noun", last.name_en, last.name)
        ordered = [nouns[0], ref]
        return _relate(action, lang, hits, ordered, relations[0], state, notes, target_first=True)
    to_side = {"left": "l", "right": "r", "up": "t", "down": "b"}
    if nudges and (places or action == "add" or not state.find(nouns[0].key if nouns else state.last)):
        # "leg den Teppich nach unten", "ke kanan bawah": a direction for something new, or beside a
        # place word, is a place on the picture, not a nudge
        places = [to_side[n] for n in nudges] + places
        nudges = []
    if relations and not places:  # "put the lamp left of" with nothing to be left of: a place after all
        to_place = {"left_of": "l", "right_of": "r", "above": "t", "below": "b", "on": "t"}
        places = [to_place[r.key] for r in relations if r.key in to_place]
    target = _referent(nouns, state)
    if target is None:
        return _no_placement(lang, "no object was named and nothing has been placed yet", state, action)
    current = state.find(target.key)
    if back:
        if current is None or not current.history:
            return _no_placement(lang, f"the {target.key} has no earlier position to go back to", state, action)
        state = state.restore(target.key)
        box = state.find(target.key).box
        return _plan("move", lang, [_object(target, "target", box)], f"{target.key}", 0.9, notes, state)
    if nudges and not places:
        if current is None:
            return _no_placement(lang, f"the {target.key} has not been placed yet, so it cannot move a bit", state, "move")
        box = current.box
        for direction in nudges:
            box = placement.nudge(box, direction, _amount(hits))
        state = state.place(target.text, target.key, box)
        return _plan("move", lang, [_object(target, "target", box)], _prompt(target.key, None), 0.9, notes, state)
    if not places:
        if action == "replace" and len(nouns) >= 2:
            return _replace(lang, nouns, state, notes)
        return _no_placement(lang, "nothing was said about where to put it", state, action)
    box = placement.absolute(target.key, places)
    if action == "replace" and len(nouns) >= 2:
        return _replace(lang, nouns, state, notes)
    state = state.place(target.text, target.key, box)
    confidence = 0.95 if target.key in placement.lexicon.NOUNS else 0.7
    if target.key not in placement.lexicon.NOUNS:
        notes.append(f"'{target.text}' is not in the lexicon: passed through unchanged")
    explicit_move = any(h.kind == "action" and h.key == "move" for h in hits)
    return _plan("move" if explicit_move or current else "add", lang, [_object(target, "target", box)],
                 _prompt(target.key, places), confidence, notes, state)


def _relate(action, lang, hits, nouns, relation: Hit, state: LayoutState, notes, target_first=False):
    key = relation.key
    if key == "between" and len(nouns) >= 3:
        if lang in CJK:  # 'books 和 lamp 之间 (put) vase': the references come first
            refs, target = (nouns[0], nouns[1]), nouns[2] if nouns[2].start > relation.start else nouns[0]
        else:
            after = [n for n in nouns if n.start > relation.start]
            refs = tuple(after[:2])
            target = next(n for n in nouns if n not in refs)
        boxes = [state.find(r.key).box if state.find(r.key) else None for r in refs]
        box, ref_boxes = placement.between(target.key, [r.key for r in refs], boxes)
        objects = [_object(target, "target", box)] + [_object(r, "reference", b) for r, b in zip(refs, ref_boxes)]
        for r, b in zip(refs, ref_boxes):
            state = state.place(r.text, r.key, b)
        state = state.place(target.text, target.key, box)
        prompt = f"a {target.key} between the {refs[0].key} and the {refs[1].key}"
        return _plan(_verb(action), lang, objects, prompt, 0.9, notes, state)
    if target_first:
        target, reference = nouns[0], nouns[1]
    elif lang in CJK:
        before = [n for n in nouns if n.end <= relation.start]
        reference = before[-1] if before else nouns[0]
        target = next(n for n in nouns if n is not reference)
    else:
        after = [n for n in nouns if n.start >= relation.end]
        reference = after[0] if after else nouns[-1]
        target = next(n for n in nouns if n is not reference)
    ref_state = state.find(reference.key)
    box, ref_box = placement.pair(key, target.key, reference.key, ref_state.box if ref_state else None)
    if not ref_state:
        state = state.place(reference.text, reference.key, ref_box)
    state = state.place(target.text, target.key, box)
    objects = [_object(target, "target", box), _object(reference, "reference", ref_box)]
    words = key.replace("_", " ")
    prompt = f"a {target.key} {words} a {reference.key}"
    return _plan(_verb(action), lang, objects, prompt, 0.9, notes, state)


def _verb(action: str) -> str:
    return action if action in ("add", "move", "compose") else "add"


def _replace(lang, nouns, state: LayoutState, notes):
    old, new = nouns[0], nouns[1]
    current = state.find(old.key) or state.find(new.key)
    if current is None:
        return _no_placement(lang, f"the {old.key} has not been placed yet, so there is nothing to replace", state,
                             "replace")
    state = state.remove(current.name_en).place(new.text, new.key, current.box)
    objects = [_object(new, "target", current.box), _object(old, "reference", current.box)]
    return _plan("replace", lang, objects, f"a {new.key}", 0.9, notes, state)


def _remove(action, lang, hits, nouns, state: LayoutState, notes, text):
    target = _referent(nouns, state)
    current = state.find(target.key) if target else None
    objects = [_object(target, "target", current.box)] if current else []
    if target and current is None:
        notes.append(f"the {target.key} was not placed in an earlier round: the editor must find it in the picture")
    if current:
        state = state.remove(current.name_en)
    prompt = f"remove the {target.key}" if target else "remove the selected object"
    return _plan("remove", lang, objects, prompt, 0.85 if current else 0.6, notes, state,
                 placement_kind="unchanged" if not objects else "planned")


def _resize(action, lang, hits, nouns, state: LayoutState, notes, text):
    target = _referent(nouns, state)
    current = state.find(target.key) if target else None
    if current is None:
        return _no_placement(lang, "nothing placed yet to make bigger or smaller", state, "resize")
    bigger = any(h.kind == "action" and h.key == "bigger" for h in hits)
    box = placement.resize(current.box, bigger, _amount(hits))
    state = state.place(current.name, current.name_en, box)
    return _plan("resize", lang, [_object(Hit(0, 0, "noun", current.name_en, current.name), "target", box)],
                 _prompt(current.name_en, None), 0.9, notes, state)


def _restyle(action, lang, hits, nouns, state: LayoutState, notes, text):
    target = nouns[0] if nouns and action == "restyle" else None
    current = state.find(target.key) if target else None
    objects = [_object(target, "target", current.box)] if current else []
    subject = "the background" if action == "background" else f"the {target.key}" if target else "the picture"
    return _plan(action, lang, objects, f"{subject}: {text}", 0.7, notes, state, placement_kind="unchanged")


def _prompt(name_en: str, places: list[str] | None) -> str:
    words = {"l": "on the left", "r": "on the right", "t": "at the top", "b": "at the bottom", "c": "in the centre",
             "tl": "in the top left corner", "tr": "in the top right corner", "bl": "in the bottom left corner",
             "br": "in the bottom right corner", "ut": "in the upper third", "lt": "in the lower third",
             "bg": "in the background", "fg": "in the foreground", "lc": "slightly left of centre",
             "rc": "slightly right of centre", "mr": "in the middle row", "mc": "in the middle column"}
    where = " ".join(dict.fromkeys(words[p] for p in places)) if places else ""
    return f"a {name_en} {where}".strip()


def _plan(action, lang, objects, prompt, confidence, notes, state, placement_kind="planned"):
    plan = {"action": action, "language": lang, "placement": placement_kind, "reason": None, "objects": objects,
            "prompt_en": prompt, "confidence": round(confidence, 2), "notes": notes}
    return plan, state


def _no_placement(lang, reason, state, action="none"):
    plan = {"action": action if action in ("remove", "restyle", "background", "replace", "resize", "move") else "none",
            "language": lang, "placement": "none", "reason": reason, "objects": [], "prompt_en": "",
            "confidence": 0.3, "notes": [f"no placement: {reason}"]}
    return plan, state
