"""Errors raised by pipelines/.

    StudioError (Exception)              base of everything the product raises on purpose
    ├── InvalidImage (ValueError)        an input that is not a usable image; message says why
    │   └── InvalidArchive               a zip that is unsafe or unreadable
    ├── InvalidOptions (ValueError)      an option outside what is allowed; message lists what is
    ├── ProductNotFound (ValueError)     segmentation found nothing to keep in the picture
    └── ModelUnavailable (RuntimeError)  weights could not be obtained or loaded; message says what to do

Every message is written for the person who supplied the input: it names the bad value and what is
allowed, and never carries a stack trace.
"""


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
