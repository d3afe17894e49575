"""Architecture rules a reader relies on: layers point downward; the web tier starts without torch."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib

import pytest

from tests.conftest import ROOT


LINT = shutil.which("lint-imports") or str(ROOT / ".venv" / "bin" / "lint-imports")
PACKAGES = ("studio", "workers", "pipelines", "layout")
FRAMEWORKS = ("torch", "diffusers", "transformers", "segment_anything", "controlnet_aux")


def test_import_contracts_hold():
    done = subprocess.run([LINT], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


def test_a_module_level_torch_import_the_web_tier_reaches_breaks_the_contract(tmp_path):
    """The contract is checked, not only claimed: plant `import torch` at module level in a pipeline module
    the web tier imports (the banner renderer) and lint-imports must fail, naming the chain."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.json",
                                                                                   "*.ttf", "*.otf", "*.png"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    render = tmp_path / "pipelines" / "banners" / "render.py"
    text = render.read_text(encoding="utf-8")
    render.write_text(text.replace("from __future__ import annotations\n",
                                   "from __future__ import annotations\n\nimport torch  # noqa\n", 1), encoding="utf-8")
    done = subprocess.run([LINT], cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)})
    assert done.returncode != 0, done.stdout
    assert "studio is not allowed to import torch" in done.stdout
    assert "pipelines.banners.render -> torch" in done.stdout


def test_app_reaches_no_model_framework_except_through_the_sanctioned_lazy_imports():
    """app.py is a module, not a package, so import-linter cannot take it as a root: the same rule is
    checked here on every module it imports (at any level, lazily too), with the contract's ignored edges."""
    import grimp

    graph = grimp.build_graph(*PACKAGES, include_external_packages=True)
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    strict = next(c for c in contracts if c["type"] == "forbidden" and not c["allow_indirect_imports"])
    for edge in strict["ignore_imports"]:
        importer, imported = (part.strip() for part in edge.split("->"))
        graph.remove_import(importer=importer, imported=imported)
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module} | \
        {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    ours = sorted(m for m in imported if m.split(".")[0] in PACKAGES)
    assert "workers.embedded" in ours and "studio.ui" in ours  # the check sees app's lazy imports
    for module in ours:
        for framework in FRAMEWORKS:
            assert not graph.chain_exists(importer=module, imported=framework, as_packages=True), \
                (module, framework, graph.find_shortest_chain(importer=module, imported=framework))
    assert not any(m.split(".")[0] in FRAMEWORKS for m in imported)


@pytest.mark.parametrize("redis_url", ["", "redis://127.0.0.1:9/0"], ids=["embedded", "redis"])
def test_the_web_tier_does_not_load_torch_or_diffusers(tmp_path, redis_url):
    code = (
        "import sys, app; from studio.settings import StudioSettings;"
        f"app.create_app(StudioSettings(data_dir={str(tmp_path)!r}, redis_url={redis_url!r} or None));"
        "import studio.cli;"
        "print(sorted(m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
