"""Which object in the picture a phrase means: by name, by position or size among namesakes, or a question.

    candidates("mug", state)          -> the state's objects a noun can mean (its name, a word of it, a
                                         synonym or a kind of it for objects found in the picture)
    items, question = ground(items, state)    'the left bottle', 'la botella de la derecha', 'the bigger
                                         one' pick one of several bottles; the position words are used up
    ask(name, objects)                -> "which bottle do you mean: the one on the left, ...?"

Pure: the objects are the layout state's (layout.seen.merge put the picture's there).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from layout.grid import center
from layout.reading import Item
from layout.seen import PRODUCT, plain
from layout.state import LayoutState, Placed
from layout.wordnet import related

# English names of nouns that mean 'the thing this photo is about' ('the item', '商品', 'das Produkt')
GENERIC = {"product", "item", "object", "thing", "goods", "merchandise", "article", "commodity", "subject",
           "main object", "main product", "stuff"}
ACTING = {"remove", "move", "replace", "restyle", "bigger", "smaller"}  # actions on an object that is there
SELECTING_PLACES = {"l", "r", "t", "b", "c", "mc", "mr", "tl", "tr", "bl", "br", "fg", "bg", "lc", "rc"}
TIE = 0.02  # centres closer than this along the asked direction do not tell two objects apart


# Names object detectors use for one everyday class that WordNet keeps apart (COCO's "cup" covers mugs,
# its "cell phone" smartphones): either name finds an object labelled with the other.
ALIKE = ({"cup", "mug", "teacup", "coffee cup"}, {"couch", "sofa"}, {"tv", "television"},
         {"phone", "cell phone", "cellphone", "smartphone", "mobile phone"})


@lru_cache(maxsize=4096)
def _same_kind(word: str, name: str) -> bool:
    return any(word in group and name in group for group in ALIKE) or related(word, name)


def candidates(name_en: str, state: LayoutState) -> list[Placed]:
    """The objects a noun can mean: its exact key; else objects whose name contains it as a word ('lamp' ->
    'desk lamp'), and objects found in the picture whose name is a synonym or kind of it ('sneaker' ->
    'shoe', 'books' -> 'book'); 'the product' / 'the item' -> what the salient-object model found."""
    exact = state.find(name_en)
    if exact is not None:
        return [exact]
    word = plain(name_en)
    out = []
    for placed in state.objects:
        name = plain(placed.name_en)
        if word == name or word in name.split(" ") or name.endswith(" " + word):
            out.append(placed)
        elif placed.seen and (_same_kind(word, name) or (word in GENERIC and name == PRODUCT)):
            out.append(placed)
    if not out and word in GENERIC:
        found = [p for p in state.objects if p.seen]
        if len(found) == 1:  # 'the product' on a photo where one named object was found
            out = found
    return out


def ambiguous(name_en: str, state: LayoutState) -> list[Placed]:
    """The several objects a noun could mean ([] when it means one or none)."""
    if state.find(name_en) is not None:
        return []
    found = candidates(name_en, state)
    return found if len(found) > 1 else []


# -- picking one of several ------------------------------------------------------------------------------------
def _area(p: Placed) -> float:
    return (p.box[2] - p.box[0]) * (p.box[3] - p.box[1])


def pick(objects: list[Placed], key: str) -> Placed | None:
    """The one object a position ('l', 'tr', 'c', ...) or size ('large', 'small') word picks, or None when
    the word does not tell them apart."""
    if key in ("large", "small"):
        ranked = sorted(objects, key=_area, reverse=key == "large")
        return ranked[0] if abs(_area(ranked[0]) - _area(ranked[1])) > 0.05 * _area(ranked[0]) else None
    xs = {id(p): center(p.box)[0] for p in objects}
    ys = {id(p): center(p.box)[1] for p in objects}
    if key in ("c", "mc", "mr"):
        if len(objects) < 3:
            return None
        spread_x = max(xs.values()) - min(xs.values())
        spread_y = max(ys.values()) - min(ys.values())
        axis = xs if key == "mc" or (key == "c" and spread_x >= spread_y) else ys
        ranked = sorted(objects, key=lambda p: axis[id(p)])
        return ranked[len(ranked) // 2] if len(ranked) % 2 else None
    score = {
        "l": lambda p: xs[id(p)], "r": lambda p: -xs[id(p)], "t": lambda p: ys[id(p)], "b": lambda p: -ys[id(p)],
        "lc": lambda p: xs[id(p)], "rc": lambda p: -xs[id(p)],
        "tl": lambda p: xs[id(p)] + ys[id(p)], "tr": lambda p: -xs[id(p)] + ys[id(p)],
        "bl": lambda p: xs[id(p)] - ys[id(p)], "br": lambda p: -xs[id(p)] - ys[id(p)],
        "bg": lambda p: p.box[3], "fg": lambda p: -p.box[3],
    }.get(key)
    if score is None:
        return None
    ranked = sorted(objects, key=score)
    return ranked[0] if score(ranked[1]) - score(ranked[0]) > TIE else None


def _selector(item: Item) -> str | None:
    if item.kind == "place" and item.key in SELECTING_PLACES:
        return item.key
    if item.kind == "size":
        return item.key
    if item.kind == "action" and item.key in ("bigger", "smaller"):
        return "large" if item.key == "bigger" else "small"
    return None


def _step(items: list[Item], i: int, by: int) -> int:
    """The next item from i in direction `by` that is not a function word (-1 / len when none)."""
    i += by
    while 0 <= i < len(items) and items[i].kind == "function":
        i += by
    return i


def _targets_left(items: list[Item], after: int) -> bool:
    """Whether something after index `after` still says where the object goes."""
    return any(i.kind in ("place", "nudge", "relation", "relation_it") for i in items[after + 1:])


def _one_edit(a: str, b: str) -> bool:
    """Whether b is a with one letter added, dropped, changed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]


