"""YouTube's account settings (``accounts.youtube.<name>``) and the addresses it talks to."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, SecretStr, field_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings
from socialpost.timeutil import coerce_duration, format_duration

API_URL = "https://youtube.googleapis.com/"
TOKEN_URL = "https://oauth2.googleapis.com/token"
AUTH_URL = "https://accounts.google.com/o/oauth2/auth"
AUDIT_FORM = "https://support.google.com/youtube/contact/yt_api_form"
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtube.force-ssl",
)
CHUNK_UNIT = 256 * 1024  # resumable chunks must be multiples of 256 KiB


Duration = Annotated[timedelta, BeforeValidator(coerce_duration), PlainSerializer(format_duration, return_type=str)]


class YouTubeSettings(AccountSettings):
    client_id: str = Field(description="OAuth client ID of your Google Cloud project (desktop app)")
    client_secret: SecretStr = Field(description="its client secret (secrets.yaml)")
    refresh_token: SecretStr = Field(description="the refresh token from 'accounts add youtube NAME' (secrets.yaml)")
    channel_id: str = Field(description="the channel videos go to (UC…)")
    channel_title: str | None = Field(None, description="the channel's name, for messages")
    upload_ahead: Duration = Field(timedelta(hours=2), description="upload this long before the post's time")
    privacy_after_publish: Literal["public", "unlisted"] = Field(
        "public",
        description="public: private until the post's time, then public (YouTube does it); "
        "unlisted: uploaded unlisted at once (YouTube can only schedule public videos)",
    )
    chunk_size: int = Field(8 * 1024 * 1024, description="bytes per upload request, a multiple of 256 KiB")
    daily_quota: int = Field(10_000, gt=0, description="your project's daily quota in units")
    daily_uploads: int = Field(100, gt=0, description="videos.insert calls a day (its own quota bucket)")
    upload_units: int = Field(0, ge=0, description="units an upload draws from daily_quota (1600 on older projects)")
    notify_subscribers: bool = Field(True, description="tell subscribers about new videos")
    audited: bool | Literal["unknown"] = Field(
        "unknown",
        description="whether the Google Cloud project passed YouTube's API audit (true, false or unknown): "
        "until it does, YouTube keeps every upload private",
    )
    base_url: str = Field(API_URL, description="API root (a proxy or a test server)")
    token_url: str = Field(TOKEN_URL, description="Google's OAuth token endpoint")
    timeout: float = Field(60.0, gt=0, le=600, description="seconds to wait for each request")

    @field_validator("chunk_size")
    @classmethod
    def _chunk(cls, value: int) -> int:
        if value < CHUNK_UNIT or value % CHUNK_UNIT:
            raise ValueError(_("chunk_size must be a multiple of 262144 bytes (256 KiB), e.g. 8388608 (8 MiB)"))
        return value

    @field_validator("channel_id")
    @classmethod
    def _channel(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(_("channel_id is empty; run socialpost accounts add youtube NAME"))
        return value

    @field_validator("upload_ahead")
    @classmethod
    def _ahead(cls, value: timedelta) -> timedelta:
        if value < timedelta(0) or value > timedelta(days=7):
            raise ValueError(_("upload_ahead must be between 0 and 7 days (YouTube keeps upload sessions a week)"))
        return value
