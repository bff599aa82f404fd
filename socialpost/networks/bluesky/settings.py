"""A Bluesky account's settings: handle, app password, PDS, language, link cards."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from socialpost.i18n import N_, _
from socialpost.networks.base import AccountSettings

DEFAULT_PDS = "https://bsky.social"
APP_PASSWORDS_URL = "https://bsky.app/settings/app-passwords"
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")

HOW_TO_APP_PASSWORD = N_(
    "Create an app password in Bluesky: Settings → Privacy and security → App passwords → "
    "Add App Password ({url}), then run 'socialpost accounts add bluesky NAME' again "
    "(or put it in secrets.yaml as app_password)."
)


def how_to_app_password() -> str:
    """:data:`HOW_TO_APP_PASSWORD` in the active language, with the address filled in."""
    return _(HOW_TO_APP_PASSWORD).format(url=APP_PASSWORDS_URL)


class BlueskySettings(AccountSettings):
    handle: str = Field(description="your handle, e.g. you.bsky.social (or your DID)")
    app_password: SecretStr = Field(description="an app password (Settings → Privacy and security → App passwords)")
    pds_url: str = Field(DEFAULT_PDS, description="your PDS; the default suits every bsky.social account")
    language: str | None = Field(
        None, description="language of your posts when a campaign names none, e.g. fr (default: none, apps guess)"
    )
    link_cards: bool = Field(True, description="show a preview card for the first link of a post")
    allow_private_links: bool = Field(
        False, description="only for a test server: let link cards fetch pages on private and loopback addresses"
    )

    @field_validator("handle")
    @classmethod
    def _handle(cls, value: str) -> str:
        value = value.strip().removeprefix("@").strip()
        if not value or any(c.isspace() for c in value):
            raise ValueError(_("give your Bluesky handle, for example you.bsky.social"))
        return value if value.startswith("did:") else value.lower()

    @field_validator("pds_url")
    @classmethod
    def _pds(cls, value: str) -> str:
        value = value.strip().rstrip("/").removesuffix("/xrpc")
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(_("the PDS URL must start with https:// (for example https://bsky.social)"))
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _LANGUAGE.match(value.strip()):
            raise ValueError(_("give a language code such as en, fr or pt-BR"))
        return value.strip()