MIN_TYPO_LENGTH = 5  # shorter words are too close to too many others to guess at


def near_miss(word: str, lang: str) -> str | None:
    """The English name of the one known noun `word` is a typo of ('bouteile' -> bottle, 'Flashe' -> bottle);
    None when no form or several different names are one edit away."""
    from layout.names import forms

    if len(word) < MIN_TYPO_LENGTH or " " in word:
        return None
    table = forms(lang)
    names = {name for form, name in table.items()
             if form[:1] == word[:1] and abs(len(form) - len(word)) <= 1 and _one_edit(word, form)}
    return names.pop() if len(names) == 1 else None


def ground(items: list[Item], state: LayoutState, lang: str = "en") -> list[Item]:
    """Nouns that name one of several objects by a position or size word next to them, resolved to that object
    (the word is used up, so it does not also place anything); an unknown noun one typo away from a known one
    ('la bouteile') read as that one, when the picture's objects are what it is matched against."""
    if not any(p.seen for p in state.objects):
        return items
    items = [_typo(i, lang) if i.kind == "noun" and not i.known else i for i in items]
    actions = {i.key for i in items if i.kind == "action"}
    items = _between_namesakes(items, state)
    acting = bool(actions & ACTING) or any(i.kind == "nudge" for i in items)
    moving = bool(actions & {"move"}) or any(i.kind == "nudge" for i in items)
    nouns = [n for n, i in enumerate(items) if i.kind == "noun"]
    for n in nouns:
        several = ambiguous(items[n].name_en, state)
        if not several:
            continue
        is_reference = any(i.kind == "relation" and (k > n if i.side == "before" else k < n)
                           for k, i in enumerate(items))
        for by in (-1, 1):
            j = _step(items, n, by)
            if not 0 <= j < len(items):
                continue
            key = _selector(items[j])
            if key is None:
                continue
            if items[j].kind == "action" and (not actions - {items[j].key, "restyle"} or abs(j - n) > 1):
                continue  # 'make the bottle bigger', 'achica la botella': what to do, not which bottle
            if not (acting or is_reference or (by == -1 and n != nouns[0])):
                continue
            if moving and items[j].kind == "place" and not _targets_left(items, max(j, n)):
                continue  # 'move the bottle to the left': the place is where it goes
            chosen = pick(several, key)
            if chosen is not None:
                items[n] = replace(items[n], key=chosen.name_en, name_en=chosen.name_en, known=True)
                items[j] = replace(items[j], kind="function")
                break
    if not nouns and acting:
        items = _the_one(items, state, moving)
    return items


def _typo(noun: Item, lang: str) -> Item:
    name = near_miss(noun.text.strip().lower(), lang)
    return replace(noun, key=name, name_en=name, known=True) if name else noun


def _between_namesakes(items: list[Item], state: LayoutState) -> list[Item]:
    """'between the two books', 'между чашками': one name that two objects in the picture answer to, after a
    'between' word, means both of them."""
    for r, relation in enumerate(items):
        if relation.kind != "relation" or relation.key != "between":
            continue
        side = range(r + 1, len(items)) if relation.side != "before" else range(r - 1, -1, -1)
        nouns = [n for n in side if items[n].kind == "noun"][:2]
        if not nouns:
            continue
        first = nouns[0]
        several = ambiguous(items[first].name_en, state)
        second_same = len(nouns) > 1 and plain(items[nouns[1]].name_en) == plain(items[first].name_en)
        joined = len(nouns) > 1 and any(i.kind == "conjunction" for i in items[min(nouns):max(nouns)])
        if len(several) != 2 or (joined and not second_same):
            continue  # 'between the book and the lamp': two different objects
        second_same = second_same and joined
        a, b = sorted(several, key=lambda p: center(p.box))
        items = [replace(i, kind="function") if i.kind == "count" and i.key == "2" else i for i in items]
        items[first] = replace(items[first], key=a.name_en, name_en=a.name_en, known=True)
        if second_same:
            items[nouns[1]] = replace(items[nouns[1]], key=b.name_en, name_en=b.name_en, known=True)
        else:
            other = replace(items[first], key=b.name_en, name_en=b.name_en)
            joint = Item("conjunction", "conjunction", items[first].end, items[first].end, "")
            items = [*items[:first + 1], joint, other, *items[first + 1:]]
        return items
    return items


