"""The campaign file format as pydantic models (also the source of the JSON Schema)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator

from socialpost.timeutil import format_duration, parse_duration, parse_wall_time, zone

ACCOUNT_REF = re.compile(r"^(?P<network>[a-z][a-z0-9_-]*):(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]*)$")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


def _wall_time(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a date and time. Fix: write it like 2026-03-02 09:00")
    return parse_wall_time(value)


def _duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str | int | float):
        raise ValueError("expected a duration. Fix: write it like 15m, 2h or 1d")
    return parse_duration(value)


WallTime = Annotated[
    datetime,
    BeforeValidator(_wall_time),
    PlainSerializer(lambda v: v.strftime("%Y-%m-%d %H:%M"), return_type=str),
    Field(json_schema_extra={"type": "string", "examples": ["2026-03-02 09:00"]}),
]
Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    PlainSerializer(format_duration, return_type=str),
    Field(json_schema_extra={"type": "string", "examples": ["15m", "2h", "1d"]}),
]


def _account_ref(value: object) -> str:
    if not isinstance(value, str) or not ACCOUNT_REF.match(value):
        raise ValueError(
            f"'{value}' is not an account. Fix: write it as network:name in lower case, "
            "like outbox:demo or mastodon:acme"
        )
    return value


AccountRef = Annotated[str, BeforeValidator(_account_ref)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=False)


class LatePolicy(_Strict):
    """What the daemon does with a post whose time passed while no daemon was running."""

    within: Duration = Field(timedelta(minutes=15), description="still post if at most this late")
    else_: Literal["skip", "post", "hold"] = Field(
        "skip",
        alias="else",
        description="later than 'within': skip (mark missed), post anyway, or hold for the user",
    )


class Post(_Strict):
    """One post of a campaign, sent to each of the campaign's (or its own) accounts."""

    id: str = Field(
        pattern=NAME_PATTERN,
        max_length=100,
        description="stable key: editing the file updates this post, never duplicates it",
    )
    at: WallTime = Field(description="local date and time in the campaign's timezone")
    text: str = Field(min_length=1, description="what to publish")
    accounts: list[AccountRef] | None = Field(
        None, min_length=1, description="send to these accounts instead of the campaign's"
    )


class Campaign(_Strict):
    """A campaign file."""

    campaign: str = Field(pattern=NAME_PATTERN, max_length=100, description="the campaign's unique name")
    timezone: str = Field(description="IANA zone the times are written in, like America/Montreal")
    accounts: list[AccountRef] = Field(min_length=1, description="where posts go, as network:name")
    late: LatePolicy = Field(default_factory=LatePolicy)
    posts: list[Post] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value


def fields_at(loc: tuple[str | int, ...]) -> list[str]:
    """Key names allowed at ``loc`` in a campaign file (for "did you mean")."""
    model: type[BaseModel] = Campaign
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return []
        nested = _model_in(info.annotation)
        if nested is None:
            return []
        model = nested
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
