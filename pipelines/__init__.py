"""Image operations and the model store. One file per task; the public entry points are re-exported here."""

from pipelines.models import DEFAULT_MODEL, REGISTRY, ModelStore
from pipelines.cutout.white_background import WhiteBackgroundOptions, WhiteBackgroundResult, make_white_background

__all__ = [
    "DEFAULT_MODEL",
    "REGISTRY",
    "ModelStore",
    "WhiteBackgroundOptions",
    "WhiteBackgroundResult",
    "make_white_background",
]
