"""The ``engagement:`` section of the config file.

:func:`engagement_settings` reads it from the settings (``Settings.engagement``) when it is there and
falls back to the defaults otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from socialpost.i18n import _
from socialpost.timeutil import coerce_duration, format_duration

DEFAULT_AGES = (timedelta(hours=1), timedelta(hours=24), timedelta(days=7), timedelta(days=30))


class EngagementSettings(BaseModel):
    """When metrics are read, and how many reads an account may spend a day."""

    model_config = ConfigDict(extra="forbid")

    ages: list[timedelta] = Field(
        default_factory=lambda: list(DEFAULT_AGES),
        description="snapshot each sent post at these ages after posting (e.g. [1h, 24h, 7d, 30d])",
    )
    every: timedelta = Field(timedelta(minutes=10), description="how often the daemon looks for due snapshots")
    reads_per_day: int | None = Field(
        1000, ge=0, description="posts read for metrics per account per UTC day, at most (null: no limit)"
    )
    reads_per_day_overrides: dict[str, int] = Field(
        default_factory=dict, description="reads_per_day per network ('x') or account ('x:acme')"
    )
    batch_size: int = Field(100, ge=1, le=1000, description="posts handed to a network adapter in one call")

    @field_validator("ages", mode="before")
    @classmethod
    def _ages(cls, value: Any) -> Any:
        if value is None:
            return list(DEFAULT_AGES)
        if not isinstance(value, list | tuple):
            raise ValueError(_("ages is a list of durations. Fix: write it like [1h, 24h, 7d, 30d]"))
        ages = sorted({coerce_duration(v) for v in value})
        if not ages or ages[0] <= timedelta(0):
            raise ValueError(_("ages must be longer than 0. Fix: write it like [1h, 24h, 7d, 30d]"))
        return ages

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: Any) -> timedelta:
        every = coerce_duration(value)
        if every < timedelta(seconds=10):
            raise ValueError(_("every must be 10s or longer. Fix: write it like 10m"))
        return every

    @field_validator("reads_per_day_overrides")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        for key, reads in value.items():
            if reads < 0:
                raise ValueError(
                    _("the read budget for '{key}' is negative. Fix: give 0 or more posts a day").format(key=key)
                )
        return value

    @field_serializer("ages")
    def _show_ages(self, ages: list[timedelta]) -> list[str]:
        return [format_duration(a) for a in ages]

    @field_serializer("every")
    def _show_every(self, every: timedelta) -> str:
        return format_duration(every)

    def budget(self, account: str) -> int | None:
        """Posts ``account`` may read a UTC day: its own override, else its network's, else the default."""
        overrides = self.reads_per_day_overrides
        if account in overrides:
            return overrides[account]
        return overrides.get(account.split(":", 1)[0], self.reads_per_day)


def engagement_settings(settings: object) -> EngagementSettings:
    """``settings.engagement`` when the config carries it, else the defaults."""
    found = getattr(settings, "engagement", None)
    if isinstance(found, EngagementSettings):
        return found
    if isinstance(found, BaseModel):  # the config's own copy of the model
        return EngagementSettings.model_validate(found.model_dump())
    if isinstance(found, dict):
        return EngagementSettings.model_validate(found)
    return EngagementSettings()
