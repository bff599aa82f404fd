"""A Mastodon account's settings: the instance's address, the token, visibility, language."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings
from socialpost.text.count import mastodon_length
from socialpost.text.rules import CHARACTERS, LengthRule

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
_LANGUAGE = re.compile(r"[a-z]{2,3}")


def normalise_instance_url(value: str) -> str:
    """``mastodon.social`` / ``https://mastodon.social/`` → ``https://mastodon.social``.

    Plain ``http://`` is accepted only for this machine (local test servers): a token must never
    cross the internet unencrypted."""
    text = value.strip()
    if not text:
        raise ValueError(_("give your Mastodon instance's address, for example https://mastodon.social"))
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(_("the instance address must look like https://mastodon.social"))
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(_("give only the instance's address, like https://mastodon.social (no user, ? or #)"))
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValueError(_("use https:// for the instance address (http:// is only for local test servers)"))
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def mastodon_rule(limit: int | None = None, url_length: int | None = None) -> LengthRule:
    """Mastodon's length rule: 500 characters by default, each link counted as 23 — or an
    instance's own figures (``/api/v2/instance``)."""
    length = url_length or 23
    return LengthRule("mastodon", ((CHARACTERS, limit or 500, lambda t: mastodon_length(t, url_length=length)),))


class MastodonSettings(AccountSettings):
    api_base_url: str = Field(description="your instance's address, e.g. https://mastodon.social")
    access_token: SecretStr = Field(description="the account's access token (kept in secrets.yaml)")
    visibility: Literal["public", "unlisted", "private"] = Field(
        "public", description="who sees the posts: public, unlisted (not in public timelines), private (followers)"
    )
    language: str | None = Field(None, description="ISO 639 code of the posts' language (e.g. en, fr)")
    spoiler_text: str | None = Field(None, description="a content warning shown before every post")
    timeout: float = Field(60.0, gt=0, le=600, description="seconds to wait for the instance")
    client_id: SecretStr | None = Field(None, description="the app registered on the instance (set-up keeps it)")
    client_secret: SecretStr | None = Field(None, description="the app's secret (set-up keeps it)")

    @field_validator("api_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return normalise_instance_url(value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().lower()
        if not _LANGUAGE.fullmatch(value):
            raise ValueError(_("language must be an ISO 639 code such as en, fr or de"))
        return value

    @field_validator("spoiler_text")
    @classmethod
    def _spoiler(cls, value: str | None) -> str | None:
        return value if value and value.strip() else None
