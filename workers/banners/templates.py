"""A banner job's template: checked as the job carries it, and the photo a user's template takes along.

Workers have only assets/templates/. A template from the user's folder whose photo background lies beside
it takes that photo along as the job's photo input (`own_photo`); on the worker, that input stands in for
the template's file (`check_template`).
"""

from __future__ import annotations

from pipelines.banners.template import Template, load_template, resolve_background, templates_dir


def check_template(data: dict | bytes, source: str, photo: bytes | None = None) -> Template:
    """The template's definition checked (every problem named), its photo background the job's `photo` when
    one is given, else a file under assets/templates/."""
    return resolve_background(load_template(data, source=source), source, photo=photo is not None)


def own_photo(template: Template) -> bytes | None:
    """A template's photo background when it lives beside the template file (the user's folder), not under
    assets/templates/ where every worker has it: the job takes it along as its photo input."""
    found = template.background_file()
    if found is None or found.resolve().is_relative_to(templates_dir().resolve()):
        return None
    return found.read_bytes()
