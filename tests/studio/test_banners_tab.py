"""The Banners tab's handlers, called as Gradio calls them (the browser test covers the page): the cut-out job,
the template gallery, the live preview, the copy table and its CSV, and a whole set made in embedded mode.
Handlers answer with {component: value} for what they change on the page."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
from PIL import Image, ImageDraw

from app import create_services
from pipelines.errors import InvalidOptions
from studio.banners_tab import build_banners_tab
from studio.settings import StudioSettings
from tests.conftest import product_photo

EN = ["en", "Summer sale", "Light linen for hot days", "$49", "-30%", "Shop now"]
DE = ["de", "Sommer-Sale", "Leichtes Leinen für heiße Tage", "49 €", "-30 %", "Jetzt kaufen"]


@pytest.fixture(scope="module")
def tab(tmp_path_factory, store, models_dir):
    """The tab as app.py builds it in the embedded mode: jobs run on the in-process worker thread; the data
    directory's models/ holds the verified test models."""
    data = tmp_path_factory.mktemp("banners-data")
    for model in models_dir.iterdir():
        if model.is_dir() and not model.name.startswith("."):
            shutil.copytree(model, data / "models" / model.name)
    settings = StudioSettings(data_dir=data)
    services = create_services(settings)
    yield built(settings, services)
    services.stop()


def built(settings, services):
    """The tab as the studio builds it (its components laid out in a page of their own)."""
    with gr.Blocks() as blocks:
        return build_banners_tab(settings, services.banners, services.templates, services.models, blocks)


def cutout_png(size=(300, 420), colour=(30, 90, 200)) -> bytes:
    """A product cut-out as a merchant exports it: an opaque bottle shape on full transparency."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rounded_rectangle((w * 0.2, h * 0.25, w * 0.8, h * 0.98), radius=w // 8, fill=(*colour, 255))
    draw.rectangle((w * 0.4, h * 0.02, w * 0.6, h * 0.3), fill=(*colour, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def text_template(tab) -> str:
    """A built-in template whose background the web process can draw (not a generated one)."""
    return next(t.id for t in tab.templates.all() if t.background.type not in ("generated", "photo"))


def preview(tab, template_id, rows, size="square", language="en", cutout=None, marketing=False, logo=None,
            photo=None, harmonize=0.35):
    """(picture, note) of the live preview; the picture is None when the last good one stays."""
    shown = tab.preview(cutout, template_id, rows, size, language, marketing, harmonize, logo, photo)
    return shown.get(tab.page.preview), shown[tab.page.preview_note]


def make_set(tab, *args):
    """Every update of a set being made, as (status, running job, results, report, zip) with None for what an
    update leaves as it was."""
    page = tab.page
    return [tuple(update.get(c) for c in (page.status, page.running, page.results, page.report, page.archive))
            for update in tab.make(*args)]


def cut_out(tab, path):
    """Every update of the product's cut-out, as (cut-out PNG, shown cut-out, status)."""
    page = tab.page
    return [tuple(update.get(c) for c in (page.cutout, page.cutout_view, page.product_status))
            for update in tab.upload_product(path)]


def test_a_png_with_transparency_is_its_own_cut_out(tab, tmp_path):
    path = tmp_path / "bottle.png"
    path.write_bytes(cutout_png())
    updates = cut_out(tab, str(path))
    assert "queued" in updates[0][2] and updates[0][0] is None
    cutout, shown, status = updates[-1]
    assert status.startswith("Cut-out ready") and "own transparency" in status
    image = Image.open(io.BytesIO(cutout))
    assert image.mode == "RGBA" and image.getextrema()[3] == (0, 255)
    assert shown.size == image.size


