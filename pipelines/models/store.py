"""The model store: fetches registry models into one folder, verifies them, keeps loaded ones warm.

Loading happens explicitly through `session(name)` (salient-object ONNX sessions), `editor(name, control)`
(generative editors, diffusers pipelines), `sam()` and `detector()` (OWLv2); a loaded model is reused by
every later call in the process. At most `max_loaded` sessions and `max_editors` editors stay in memory;
the least recently used one is freed on a switch. A failed fetch or load leaves nothing half-done behind
and raises ModelUnavailable saying what to do. Generative parts are found in <models dir>/<name>/, then in the
Hugging Face cache, then downloaded into that cache (when downloads are allowed); development parts are
built from configs into <models dir>/<name>/ and loaded from there like any other.
"""

from __future__ import annotations

import functools
import gc
import logging
import shutil
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipelines.errors import InvalidOptions, ModelUnavailable, is_out_of_memory
from pipelines.models.fetch import Progress, SourceFailed, fetch_from, md5_of
from pipelines.models.generative import (DETECTOR_MODEL, DEVELOPMENT_DETECTOR, DEVELOPMENT_SAM, EDITORS, GENERATIVE,
                                         SAM_MODEL, EditorSpec, GenerativeSpec)
from pipelines.models.registry import REGISTRY, FolderSource, ModelSpec
from pipelines.models.tiny import build_tiny, is_built

log = logging.getLogger(__name__)


def _quiet(done: int, total: int | None, message: str) -> None:
    return None


@dataclass(frozen=True)
class ModelStatus:
    name: str
    installed: bool
    path: Path
    description: str


@dataclass(frozen=True)
class GenerativeStatus:
    """One generative model: whether it is here and where (a folder, a cache snapshot) or where it would go."""

    name: str
    installed: bool
    location: str
    description: str


@dataclass
class _LoadedEditor:
    """An editor's loaded components; one assembled pipeline per condition, all sharing the base model."""

    base: dict
    parts: dict = field(default_factory=dict)  # spec name -> loaded ControlNet / depth estimator
    assembled: dict = field(default_factory=dict)  # control -> Editor


