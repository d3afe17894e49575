"""Banner jobs: the schema's messages, and whole sets made by the embedded worker (the real u2netp, the
real renderer and fonts) — every size x language in one zip, one banner that cannot be made failing alone."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.banners.template import load_template_file, templates_dir
from pipelines.errors import InvalidOptions, InvalidTemplate
from tests.conftest import encode, product_photo
from workers.banners import BannerJobs, BannersJob, BannersSummary, own_photo
from workers.embedded import EmbeddedQueue
from workers.errors import IdempotencyConflict

TEMPLATES = Path(__file__).resolve().parents[1] / "data" / "templates_jobs"
PLAIN = load_template_file(TEMPLATES / "jobs-plain.json").model_dump(mode="json")
# the product's own colours: none of them is in the template's palette
QUADRANTS = ((255, 0, 255), (0, 200, 90), (250, 120, 0), (40, 90, 255))


def rgba_product(size=(300, 400)) -> Image.Image:
    """A cut-out with real transparency: four flat colour blocks on a fully transparent ground."""
    w, h = size
    pixels = np.zeros((h, w, 4), np.uint8)
    top, left, bottom, right = h // 8, w // 8, h * 7 // 8, w * 7 // 8
    midx, midy = w // 2, h // 2
    for (y0, y1, x0, x1), colour in zip(((top, midy, left, midx), (top, midy, midx, right),
                                         (midy, bottom, left, midx), (midy, bottom, midx, right)), QUADRANTS):
        pixels[y0:y1, x0:x1, :3] = colour
        pixels[y0:y1, x0:x1, 3] = 255
    return Image.fromarray(pixels, "RGBA")


def job(**fields) -> BannersJob:
    values = dict(template=PLAIN, sizes=["square"], copies=[{"language": "en", "headline": "Summer sale"}])
    return BannersJob.parse(**{**values, **fields})


@pytest.mark.parametrize("fields, message", [
    (dict(sizes=["huge"]), "sizes: size 'huge' is not known; use one of landscape, square"),
    (dict(sizes=["50x50"]), "size '50x50' is out of range: each side must be 200–6000 px"),
    (dict(sizes=[]), "sizes: List should have at least 1 item"),
    (dict(copies=[{"language": "xx", "headline": "Hi"}]), "copies[0].language: language 'xx' is not known; known: en"),
    (dict(copies=[{"language": "de", "headline": "A"}, {"language": "DE", "headline": "B"}]),
     "copies[1].language: 'de' is given twice; one copy per language"),
    (dict(copies=[{"language": "en", "subline": "no headline"}]),
     "copies[0].headline (en): empty; every language needs a headline"),
    (dict(copies=[{"language": "en", "headline": "x" * 201}]), "copies.0.headline: String should have at most 200"),
    (dict(copies=[{"language": "en", "headline": "Hi", "title": "?"}]), "copies.0.title: Extra inputs are not"),
    (dict(copies=[]), "copies: no copy given; give at least one language with a headline"),
    (dict(text=False), "copies: marketing images (text=false) carry no copy; leave the copy out"),
    (dict(harmonize=2), "harmonize: Input should be less than or equal to 1"),
    (dict(format="gif"), "format: Input should be 'jpeg' or 'png'"),
    (dict(model="nope"), "model: unknown segmentation model 'nope'; available: u2netp"),
    (dict(edit_model="nope"), "edit_model: unknown editor 'nope'; available: sd15, sdxl, tiny"),
    (dict(num_inference_steps=0), "num_inference_steps: Input should be greater than or equal to 1"),
])
def test_bad_fields_are_named_with_what_is_allowed(fields, message):
    with pytest.raises(InvalidOptions) as error:
        job(**fields)
    assert message in str(error.value)


def test_every_problem_of_the_sizes_and_copies_at_once():
    with pytest.raises(InvalidOptions) as error:
        job(sizes=["huge"], copies=[{"language": "xx", "headline": "Hi"}])
    assert "size 'huge'" in str(error.value) and "language 'xx'" in str(error.value)


def test_a_broken_template_lists_every_problem():
    broken = {**PLAIN, "id": "Bad Id", "layouts": {**PLAIN["layouts"], "portrait": None}}
    with pytest.raises(InvalidTemplate) as error:
        job(template=broken)
    lines = str(error.value).splitlines()
    assert any("id: 'Bad Id' is not an id" in line for line in lines)
    assert any("layouts.portrait" in line for line in lines)


def test_a_users_photo_background_travels_with_the_job():
    """A template from the user's folder whose photo lies beside it: workers only have assets/templates/, so
    the photo goes along as the job's photo input and stands in for the file."""
    template = load_template_file(TEMPLATES / "jobs-photo.json")
    definition = template.model_dump(mode="json")
    with pytest.raises(InvalidTemplate, match="'jobs-wall.png' is not in assets/templates/"):
        job(template=definition)
    photo = own_photo(template)
    assert photo == (TEMPLATES / "jobs-wall.png").read_bytes()
    assert job(template=definition, photo=photo).plan(photo).template.background.type == "photo"
    assert own_photo(load_template_file(Path(templates_dir()) / "natural-linen.json")) is None  # workers have it