def test_a_photo_without_transparency_is_cut_out_by_the_model(tab, tmp_path):
    path = tmp_path / "lamp.jpg"
    product_photo((480, 360)).save(path, quality=92)
    *_, (cutout, _, status) = cut_out(tab, str(path))
    assert status.startswith("Cut-out ready"), status
    alpha = np.asarray(Image.open(io.BytesIO(cutout)).getchannel("A"))
    assert alpha.max() == 255 and alpha.min() == 0  # cropped to the product, background transparent


def test_the_gallery_shows_every_template_and_picking_one_selects_it(tab):
    update = tab.gallery(None, None, None, None)
    items = update["value"]
    assert len(items) == len(tab.templates.ids())
    names = [t.name for t in tab.templates.all()]
    assert all(caption.startswith(name) for (_, caption), name in zip(items, names))
    thumbnail = items[0][0]
    assert thumbnail.size == (360, 360)
    with_product = tab.gallery(cutout_png(), None, None, tab.templates.ids()[1])
    assert with_product["selected_index"] == 1
    assert np.any(pixels(with_product["value"][0][0]) != pixels(thumbnail))  # the product is in the thumbnails
    template_id = tab.pick_template(SimpleNamespace(index=2))
    assert template_id == tab.templates.ids()[2]
    chosen = tab.choose_template(template_id)
    assert tab.templates.get(template_id).name in chosen[tab.page.template_info]
    assert chosen[tab.page.gallery]["selected_index"] == 2  # a template chosen by name is marked in the gallery
    assert chosen[tab.page.generated]["visible"] is (tab.templates.get(template_id).background.type == "generated")


def test_the_preview_follows_template_size_and_language(tab):
    template_id = text_template(tab)
    rows = [EN, DE]
    square, note = preview(tab, template_id, rows, "square", "en", cutout_png())
    assert square.size == (1080, 1080) and "square 1080×1080 · en" in note
    landscape, _ = preview(tab, template_id, rows, "landscape", "en", cutout_png())
    assert landscape.size == (1200, 628)
    german, note = preview(tab, template_id, rows, "square", "de", cutout_png())
    assert "· de" in note and np.any(pixels(german) != pixels(square))
    other = next(t for t in tab.templates.ids() if t != template_id)
    assert np.any(pixels(preview(tab, other, rows, "square", "en", cutout_png())[0]) != pixels(square))
    edited, _ = preview(tab, template_id, [[*EN[:1], "Winter sale", *EN[2:]], DE], "square", "en", cutout_png())
    assert np.any(pixels(edited) != pixels(square))
    wide, _ = preview(tab, template_id, rows, "etsy-banner", "en")  # 3360×840, shown smaller
    assert wide.size == (1200, 300)
    custom, note = preview(tab, template_id, rows, "640x400", "en")
    assert custom.size == (640, 400) and "640x400" in note


def test_a_marketing_preview_has_no_copy(tab):
    template_id = text_template(tab)
    with_text, _ = preview(tab, template_id, [EN], cutout=cutout_png())
    without, note = preview(tab, template_id, [EN], cutout=cutout_png(), marketing=True)
    assert np.any(pixels(with_text) != pixels(without)) and "· en" not in note


def test_copy_that_does_not_fit_is_shown_next_to_the_preview(tab):
    long = " ".join(["Extraordinarily"] * 12)
    image, note = preview(tab, text_template(tab), [["en", long, "", "", "", ""]], "landscape", "en")
    assert image is None  # the last good preview stays
    assert note.startswith("⚠ Preview not updated") and "headline" in note and "Traceback" not in note
    image, note = preview(tab, text_template(tab), [["xx", "Hello", "", "", "", ""]], "square", "xx")
    assert "row 2, column language: 'xx' is not known" in note


def test_a_csv_fills_the_table_and_the_table_downloads_as_csv(tab, tmp_path):
    upload = tmp_path / "copy.csv"
    upload.write_text("Language;Headline;Price\nen;Summer sale;$49\nfr;Soldes d'été;49 €\n", encoding="utf-8-sig")
    rows = tab.load_copy(str(upload))
    assert rows == [["en", "Summer sale", "", "$49", "", ""], ["fr", "Soldes d'été", "", "49 €", "", ""]]
    download = tab.copy_csv(rows)
    assert download.endswith("copy.csv") and tab.load_copy(download) == rows


