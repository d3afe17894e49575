"""Job schemas built from what a user typed, and the summaries jobs leave on their records.

    job = parse_fields(EditJob, fields)     every bad field named with its rule, as one InvalidOptions
    model: Annotated[str, one_of(EDITORS, "editor")]     a field naming an entry of a registry
    EditSummary(...).to_dict()              a job's JobRecord.result (JSON); EditSummary.from_dict(record.result)

A schema may say where a field sits as its users write it (`wire_location`), for settings nested in the
model but sent flat (workers.generation): the message then names the field the user sent.
"""

from __future__ import annotations

from typing import Mapping, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from pipelines.errors import InvalidOptions

Schema = TypeVar("Schema", bound=BaseModel)
Read = TypeVar("Read", bound="Summary")


def parse_fields(schema: type[Schema], fields: dict) -> Schema:
    try:
        return schema(**fields)
    except ValidationError as exc:
        locate = getattr(schema, "wire_location", tuple)
        problems = "; ".join(_problem(e, locate(e["loc"])) for e in exc.errors())
        raise InvalidOptions(problems) from None


def _problem(error: dict, location: tuple) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if not location:  # a rule across fields: its own message names the values
        return message
    return f"{'.'.join(map(str, location))}: {message} (got {error['input']!r})"


def one_of(registry: Mapping[str, object], what: str) -> AfterValidator:
    """A field's rule: name an entry of `registry` ("unknown <what> 'x'; available: a, b")."""

    def check(value: str) -> str:
        if value not in registry:
            raise ValueError(f"unknown {what} {value!r}; available: {', '.join(registry)}")
        return value

    return AfterValidator(check)


class Summary(BaseModel):
    """What a finished job says about its result (JobRecord.result): JSON on the wire, typed where it is made
    and read. Unknown keys are ignored on reading, so a record written by a newer worker still reads."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    file_name: str
    media_type: str

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls: type[Read], data: Mapping) -> Read:
        return cls.model_validate(dict(data))