def test_defaults_and_the_queue_family():
    banners = job()
    assert banners.effective_harmonize == 0.0
    marketing = job(text=False, copies=[])
    assert marketing.effective_harmonize == 0.35 and marketing.plan().copies is None
    assert banners.plan().family(banners.model) == "salient"
    generated = job(template={**PLAIN, "background": {"type": "generated", "prompt": "a marble table"}})
    assert generated.plan().family(generated.model) == "diffusion"
    assert banners.plan().copies[0].language == "en"
    assert job(copies=[{"language": "ZH-hans", "headline": "夏季特卖"}]).plan().copies[0].language == "zh-Hans"


# -- whole sets on the embedded worker ---------------------------------------------------------------

@pytest.fixture
def banner_jobs(runtime):
    queue = EmbeddedQueue(runtime).start()
    yield BannerJobs(runtime.store, queue)
    queue.stop(timeout=60)


def wait(jobs: BannerJobs, job_id: str, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while not (record := jobs.job(job_id)).terminal:
        assert time.monotonic() < deadline, f"still {record.state}: {record.message}"
        time.sleep(0.05)
    return record


def test_a_set_of_sizes_by_languages_in_one_zip(banner_jobs):
    copies = [{"language": "en", "headline": "Summer sale", "subline": "Light linen for hot days", "price": "$49"},
              {"language": "de", "headline": "Sommerschlussverkauf", "price": "49 €"},
              {"language": "ar", "headline": "تخفيضات الصيف", "price": "٤٩ $"}]
    banners = job(sizes=["square", "landscape", "story"], copies=copies, format="png")
    _, job_id, created = banner_jobs.submit_banners("", banners, encode(rgba_product()))
    assert created
    record = wait(banner_jobs, job_id)
    assert record.state == "done", record.error
    assert record.step == record.total_steps == 1 + 9  # the cut-out, then one step per banner

    data, summary = banner_jobs.output(job_id)
    assert summary["file_name"] == "jobs-plain-banners.zip" and summary["media_type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    expected = {f"{size}/jobs-plain-{size}-{language}.png" for size in ("square", "landscape", "story")
                for language in ("en", "de", "ar")}
    assert set(archive.namelist()) == expected | {"report.csv", "copy.csv"}
    report = list(csv.DictReader(io.StringIO(archive.read("report.csv").decode())))
    assert [r["size"] for r in report] == ["square"] * 3 + ["landscape"] * 3 + ["story"] * 3
    assert {(r["width"], r["height"]) for r in report if r["size"] == "story"} == {("1080", "1920")}
    assert all(r["error"] == "" and r["file"] in expected for r in report)
    assert "Sommerschlussverkauf" in archive.read("copy.csv").decode()

    for name in sorted(expected):
        banner = np.asarray(Image.open(io.BytesIO(archive.read(name))).convert("RGB"))
        width, height = (1080, 1920) if name.startswith("story") else (1080, 1080) if name.startswith("square") \
            else (1200, 628)
        assert banner.shape == (height, width, 3)
        # the product's own pixels are in the banner unchanged (no text, no tint over them): each flat block
        # of the cut-out shows up as a patch of exactly its colour
        for colour in QUADRANTS:
            exact = np.all(banner == colour, axis=-1).sum()
            assert exact > 0.005 * width * height, f"{name}: the product colour {colour} is not there unchanged"


def test_copy_too_long_fails_only_its_own_banners(banner_jobs):
    long = " ".join(["Unbelievably" + "extraordinarily" * 5 + "longwords"] * 2)
    banners = job(sizes=["square", "landscape"], copies=[{"language": "en", "headline": "Summer sale"},
                                                         {"language": "de", "headline": long}])
    _, job_id, _ = banner_jobs.submit_banners("", banners, encode(rgba_product()))
    record = wait(banner_jobs, job_id)
    assert record.state == "done", record.error
    summary = BannersSummary.from_dict(record.result)
    assert summary.made == 2 and summary.failed == 2 and summary.template == "jobs-plain"
    failed = [b for b in summary.banners if b.error]
    assert {(b.size, b.language) for b in failed} == {("square", "de"), ("landscape", "de")}
    assert all("headline" in b.error and "does not fit" in b.error and b.file == "" for b in failed)
    archive = zipfile.ZipFile(io.BytesIO(banner_jobs.output(job_id)[0]))
    assert sorted(n for n in archive.namelist() if n.endswith(".jpg")) == [
        "landscape/jobs-plain-landscape-en.jpg", "square/jobs-plain-square-en.jpg"]
    report = archive.read("report.csv").decode()
    assert "does not fit" in report


def test_a_set_where_nothing_fits_fails_with_the_reason(banner_jobs):
    long = " ".join(["Unbelievably" + "extraordinarily" * 5 + "longwords"] * 2)
    banners = job(copies=[{"language": "en", "headline": long}])
    _, job_id, _ = banner_jobs.submit_banners("", banners, encode(rgba_product()))
    record = wait(banner_jobs, job_id)
    assert record.state == "failed"
    assert record.error.startswith("none of the 1 banners could be made: ") and "does not fit" in record.error


def test_marketing_images_and_a_photo_without_transparency(banner_jobs):
    """A plain product photo is cut out with the segmentation model; marketing images carry no copy."""
    banners = job(text=False, copies=[], sizes=["square", "1500x500"])
    _, job_id, _ = banner_jobs.submit_banners("", banners, encode(product_photo((480, 360)), "JPEG"))
    record = wait(banner_jobs, job_id)
    assert record.state == "done", record.error
    archive = zipfile.ZipFile(io.BytesIO(banner_jobs.output(job_id)[0]))
    assert sorted(archive.namelist()) == ["1500x500/jobs-plain-1500x500.jpg", "report.csv",
                                          "square/jobs-plain-square.jpg"]
    wide = Image.open(io.BytesIO(archive.read("1500x500/jobs-plain-1500x500.jpg")))
    assert wide.size == (1500, 500)
    assert [b["language"] for b in record.result["banners"]] == ["", ""]


def test_a_cut_out_job(banner_jobs):
    job_id = banner_jobs.submit_cutout("", encode(product_photo((480, 360)), "JPEG"))
    record = wait(banner_jobs, job_id)
    assert record.state == "done", record.error
    png, summary = banner_jobs.output(job_id)
    cutout = Image.open(io.BytesIO(png))
    assert cutout.mode == "RGBA" and summary["media_type"] == "image/png"
    alpha = np.asarray(cutout.getchannel("A"))
    assert cutout.width < 480 and cutout.height < 360  # cropped to the product
    assert alpha[alpha.shape[0] // 2, alpha.shape[1] // 2] == 255 and alpha[0, 0] < 128


def test_the_same_idempotency_key_gives_the_same_set(banner_jobs):
    first = banner_jobs.submit_banners("alice", job(), encode(rgba_product()), idempotency_key="k1", fingerprint="a")
    again = banner_jobs.submit_banners("alice", job(), encode(rgba_product()), idempotency_key="k1", fingerprint="a")
    assert first[2] and not again[2] and first[:2] == again[:2]
    with pytest.raises(IdempotencyConflict):
        banner_jobs.submit_banners("alice", job(), encode(rgba_product()), idempotency_key="k1", fingerprint="b")
