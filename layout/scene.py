"""From what was read to the scene it describes: the objects (counts expanded) and the constraints between
them and on the picture, each linked to its arguments by the slots of the spatial construction.

    describe(read("a cat in the top left and a dog below it", "en"), "en")
    -> objects cat, dog; constraints place(cat, tl), relation(dog, below, cat)

Linking: a relation's reference is the nearest noun on the side the language puts it (after a preposition,
before a postposition); its target is the nearest noun on the other side, else beyond the reference
("to the left of the cat, a dog"; "把台灯放在猫的左边"). A place goes to the nearest noun of its clause.
"it" is the last object something was said about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layout.reading import Item
from layout.vocab import Vocabulary

MAX_COUNT = 12  # a grid of nine cells holds no more than a dozen of one thing in a readable layout
SKIP = {"function", "size", "count", "question", "amount", "action", "other", "relative"}
STOPS = {"punct", "conjunction"}
TO_PLACE = {"left_of": "l", "right_of": "r", "above": "t", "below": "b", "on": "t", "in_front_of": "fg",
            "behind": "bg", "next_to": "", "near": "", "inside": "c", "between": "c"}
SIDE_RELATION = {"l": "left_of", "r": "right_of", "t": "above", "b": "below"}


@dataclass
class Thing:
    id: int
    name: str  # as written
    name_en: str
    known: bool
    start: int
    count: int = 1
    size: str = "normal"  # small | normal | large
    instance: int = 1  # 1.. for counted objects
    other: bool = False  # 'another cat', 'the other basket': not the one already there


@dataclass(frozen=True)
class Constraint:
    kind: str  # relation | place | between | row | column
    target: int
    key: str = ""  # relation key or place key
    refs: tuple[int, ...] = ()


@dataclass
class Scene:
    things: list[Thing] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pronoun: bool = False  # something was called "it": the conversation's last object


def describe(items: list[Item], vocab: Vocabulary) -> Scene:
    """The scene of items already disambiguated (see `disambiguate`)."""
    scene = Scene()
    slot: dict[int, int] = {}  # item index -> thing id
    by_name: dict[str, int] = {}  # the one a plain mention means
    others: dict[str, int] = {}  # 'the other cabinet'
    second = _second_mentions(items, vocab)
    for i, item in enumerate(items):
        if item.kind != "noun":
            continue
        name = item.name_en
        other = _near(items, i, "before", {"other"}, skip={"function", "size", "count"}) is not None \
            or (i in second and name not in others)  # '另一个篮子下面的篮子': the first was the other one
        if other and name in others:
            slot[i] = others[name]
        elif other or (name in others and name not in by_name):
            # 'the basket below the other basket', '다른 캐비닛의 오른쪽에 있는 캐비닛': two of one name
            thing = Thing(len(scene.things), item.text, name, item.known, item.start,
                          instance=1 + sum(t.name_en == name for t in scene.things), other=other)
            scene.things.append(thing)
            slot[i] = thing.id
            (others if other else by_name)[name] = thing.id
        elif name in by_name:
            slot[i] = by_name[name]
        else:
            thing = Thing(len(scene.things), item.text, name, item.known, item.start)
            scene.things.append(thing)
            slot[i] = by_name[name] = thing.id
    _counts_and_sizes(items, slot, scene)
    targets: list[int] = []  # things something was said about, in order
    for i, item in enumerate(items):
        if item.kind in ("relation", "relation_it"):
            _relation(i, items, slot, scene, targets, vocab)
        elif item.kind == "group":
            _group(i, items, slot, scene, targets, vocab)
    for i, item in enumerate(items):
        if item.kind == "place":
            _place(i, items, slot, scene, targets)
    return _expand(scene)


def _second_mentions(items: list[Item], vocab: Vocabulary) -> set[int]:
    """Nouns that name a second thing of a name already said: one marked 'other' after it where heads come
    first (id 'keranjang lainnya'), and one across a relation from a noun of the same name ('какой
    автомобиль слева от машины': nothing is left of itself, so these are two cars)."""
    out = set()
    for i, item in enumerate(items):
        if item.kind == "noun" and vocab.head == "first" and i + 1 < len(items) and items[i + 1].kind == "other" \
                and any(it.kind == "noun" and it.name_en == item.name_en for it in items[:i]):
            out.add(i)
        if item.kind in ("relation", "relation_it"):
            a = _near(items, i, "before", {"noun"})
            b = _near(items, i, "after", {"noun"})
            if a is not None and b is not None and items[a].name_en == items[b].name_en:
                out.add(max(a, b))
    return out


_PHRASES: dict[tuple[str, str, str | None], tuple[str, ...]] = {}


def _contains(text: str, vocab: Vocabulary, kind: str, key: str | None = None) -> bool:
    """Whether a matched phrase contains one of the language's phrases of that kind (and key), as whole
    words where words are separated: 'at the bottom of the image' names the picture, 'between the two' a 2."""
    found = (vocab.code, kind, key)
    if found not in _PHRASES:
        _PHRASES[found] = tuple(p for p, meanings in vocab.meanings.items()
                                if any(m[0] == kind and (key is None or m[1] == key) for m in meanings))
    if vocab.boundaries == "chars":
        return any(p in text for p in _PHRASES[found])
    padded = f" {text} "
    return any(f" {p} " in padded for p in _PHRASES[found])


def _located_pictures(items: list[Item], vocab: Vocabulary) -> list[Item]:
    """A picture word that is itself located is a thing in the scene (a painting, a photo on a wall), not the
    canvas: 'the black and white picture in the bottom part of the photo' (of two picture words, the one a
    place word is of is the canvas), 'the picture near the chair', 'a lamp next to the picture' (near and
    next to say nothing about the canvas)."""
    pictures = [i for i, it in enumerate(items) if it.kind == "picture"]
    if not pictures:
        return items
    things: set[int] = set()
    if len(pictures) >= 2:
        frames = set()
        for i, item in enumerate(items):
            if item.kind == "place":
                j = _near(items, i, vocab.reference, {"picture"})
                j = j if j is not None else _near(items, i, "before" if vocab.reference == "after" else "after", {"picture"})
                if j is not None:
                    frames.add(j)
        if frames:
            things |= set(pictures) - frames
    framed = any(it.kind == "place" and _contains(it.text, vocab, "picture") for it in items)
    if framed:  # 'a picture at the bottom of the image': the place names the canvas, so the picture is a thing
        things |= {i for i in pictures if _near(items, i, "after", {"place"}) is not None
                   or _near(items, i, "before", {"place"}) is not None}
    for i, item in enumerate(items):
        if item.kind == "relation" and item.key in ("near", "next_to"):
            side = item.side or vocab.reference
            ref = _near(items, i, side, {"noun", "picture"})
            target = _near(items, i, "before" if side == "after" else "after", {"noun", "picture"})
            if ref is not None and items[ref].kind == "picture":
                things.add(ref)
            if target is not None and items[target].kind == "picture" and ref is not None and items[ref].kind == "noun":
                things.add(target)
    if not things:
        return items
    return [Item("noun", "picture", it.start, it.end, it.text, name_en="picture") if i in things else it
            for i, it in enumerate(items)]


def _named_after(items: list[Item], vocab: Vocabulary) -> list[Item]:
    """'between the two books', 'between those lamps': where a relation's reference follows it, a phrase read
    as a relation to "them" that a noun follows is a relation to that noun, and its "two" counts the noun."""
    if vocab.reference != "after":
        return items  # 'その下に犬', 'उसके नीचे एक कुत्ता': there the noun after is what is placed below "it"
    out: list[Item] = []
    for i, item in enumerate(items):
        following = _near(items, i, "after", {"noun"}) if item.kind == "relation_it" else None
        if following is None:
            out.append(item)
            continue
        out.append(Item("relation", item.key, item.start, item.end, item.text, "after", options=item.options))
        if _contains(item.text, vocab, "count", "2"):
            out.append(Item("count", "2", item.end, item.end, "", options=()))
    return out


def disambiguate(items: list[Item], vocab: Vocabulary) -> list[Item]:
    """A phrase with several meanings gets the one its neighbours call for: 'left' a place or a nudge,
    '左边' a place or a relation; a located picture word is a thing (see _located_pictures), a relation to
    "them" followed by a noun a relation to that noun (_named_after)."""
    out = _located_pictures(_named_after(list(items), vocab), vocab)
    for i, item in enumerate(out):
        kinds = {o[0] for o in item.options}
        if item.kind == "referent" and (i > 0 and out[i - 1].kind == "noun"
                                        or i + 1 < len(out) and out[i + 1].kind == "noun" and out[i + 1].start - item.end <= 1):
            # 'the person that is ...' (a relative pronoun), '那盏灯' (a demonstrative before its noun): not "it"
            out[i] = Item("function", "function", item.start, item.end, item.text, options=item.options)
            continue
        if "relation" in kinds and "place" in kinds:
            rel = next(o for o in item.options if o[0] == "relation")
            place = next(o for o in item.options if o[0] == "place")
            neighbour = _near(out, i, rel[2] or vocab.reference, {"noun", "referent", "picture"}, cross=False)
            nouns = sum(1 for it in out if it.kind in ("noun", "referent"))
            # a relation needs something on the reference side and something else to place: '球拍在左边吗'
            # (one noun) is a place, '狗在猫的左边' a relation
            related = neighbour is not None and out[neighbour].kind != "picture" and (
                nouns >= 2 or vocab.reference == "after" and abs(neighbour - i) == 1)
            # ('có gì ở trên bàn': what is on the table, one noun right after: its reference, not the top)
            use = rel if related or _relation_to_the_last(out, i, vocab) else place
            out[i] = Item(use[0], use[1], item.start, item.end, item.text, use[2], options=item.options)
        elif (item.kind == "place" and vocab.reference == "before" and item.key in SIDE_RELATION
              and i > 0 and out[i - 1].kind == "noun"):
            # '猫左边', '고양이 왼쪽': a side word right after a noun is a relation to that noun
            prev = out[i - 1]
            if item.start - prev.end <= 1 and _later_noun(out, i):
                out[i] = Item("relation", SIDE_RELATION[item.key], item.start, item.end, item.text, "before",
                              options=item.options)
        elif "nudge" in kinds and "place" in kinds:
            use = next(o for o in item.options if o[0] == ("nudge" if _by_an_amount(out, i) else "place"))
            out[i] = Item(use[0], use[1], item.start, item.end, item.text, use[2], options=item.options)
        elif (item.kind == "relation" and item.key in NUDGE_OF and _by_an_amount(out, i)
              and _near(out, i, item.side or vocab.reference, {"noun", "referent", "picture"}) is None):
            # 'أعلى قليلا' (higher, a bit): a direction with an amount and nothing to relate to is a nudge
            out[i] = Item("nudge", NUDGE_OF[item.key], item.start, item.end, item.text, options=item.options)
    return out


NUDGE_OF = {"above": "up", "below": "down", "left_of": "left", "right_of": "right"}


def _by_an_amount(items: list[Item], i: int) -> bool:
    """'थोड़ा ऊपर', 'أعلى قليلا': an amount word right before or right after."""
    return i > 0 and items[i - 1].kind == "amount" or i + 1 < len(items) and items[i + 1].kind == "amount"


def _relation_to_the_last(items: list[Item], i: int, vocab: Vocabulary) -> bool:
    """'sol üst köşede bir kedi ve altında bir köpek' (a cat in the top left and under it a dog): where the
    reference stands before the relation word, one that starts a clause after a noun, with a noun after it,
    relates that noun to what was said before (see _relation)."""
    if vocab.reference != "before" or i == 0:
        return False
    start = items[i - 1].kind == "conjunction" or items[i - 1].kind == "punct" and items[i - 1].key in COMMA
    return start and any(it.kind == "noun" for it in items[:i - 1]) and \
        _near(items, i, "after", {"noun"}, skip=SKIP | {"who"}) is not None


def _later_noun(items: list[Item], i: int) -> bool:
    """Another noun anywhere in the sentence: '猫左边放狗', '狗在猫左边' (not '台灯左边' = the lamp on the left)."""
    return any(it.kind == "noun" for j, it in enumerate(items) if j != i - 1)


def _near(items: list[Item], i: int, side: str, kinds: set[str], cross: bool = False,
          skip: set[str] = SKIP) -> int | None:
    """The nearest item of `kinds` on one side of i, passing over function words (and clause edges when
    `cross`)."""
    step = 1 if side == "after" else -1
    j = i + step
    while 0 <= j < len(items):
        kind = items[j].kind
        if kind in kinds:
            return j
        if kind in skip or (cross and kind in STOPS):
            j += step
            continue
        return None
    return None


def _counts_and_sizes(items: list[Item], slot: dict[int, int], scene: Scene) -> None:
    for i, item in enumerate(items):
        if item.kind not in ("count", "size"):
            continue
        j = _near(items, i, "after", {"noun"}, skip={"function", "size", "count"})
        if j is None:
            j = _near(items, i, "before", {"noun"}, skip={"function"})
        if j is None:
            continue
        thing = scene.things[slot[j]]
        if item.kind == "count":
            thing.count = max(1, min(MAX_COUNT, int(item.key)))
            if int(item.key) > MAX_COUNT:
                scene.notes.append(f"{item.key} {thing.name}: at most {MAX_COUNT} of one object are placed")
        else:
            thing.size = item.key


def _antecedent(targets: list[int], exclude: int | None, scene: Scene) -> int | None:
    for t in reversed(targets):
        if t != exclude:
            return t
    others = [t.id for t in scene.things if t.id != exclude]
    if others:
        return others[0]
    scene.pronoun = True
    return None


def _relation(i, items, slot, scene: Scene, targets: list[int], vocab: Vocabulary) -> None:
    item = items[i]
    side = item.side or vocab.reference
    other = "before" if side == "after" else "after"
    if item.kind == "relation_it":
        if vocab.reference == "after":
            t = _target(i, items, slot, other, None)
        else:  # 'その下に犬' (the dog below it): the noun right after, else 'and the dog, below it' the one before
            after = _near(items, i, "after", {"noun"}, skip=SKIP | {"who"})
            t = slot[after] if after is not None else _target(i, items, slot, side, None)
        ref = _antecedent(targets, t, scene)
        if t is None or ref is None:
            if t is not None:
                scene.constraints.append(Constraint("relation", t, item.key, (-1,)))  # -1: the last object placed
                targets.append(t)
            return
        scene.constraints.append(Constraint("relation", t, item.key, (ref,)))
        targets.append(t)
        return
    if side == "after" and i + 1 < len(items) and _relative_pronoun_follows(items, i):
        # 'the buildings, behind which the sky is': the noun before is the reference, the one after the target
        ref = _past_comma(items, i, "before")
        t = _near(items, i + 1, "after", {"noun"}, skip=SKIP | {"who"})
        if ref is not None and t is not None and slot[ref] != slot[t]:
            scene.constraints.append(Constraint("relation", slot[t], item.key, (slot[ref],)))
            targets.append(slot[t])
            return
    if side == "before" and vocab.subjects and _subject_clause(i, items, slot, scene, targets, vocab):
        return
    j = _near(items, i, side, {"noun", "referent", "picture"})
    if j is not None and items[j].kind == "picture":
        _place_for(i, items, slot, scene, targets, TO_PLACE.get(item.key) or "c")
        return
    if item.key == "between":
        refs = _two(items, j, side, slot)
        t = _target(i, items, slot, other, j if refs else None, exclude=set(refs))
        if len(refs) == 2 and t is not None:
            scene.constraints.append(Constraint("between", t, "between", tuple(refs)))
            targets.append(t)
        elif j is not None and items[j].kind == "noun" and _counted_two(items, j):
            # 'between the two books': the two copies of one noun are the references (see layout.plan)
            t = _target(i, items, slot, other, j)
            if t is not None:
                scene.constraints.append(Constraint("relation", t, "near", (slot[j],)))
                targets.append(t)
        elif len(refs) < 2 and (j is not None and items[j].kind == "noun" or j is None):
            # '꽃병을 가운데에', '가운데에 있는 꽃병': one thing in the middle of the picture
            _place_for(i, items, slot, scene, targets, "c")
        else:
            scene.notes.append("'between' needs two objects to be between")
        return
    if j is None and _near(items, i, side, {"place"}) is not None:
        return  # 'नीचे बाएँ कोने में', 'in the top left corner': the relation word belongs to the place
    if j is None and _relation_to_the_last(items, i, vocab):
        # 've altında bir köpek' (and under it a dog): with the reference before the relation word, a
        # relation that starts a clause relates the noun after it to the last noun before that clause
        after = _near(items, i, "after", {"noun"}, skip=SKIP | {"who"})
        last = max(k for k in range(i - 1) if items[k].kind == "noun")
        if slot[after] != slot[last]:
            scene.constraints.append(Constraint("relation", slot[after], item.key, (slot[last],)))
            targets.append(slot[after])
            return
    if j is None:  # "put the lamp to the left": a place on the picture after all
        if TO_PLACE.get(item.key):
            _place_for(i, items, slot, scene, targets, TO_PLACE[item.key])
        return
    t = _target(i, items, slot, other, j)
    if items[j].kind == "referent":
        ref = _antecedent(targets, t, scene)
        ref = -1 if ref is None else ref
    else:
        ref = slot[j]
    if t is None:
        if TO_PLACE.get(item.key) and ref != -1 and items[j].kind == "noun" and side == "before" \
                and item.key in SIDE_RELATION.values():
            # '라켓이 왼쪽에 있습니까': nothing else to place, so the one object named is on that side
            scene.constraints.append(Constraint("place", ref, TO_PLACE[item.key]))
            targets.append(ref)
        return
    # a chain attaches to the nearest noun: 'a child near the person behind the mirror' -> the person is
    # behind the mirror (how referring expressions nest; 'a cup on the table next to the lamp' is ambiguous)
    if t == ref:
        return
    scene.constraints.append(Constraint("relation", t, item.key, (ref,)))
    targets.append(t)


def _relative_pronoun_follows(items: list[Item], i: int) -> bool:
    """'the buildings, behind which the sky is', 'der Kamin, neben dem sich das Instrument befindet': the
    relation word is followed by a relative pronoun (its own last word, 'dem', when a function word and
    not the noun follows it, after a comma), not by the noun it relates to."""
    nxt = items[i + 1]
    after = items[i + 2].kind if i + 2 < len(items) else None
    if nxt.kind == "relative" and after != "noun":
        return True
    comma = i > 1 and items[i - 1].kind == "punct" and items[i - 1].key in COMMA and items[i - 2].kind == "noun"
    return comma and nxt.kind == "function" and after in ("relative", "function")


def _subject_clause(i, items, slot, scene: Scene, targets: list[int], vocab: Vocabulary) -> bool:
    """A relative clause before its noun whose subject is the other object: ko '노트북이 위에 있는 가구' =
    the furniture the laptop is on (laptop on furniture), zh '窗户在上方的动物' = the animal the window is
    above. The subject is marked (an ending on the noun, or a particle between it and the relation word),
    and only relativizers stand between the relation word and the noun it describes."""
    s = i - 1
    marked = False
    while s >= 0 and items[s].kind == "function":
        marked = marked or items[s].text in vocab.subjects
        s -= 1
    if s < 0 or items[s].kind != "noun":
        return False
    text = items[s].text
    marked = marked or any(text.endswith(e) and len(text) > len(e) for e in vocab.subjects)
    n = i + 1
    while n < len(items) and items[n].kind == "function":
        n += 1
    if not marked or n == i + 1 or n >= len(items) or items[n].kind != "noun" or slot[s] == slot[n]:
        return False
    scene.constraints.append(Constraint("relation", slot[s], items[i].key, (slot[n],)))
    targets.append(slot[s])
    return True


def _counted_two(items: list[Item], j: int) -> bool:
    """Whether the noun at j is counted as two ('the two books', '두 권의 책')."""
    k = _near(items, j, "before", {"count"}, skip={"function", "size"})
    if k is None:
        k = _near(items, j, "after", {"count"}, skip={"function", "size"})
    return k is not None and items[k].key == "2"


def _two(items, j, side, slot) -> list[int]:
    """'between the books and the lamp': the noun found and the one joined to it."""
    if j is None or items[j].kind != "noun":
        return []
    step = 1 if side == "after" else -1
    k = j + step
    joined = False
    while 0 <= k < len(items):
        kind = items[k].kind
        if kind == "noun" and joined:
            return [slot[j], slot[k]] if side == "after" else [slot[k], slot[j]]
        if kind == "conjunction" or (kind == "punct" and items[k].key in (",", "、", "，")):
            joined = True
        elif kind not in SKIP:
            break
        k += step
    return []


COMMA = {",", "，", "、"}


def _target(i, items, slot, side, ref_index, exclude: set[int] = frozenset()) -> int | None:
    """The noun a relation places: nearest on `side` (across a comma: 'the man, who is left of the bike'),
    else past the reference on the other side ('to the left of the cat, a dog'), else the noun furthest
    along that side ('right of the paintings above the table is there a mirror')."""
    j = _near(items, i, side, {"noun", "referent"}, skip=SKIP | {"who"})
    if j is None:
        j = _past_comma(items, i, side)
    if j is not None and items[j].kind == "noun" and slot[j] not in exclude:
        return slot[j]
    if ref_index is not None:
        back = "after" if side == "before" else "before"
        k = _near(items, ref_index, back, {"noun"}, cross=True, skip=SKIP | {"conjunction", "punct", "place"})
        if k is not None and slot[k] not in exclude:
            return slot[k]
        used = {slot.get(ref_index)} | set(exclude)
        rest = [k for k in (range(ref_index + 1, len(items)) if back == "after" else range(ref_index))
                if items[k].kind == "noun" and slot[k] not in used]
        if rest:
            return slot[rest[-1] if back == "after" else rest[0]]
    return None


def _past_comma(items, i, side) -> int | None:
    step = 1 if side == "after" else -1
    j = i + step
    while 0 <= j < len(items) and (items[j].kind in SKIP or items[j].kind == "punct" and items[j].key in COMMA):
        j += step
    return j if 0 <= j < len(items) and items[j].kind == "noun" else None


def _group(i, items, slot, scene: Scene, targets: list[int], vocab: Vocabulary) -> None:
    item = items[i]
    side = item.side or vocab.reference
    if item.key in ("either_side", "around"):
        j = _near(items, i, side, {"noun"})
        t = _target(i, items, slot, "before" if side == "after" else "after", j)
        if j is None and t is not None:
            # 'a sofa with a lamp on each side': the side of the thing named before
            k = next((k for k in range(len(items) - 1, -1, -1) if items[k].kind == "noun" and slot[k] != t
                      and k < i), None)
            j = k
        if j is None or t is None:
            return
        thing = scene.things[slot[j]]
        if scene.things[t].count == 1:
            scene.things[t].count = 2 if item.key == "either_side" else 4
        scene.constraints.append(Constraint(item.key, t, item.key, (thing.id,)))
        targets.append(t)
        return
    members = _clause_nouns(items, i, slot)
    if not members:
        return
    if len(members) == 1 and scene.things[members[0]].count == 1:
        scene.things[members[0]].count = 3
    scene.constraints.append(Constraint(item.key, members[0], item.key, tuple(members[1:])))
    targets.extend(members)


def _clause_nouns(items, i, slot) -> list[int]:
    found: list[int] = []
    k = i - 1
    while k >= 0 and items[k].kind != "punct" or (k >= 0 and items[k].key in (",", "、", "，")):
        if items[k].kind == "noun" and slot[k] not in found:
            found.insert(0, slot[k])
        if items[k].kind in ("relation", "place", "action"):
            break
        k -= 1
    if not found:
        j = _near(items, i, "after", {"noun"})
        found = [slot[j]] if j is not None else []
    return found


def _place(i, items, slot, scene: Scene, targets: list[int]) -> None:
    _place_for(i, items, slot, scene, targets, items[i].key)


def _place_for(i, items, slot, scene: Scene, targets: list[int], key: str) -> None:
    before = _near(items, i, "before", {"noun", "referent"}, skip=SKIP | {"place", "relation", "relation_it"})
    after = _near(items, i, "after", {"noun", "referent"}, skip=SKIP | {"place"})
    if after is None:  # 'ऊपर बाएँ कोने में एक बिल्ली' (in the top left corner a cat): past the place's own 'in'
        k = _near(items, i, "after", {"relation"}, skip=SKIP | {"place"})
        if k is not None and items[k].key == "inside":
            after = _near(items, k, "after", {"noun", "referent"}, skip=SKIP | {"place"})
    if before is not None and after is not None:
        j = before if (i - before) <= (after - i) else after
    else:
        j = before if before is not None else after
    if j is None:
        t = targets[-1] if targets else (scene.things[0].id if len(scene.things) == 1 else None)
        if t is None:
            if not scene.things:
                scene.pronoun = True
                scene.constraints.append(Constraint("place", -1, key))
            return
    elif items[j].kind == "referent":
        t = _antecedent(targets, None, scene)
        if t is None:
            scene.constraints.append(Constraint("place", -1, key))
            return
    else:
        t = slot[j]
    scene.constraints.append(Constraint("place", t, key))
    if t not in targets:
        targets.append(t)


def _expand(scene: Scene) -> Scene:
    """Counted objects become that many objects; group constraints become relations between them."""
    out = Scene(notes=scene.notes, pronoun=scene.pronoun)
    copies: dict[int, list[int]] = {}
    for thing in scene.things:
        ids = []
        for n in range(thing.count):
            ids.append(len(out.things))
            out.things.append(Thing(len(out.things), thing.name, thing.name_en, thing.known, thing.start, 1,
                                    thing.size, thing.instance + n, thing.other))
        copies[thing.id] = ids

    def first(i):
        return i if i == -1 else copies[i][0]

    for c in scene.constraints:
        if c.kind == "relation" and c.key in ("inside", "near", "next_to") and c.refs[0] != -1 \
                and len(copies[c.refs[0]]) == 2:
            # 'a car in the middle of two trees', 'a lamp next to two chairs': between them
            for t in copies[c.target]:
                out.constraints.append(Constraint("between", t, "between", tuple(copies[c.refs[0]])))
            continue
        if c.kind in ("relation", "between", "place"):
            for t in (copies[c.target] if c.target != -1 else [-1]):
                out.constraints.append(Constraint(c.kind, t, c.key, tuple(first(r) for r in c.refs)))
        elif c.kind == "either_side":
            for n, t in enumerate(copies[c.target]):
                out.constraints.append(Constraint("relation", t, ("left_of", "right_of")[n % 2], (first(c.refs[0]),)))
        elif c.kind == "around":
            sides = ("left_of", "right_of", "in_front_of", "behind")
            for n, t in enumerate(copies[c.target]):
                out.constraints.append(Constraint("relation", t, sides[n % 4], (first(c.refs[0]),)))
        elif c.kind in ("row", "column"):
            members = [x for m in (c.target, *c.refs) for x in copies[m]]
            key = "left_of" if c.kind == "row" else "above"
            for a, b in zip(members, members[1:]):
                out.constraints.append(Constraint("relation", a, key, (b,)))
            out.constraints.append(Constraint(c.kind, members[0], c.kind, tuple(members[1:])))
    return out
