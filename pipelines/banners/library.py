"""The templates a studio offers: the built-ins of assets/templates/ and, optionally, a folder of the user's own.

A broken built-in is a bug in the product and stops the load (InvalidTemplate); a broken user file is
skipped, logged, and listed in `problems` so that the studio can say which file needs fixing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.banners.template import Template, load_template_file, templates_dir
from pipelines.errors import InvalidOptions, InvalidTemplate

logger = logging.getLogger(__name__)

MAX_TEMPLATE_BYTES = 1_000_000
NOT_TEMPLATES = ("schema.json",)


@dataclass(frozen=True)
class TemplateLibrary:
    templates: Mapping[str, Template]
    problems: tuple[str, ...] = ()
    user_ids: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def load(cls, extra_dir: Path | str | None = None, *, builtin_dir: Path | str | None = None) -> TemplateLibrary:
        """Every template of `builtin_dir` (default assets/templates/) and of `extra_dir` (the user's).

        A user template whose id is already taken is skipped with a problem; the built-in keeps the id.
        """
        templates: dict[str, Template] = {}
        for path in _template_files(Path(builtin_dir) if builtin_dir else templates_dir()):
            template = _read(path)
            if template.id in templates:
                raise InvalidTemplate(f"{path.name}: id {template.id!r} is used by another built-in template")
            templates[template.id] = template
        problems: list[str] = []
        user_ids: set[str] = set()
        if extra_dir is not None:
            extra_dir = Path(extra_dir)
            if not extra_dir.is_dir():
                raise InvalidOptions(f"templates folder {str(extra_dir)!r} does not exist or is not a folder")
            for path in _template_files(extra_dir):
                try:
                    template = _read(path)
                except InvalidTemplate as exc:
                    problems.append(str(exc))
                    continue
                if template.id in templates:
                    owner = "a user template" if template.id in user_ids else "a built-in template"
                    problems.append(f"{path.name}: id {template.id!r} is already {owner}'s; give this one "
                                    "another id")
                    continue
                templates[template.id] = template
                user_ids.add(template.id)
        for problem in problems:
            logger.error("skipped a user template: %s", problem)
        ordered = {template_id: templates[template_id] for template_id in sorted(templates)}
        return cls(templates=ordered, problems=tuple(problems), user_ids=frozenset(user_ids))

    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.templates))

    def get(self, template_id: str) -> Template:
        if template_id not in self.templates:
            known = ", ".join(self.ids()) or "none installed"
            raise InvalidOptions(f"template {template_id!r} is not known; use one of {known}")
        return self.templates[template_id]

    def all(self) -> tuple[Template, ...]:
        """Every template, sorted by id."""
        return tuple(self.templates[template_id] for template_id in self.ids())

    def is_builtin(self, template_id: str) -> bool:
        return template_id in self.templates and template_id not in self.user_ids


def _template_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.glob("*.json")
                  if path.is_file() and path.name not in NOT_TEMPLATES and not path.name.startswith("."))


def _read(path: Path) -> Template:
    if path.stat().st_size > MAX_TEMPLATE_BYTES:
        raise InvalidTemplate(f"{path.name}: {path.stat().st_size} bytes; a template file is at most "
                              f"{MAX_TEMPLATE_BYTES} bytes")
    return load_template_file(path)
