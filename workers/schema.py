"""Job schemas built from what a user typed: every bad field named with its rule, as one InvalidOptions."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from pipelines.errors import InvalidOptions

Schema = TypeVar("Schema", bound=BaseModel)


def parse_fields(schema: type[Schema], fields: dict) -> Schema:
    try:
        return schema(**fields)
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors())
        raise InvalidOptions(problems) from None


def _problem(error: dict) -> str:
    if not error["loc"]:  # a rule across fields: its own message names the values
        return error["msg"].removeprefix("Value error, ")
    return f"{'.'.join(map(str, error['loc']))}: {error['msg']} (got {error['input']!r})"
