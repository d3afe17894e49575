"""The banner template format: every problem named with its path and what is allowed, the committed JSON
Schema kept current, nine-grid area maths, layout classes, and the template library."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.banners.library import TemplateLibrary
from pipelines.banners.template import (
    Area,
    Template,
    load_template,
    load_template_file,
    mirror_align,
    resolve_background,
    schema_json,
    templates_dir,
)
from pipelines.errors import InvalidOptions, InvalidTemplate
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "templates"


@pytest.fixture
def full() -> dict:
    return json.loads((DATA / "full.json").read_text(encoding="utf-8"))


@pytest.fixture
def minimal() -> dict:
    return json.loads((DATA / "minimal.json").read_text(encoding="utf-8"))


def problems_of(data, source: str = "t.json", **kwargs) -> list[str]:
    with pytest.raises(InvalidTemplate) as caught:
        load_template(data, source, **kwargs)
    return str(caught.value).splitlines()


def test_the_test_templates_load_with_their_defaults():
    template = load_template_file(DATA / "full.json")
    stack = template.layouts.landscape.stacks[0]
    assert [item.slot for item in stack.items] == ["badge", "headline", "subline", "price", "cta"]
    assert stack.items[1].max_lines == 3 and stack.items[3].max_lines == 2  # headline 3, others 2
    assert template.color("on_accent") == (255, 255, 255, 0xEE)
    assert template.color("#102030") == (16, 32, 48, 255)
    assert template.font_for(stack.items[0]).weight == "Bold"  # the item's weight over the role's
    assert template.font_for(stack.items[1]).case == "upper"  # the role's case

    minimal = load_template_file(DATA / "minimal.json")
    assert minimal.safe_margin == 0.06 and minimal.mirror_rtl is True
    wide_stack = minimal.layouts.wide.stacks[0]
    assert (wide_stack.align, wide_stack.valign, wide_stack.gap) == ("center", "middle", 0.02)
    assert minimal.fonts["body"].weight == "Regular"


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d.update(format=2), "t.json: format: 2 is not a template format this version reads; use 1"),
        (lambda d: d.update(id="Bold Sale"),
         "t.json: id: 'Bold Sale' is not an id: use 2–40 lowercase letters, digits and hyphens"),
        (lambda d: d.update(name=""), "t.json: name: is empty; write some text"),
        (lambda d: d["palette"].update(accent="#FFF"),
         "t.json: palette.accent: '#FFF' is not a colour: use '#RRGGBB' or '#RRGGBBAA'"),
        (lambda d: d["fonts"]["body"].update(family="comic"),
         "t.json: fonts.body.family: 'comic' is not a font family; use one of"),
        (lambda d: d["fonts"]["body"].update(weight="Heavy"),
         "t.json: fonts.body.weight: 'Heavy' is not one of Light, Regular, Medium, SemiBold, Bold, ExtraBold, Black"),
        (lambda d: d.update(background={"type": "video"}),
         "t.json: background.type: 'video' is not one of solid, gradient, pattern, studio, photo, generated"),
        (lambda d: d.update(background={"color": "text"}),
         "t.json: background.type: missing; use one of solid, gradient, pattern, studio, photo, generated"),
        (lambda d: d["background"].update(colors=["text"]), "t.json: background.colors: has 1 entry; allowed: 2–5"),
        (lambda d: d["background"].update(angle=400),
         "t.json: background.angle: 400 is out of range; allowed: at least 0 and at most 360"),
        (lambda d: d["background"].update(size=3),
         "t.json: background.size: 'size' is not a field here; allowed: type, colors, angle, kind"),
        (lambda d: d["layouts"].pop("square"),
         "t.json: layouts.square: missing; a template needs a layout for each class: wide, landscape, square, "
         "portrait"),
        (lambda d: d["layouts"].update(tall={}),
         "t.json: layouts.tall: 'tall' is not a field here; allowed: wide, landscape, square, portrait"),
        (lambda d: item(d, 1).update(slot="hedline"),
         "t.json: layouts.landscape.stacks[0].items[1].slot: 'hedline' is not one of headline, subline, price, "
         "badge, cta"),
        (lambda d: item(d, 1).update(size=[0.9, 0.1]),
         "t.json: layouts.landscape.stacks[0].items[1].size[0]: 0.9 is out of range; allowed: more than 0 and "
         "at most 0.5"),
        (lambda d: item(d, 1).update(size=[0.2, "big"]),
         "t.json: layouts.landscape.stacks[0].items[1].size[1]: 'big' is not a number"),
        (lambda d: item(d, 1).update(size=[0.2, 0.1]),
         "t.json: layouts.landscape.stacks[0].items[1].size: [0.2, 0.1]: the smallest size 0.2 is larger than "
         "the largest 0.1; write [min, max]"),
        (lambda d: item(d, 0).pop("fill"),
         "t.json: layouts.landscape.stacks[0].items[0]: shape 'pill' needs a fill colour"),
        (lambda d: d["layouts"]["landscape"]["product"].update(cells="r4c1"),
         "t.json: layouts.landscape.product.cells: 'r4c1' is not a nine-grid area: use a cell such as 'r2c3' or "
         "two cells such as 'r1c1:r3c2'; rows and columns run 1–3"),
        (lambda d: d["layouts"]["landscape"]["logo"].update(cells=None, box=[0.5, 0, 0.2, 1]),
         "t.json: layouts.landscape.logo.box: [0.5, 0, 0.2, 1] is empty or inverted; write [x0, y0, x1, y1] "
         "with x0 < x1 and y0 < y1"),
        (lambda d: d["layouts"]["landscape"]["logo"].update(box=[0, 0, 2, 1]),
         "t.json: layouts.landscape.logo.box[2]: 2 is out of range; allowed: at least -0.5 and at most 1.5"),
        (lambda d: d["layouts"]["landscape"]["logo"].update(box=[0, 0, 0.5, 0.5]),
         "t.json: layouts.landscape.logo: both cells and box; give exactly one"),
        (lambda d: d["layouts"]["landscape"]["logo"].pop("cells"),
         "t.json: layouts.landscape.logo: no area; give exactly one"),
        (lambda d: d["layouts"]["landscape"]["decorations"][0].update(opacity=3),
         "t.json: layouts.landscape.decorations[0].opacity: 3 is out of range; allowed: at least 0 and at most 1"),
        (lambda d: d["layouts"]["square"]["stacks"][0].update(items=[]),
         "t.json: layouts.square.stacks[0].items: has 0 entries; allowed: at least 1"),
        (lambda d: d.update(safe_margin="wide"), "t.json: safe_margin: 'wide' is not a number"),
        # rules across fields
        (lambda d: item(d, 1).update(color="white"),
         "t.json: layouts.landscape.stacks[0].items[1].color: 'white' is not a palette name (palette: background, "
         "text, muted, accent, on_accent); name one or write '#RRGGBB'"),
        (lambda d: d["background"].update(colors=["background", "ink"]),
         "t.json: background.colors[1]: 'ink' is not a palette name"),
        (lambda d: item(d, 2).update(font="title"),
         "t.json: layouts.landscape.stacks[0].items[2].font: 'title' is not a font role of this template; "
         "roles: headline, body"),
        (lambda d: item(d, 4).update(slot="headline"),
         "t.json: layouts.landscape.stacks[0].items[4].slot: 'headline' is already used at "
         "layouts.landscape.stacks[0].items[1]; each slot at most once per layout"),
        (lambda d: d.update(background={"type": "generated"}, style_prompt=""),
         "t.json: background.prompt: empty; a generated background needs a prompt here or a style_prompt"),
        (lambda d: d.update(background={"type": "photo", "file": "nowhere.txt"}),
         "t.json: background.file: 'nowhere.txt' is not a photo; use a .jpg, .jpeg, .png, .webp file"),
        (lambda d: d.update(background={"type": "photo", "file": "../secrets.png"}),
         "t.json: background.file: '../secrets.png' is not a relative path"),
    ],
)
def test_each_bad_field_is_named_with_what_is_allowed(full, change, expected):
    change(full)
    problems = problems_of(full)
    assert any(problem.startswith(expected) for problem in problems), problems
    assert not any("pydantic" in problem or "Value error" in problem for problem in problems)


def item(data: dict, index: int) -> dict:
    return data["layouts"]["landscape"]["stacks"][0]["items"][index]


def test_every_problem_is_listed_at_once(full):
    full["id"] = "X"
    full["palette"]["accent"] = "orange"
    item(full, 1)["slot"] = "hedline"
    item(full, 2)["font"] = "title"
    full["layouts"].pop("wide")
    problems = problems_of(full, "bold.json")
    assert len(problems) == 5, problems
    assert all(problem.startswith("bold.json: ") for problem in problems)
    for path in ("id", "palette.accent", "layouts.landscape.stacks[0].items[1].slot",
                 "layouts.landscape.stacks[0].items[2].font", "layouts.wide"):
        assert any(problem.startswith(f"bold.json: {path}: ") for problem in problems), path


def test_json_syntax_errors_name_line_and_column():
    text = '{\n  "format": 1,\n  "id": "x"\n  "name": "y"\n}'
    with pytest.raises(InvalidTemplate, match=r"^broken\.json: line 4, column 3: Expecting ',' delimiter"):
        load_template(text.encode(), "broken.json")
    with pytest.raises(InvalidTemplate, match="must be a JSON object"):
        load_template("[1, 2]", "list.json")
    assert "'id' appears 2 times" in "\n".join(problems_of('{"id": "a", "id": "b"}', "twice.json"))


def test_a_template_reads_from_bytes_with_a_bom_and_round_trips_through_its_dump(minimal):
    text = json.dumps(minimal).encode("utf-8-sig")
    template = load_template(text, "minimal.json")
    assert load_template(template.model_dump(mode="json")) == template
    assert load_template(template.model_dump()) == template  # tuples as well as lists


def test_a_photo_background_is_found_next_to_the_template(tmp_path, minimal):
    minimal["background"] = {"type": "photo", "file": "backdrop.jpg", "tint": "text"}
    template = load_template(minimal, "mine.json")  # reading a template touches no file: it is not there yet
    with pytest.raises(InvalidTemplate, match="^mine.json: background.file: 'backdrop.jpg' is not in assets/"):
        resolve_background(template, "mine.json")
    with pytest.raises(InvalidTemplate, match=f"'backdrop.jpg' is not in {tmp_path}/ or assets/templates/"):
        resolve_background(template, "mine.json", folder=tmp_path)
    assert resolve_background(template, "mine.json", photo=True).background_file() is None  # a photo stands in

    (tmp_path / "backdrop.jpg").write_bytes(b"not read at load")
    assert resolve_background(template, "mine.json", folder=tmp_path).background_file() == tmp_path / "backdrop.jpg"
    (tmp_path / "mine.json").write_text(json.dumps(minimal), encoding="utf-8")
    assert load_template_file(tmp_path / "mine.json").background_file() == tmp_path / "backdrop.jpg"
    assert template.background_file() is None  # resolving made a copy; the template read stays as it was
    assert load_template_file(DATA / "minimal.json").background_file() is None


def test_the_committed_json_schema_is_current():
    committed = (templates_dir() / "schema.json").read_text(encoding="utf-8")
    regenerate = "python -m pipelines.banners.template --schema > assets/templates/schema.json"
    assert committed == schema_json(), f"the schema is stale; run: {regenerate}"
    done = subprocess.run([sys.executable, "-m", "pipelines.banners.template", "--schema"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == committed
    schema = json.loads(committed)
    assert set(schema["required"]) >= {"format", "id", "name", "palette", "fonts", "background", "layouts"}
    assert schema["additionalProperties"] is False


# Areas: cells are thirds of the canvas, then cut to the safe area (inset = margin * min side), then mirrored.
W, H, M = 1200, 600, 0.05  # inset 30 px


@pytest.mark.parametrize(
    "area, mirror, clip, expected",
    [
        (dict(cells="r1c1"), False, True, (30, 30, 400, 200)),
        (dict(cells="r1c1"), True, True, (800, 30, 1170, 200)),
        (dict(cells="r2c2"), False, True, (400, 200, 800, 400)),
        (dict(cells="r2c2"), True, True, (400, 200, 800, 400)),
        (dict(cells="r1c1:r3c2"), False, True, (30, 30, 800, 570)),
        (dict(cells="r3c2:r1c1"), False, True, (30, 30, 800, 570)),  # corners in either order
        (dict(cells="r1c2:r3c3"), True, True, (30, 30, 800, 570)),
        (dict(cells="r1c1:r3c3"), False, False, (0, 0, 1200, 600)),
        (dict(box=(0.25, 0.5, 0.75, 1.0)), False, True, (300, 300, 900, 570)),
        (dict(box=(0.0, 0.0, 0.25, 0.5)), True, True, (900, 30, 1170, 300)),
        (dict(box=(0.55, -0.2, 1.2, 1.1)), False, False, (660, -120, 1440, 660)),
        (dict(box=(0.55, -0.2, 1.2, 1.1)), True, False, (-240, -120, 540, 660)),
        (dict(box=(0.55, -0.2, 1.2, 1.1)), False, True, (660, 30, 1170, 570)),
        (dict(box=(-0.5, 0.0, 0.01, 0.5)), False, True, (30, 30, 30, 300)),  # outside the safe area: empty
    ],
)
def test_area_pixels(area, mirror, clip, expected):
    assert Area(**area).to_pixels(W, H, M, mirror, clip=clip) == expected


@pytest.mark.parametrize("width, height", [(1000, 1000), (1201, 628), (333, 777), (3000, 600)])
def test_mirrored_cells_are_exact_mirror_images(width, height):
    for left, right in (("r1c1", "r1c3"), ("r2c1:r3c2", "r2c2:r3c3"), ("r1c2", "r1c2")):
        x0, y0, x1, y1 = Area(cells=left).to_pixels(width, height, 0.06, True)
        assert (x0, y0, x1, y1) == Area(cells=right).to_pixels(width, height, 0.06, False)


def test_mirror_align():
    assert [mirror_align(a) for a in ("start", "center", "end")] == ["end", "center", "start"]
    with pytest.raises(InvalidTemplate, match="not one of start, center, end"):
        mirror_align("left")


@pytest.mark.parametrize(
    "width, height, layout",
    [(2400, 1000, "wide"), (2399, 1000, "landscape"), (1250, 1000, "landscape"), (1249, 1000, "square"),
     (1000, 1000, "square"), (800, 1000, "square"), (799, 1000, "portrait"), (1080, 1920, "portrait"),
     (3000, 600, "wide"), (1200, 628, "landscape")],
)
def test_layout_for_picks_the_layout_class_by_aspect_ratio(width, height, layout):
    template = load_template_file(DATA / "full.json")
    assert template.layout_for(width, height) is getattr(template.layouts, layout)


# The library

def write(folder: Path, name: str, data: dict | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def with_id(data: dict, template_id: str) -> dict:
    return {**copy.deepcopy(data), "id": template_id}


def test_library_loads_builtins_and_a_users_folder(tmp_path, minimal, full):
    builtin, user = tmp_path / "builtin", tmp_path / "user"
    write(builtin, "b.json", with_id(minimal, "zeta"))
    write(builtin, "a.json", full)
    write(builtin, "schema.json", "{}")  # not a template
    write(user, "mine.json", with_id(minimal, "alpha"))
    write(user, "broken.json", '{"format": 1,')
    write(user, "taken.json", with_id(minimal, "zeta"))
    write(user, "no-photo.json", {**with_id(minimal, "lost"), "background": {"type": "photo", "file": "gone.jpg"}})
    write(user, "notes.txt", "ignored")

    library = TemplateLibrary.load(user, builtin_dir=builtin)
    assert library.ids() == ("alpha", "test-full", "zeta")
    assert [template.id for template in library.all()] == ["alpha", "test-full", "zeta"]
    assert isinstance(library.get("alpha"), Template)
    assert library.is_builtin("zeta") and not library.is_builtin("alpha")
    assert len(library.problems) == 3
    assert library.problems[0].startswith("broken.json: line 1")
    assert library.problems[1] == f"no-photo.json: background.file: 'gone.jpg' is not in {user}/ or assets/templates/"
    assert library.problems[2].startswith("taken.json: id 'zeta' is already a built-in template's")
    with pytest.raises(InvalidOptions, match="template 'nope' is not known; use one of alpha, test-full, zeta"):
        library.get("nope")


def test_a_broken_builtin_stops_the_load(tmp_path, minimal):
    minimal["layouts"].pop("portrait")
    write(tmp_path, "bad.json", minimal)
    with pytest.raises(InvalidTemplate, match="bad.json: layouts.portrait: missing"):
        TemplateLibrary.load(builtin_dir=tmp_path)
    with pytest.raises(InvalidOptions, match="does not exist"):
        TemplateLibrary.load(tmp_path / "missing", builtin_dir=tmp_path / "none")


def test_the_shipped_templates_are_valid():
    library = TemplateLibrary.load()
    assert library.problems == ()
    for template in library.all():
        for width, height in ((3000, 600), (1200, 628), (1080, 1080), (1080, 1920)):
            assert template.layout_for(width, height).stacks, template.id


def test_the_readmes_example_is_a_valid_template():
    readme = (templates_dir() / "README.md").read_text(encoding="utf-8")
    example = readme.split("## An annotated example", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    template = load_template(example, "README.md")
    assert template.id == "bold-sale" and template.layouts.landscape.stacks[0].items[1].max_lines == 3