def _the_one(items: list[Item], state: LayoutState, moving: bool) -> list[Item]:
    """'remove the left one': one of the namesakes in the picture, picked by its position or size."""
    found = [p for p in state.objects if p.seen]
    by_name: dict[str, list[Placed]] = {}
    for p in found:
        by_name.setdefault(plain(p.name_en), []).append(p)
    last = plain(state.last) if state.last else None
    groups = [g for g in by_name.values() if len(g) > 1]
    pool = by_name.get(last) if last in by_name and len(by_name[last]) > 1 else (
        groups[0] if len(groups) == 1 else found)
    for j, item in enumerate(items):
        key = _selector(item)
        if key is None or item.kind == "action" and len(pool) < 2:
            continue
        if moving and item.kind == "place" and not _targets_left(items, j):
            continue
        chosen = pick(pool, key) if len(pool) > 1 else None
        if chosen is not None:
            noun = Item("noun", chosen.name_en, item.start, item.end, item.text, name_en=chosen.name_en)
            return [*items[:j], noun, *items[j + 1:]]
    return items


def _read(text: str) -> list[Item]:
    """A message's items, read as the planner reads an instruction (its language detected); [] when empty.
    Imported here: the planner imports this module."""
    from layout.language import detect_language
    from layout.reading import read
    from layout.scene import disambiguate
    from layout.vocab import normalise, vocabulary

    lowered = normalise(text)
    if not lowered:
        return []
    lang = detect_language(lowered)
    return disambiguate(read(lowered, lang, normalise(text, lower=False)), vocabulary(lang))


def choose(reply: str, name: str, state: LayoutState) -> Placed | None:
    """The answer to "which bottle do you mean?": the one object of those `name` could mean that a position
    or size word in the reply picks ('the left one', '左边那个', 'die größere'); None when it picks none."""
    several = ambiguous(name, state)
    items = _read(reply) if several else []
    for item in items:  # an answer only says which ('the left one', 'the bigger bottle'), nothing to do
        if item.kind in ("noun",) and not _same_kind(plain(item.name_en), plain(name)) or item.kind in (
                "relation", "relation_it", "nudge", "group", "background", "count") or (
                item.kind == "action" and item.key not in ("bigger", "smaller")):
            return None
    for item in items:
        key = _selector(item)
        chosen = pick(several, key) if key is not None else None
        if chosen is not None:
            return chosen
    return None


def named(instruction: str) -> tuple[str, ...]:
    """The English names of the objects an instruction names ('remove the espresso machine' ->
    ('espresso machine',)): what a detector can be asked to look for."""
    items = _read(instruction)
    return tuple(dict.fromkeys(i.name_en for i in items if i.kind == "noun" and i.known and i.name_en not in GENERIC))


def bind(items: list[Item], bound: dict[str, str]) -> list[Item]:
    """Nouns named in `bound` (English name -> the key of the object meant, from an answered question)
    resolved to that object."""
    if not bound:
        return items
    return [replace(i, key=bound[plain(i.name_en)], name_en=bound[plain(i.name_en)], known=True)
            if i.kind == "noun" and plain(i.name_en) in bound else i for i in items]


# -- asking ---------------------------------------------------------------------------------------------------
def _positions(objects: list[Placed]) -> list[str]:
    """Words telling the objects apart by where they are, in order: left to right, or top to bottom."""
    xs = [center(p.box)[0] for p in objects]
    ys = [center(p.box)[1] for p in objects]
    horizontal = max(xs) - min(xs) >= max(ys) - min(ys)
    if len(objects) == 2:
        return ["the one on the left", "the one on the right"] if horizontal else ["the top one", "the bottom one"]
    if len(objects) == 3:
        return (["the one on the left", "the one in the middle", "the one on the right"] if horizontal
                else ["the top one", "the middle one", "the bottom one"])
    side = "left" if horizontal else "top"
    ordinals = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]
    return [f"the {ordinals[k] if k < len(ordinals) else str(k + 1) + 'th'} from the {side}"
            for k in range(len(objects))]


def ask(name: str, objects: list[Placed]) -> str:
    """The question for a name several objects answer to: by their names when those differ ('the desk lamp
    or the floor lamp'), else by position ('the one on the left, the one in the middle or ...')."""
    names = [plain(p.name_en) for p in objects]
    if len(set(names)) == len(names):
        return f"which {plain(name)} do you mean: the {' or the '.join(names)}?"
    places = _positions(objects)
    listed = ", ".join(places[:-1]) + " or " + places[-1]
    example = places[0].replace("the one ", f"the {plain(name)} ")
    return (f"which {plain(name)} do you mean: {listed}? There are {len(objects)} in the picture; say which "
            f"(e.g. “{example}”) or click it with “Select object”")


__all__ = ["GENERIC", "ambiguous", "ask", "bind", "candidates", "choose", "ground", "named", "pick"]