def test_a_bad_csv_names_the_row_and_column(tab, tmp_path):
    upload = tmp_path / "copy.csv"
    upload.write_text("language,headline\nen,Summer sale\nxx,Hello\nen,Again\n", encoding="utf-8")
    with pytest.raises(InvalidOptions) as caught:
        tab.load_copy(str(upload))
    assert "row 3, column language: 'xx' is not known" in str(caught.value)
    assert "row 4, column language: 'en' is already on row 2" in str(caught.value)
    upload.write_text("language,title\nen,Summer sale\n", encoding="utf-8")
    with pytest.raises(InvalidOptions, match="'title' is not a copy column"):
        tab.load_copy(str(upload))


def test_the_preview_lists_follow_the_sizes_and_the_languages(tab):
    update = tab.size_choices(["square", "story"], "1500x500", "story")
    assert [value for _, value in update["choices"]] == ["square", "story", "1500x500"] and update["value"] == "story"
    update = tab.size_choices([], "", "story")
    assert len(update["choices"]) == len(tab_sizes()) and update["value"] == "story"
    update = tab.language_choices([EN, DE, ["", "", "", "", "", ""]], "fr")
    assert update["choices"] == ["en", "de"] and update["value"] == "en"


def tab_sizes():
    from pipelines.banners.sizes import SIZES

    return SIZES


def test_make_banners_gives_every_size_and_language_in_a_zip(tab):
    updates = make_set(tab, cutout_png(), text_template(tab), ["square", "landscape"], "600x400", [EN, DE], False, 0.35,
                   None, None, "jpeg")
    statuses = [u[0] for u in updates]
    assert statuses[0] == "Making 6 banners · queued"
    status, running, gallery, report, archive = updates[-1]
    assert status == "6 of 6 banners ready." and running is None
    assert [caption for _, caption in gallery] == ["square · en", "square · de", "landscape · en", "landscape · de",
                                                   "600x400 · en", "600x400 · de"]
    assert Image.open(gallery[2][0]).size == (1200, 628)
    with zipfile.ZipFile(archive) as bundle:
        images = [n for n in bundle.namelist() if n.endswith(".jpg")]
        assert len(images) == 6 and {"report.csv", "copy.csv"} <= set(bundle.namelist())
    assert [row[:2] for row in report][:2] == [["square", "en"], ["square", "de"]]


def test_marketing_images_are_one_per_size_without_copy(tab):
    *_, (status, _, gallery, report, archive) = make_set(tab, cutout_png(), text_template(tab), ["square"], "640x400",
                                                     [EN], True, 0.35, None, None, "png")
    assert status == "2 of 2 marketing images ready." and [c for _, c in gallery] == ["square", "640x400"]
    with zipfile.ZipFile(archive) as bundle:
        assert len([n for n in bundle.namelist() if n.endswith(".png")]) == 2


def test_a_banner_whose_copy_does_not_fit_is_reported_and_the_rest_made(tab):
    long = ["de", " ".join(["Sommerschlussverkaufsaktionswochen"] * 4), "", "", "", ""]
    *_, (status, _, gallery, report, _) = make_set(tab, cutout_png(), text_template(tab), ["landscape"], "", [EN, long],
                                               False, 0.35, None, None, "jpeg")
    assert status.startswith("1 of 2 banners ready.") and "could not be made" in status
    assert [c for _, c in gallery] == ["landscape · en"]
    assert report[1][3].startswith("not made:") and "headline" in report[1][3]