class ModelStore:
    def __init__(
        self,
        models_dir: Path,
        registry: dict[str, ModelSpec] = REGISTRY,
        max_loaded: int = 2,
        loader: Callable[[ModelSpec, Path], object] | None = None,
        *,
        device: str | None = None,
        development: bool = False,
        allow_download: bool | None = None,
        hub_cache: Path | None = None,
        generative: dict[str, GenerativeSpec] = GENERATIVE,
        editors: dict[str, EditorSpec] = EDITORS,
        max_editors: int = 1,
        compile: bool | str = False,
        session_threads: int = 0,
    ):
        """device None = CUDA when available, else the CPU. development: random-weight "tiny" models may be
        built and used. allow_download None = unless HF_HUB_OFFLINE is set. hub_cache None = the Hugging
        Face cache's own location. compile: torch.compile editors' denoisers (pipelines.models.speed; CUDA only).
        session_threads: ONNX Runtime threads per inference of the segmentation sessions (0 = its default,
        every core; 1 = one core each, so that a batch runs one image per core, see inference_lanes)."""
        if session_threads < 0:
            raise ValueError(f"session_threads must be 0 (every core) or a positive count, got {session_threads}")
        self.models_dir = Path(models_dir)
        self.registry = registry
        self.max_loaded = max_loaded
        self._loader = loader or functools.partial(_load_rembg_session, threads=session_threads)
        self._loaded: OrderedDict[str, object] = OrderedDict()
        self._verified: set[str] = set()
        self._lock = threading.RLock()
        self._device = device
        self.development = development
        self._allow_download = allow_download
        self.hub_cache = Path(hub_cache) if hub_cache is not None else None
        self.generative = generative
        self.editors = editors
        self.max_editors = max_editors
        self.compile = compile
        self._editors: OrderedDict[str, _LoadedEditor] = OrderedDict()
        self._sam: tuple[str, object] | None = None
        self._detector: tuple[str, object] | None = None
        self._generative_lock = threading.RLock()  # a long editor load does not block rembg sessions

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
            failures = _fetch_file(spec, spec.sources, dest, progress)
            if not failures:
                self._verified.add(name)
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
                raise _not_loadable(f"model {name!r} is installed at {path} but", "delete that file", name,
                                    exc, detail=False) from None
            self._loaded[name] = loaded
            while len(self._loaded) > self.max_loaded:
                evicted, _ = self._loaded.popitem(last=False)
                log.info("freed model %s", evicted)
            return loaded

    def loaded(self) -> list[str]:
        with self._lock:
            return list(self._loaded)

    # -- generative models: lookup -------------------------------------------------------------
    @property
    def device(self) -> str:
        if self._device is None:
            from pipelines.models.diffusion_loader import default_device

            self._device = default_device()
        return self._device

    @property
    def allow_download(self) -> bool:
        if self._allow_download is None:
            from huggingface_hub import constants

            return not constants.HF_HUB_OFFLINE
        return self._allow_download

    def editor_spec(self, name: str) -> EditorSpec:
        try:
            return self.editors[name]
        except KeyError:
            raise ModelUnavailable(f"unknown editor {name!r}; available: {', '.join(self.editors)}") from None

    def generative_spec(self, name: str) -> GenerativeSpec:
        try:
            return self.generative[name]
        except KeyError:
            raise ModelUnavailable(f"unknown model {name!r}; available: {', '.join(self.generative)}") from None

    def folder(self, name: str) -> Path:
        """Where a generative model lives in the models folder (hub models may live in the HF cache instead)."""
        return self.models_dir / self.generative_spec(name).name

    def locate(self, name: str) -> Path | None:
        """The complete local copy of a generative model (folder, or checkpoint file for SAM), or None."""
        spec = self.generative_spec(name)
        own = self.folder(name)
        if spec.filename is not None and not spec.development:  # one verified checkpoint file
            return own / spec.filename if self._file_verified(spec, own / spec.filename) else None
        if spec.development:
            return own if is_built(own) and _complete(spec, own) else None
        if _complete(spec, own):
            return own
        if spec.hub_id is not None:
            snapshot = self._hub_snapshot(spec)
            if snapshot is not None and _complete(spec, snapshot):
                return snapshot
        return None

    def editor_installed(self, name: str, control: str | None = None) -> bool:
        """Every part the editor needs (for one control, or for all when None) is here; no network.
        Development parts count as installed in a development store: they are built on first use."""
        return not self.missing(name, control)

    def missing(self, name: str, control: str | None = None) -> list[GenerativeSpec]:
        """The parts of an editor that are neither here nor buildable."""
        parts = [self.generative_spec(part) for part in self.editor_spec(name).parts(control)]
        return [p for p in parts if not (p.development and self.development) and self.locate(p.name) is None]

    def generative_list(self) -> list[GenerativeStatus]:
        statuses = []
        for spec in self.generative.values():
            found = self.locate(spec.name)
            where = str(found) if found else (
                f"{self.folder(spec.name)} (to be built)" if spec.development else
                f"{spec.hub_id or spec.filename}: not installed")
            statuses.append(GenerativeStatus(spec.name, found is not None, where, spec.description))
        return statuses

    def _file_verified(self, spec: GenerativeSpec, path: Path) -> bool:
        if not path.is_file():
            return False
        key = f"generative:{spec.name}"
        with self._lock:
            if key not in self._verified:
                if path.stat().st_size != spec.bytes or md5_of(path) != spec.md5:
                    log.warning("model %s at %s fails its size or checksum; it will be fetched again", spec.name, path)
                    return False
                self._verified.add(key)
        return True

    def _hub_snapshot(self, spec: GenerativeSpec) -> Path | None:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError

        try:
            return Path(snapshot_download(spec.hub_id, cache_dir=self.hub_cache, local_files_only=True))
        except (LocalEntryNotFoundError, OSError, ValueError):  # not cached, or not a valid repository id
            return None

    # -- generative models: fetching -----------------------------------------------------------
    def pull_generative(self, name: str, progress: Progress = _quiet) -> dict[str, Path]:
        """Make every part of an editor (or one generative model) local: download hub snapshots into the
        Hugging Face cache, fetch the SAM checkpoint, build development models. Returns part -> location."""
        names = self.editor_spec(name).parts() if name in self.editors else (self.generative_spec(name).name,)
        with self._generative_lock:
            return {part: self._obtain(self.generative_spec(part), progress, requested=name) for part in names}

    def _obtain(self, spec: GenerativeSpec, progress: Progress, requested: str) -> Path:
        """The part's local location, building or downloading it when it is not here."""
        found = self.locate(spec.name)
        if found is not None:
            return found
        if spec.development:
            return self._build(spec, progress)
        if spec.filename is not None:
            return self._fetch_checkpoint(spec, progress, requested)
        return self._download(spec, progress, requested)

    def _build(self, spec: GenerativeSpec, progress: Progress) -> Path:
        folder = self.folder(spec.name)
        progress(0, None, f"building the development model {spec.name}")
        if folder.exists():  # an incomplete build, or one of an older version
            shutil.rmtree(folder)
        build_tiny(spec.name, folder)
        log.info("development model %s built at %s", spec.name, folder)
        return folder

    def _download(self, spec: GenerativeSpec, progress: Progress, requested: str) -> Path:
        if not self.allow_download:
            reason = "no download, downloads are turned off (HF_HUB_OFFLINE)"
            raise ModelUnavailable(self._unavailable_message(requested, [spec], reason))
        from huggingface_hub import snapshot_download

        progress(0, None, f"downloading {spec.name} ({spec.hub_id}) from the Hugging Face Hub")
        try:
            snapshot = Path(snapshot_download(
                spec.hub_id, cache_dir=self.hub_cache,
                allow_patterns=list(spec.allow_patterns), ignore_patterns=list(spec.ignore_patterns),
            ))
        except Exception as exc:  # huggingface_hub raises many types (HTTP, connection, auth, disk)
            reason = f"{spec.hub_id}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            raise ModelUnavailable(self._unavailable_message(requested, [spec], reason)) from None
        if not _complete(spec, snapshot):
            raise ModelUnavailable(self._unavailable_message(
                requested, [spec], f"the download of {spec.hub_id} lacks files {_library(spec)} needs ({snapshot})"))
        log.info("model %s downloaded to %s", spec.name, snapshot)
        return snapshot

    def _fetch_checkpoint(self, spec: GenerativeSpec, progress: Progress, requested: str) -> Path:
        dest = self.folder(spec.name) / spec.filename
        sources = [s for s in spec.sources if self.allow_download or isinstance(s, FolderSource)]
        failures = _fetch_file(spec, sources, dest, progress)
        if failures:
            raise ModelUnavailable(self._unavailable_message(requested, [spec], "; ".join(failures)))
        self._verified.add(f"generative:{spec.name}")
        return dest

    def _unavailable_message(self, requested: str, specs: list[GenerativeSpec], reason: str | None = None) -> str:
        listed = ", ".join(
            f"{s.name} (hub id {s.hub_id})" if s.hub_id else f"{s.name} ({s.filename})" for s in specs
        )
        places = "; or ".join(
            f"put {s.filename} (md5 {s.md5}) in {self.folder(s.name)}" if s.filename else
            f"save {s.name} as a {_library(s)} folder in {self.folder(s.name)}" for s in specs
        )
        where = "into the Hugging Face cache" if any(s.hub_id for s in specs) else f"into {self.models_dir}"
        if requested in self.editors:
            subject = f"the {requested} editor needs models that are not installed: {listed}."
        else:
            subject = f"model {listed} is not installed."
        return (
            subject
            + (f" Tried: {reason}." if reason else "")
            + f" To fix: with internet access run `studio models pull {requested}` (downloads {where}), "
            f"or {places}."
        )

    # -- generative models: loading ------------------------------------------------------------
    def editor(self, name: str, control: str = "inpaint", progress: Progress = _quiet):
        """The loaded editor for one condition (a `diffusion_loader.Editor`), loading it on first use and
        keeping it warm; switching the condition loads only that ControlNet."""
        spec = self.editor_spec(name)
        self._check_development(spec)
        if control not in spec.controls:
            raise InvalidOptions(f"the {name} editor offers the controls {', '.join(spec.controls)}, not {control!r}")
        with self._generative_lock:
            loaded = self._editors.get(name)
            if loaded is not None and control in loaded.assembled:
                self._editors.move_to_end(name)
                return loaded.assembled[control]
            missing = self.missing(name, control)
            if missing and not self.allow_download:
                raise ModelUnavailable(self._unavailable_message(name, missing))
            folders = {part: self._obtain(self.generative_spec(part), progress, name) for part in spec.parts(control)}
            if loaded is None:
                self._free_editors(keep=self.max_editors - 1)
            try:
                editor, fresh = self._load_editor(spec, control, folders, loaded, progress)
            except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:  # what a bad folder raises
                if is_out_of_memory(exc):
                    raise  # the job reports it as such
                where = ", ".join(str(f) for f in folders.values())
                raise _not_loadable(f"the {name} editor", f"delete its folders ({where})", name,
                                    exc, detail=True) from None
            self._editors[name] = fresh
            self._editors.move_to_end(name)
            log.info("editor %s (%s) ready on %s", name, control, editor.device)
            return editor

    def _load_editor(self, spec: EditorSpec, control: str, folders: dict, loaded: _LoadedEditor | None, progress):
        """Load what is not loaded yet into a copy of the editor's record; the store keeps it only on success."""
        from pipelines.models import diffusion_loader as loader

        device = self.device
        if loaded is None:
            progress(0, None, f"loading {spec.base}")
            record = _LoadedEditor(loader.load_base(self.generative_spec(spec.base), folders[spec.base], device))
        else:
            record = _LoadedEditor(loaded.base, dict(loaded.parts), dict(loaded.assembled))
        controlnet = depth = None
        if control in spec.controlnets:
            part = spec.controlnets[control]
            if part not in record.parts:
                progress(0, None, f"loading {part}")
                record.parts[part] = loader.load_controlnet(folders[part], device)
            controlnet = record.parts[part]
        if control == "depth" and spec.depth_estimator:
            part = spec.depth_estimator
            if part not in record.parts:
                progress(0, None, f"loading {part}")
                record.parts[part] = loader.load_depth_estimator(folders[part], device)
            depth = record.parts[part]
        editor = loader.assemble_editor(spec, controlnet=controlnet, device=device, control=control, depth=depth,
                                        compile=self.compile, **record.base)
        record.assembled[control] = editor
        return editor, record

    def _check_development(self, spec: EditorSpec | GenerativeSpec) -> None:
        if spec.development and not self.development:
            raise ModelUnavailable(
                f"{spec.name!r} has random weights (it makes noise, not pictures) and is only used when the "
                "studio runs with development models (STUDIO_EDIT_MODEL=tiny)"
            )

    def loaded_editors(self) -> list[str]:
        with self._generative_lock:
            return list(self._editors)

    def _free_editors(self, keep: int) -> None:
        while len(self._editors) > max(keep, 0):
            evicted, _ = self._editors.popitem(last=False)
            log.info("freed editor %s", evicted)
        _release_memory()

    def sam_installed(self) -> bool:
        """Whether `sam()` works without a download: the ViT-B checkpoint is here, or the store is for development."""
        return self.development or self.locate(SAM_MODEL) is not None

    def sam(self, progress: Progress = _quiet):
        """A segment_anything.SamPredictor (ViT-B; the tiny random one in a development store without it)."""
        from pipelines.models.sam_loader import CONFIG_FILE, VIT_B, SamConfig, load_sam

        name = DEVELOPMENT_SAM if self.development and self.locate(SAM_MODEL) is None else SAM_MODEL
        with self._generative_lock:
            if self._sam is not None and self._sam[0] == name:
                return self._sam[1]
            spec = self.generative_spec(name)
            location = self._obtain(spec, progress, name)
            checkpoint = location / spec.filename if location.is_dir() else location
            config_file = checkpoint.parent / CONFIG_FILE  # development models carry their dimensions
            config = SamConfig.from_file(config_file) if spec.development else VIT_B
            try:
                predictor = load_sam(checkpoint, config, self.device)
            except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
                if is_out_of_memory(exc):
                    raise
                log.exception("loading %s from %s failed", name, checkpoint)
                raise ModelUnavailable(
                    f"model {name!r} is installed at {checkpoint} but could not be loaded ({type(exc).__name__}); "
                    f"delete that file and run `studio models pull {name}`"
                ) from None
            self._sam = (name, predictor)
            return predictor

    def detector_installed(self) -> bool:
        """Whether `detector()` works without a download: OWLv2 is here, or the store is for development."""
        return self.development or self.locate(DETECTOR_MODEL) is not None

    def detector_name(self) -> str:
        """The detector `detector()` loads: OWLv2 base, or the tiny random one in a development store without it."""
        return DEVELOPMENT_DETECTOR if self.development and self.locate(DETECTOR_MODEL) is None else DETECTOR_MODEL

    def detector(self, progress: Progress = _quiet):
        """The open-vocabulary object detector (a `detector_loader.Detector`), loaded on first use and kept warm."""
        from pipelines.models.detector_loader import load_detector

        name = self.detector_name()
        with self._generative_lock:
            if self._detector is not None and self._detector[0] == name:
                return self._detector[1]
            folder = self._obtain(self.generative_spec(name), progress, name)
            progress(0, None, f"loading {name}")
            try:
                detector = load_detector(folder, self.device)
            except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:  # what a bad folder raises
                if is_out_of_memory(exc):
                    raise
                raise _not_loadable(f"model {name!r} at {folder}", "delete that folder", name, exc,
                                    detail=True) from None
            self._detector = (name, detector)
            log.info("detector %s ready on %s", name, self.device)
            return detector


