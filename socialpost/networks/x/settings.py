"""The settings of an X account: OAuth 1.0a keys or an OAuth 2.0 user token, and the limits on reads
(X bills every post read)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field, HttpUrl, SecretStr, field_validator, model_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings
from socialpost.networks.x.media import API_HOST

DEFAULT_BASE_URL = API_HOST


class XSettings(AccountSettings):
    # OAuth 1.0a user context (the app's API Key and Secret, the account's Access Token and Secret)
    consumer_key: SecretStr | None = Field(None, description="API Key (OAuth 1.0a)")
    consumer_secret: SecretStr | None = Field(None, description="API Key Secret (OAuth 1.0a)")
    access_token: SecretStr | None = Field(None, description="Access Token (OAuth 1.0a)")
    access_token_secret: SecretStr | None = Field(None, description="Access Token Secret (OAuth 1.0a)")
    # OAuth 2.0 Authorization Code with PKCE (user token)
    client_id: str | None = Field(None, description="OAuth 2.0 Client ID")
    client_secret: SecretStr | None = Field(None, description="OAuth 2.0 Client Secret (confidential clients)")
    oauth2_access_token: SecretStr | None = Field(None, description="OAuth 2.0 user access token")
    oauth2_refresh_token: SecretStr | None = Field(None, description="OAuth 2.0 refresh token (offline.access)")
    oauth2_expires_at: datetime | None = Field(None, description="when the OAuth 2.0 access token expires")

    base_url: HttpUrl = Field(HttpUrl(DEFAULT_BASE_URL), description="X API address (proxies, tests)")
    timeout: float = Field(30.0, gt=0, le=600, description="seconds to wait for X on each request")
    media_processing_timeout: float = Field(600.0, gt=0, description="seconds to wait for X to process a video")
    collect_metrics: bool = Field(False, description="read engagement metrics (X bills every post read)")
    max_metric_reads_per_day: int = Field(200, ge=0, description="posts read for metrics per UTC day, at most")
    max_reply_reads_per_day: int = Field(
        200, ge=0, description="posts read for the inbox per UTC day, at most (X bills reads); 0: no inbox"
    )

    @field_validator("oauth2_expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> XSettings:
        oauth1 = [self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret]
        if any(oauth1):
            if not all(oauth1):
                raise ValueError(
                    _(
                        "OAuth 1.0a needs all four of consumer_key, consumer_secret, access_token and "
                        "access_token_secret"
                    )
                )
            if self.oauth2_access_token:
                raise ValueError(_("set either the OAuth 1.0a keys or an OAuth 2.0 token, not both"))
            return self
        if not self.oauth2_access_token:
            raise ValueError(
                _(
                    "no credentials: set consumer_key, consumer_secret, access_token and access_token_secret "
                    "(OAuth 1.0a) or oauth2_access_token (OAuth 2.0); 'socialpost accounts add x NAME' does it "
                    "for you"
                )
            )
        if self.oauth2_refresh_token and not self.client_id:
            raise ValueError(_("client_id is needed to refresh the OAuth 2.0 token"))
        return self

    @property
    def oauth1(self) -> bool:
        return self.consumer_key is not None
