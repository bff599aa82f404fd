"""``accounts.threads.<name>`` in the config file, and what a Threads account is (its profile).

Threads (graph.threads.net, developers.facebook.com/docs/threads): 500-character posts; images
(JPEG or PNG, at most 8 MB) and videos (MOV or MP4, at most 1 GB) fetched by Meta from a public
URL, so posts with media need a media host; carousels of 2 to 20 items; threads of parts as
replies (``reply_to_id``); 250 posts published through the API in 24 hours.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, SecretStr, field_validator

from socialpost.i18n import _
from socialpost.networks.base import AccountSettings
from socialpost.networks.common.api_base import api_base_setting
from socialpost.networks.profile import MB, THREAD, AdviceFacts, MediaLimits, NetworkProfile, PreviewLook
from socialpost.networks.threads.checks import CHECKS
from socialpost.text.rules import characters

API_BASE = "https://graph.threads.net"
API_VERSION = "v1.0"
MAX_TEXT = 500
MAX_CAROUSEL = 20
MAX_IMAGE_BYTES = 8 * MB
MAX_VIDEO_BYTES = 1000 * MB


class ThreadsSettings(AccountSettings):
    """A Threads profile reached with a long-lived Threads user access token (60 days; socialpost
    renews it before it expires, once it is a day old)."""

    access_token: SecretStr
    user_id: str = "me"  # the Threads user id; "me" works for every call the adapter makes
    # when the token given in secrets.yaml expires (accounts add writes it); None: not known
    token_expires_at: datetime | None = None
    api_base: str = API_BASE
    api_version: str = API_VERSION
    timeout: float = Field(default=30.0, gt=0, le=300)
    # how long one publish waits for Meta to process media before coming back later
    max_wait_seconds: float = Field(default=60.0, ge=0, le=600)

    @field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        value = value.strip()
        if value != "me" and not value.isdigit():
            raise ValueError(_("user_id must be the Threads user id (digits) or 'me'"))
        return value

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not value.startswith("v") or not value[1:].replace(".", "").isdigit():
            raise ValueError(_("api_version must look like v1.0"))
        return value

    @field_validator("api_base")
    @classmethod
    def _base(cls, value: str) -> str:
        return api_base_setting(value)


def profile() -> NetworkProfile:
    return NetworkProfile(
        name="threads",
        title="Threads",
        settings_model=ThreadsSettings,
        length=characters("threads", MAX_TEXT),
        media=MediaLimits(count=MAX_CAROUSEL, image_bytes=MAX_IMAGE_BYTES, video_bytes=MAX_VIDEO_BYTES, gif_bytes=0),
        advice=AdviceFacts(hashtags=1),  # Threads links one topic tag per post
        threads=True,
        idempotent=False,
        public_media=True,
        post_checks=CHECKS,
        colour="#5b5b5b",
        dark_colour=True,
        look=PreviewLook(card=THREAD, name="Threads", link_shown=30),
    )
