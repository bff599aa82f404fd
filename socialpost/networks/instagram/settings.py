"""An Instagram account's settings, and the Graph hosts and versions it talks to.

Two ways in, as Meta offers them (developers.facebook.com/docs/instagram-platform/overview):

* ``login: instagram`` (default) — Instagram API with Instagram Login, on ``graph.instagram.com``,
  with an Instagram user access token (long-lived: 60 days, refreshed with
  ``GET /refresh_access_token`` once it is at least 24 hours old);
* ``login: facebook`` — Instagram API with Facebook Login for Business, on ``graph.facebook.com``,
  for an Instagram professional account linked to a Facebook Page, with a Page's token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings
from socialpost.networks.common.meta import graph_version_setting, graph_versions

HOSTS = {"instagram": "https://graph.instagram.com", "facebook": "https://graph.facebook.com"}
UPLOAD_HOST = "https://rupload.facebook.com"  # videos by the resumable upload (Facebook Login for Business)
# Both hosts serve the Graph versions (v24.0 came out 2025-10-08, served until 2028-02-18; see
# socialpost.networks.facebook for the rule); a retired version is answered as the oldest served.
API_VERSIONS = graph_versions("instagram")


class InstagramSettings(AccountSettings):
    user_id: str = Field(min_length=1, description="the Instagram professional account's numeric id")
    access_token: SecretStr = Field(description="an Instagram (or, with login: facebook, a Page) token (secrets.yaml)")
    login: Literal["instagram", "facebook"] = Field(
        "instagram",
        description="instagram: Instagram Login (graph.instagram.com); facebook: Facebook Login for Business",
    )
    token_expires_at: datetime | None = Field(
        None, description="when the long-lived token expires (accounts add writes it; refreshed before then)"
    )
    publish_as: Literal["feed", "story"] = Field(
        "feed", description="feed: posts, carousels and Reels; story: each post's media as Stories"
    )
    share_reels_to_feed: bool = Field(True, description="a Reel also appears in the profile's feed grid")
    graph_version: str | None = Field(None, description="Graph API version, e.g. v24.0; unset: socialpost's")
    base_url: str | None = Field(None, description="API host (a proxy or a test server); unset: the login's")
    upload_url: str | None = Field(
        None, description="where videos are uploaded with Facebook Login (a test server); unset: rupload.facebook.com"
    )
    max_wait: float = Field(60.0, gt=0, le=600, description="seconds to wait for Meta to process media")
    timeout: float = Field(30.0, gt=0, le=300, description="seconds to wait for Instagram")

    @field_validator("graph_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        return graph_version_setting(value)

    @field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        value = value.strip()
        if not value.isdigit():
            raise ValueError(_("the Instagram user id is a number (docs/networks/instagram.md says where to find it)"))
        return value

    @property
    def host(self) -> str:
        return (self.base_url or HOSTS[self.login]).rstrip("/")

    @property
    def upload_host(self) -> str:
        """Meta's upload server for the resumable upload (Facebook Login for Business only)."""
        return (self.upload_url or UPLOAD_HOST).rstrip("/")
