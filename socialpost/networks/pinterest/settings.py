"""``accounts.pinterest.<name>`` in the config file, and Pinterest's limits (API v5).

Pinterest API v5 (developers.pinterest.com/docs/api/v5): ``POST /v5/pins`` takes a ``board_id``,
a ``title`` (100 characters), a ``description`` (500), a ``link`` (2,048), an ``alt_text`` (500)
and a ``media_source``; socialpost sends the image inline (``image_base64``: JPEG or PNG, so no
public host is needed). Access tokens live 30 days and are renewed with the refresh token
(``POST /v5/oauth/token``, the app's id and secret as HTTP Basic credentials).

An app with *Trial* access creates pins visible only to their creator, through the sandbox
(``api-sandbox.pinterest.com`` with a sandbox token from the app's page); ``sandbox: true`` says
so, and ``doctor`` shows it. Pins everybody sees need *Standard* access, granted by Pinterest.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, SecretStr, field_validator, model_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings
from socialpost.networks.common.api_base import api_base_setting

API_BASE = "https://api.pinterest.com"
SANDBOX_BASE = "https://api-sandbox.pinterest.com"
MAX_TITLE = 100
MAX_DESCRIPTION = 500
MAX_ALT = 500
MAX_LINK = 2048
MAX_IMAGE_BYTES = 20_000_000  # Pinterest's largest image file for a standard pin
IMAGE_TYPES = ("image/jpeg", "image/png")  # what media_source.content_type takes for image_base64


class PinterestSettings(AccountSettings):
    """A Pinterest account reached with an OAuth access token (renewed with its refresh token when
    the app's id and secret are given), or a sandbox token for an app with Trial access."""

    access_token: SecretStr = Field(description="OAuth access token, or the sandbox token (secrets.yaml)")
    refresh_token: SecretStr | None = Field(None, description="renews the access token (secrets.yaml)")
    client_id: str | None = Field(None, description="the app's id (needed to renew the token)")
    client_secret: SecretStr | None = Field(None, description="the app's secret key (secrets.yaml)")
    token_expires_at: datetime | None = Field(None, description="when the access token expires (accounts add)")
    sandbox: bool = Field(False, description="Trial access: pins go to the sandbox, visible only to you")
    api_base: str | None = Field(None, description="the API host; unset: Pinterest's (or its sandbox)")
    timeout: float = Field(30.0, gt=0, le=300, description="seconds to wait for Pinterest")

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = str(value).strip()
        if not value.isdigit():
            raise ValueError(_("client_id must be the app id Pinterest shows (digits)"))
        return value

    @field_validator("api_base")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        return None if value is None else api_base_setting(value)

    @model_validator(mode="after")
    def _renewal(self) -> PinterestSettings:
        if self.refresh_token is not None and (self.client_id is None or self.client_secret is None):
            raise ValueError(
                _("a refresh_token needs client_id and client_secret (the app's) to renew the access token")
            )
        return self

    @property
    def base(self) -> str:
        """The API's scheme://host[:port] this account talks to."""
        return self.api_base or (SANDBOX_BASE if self.sandbox else API_BASE)

    @property
    def renews(self) -> bool:
        return self.refresh_token is not None