def test_making_needs_a_product_a_template_and_a_size(tab):
    with pytest.raises(InvalidOptions, match="upload a product photo first"):
        list(tab.make(None, text_template(tab), ["square"], "", [EN], False, 0, None, None, "jpeg"))
    with pytest.raises(InvalidOptions, match="tick at least one size"):
        list(tab.make(cutout_png(), text_template(tab), [], "", [EN], False, 0, None, None, "jpeg"))
    with pytest.raises(InvalidOptions, match="'12x12' is out of range"):
        list(tab.make(cutout_png(), text_template(tab), ["square"], "12x12", [EN], False, 0, None, None, "jpeg"))


def test_a_running_set_can_be_cancelled(tab):
    sizes = ["square", "story", "etsy-banner", "amazon-store-hero", "hero", "portrait"]
    updates = tab.make(cutout_png(), text_template(tab), sizes, "", [EN, DE], False, 0, None, None, "png")
    first = next(updates)
    status, job_id = first[tab.page.status], first[tab.page.running]
    assert status == "Making 12 banners · queued" and job_id
    assert tab.banners.job(job_id).options["edit_model"] == tab.settings.edit_model  # the studio's own editor
    assert tab.cancel(job_id) == "Cancelling…"
    *_, last = updates
    assert last == {tab.page.status: "Cancelled; nothing was made.", tab.page.running: None}  # results untouched
    assert tab.cancel(None) == "Nothing is running."


def test_a_logo_and_a_background_photo_show_in_the_preview_and_the_set(tab, tmp_path):
    template_id = text_template(tab)
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (300, 100), (250, 200, 0, 255)).save(logo)
    plain, _ = preview(tab, template_id, [EN], cutout=cutout_png(), harmonize=0)
    with_logo, _ = preview(tab, template_id, [EN], cutout=cutout_png(), logo=str(logo), harmonize=0)
    assert 0 < np.any(pixels(with_logo) != pixels(plain), axis=2).mean() < 0.1  # a corner, not the whole banner

    # a template with a photo background takes the merchant's photo instead of its own
    photo_template = next(t.id for t in tab.templates.all() if t.background.type == "photo")
    photo = tmp_path / "beach.jpg"
    product_photo((900, 600), colour=(240, 220, 180), background=(40, 120, 200)).save(photo, quality=90)
    own, _ = preview(tab, photo_template, [EN], cutout=cutout_png(), harmonize=0)
    on_photo, _ = preview(tab, photo_template, [EN], cutout=cutout_png(), logo=str(logo), photo=str(photo),
                          harmonize=0)
    assert np.any(pixels(on_photo) != pixels(own), axis=2).mean() > 0.3
    *_, (status, _, gallery, _, _) = make_set(tab, cutout_png(), photo_template, ["square"], "", [EN], False, 0,
                                          str(logo), str(photo), "png")
    made = pixels(Image.open(gallery[0][0]))
    assert status == "1 of 1 banners ready." and np.abs(made - pixels(on_photo)).mean() < 2  # as previewed


def test_a_users_template_with_its_own_photo_is_made_as_previewed(tmp_path):
    """A template from STUDIO_TEMPLATES_DIR whose photo sits beside it: the set is made (the photo travels
    with the job) and looks like the preview."""
    folder = tmp_path / "my-templates"
    folder.mkdir()
    source = Path(__file__).resolve().parents[1] / "data" / "templates_jobs"
    for name in ("jobs-photo.json", "jobs-wall.png"):
        shutil.copy(source / name, folder / name)
    settings = StudioSettings(data_dir=tmp_path / "data", templates_dir=folder)
    services = create_services(settings)
    try:
        tab = built(settings, services)
        shown, _ = preview(tab, "jobs-photo", [EN], cutout=cutout_png(), harmonize=0)
        *_, (status, _, gallery, _, _) = make_set(tab, cutout_png(), "jobs-photo", ["square"], "", [EN], False, 0,
                                              None, None, "png")
        assert status == "1 of 1 banners ready.", status
        assert np.abs(pixels(Image.open(gallery[0][0])) - pixels(shown)).mean() < 2
    finally:
        services.stop()