def _fetch_file(spec, sources, dest: Path, progress: Progress) -> list[str]:
    """Try each source in order until one puts the verified file at dest; returns the failures ([] = done)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for source in sources:
        try:
            fetch_from(source, spec, dest, progress)
        except SourceFailed as exc:
            log.info("model %s: source failed: %s", spec.name, exc)
            failures.append(str(exc))
            continue
        log.info("model %s ready at %s", spec.name, dest)
        return []
    return failures or ["no source to try"]


def _has_weights(folder: Path) -> bool:
    return (folder / "config.json").is_file() and any(
        p.suffix in (".safetensors", ".bin") for p in folder.iterdir() if p.is_file())


def _complete(spec: GenerativeSpec, folder: Path) -> bool:
    """A local copy from_pretrained can load: configs and weights of every component."""
    if not folder.is_dir():
        return False
    if spec.task == "segment":
        return (folder / spec.filename).is_file()
    if spec.components:
        tokenizers = ("tokenizer", "tokenizer_2") if "text_encoder_2" in spec.components else ("tokenizer",)
        return ((folder / "model_index.json").is_file()
                and all((folder / c).is_dir() and _has_weights(folder / c) for c in spec.components)
                and all((folder / t).is_dir() and any((folder / t).iterdir()) for t in (*tokenizers, "scheduler")))
    reads_text = spec.task == "detect"
    return _has_weights(folder) and (not spec.needs_processor or _has_processor(folder, tokenizer=reads_text))


def _library(spec: GenerativeSpec) -> str:
    """The library whose from_pretrained reads the model's folder."""
    return "diffusers" if spec.task in ("inpaint", "controlnet") else "transformers"


