"""A LinkedIn account's settings (``accounts.linkedin.<name>``): who posts, with which token."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings

API_URL = "https://api.linkedin.com"
AUTHOR = re.compile(r"urn:li:(person|organization):([A-Za-z0-9_-]+)")


class LinkedInSettings(AccountSettings):
    author: str = Field(description="urn:li:person:… (a member) or urn:li:organization:… (a page)")
    access_token: SecretStr = Field(description="OAuth access token (secrets.yaml)")
    linkedin_version: str | None = Field(
        None, description="LinkedIn-Version header, YYYYMM; unset: last month's, following LinkedIn's calendar"
    )
    base_url: str = Field(API_URL, description="API host (a proxy or a test server)")
    visibility: Literal["PUBLIC", "CONNECTIONS"] = Field("PUBLIC", description="who sees the posts")
    expires_at: datetime | None = Field(None, description="when the access token expires (set by accounts add)")
    timeout: float = Field(30.0, gt=0, le=300, description="seconds to wait for LinkedIn")

    @field_validator("author")
    @classmethod
    def _author(cls, value: str) -> str:
        value = value.strip()
        if not AUTHOR.fullmatch(value):
            raise ValueError(_("write the author as urn:li:person:ID or urn:li:organization:ID"))
        return value

    @field_validator("linkedin_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = str(value).strip()
        if not re.fullmatch(r"20[0-9]{2}(0[1-9]|1[0-2])", value):
            raise ValueError(_("write the LinkedIn version as YYYYMM, e.g. 202510"))
        return value

    @model_validator(mode="after")
    def _visibility(self) -> LinkedInSettings:
        if self.visibility == "CONNECTIONS" and self.is_organization:
            raise ValueError(_("visibility CONNECTIONS is for members; an organization posts PUBLIC"))
        return self

    @property
    def is_organization(self) -> bool:
        return self.author.startswith("urn:li:organization:")

    @property
    def author_id(self) -> str:
        return self.author.rsplit(":", 1)[1]
