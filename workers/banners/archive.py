"""The zip a banner set is delivered in: `<size>/<template>-<size>-<language>.jpg`, report.csv, copy.csv.

    with BannerArchive(stream) as archive:
        for banner in make_banners(...): archive.add(banner)
        archive.close(plan.copies)
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from pipelines.banners.copy import BannerCopy, copy_table_csv
from pipelines.errors import InvalidOptions
from workers.banners.make import MadeBanner

REPORT_COLUMNS = ("size", "width", "height", "language", "file", "notes", "error")


@dataclass
class BannerArchive:
    out: BinaryIO
    made: list[MadeBanner] = field(default_factory=list)

    def __post_init__(self):
        self._zip = zipfile.ZipFile(self.out, "w", compression=zipfile.ZIP_STORED)  # JPEG/PNG are compressed

    def __enter__(self) -> "BannerArchive":
        return self

    def __exit__(self, *_) -> None:
        self._zip.close()  # after close(): nothing more; after a failure: the zip is ended, not left open

    def add(self, banner: MadeBanner) -> None:
        if banner.ok:
            self._zip.writestr(banner.file, banner.data)
        self.made.append(replace(banner, data=None))  # the bytes are in the zip now

    def close(self, copies: tuple[BannerCopy, ...] | None) -> None:
        report = io.StringIO()
        table = csv.writer(report)
        table.writerow(REPORT_COLUMNS)
        for banner in self.made:
            row = banner.row()
            table.writerow([row.size, row.width, row.height, row.language, row.file, "; ".join(row.notes),
                            row.error or ""])
        self._zip.writestr("report.csv", report.getvalue())
        if copies:
            self._zip.writestr("copy.csv", copy_table_csv(copies))
        self._zip.close()

    @property
    def succeeded(self) -> int:
        return sum(1 for banner in self.made if banner.ok)


def none_made(made: list[MadeBanner]) -> InvalidOptions:
    """Why a whole set failed: each banner's own reason (the same one, once, when they agree)."""
    reasons = list(dict.fromkeys(b.error for b in made if b.error))
    shown = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
    return InvalidOptions(f"none of the {len(made)} banners could be made: {shown}")
