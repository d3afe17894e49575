"""What banner jobs leave on their records (JobRecord.result): a set's zip and its banners, a cut-out's size.

    summary = BannersSummary.from_dict(record.result)       # typed; .to_dict() is the stored JSON
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from workers.schema import Summary


class BannerRow(BaseModel):
    """One banner of a set, as report.csv and the summary list it: its file in the zip, or why it failed."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    size: str
    width: int
    height: int
    language: str  # "" for marketing images
    file: str  # "" when it failed
    notes: tuple[str, ...] = ()
    error: str | None = None


class BannersSummary(Summary):
    template: str
    made: int
    failed: int
    banners: tuple[BannerRow, ...] = ()


class CutoutSummary(Summary):
    width: int
    height: int
    notes: tuple[str, ...] = ()
