"""A Facebook Page account's settings (``accounts.facebook.<name>``)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings
from socialpost.networks.common.meta import GRAPH_URL, graph_version_setting

DEFAULT_METRICS = {"views": "post_media_view", "clicks": "post_clicks"}


class FacebookSettings(AccountSettings):
    page_id: str = Field(min_length=1, description="the Page's numeric id")
    page_access_token: SecretStr = Field(description="a Page access token (secrets.yaml)")
    graph_version: str | None = Field(None, description="Graph API version, e.g. v24.0; unset: socialpost's")
    base_url: str = Field(GRAPH_URL, description="Graph API host (a proxy or a test server)")
    insights_metrics: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_METRICS),
        description="socialpost metric → Graph post insights metric; {} to skip insights",
    )
    timeout: float = Field(30.0, gt=0, le=300, description="seconds to wait for Facebook")

    @field_validator("graph_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        return graph_version_setting(value)

    @field_validator("page_id")
    @classmethod
    def _page_id(cls, value: str) -> str:
        value = value.strip()
        if not value.isdigit():
            raise ValueError(_("the Page id is the Page's number (see the Page's About, or 'accounts add')"))
        return value

    @field_validator("insights_metrics")
    @classmethod
    def _metrics(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - {"views", "clicks"}
        if unknown:
            raise ValueError(
                _("insights can give 'views' and 'clicks', not {names}").format(names=", ".join(sorted(unknown)))
            )
        return value
