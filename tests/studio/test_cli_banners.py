"""`studio banners` and `studio templates` as a user runs them: a subprocess, files in, a zip out."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from pipelines import ModelStore
from tests.conftest import product_photo
from tests.workers.test_banners_job import rgba_product

TEMPLATES = Path(__file__).resolve().parents[1] / "data" / "templates_jobs"
TOO_LONG = " ".join(["Unbelievably" + "extraordinarily" * 5 + "longwords"] * 2)


def studio(*args, data_dir, templates_dir=TEMPLATES, **env_vars):
    env = {**os.environ, "STUDIO_DATA_DIR": str(data_dir), "STUDIO_TEMPLATES_DIR": str(templates_dir), **env_vars}
    done = subprocess.run([sys.executable, "-m", "studio", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_banners_in_sizes_and_languages_with_one_that_does_not_fit(tmp_path, data_dir):
    rgba_product().save(tmp_path / "bottle.png")
    (tmp_path / "copy.csv").write_text(f"language,headline,price\nen,Summer sale,$49\nar,تخفيضات الصيف,٤٩ $\n"
                                       f"de,{TOO_LONG},49 €\n", encoding="utf-8")
    out = tmp_path / "out" / "banners.zip"
    done = studio("banners", "--template", "jobs-plain", "--product", tmp_path / "bottle.png", "--sizes",
                  "square,story", "--copy", tmp_path / "copy.csv", "--out", out, data_dir=data_dir)
    assert done.returncode == 1, done.stderr  # the German headline does not fit
    lines = done.stdout.splitlines()
    assert len(lines) == 6
    assert lines[0].split() == ["square", "en", "ok", "→", "square/jobs-plain-square-en.jpg"]
    assert lines[1].split()[:3] == ["square", "ar", "ok"]
    assert lines[2].split()[:3] == ["square", "de", "FAILED"] and "does not fit" in lines[2]
    assert "4 made, 2 failed" in done.stderr
    archive = zipfile.ZipFile(out)
    assert sorted(n for n in archive.namelist() if n.endswith(".jpg")) == [
        "square/jobs-plain-square-ar.jpg", "square/jobs-plain-square-en.jpg",
        "story/jobs-plain-story-ar.jpg", "story/jobs-plain-story-en.jpg"]
    assert Image.open(io.BytesIO(archive.read("story/jobs-plain-story-en.jpg"))).size == (1080, 1920)
    report = list(csv.DictReader(io.StringIO(archive.read("report.csv").decode())))
    assert [r["language"] for r in report if r["error"]] == ["de", "de"]
    assert not list(out.parent.glob("*.part"))


def test_one_language_from_flags_marketing_images_and_a_folder_as_out(tmp_path, data_dir):
    product_photo((480, 360)).save(tmp_path / "lamp.jpg")  # no transparency: cut out with u2netp
    done = studio("banners", "--template", TEMPLATES / "jobs-plain.json", "--product", tmp_path / "lamp.jpg",
                  "--sizes", "landscape", "--language", "en", "--headline", "New lamp", "--format", "png",
                  "--out", tmp_path, data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert zipfile.ZipFile(tmp_path / "jobs-plain-banners.zip").namelist()[0] == \
        "landscape/jobs-plain-landscape-en.png"
    done = studio("banners", "--template", "jobs-plain", "--product", tmp_path / "lamp.jpg", "--sizes", "square",
                  "--marketing", "--out", tmp_path / "marketing.zip", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["square", "-", "ok", "→", "square/jobs-plain-square.jpg"]


def test_nothing_made_writes_no_zip(tmp_path, data_dir):
    rgba_product().save(tmp_path / "bottle.png")
    done = studio("banners", "--template", "jobs-plain", "--product", tmp_path / "bottle.png", "--sizes", "square",
                  "--language", "en", "--headline", TOO_LONG, "--out", tmp_path / "b.zip", data_dir=data_dir)
    assert done.returncode == 1 and "0 made, 1 failed; nothing written" in done.stderr
    assert not (tmp_path / "b.zip").exists()


def test_bad_arguments_exit_2_with_one_line(tmp_path, data_dir):
    rgba_product().save(tmp_path / "bottle.png")
    common = ("--product", tmp_path / "bottle.png", "--language", "en", "--headline", "Hi", "--out",
              tmp_path / "b.zip")
    done = studio("banners", "--template", "nope", "--sizes", "square", *common, data_dir=data_dir)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "template 'nope' is not known; use one of ai-scene" in done.stderr and "jobs-plain" in done.stderr
    done = studio("banners", "--template", "jobs-plain", "--sizes", "square,huge", *common, data_dir=data_dir)
    assert done.returncode == 2 and "size 'huge' is not known; use one of landscape" in done.stderr
    done = studio("banners", "--template", TEMPLATES / "broken" / "broken.json", "--sizes", "square", *common,
                  data_dir=data_dir)
    assert done.returncode == 2 and "broken.json: layouts.portrait: missing" in done.stderr
    assert not (tmp_path / "b.zip").exists()


def test_templates_list_and_check(tmp_path, data_dir):
    listed = studio("templates", "list", data_dir=data_dir)
    assert listed.returncode == 0
    rows = {line.split()[0]: line for line in listed.stdout.splitlines()[1:]}
    assert "bold-sale" in rows and "(yours)" in rows["jobs-plain"] and "solid" in rows["jobs-plain"]

    good = studio("templates", "check", TEMPLATES / "jobs-plain.json", data_dir=data_dir)
    assert good.returncode == 0 and good.stdout.strip() == "jobs-plain.json: valid"
    bad = studio("templates", "check", TEMPLATES / "broken" / "broken.json", data_dir=data_dir)
    assert bad.returncode == 1
    problems = bad.stdout.strip().splitlines()
    assert len(problems) >= 4 and all(p.startswith("broken.json: ") for p in problems)
    assert any("'hedline' is not one of headline" in p for p in problems)
    assert any("'r4c1' is not a nine-grid area" in p for p in problems)
    (tmp_path / "not.json").write_text("{ nope", encoding="utf-8")
    syntax = studio("templates", "check", tmp_path / "not.json", data_dir=data_dir)
    assert syntax.returncode == 1 and "line 1, column 3" in syntax.stdout


def test_a_generated_background_without_its_model_says_which_and_how(tmp_path, data_dir):
    if ModelStore(data_dir / "models").editor_installed("sd15"):
        pytest.skip("sd15 is installed here: the template would really be generated")
    rgba_product().save(tmp_path / "bottle.png")
    done = studio("banners", "--template", "ai-scene", "--product", tmp_path / "bottle.png", "--sizes", "square",
                  "--language", "en", "--headline", "Hi", "--out", tmp_path / "ai.zip", data_dir=data_dir,
                  HF_HUB_OFFLINE="1")
    assert done.returncode == 3
    assert "the sd15 editor needs models that are not installed" in done.stderr
    assert "studio models pull sd15" in done.stderr and "Exception ignored" not in done.stderr
    assert not (tmp_path / "ai.zip").exists() and not (tmp_path / "ai.zip.part").exists()
