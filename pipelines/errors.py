"""Errors raised by pipelines/.

    StudioError (Exception)              base of everything the product raises on purpose
    ├── InvalidImage (ValueError)        an input that is not a usable image; message says why
    │   └── InvalidArchive               a zip that is unsafe or unreadable
    ├── InvalidOptions (ValueError)      an option outside what is allowed; message lists what is
    │   ├── InvalidTemplate              a banner template file that breaks the template format
    │   └── TextDoesNotFit               copy too long for its slot even at the slot's smallest size
    ├── ProductNotFound (ValueError)     segmentation found nothing to keep in the picture
    ├── ModelUnavailable (RuntimeError)  weights could not be obtained or loaded; message says what to do
    └── FontMissing (RuntimeError)       a font package the typography needs is not installed

Every message is written for the person who supplied the input: it names the bad value and what is
allowed, and never carries a stack trace.

`is_out_of_memory(exc)` is the one place that tells an out-of-memory failure (RAM or GPU, from Python, torch
or ONNX Runtime) from others.
"""

import sys


class StudioError(Exception):
    """Base class of the product's own errors."""


class InvalidImage(StudioError, ValueError):
    """An input that cannot be used as an image."""


class InvalidArchive(InvalidImage):
    """A zip file that is unsafe or cannot be read."""


class InvalidOptions(StudioError, ValueError):
    """An option outside the allowed values."""


class ProductNotFound(StudioError, ValueError):
    """Segmentation found no product in the picture (or in the drawn box)."""


class ModelUnavailable(StudioError, RuntimeError):
    """Model weights that cannot be obtained or loaded."""


class InvalidTemplate(InvalidOptions):
    """A banner template that does not follow the template format; the message names file, field and rule."""


class TextDoesNotFit(InvalidOptions):
    """Copy that does not fit its slot at the slot's smallest size; the message says by how much."""


class FontMissing(StudioError, RuntimeError):
    """A font the typography needs is not installed; the message names the package."""


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether a failure is memory running out: Python's MemoryError, torch's OutOfMemoryError (checked
    only when something already loaded torch), or an allocator's message (ONNX Runtime, CUDA)."""
    if isinstance(exc, MemoryError):
        return True
    torch = sys.modules.get("torch")
    oom = getattr(torch, "OutOfMemoryError", None) if torch is not None else None
    if oom is not None and isinstance(exc, oom):
        return True
    text = str(exc).lower()
    return "out of memory" in text or "failed to allocate" in text