def _has_processor(folder: Path, tokenizer: bool) -> bool:
    """A transformers model's pre-processing beside its weights: the image processor's settings (a hub repo's
    preprocessor_config.json, or processor_config.json as transformers 5 saves a processor) and, for models
    that read text, the tokenizer (tokenizer.json, or a hub repo's vocab.json + merges.txt)."""
    image = any((folder / name).is_file() for name in ("preprocessor_config.json", "processor_config.json"))
    text = (folder / "tokenizer.json").is_file() or all((folder / n).is_file() for n in ("vocab.json", "merges.txt"))
    return image and (text or not tokenizer)


def _not_loadable(what: str, fix: str, name: str, exc: Exception, detail: bool) -> ModelUnavailable:
    """The one message for weights that are there but do not load: what, why, and how to get good ones."""
    log.error("loading %s failed", what, exc_info=exc)
    why = f"{type(exc).__name__}: {exc}" if detail else type(exc).__name__
    return ModelUnavailable(f"{what} could not be loaded ({why}); {fix} and run `studio models pull {name}`")


def _release_memory() -> None:
    gc.collect()
    torch = sys.modules.get("torch")  # only when something loaded torch; never import it for this
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def _load_rembg_session(spec: ModelSpec, path: Path, threads: int = 0) -> object:
    """A rembg session for this spec, reading the store's own file instead of rembg's download folder;
    threads: intra-op threads per inference (0 = ONNX Runtime's default, every core)."""
    import onnxruntime as ort
    from rembg.sessions import sessions

    base = sessions[spec.rembg_session]
    pinned = type(f"Pinned{base.__name__}", (base,), {"download_models": classmethod(lambda cls, *a, **k: str(path))})
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    return pinned(spec.rembg_session, options, providers=_providers(ort))


def _providers(ort) -> list[str]:
    available = ort.get_available_providers()
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
