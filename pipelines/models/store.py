"""The model store: fetches registry models into one folder, verifies them, keeps loaded ones warm.

Loading happens explicitly through `session(name)`; a loaded model is reused by every later call in the
process. At most `max_loaded` models stay in memory; the least recently used one is freed on a switch.
A failed fetch or load leaves nothing half-done behind and raises ModelUnavailable saying what to do.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipelines.errors import ModelUnavailable
from pipelines.models.fetch import Progress, SourceFailed, fetch_from, md5_of
from pipelines.models.registry import REGISTRY, ModelSpec

log = logging.getLogger(__name__)


def _quiet(done: int, total: int | None, message: str) -> None:
    return None


@dataclass(frozen=True)
class ModelStatus:
    name: str
    installed: bool
    path: Path
    description: str


class ModelStore:
    def __init__(
        self,
        models_dir: Path,
        registry: dict[str, ModelSpec] = REGISTRY,
        max_loaded: int = 2,
        loader: Callable[[ModelSpec, Path], object] | None = None,
    ):
        self.models_dir = Path(models_dir)
        self.registry = registry
        self.max_loaded = max_loaded
        self._loader = loader or _load_rembg_session
        self._loaded: OrderedDict[str, object] = OrderedDict()
        self._verified: set[str] = set()
        self._lock = threading.RLock()

    # -- lookup -------------------------------------------------------------------------------
    def spec(self, name: str) -> ModelSpec:
        try:
            return self.registry[name]
        except KeyError:
            raise ModelUnavailable(
                f"unknown model {name!r}; available: {', '.join(self.registry)}"
            ) from None

    def path(self, name: str) -> Path:
        spec = self.spec(name)
        return self.models_dir / spec.name / spec.filename

    def is_installed(self, name: str) -> bool:
        path = self.path(name)
        if not path.is_file():
            return False
        with self._lock:
            if name not in self._verified:
                if md5_of(path) != self.spec(name).md5:
                    log.warning("model %s at %s fails its checksum; it will be fetched again", name, path)
                    return False
                self._verified.add(name)
        return True

    def list(self) -> list[ModelStatus]:
        return [
            ModelStatus(spec.name, self.is_installed(spec.name), self.path(spec.name), spec.description)
            for spec in self.registry.values()
        ]

    # -- fetching -----------------------------------------------------------------------------
    def pull(self, name: str, progress: Progress = _quiet) -> Path:
        """Make sure the model's verified file is in the store, trying each source in order."""
        spec = self.spec(name)
        dest = self.path(name)
        with self._lock:
            if self.is_installed(name):
                return dest
            dest.parent.mkdir(parents=True, exist_ok=True)
            failures = []
            for source in spec.sources:
                try:
                    fetch_from(source, spec, dest, progress)
                except SourceFailed as exc:
                    log.info("model %s: source failed: %s", name, exc)
                    failures.append(str(exc))
                    continue
                self._verified.add(name)
                log.info("model %s ready at %s", name, dest)
                return dest
        tried = "\n".join(f"  - {reason}" for reason in failures)
        raise ModelUnavailable(
            f"model {name!r} could not be obtained. Tried:\n{tried}\n"
            f"To fix: connect to the internet and run `studio models pull {name}`, or put {spec.filename} "
            f"(md5 {spec.md5}) in $U2NET_HOME or {dest.parent}."
        )

    # -- loading ------------------------------------------------------------------------------
    def session(self, name: str, progress: Progress = _quiet) -> object:
        """The loaded model, fetching and loading it on first use; later calls reuse it."""
        with self._lock:
            if name in self._loaded:
                self._loaded.move_to_end(name)
                return self._loaded[name]
            path = self.pull(name, progress)
            try:
                loaded = self._loader(self.spec(name), path)
            except Exception as exc:  # onnxruntime raises its own exception types
                log.exception("loading model %s from %s failed", name, path)
                raise ModelUnavailable(
                    f"model {name!r} is installed at {path} but could not be loaded ({type(exc).__name__}); "
                    f"delete that file and run `studio models pull {name}`"
                ) from None
            self._loaded[name] = loaded
            while len(self._loaded) > self.max_loaded:
                evicted, _ = self._loaded.popitem(last=False)
                log.info("freed model %s", evicted)
            return loaded

    def loaded(self) -> list[str]:
        with self._lock:
            return list(self._loaded)


def _load_rembg_session(spec: ModelSpec, path: Path) -> object:
    """A rembg session for this spec, reading the store's own file instead of rembg's download folder."""
    import onnxruntime as ort
    from rembg.sessions import sessions

    base = sessions[spec.rembg_session]
    pinned = type(f"Pinned{base.__name__}", (base,), {"download_models": classmethod(lambda cls, *a, **k: str(path))})
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return pinned(spec.rembg_session, options, providers=_providers(ort))


def _providers(ort) -> list[str]:
    available = ort.get_available_providers()
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
