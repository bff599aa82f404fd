"""The ``brand:`` section of the config file: the client's name, colour and logo on the HTML report.

Every key is optional. ``logo`` is a PNG, JPEG, GIF, WebP or SVG file, relative to the config
file's folder; it is checked when the config is read (a missing file is a located error) and
embedded in the page, never linked.
"""

from __future__ import annotations

import re

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from socialpost.i18n import _

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
LOGO_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")


class BrandSettings(BaseModel):
    """The ``brand:`` section of the config file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str | None = Field(None, description="the client's or brand's name, shown on top of the report")
    colour: str | None = Field(
        None,
        validation_alias=AliasChoices("colour", "color"),
        description="an accent colour for the report's headings and bars, as #rrggbb (color: works too)",
    )
    logo: str | None = Field(None, description="a logo file (PNG, JPEG, GIF, WebP or SVG), relative to this file")

    @field_validator("name", "logo")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise ValueError(_("it is empty. Fix: write a value, or remove the line"))
        return value

    @field_validator("colour")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _HEX.match(value.strip()):
            raise ValueError(
                _("'{value}' is not a colour. Fix: write it as #rrggbb, like \"#1d6fa5\" (in quotes)").format(
                    value=value
                )
            )
        return value.strip().lower()

    @field_validator("logo")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().endswith(LOGO_TYPES):
            raise ValueError(
                _("the logo must be a PNG, JPEG, GIF, WebP or SVG file. Fix: give a file ending in {endings}").format(
                    endings=", ".join(LOGO_TYPES)
                )
            )
        return value
