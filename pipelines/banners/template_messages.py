"""Pydantic's validation errors of a template, in a template author's words: the dotted path to the field
("layouts.square.stacks[0].items[1].slot") and what was wrong with the value and what is allowed, without
pydantic's error codes or links."""

from __future__ import annotations

import json
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, RootModel, ValidationError
from pydantic.fields import FieldInfo

from pipelines.banners.sizes import LAYOUT_CLASSES

FORMAT = 1  # the template format's version this code reads


_TYPE_WORDS = {
    "float_type": "a number", "float_parsing": "a number", "int_type": "a whole number",
    "int_parsing": "a whole number", "int_from_float": "a whole number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "text in quotes", "list_type": "a list [...]",
    "tuple_type": "a list [...]", "dict_type": "an object {...}", "model_type": "an object {...}",
    "model_attributes_type": "an object {...}", "finite_number": "a finite number",
}
_BOUNDS = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}


def describe_errors(exc: ValidationError, root: type[BaseModel], patterns: dict[str, str]) -> list[tuple[str, str]]:
    """Each of pydantic's errors as (dotted path from `root`, a message naming the bad value and what is allowed);
    `patterns` words the regular expressions of string fields ("a lowercase name such as …")."""
    described = []
    for error in exc.errors():
        if error["type"] in ("too_short", "too_long") and isinstance(error["input"], (list, tuple, dict)) \
                and error["ctx"].get("actual_length") != len(error["input"]):
            continue  # an item failed: its own error says why, the count is pydantic's after-the-fact tally
        described.append(_describe(error, root, patterns))
    return described


def _describe(error: dict, root: type[BaseModel], patterns: dict[str, str]) -> tuple[str, str]:
    loc, kind, value, ctx = error["loc"], error["type"], error["input"], error.get("ctx") or {}
    path, annotation, metadata = _locate(loc, root)
    if kind in _TYPE_WORDS:
        return path, f"{_show(value)} is not {_TYPE_WORDS[kind]}"
    if kind == "missing":
        if path.startswith("layouts."):
            return path, f"missing; a template needs a layout for each class: {', '.join(LAYOUT_CLASSES)}"
        return path, "missing; this field is required"
    if kind == "extra_forbidden":
        _, parent, _ = _locate(loc[:-1], root)
        allowed = ", ".join(parent.model_fields) if _is_model(parent) else "see assets/templates/README.md"
        return path, f"{loc[-1]!r} is not a field here; allowed: {allowed}"
    if kind == "literal_error":
        if path == "format":
            return path, f"{_show(value)} is not a template format this version reads; use {FORMAT}"
        expected = re.findall(r"'([^']*)'", ctx.get("expected", "")) or [ctx.get("expected", "")]
        return path, f"{_show(value)} is not one of {', '.join(expected)}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = ", ".join(_tags(annotation))
        if kind == "union_tag_not_found":
            return f"{path}.type", f"missing; use one of {tags}"
        return f"{path}.type", f"{_show(ctx.get('tag'))} is not one of {tags}"
    if kind == "string_pattern_mismatch":
        rule = patterns.get(ctx.get("pattern"), f"matching {ctx.get('pattern')}")
        return path, f"{_show(value)} is not {rule}"
    if kind == "string_too_short":
        return path, "is empty; write some text" if not value else \
            f"{_show(value)} is too short; at least {ctx['min_length']} characters"
    if kind == "string_too_long":
        return path, f"is {len(value)} characters long; at most {ctx['max_length']}"
    if kind in ("too_short", "too_long"):
        count = len(value) if hasattr(value, "__len__") else "?"
        return path, f"has {count} {'entry' if count == 1 else 'entries'}; allowed: {_length_rule(metadata, ctx)}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return path, f"{_show(value)} is out of range; allowed: {_bounds_rule(metadata, ctx)}"
    return path, error["msg"].removeprefix("Value error, ")


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict):
        return "an object {...}"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def show_numbers(values: tuple[float, ...]) -> str:
    return f"[{', '.join(f'{value:g}' for value in values)}]"


def _bounds_rule(metadata: list, ctx: dict) -> str:
    bounds = {name: getattr(item, name) for item in metadata for name in _BOUNDS if hasattr(item, name)}
    bounds = bounds or {name: ctx[name] for name in _BOUNDS if name in ctx}
    return " and ".join(f"{_BOUNDS[name]} {bound:g}" for name, bound in bounds.items())


def _length_rule(metadata: list, ctx: dict) -> str:
    low = next((item.min_length for item in metadata if hasattr(item, "min_length")), ctx.get("min_length"))
    high = next((item.max_length for item in metadata if hasattr(item, "max_length")), ctx.get("max_length"))
    if low is not None and high is not None:
        return f"{low}–{high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _unwrap(annotation: Any) -> tuple[Any, list]:
    """Annotated[...] and X | None down to the type, with the constraints met on the way."""
    metadata: list = []
    while True:
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is Annotated:
            annotation = args[0]
            for item in args[1:]:
                metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        elif origin in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
            annotation = next(arg for arg in args if arg is not type(None))
        else:
            return annotation, metadata


def _tags(annotation: Any) -> dict[str, type]:
    """A discriminated union's members by their `type` tag."""
    if get_origin(annotation) not in (Union, types.UnionType):
        return {}
    return {get_args(member.model_fields["type"].annotation)[0]: member
            for member in get_args(annotation) if _is_model(member) and "type" in member.model_fields}


def _locate(loc: tuple, root: type[BaseModel]) -> tuple[str, Any, list]:
    """Pydantic's error location as the dotted path a template author reads ("layouts.square.stacks[0]"),
    with the type expected there and its constraints. Union tags pydantic puts in the location are dropped."""
    annotation, metadata, path, keys = root, [], "", list(loc)
    while True:
        annotation, more = _unwrap(annotation)
        metadata = metadata + more
        if _is_model(annotation) and issubclass(annotation, RootModel):
            annotation, metadata = annotation.model_fields["root"].annotation, []
            continue
        if not keys:
            return path.lstrip("."), annotation, metadata
        key = keys.pop(0)
        origin, args = get_origin(annotation), get_args(annotation)
        tags = _tags(annotation)
        if tags and key in tags:
            annotation, metadata = tags[key], []
        elif _is_model(annotation):
            path += f".{key}"
            field = annotation.model_fields.get(key)
            annotation, metadata = (field.annotation, list(field.metadata)) if field else (None, [])
        elif origin in (list, tuple):
            path += f"[{key}]"
            if origin is list or (len(args) == 2 and args[1] is Ellipsis):
                annotation = args[0]
            else:
                annotation = args[key] if isinstance(key, int) and key < len(args) else None
            metadata = []
        elif origin is dict:
            path += f".{key}"
            if keys[:1] == ["[key]"]:
                keys.pop(0)
                annotation = args[0]
            else:
                annotation = args[1]
            metadata = []
        else:
            path += f"[{key}]" if isinstance(key, int) else f".{key}"
            annotation, metadata = None, []


