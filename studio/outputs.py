"""Writing a job's outcomes to a folder: result files, optional masks, a report.csv, and an optional zip."""

from __future__ import annotations

import csv
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from workers.white_background import ItemOutcome

REPORT_FIELDS = ["input", "output", "status", "passed", "reasons", "background_purity", "fill_ratio", "size", "notes"]


@dataclass
class OutputWriter:
    """Names outputs `<input stem><ext>` (a -2, -3 suffix on collisions) and never overwrites an input."""

    out_dir: Path
    mask_dir: Path | None = None
    protected: set[Path] = field(default_factory=set)
    written: list[Path] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    _taken: set[str] = field(default_factory=set)

    def __post_init__(self):
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if self.mask_dir is not None:
            self.mask_dir.mkdir(parents=True, exist_ok=True)

    def _stem(self, name: str, extension: str) -> str:
        stem = PurePosixPath(name).stem or "image"
        candidate, n = stem, 1
        while candidate in self._taken or (self.out_dir / f"{candidate}{extension}").resolve() in self.protected:
            n += 1
            candidate = f"{stem}-{n}"
        self._taken.add(candidate)
        return candidate

    def add(self, outcome: ItemOutcome) -> Path | None:
        """An outcome of the in-process job (the `studio whitebg` command)."""
        if not outcome.ok:
            return self.add_failure(outcome.name, outcome.error or "", outcome.notes)
        result = outcome.result
        mask = outcome.mask_png() if self.mask_dir is not None else None
        file_name = f"{PurePosixPath(outcome.name).stem}{result.extension}"
        return self.add_result(outcome.name, file_name, result.encoded, result.report.as_dict(), outcome.notes, mask)

    def add_failure(self, name: str, error: str, notes=()) -> None:
        self.rows.append({"input": name, "output": "", "status": "failed", "passed": "", "reasons": error,
                          "background_purity": "", "fill_ratio": "", "size": "", "notes": "; ".join(notes)})

    def add_result(self, name: str, file_name: str, data: bytes, report: dict, notes=(),
                   mask: bytes | None = None) -> Path:
        """A finished result: `report` is ComplianceReport.as_dict(); the file is named after file_name."""
        extension = PurePosixPath(file_name).suffix
        stem = self._stem(file_name, extension)
        path = self.out_dir / f"{stem}{extension}"
        path.write_bytes(data)
        if mask is not None:
            (self.mask_dir / f"{stem}.png").write_bytes(mask)
        purity, fill = report.get("background_purity"), report.get("fill_ratio")
        self.rows.append({
            "input": name, "output": path.name, "status": "done", "passed": "yes" if report["passed"] else "no",
            "reasons": "; ".join(report["reasons"]),
            "background_purity": "" if purity is None else f"{purity:.4f}",
            "fill_ratio": "" if fill is None else f"{fill:.3f}",
            "size": "x".join(map(str, report["size"])), "notes": "; ".join([*notes, *report["notes"]]),
        })
        self.written.append(path)
        return path

    def write_report(self) -> Path:
        path = self.out_dir / "report.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=REPORT_FIELDS)
            writer.writeheader()
            writer.writerows(self.rows)
        (self.out_dir / "report.json").write_text(json.dumps(self.rows, indent=2, ensure_ascii=False), "utf-8")
        return path

    def write_zip(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
            for file in [*self.written, self.out_dir / "report.csv"]:
                if file.exists():
                    zf.write(file, arcname=file.name)
        return path
