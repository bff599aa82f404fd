"""The webhook's account settings (``accounts.webhook.<name>``): where to POST, and how media travel."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl, field_validator, model_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings
from socialpost.redaction import PUBLIC_HEADERS, SecretValues

# Inline media per request by default: base64 makes the body ~9.4 MB, under Zapier's 10 MB
# (n8n takes 16 MB; Make 5 MB: set 3,500,000 there).
INLINE_MEDIA_MAX_BYTES = 7_000_000


class WebhookSettings(AccountSettings):
    # Both may hold a token (redacted everywhere, see socialpost.redaction): the whole URL, and every
    # header's value but those of the public vocabulary (Content-Type, User-Agent…).
    url: Annotated[HttpUrl, SecretValues()] = Field(
        description="where to POST; use ${ENV_VAR} if the URL holds a secret token"
    )
    timeout: float = Field(10.0, gt=0, le=300, description="seconds to wait for the receiver")
    headers: Annotated[dict[str, str], SecretValues(except_keys=PUBLIC_HEADERS)] = Field(
        default_factory=dict, description="extra request headers"
    )
    inline_media_max_bytes: int = Field(
        INLINE_MEDIA_MAX_BYTES,
        ge=0,
        description="media sent inline (base64) in one request, all files together, at most this many bytes "
        "(the request is about 4/3 of it); a post with more fails, unless media go as links (media_base_url)",
    )
    media_base_url: HttpUrl | None = Field(
        None, description="the public address of media_folder: with it, media go as links instead of inline"
    )
    media_folder: str | None = Field(
        None,
        description="the folder your web server publishes at media_base_url; socialpost copies each media "
        "file there, named by its content (relative to the config file's folder)",
    )

    @model_validator(mode="after")
    def _links_need_both(self) -> WebhookSettings:
        if (self.media_base_url is None) != (self.media_folder is None):
            raise ValueError(
                _(
                    "media_base_url and media_folder go together: socialpost copies media into media_folder and "
                    "sends their address under media_base_url"
                )
            )
        return self

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: HttpUrl) -> HttpUrl:
        if value.scheme not in ("http", "https"):
            raise ValueError(_("the webhook URL must start with http:// or https://"))
        return value
