"""Safe image input: the one way every entry point turns untrusted bytes into images.

- `decode.load_image` turns bytes into an RGB/RGBA PIL image: format from content, EXIF orientation,
  mode normalisation, animation policy, pixel/side/aspect limits, clear errors for broken input.
- `archive.iter_archive` streams a zip entry by entry with byte caps and sanitised names.
- `sources.iter_sources` walks files, folders and zips given on a command line or in an upload.
"""

from pipelines.image_input.archive import ArchiveLimits, iter_archive, sanitise_name
from pipelines.image_input.decode import ALLOWED_FORMATS, ImageLimits, LoadedImage, load_image, probe_image
from pipelines.image_input.sources import InputItem, count_streams, iter_sources, iter_streams

__all__ = [
    "ALLOWED_FORMATS",
    "ArchiveLimits",
    "ImageLimits",
    "InputItem",
    "LoadedImage",
    "iter_archive",
    "count_streams",
    "iter_sources",
    "iter_streams",
    "load_image",
    "probe_image",
    "sanitise_name",
]
