"""The `studio` command as a user runs it: a subprocess over files, folders and zips."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import encode, product_photo


def studio(*args, data_dir, check_traceback=True):
    env = {**os.environ, "STUDIO_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "studio", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)
    if check_traceback:
        assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    product_photo((480, 360)).save(folder / "lamp.jpg", quality=92)
    product_photo((300, 500), colour=(30, 60, 200), seed=2).save(folder / "vase.png")
    archive = tmp_path / "catalog.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("chair.jpg", encode(product_photo((640, 480), seed=3), "JPEG"))
        zf.writestr("readme.txt", "not an image")
    return folder, archive


def test_whitebg_over_folder_and_zip_with_masks_and_a_bad_file(tmp_path, inputs, data_dir):
    folder, archive = inputs
    out, masks = tmp_path / "out", tmp_path / "masks"
    done = studio("whitebg", folder, archive, "--out", out, "--mask-dir", masks, data_dir=data_dir)
    assert done.returncode == 1  # readme.txt failed
    assert "FAILED catalog/readme.txt: the content is not an image" in done.stderr
    assert "3 done, 1 failed" in done.stderr
    assert sorted(p.name for p in out.glob("*.jpg")) == ["chair.jpg", "lamp.jpg", "vase.jpg"]
    for name, size in (("lamp", (480, 360)), ("vase", (300, 500)), ("chair", (640, 480))):
        result = Image.open(out / f"{name}.jpg")
        assert result.size == (2000, 2000) and result.getpixel((5, 5)) == (255, 255, 255)
        mask = Image.open(masks / f"{name}.png")
        assert mask.mode == "L" and mask.size == size
        m = np.asarray(mask)
        assert m[size[1] // 2, size[0] // 2] == 255 and m[2, 2] == 0
    rows = {r["input"]: r for r in csv.DictReader(open(out / "report.csv", encoding="utf-8"))}
    assert rows["lamp.jpg"]["passed"] == "yes" and rows["lamp.jpg"]["background_purity"] == "1.0000"
    assert rows["catalog/readme.txt"]["status"] == "failed"


def test_all_good_exits_zero_and_transparent_preset_writes_png(tmp_path, inputs, data_dir):
    folder, _ = inputs
    done = studio("whitebg", folder / "lamp.jpg", "--out", tmp_path / "out", "--preset", "transparent",
                  data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    result = Image.open(tmp_path / "out" / "lamp.png")
    assert result.mode == "RGBA" and result.size == (480, 360) and result.getpixel((1, 1))[3] == 0


def test_output_never_overwrites_an_input(tmp_path, data_dir):
    photo = tmp_path / "lamp.jpg"
    product_photo().save(photo)
    before = photo.read_bytes()
    assert studio("whitebg", photo, "--out", tmp_path, data_dir=data_dir).returncode == 0
    assert photo.read_bytes() == before
    assert (tmp_path / "lamp-2.jpg").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--preset", "custom", "--width", "10"], "width: Input should be greater than or equal to 64"),
        (["--box", "1,2,3"], "give four integers X0,Y0,X1,Y1"),
        (["--preset", "ebay"], "invalid choice: 'ebay'"),
        (["--preset", "transparent", "--shadow"], "contact shadow needs a background"),
    ],
)
def test_bad_options_exit_2_with_a_message(tmp_path, inputs, data_dir, args, message):
    folder, _ = inputs
    done = studio("whitebg", folder, "--out", tmp_path / "out", *args, data_dir=data_dir)
    assert done.returncode == 2 and message in done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.jpg"))


def test_models_list_and_pull(data_dir):
    listed = studio("models", "list", data_dir=data_dir)
    line = next(l for l in listed.stdout.splitlines() if l.startswith("u2netp "))
    assert "yes" in line
    assert any(l.startswith("u2net ") for l in listed.stdout.splitlines())
    pulled = studio("models", "pull", "u2netp", data_dir=data_dir)
    assert pulled.returncode == 0 and "md5 8e83ca70e441ab06c318d82300c84806 verified" in pulled.stdout


def test_a_model_that_cannot_be_had_exits_3_with_what_to_do(tmp_path, inputs):
    folder, _ = inputs
    env_home = tmp_path / "empty-home"
    env_home.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "studio", "whitebg", str(folder), "--out", str(tmp_path / "o"), "--model", "birefnet-general"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "STUDIO_DATA_DIR": str(tmp_path / "d"), "U2NET_HOME": str(env_home)},
    )
    assert done.returncode == 3
    assert "model 'birefnet-general' could not be obtained" in done.stderr
    assert "studio models pull birefnet-general" in done.stderr and "Traceback" not in done.stderr


def test_a_bad_setting_in_the_environment_exits_2_naming_the_variable(tmp_path, inputs, monkeypatch, data_dir):
    folder, _ = inputs
    monkeypatch.setenv("STUDIO_WHITEBG_THREADS", "-1")
    done = studio("whitebg", folder, "--out", tmp_path / "out", data_dir=data_dir)
    assert done.returncode == 2
    assert "STUDIO_WHITEBG_THREADS='-1'" in done.stderr and "greater than or equal to 0" in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_studio_and_a_worker_refuse_a_bad_setting_without_a_traceback(tmp_path):
    env = {**os.environ, "STUDIO_DATA_DIR": str(tmp_path), "STUDIO_PORT": "99999", "STUDIO_SOFT_TIME_LIMIT_S": "soon"}
    app = Path(__file__).resolve().parents[2] / "app.py"
    web = subprocess.run([sys.executable, str(app)], capture_output=True, text=True, env=env, timeout=120)
    assert web.returncode != 0 and "STUDIO_PORT='99999'" in web.stderr and "Traceback" not in web.stderr
    worker = subprocess.run([sys.executable, "-c", "import workers.celery"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert worker.returncode != 0 and "STUDIO_SOFT_TIME_LIMIT_S='soon'" in worker.stderr
    assert "Traceback" not in worker.stderr
