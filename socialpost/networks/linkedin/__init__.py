"""LinkedIn members and organisation pages through the REST Posts API, over plain httpx.

No SDK: LinkedIn's REST API is a handful of JSON calls, each with the ``LinkedIn-Version: YYYYMM``
header and ``X-Restli-Protocol-Version: 2.0.0``. LinkedIn retires each monthly version after about
a year and then answers ``426 NONEXISTENT_VERSION``: :data:`API_VERSIONS` declares that policy
(:mod:`socialpost.networks.api_version`). Without ``linkedin_version`` in the config an account
sends last month's version; a refused version (a retired pin, say) is replaced by a served one,
recorded in the account's state and logged, and the request goes out again — a post never fails
for it.

The parts: :mod:`.settings` (the account's settings), :mod:`.client` (requests, versions, errors),
:mod:`.publish` (posts, the little text format, reconcile), :mod:`.media` (images),
:mod:`.state` (uploads kept for a retry), :mod:`.metrics`, :mod:`.inbox` (comments and answers),
:mod:`.health` and :mod:`.setup` (3-legged OAuth with a loopback redirect).
"""

from __future__ import annotations

import time
from typing import Any

from socialpost.networks.capabilities import (
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    Reconciler,
    Replier,
)
from socialpost.networks.common.read_pause import ReadPause
from socialpost.networks.linkedin.client import API_VERSIONS, linkedin_error, linkedin_said, post_url, version_refused
from socialpost.networks.linkedin.health import Health
from socialpost.networks.linkedin.inbox import MAX_COMMENT, Comments, comment_url
from socialpost.networks.linkedin.metrics import PostMetrics
from socialpost.networks.linkedin.publish import MAX_COMMENTARY, Publishing, escape_commentary
from socialpost.networks.linkedin.settings import LinkedInSettings
from socialpost.networks.linkedin.setup import Setup
from socialpost.networks.profile import FEED, MB, AdviceFacts, MediaLimits, NetworkProfile, PreviewLook
from socialpost.text.rules import characters

__all__ = [
    "API_VERSIONS",
    "LinkedInNetwork",
    "LinkedInSettings",
    "comment_url",
    "escape_commentary",
    "linkedin_error",
    "linkedin_said",
    "post_url",
    "version_refused",
]


class LinkedInNetwork(
    Publishing,
    PostMetrics,
    Comments,
    Health,
    Setup,
    Reconciler,
    MetricsReader,
    InboxReader,
    Replier,
    GuidedSetup,
    HealthCheck,
):
    profile = NetworkProfile(
        name="linkedin",
        title="LinkedIn",
        settings_model=LinkedInSettings,
        length=characters("linkedin", MAX_COMMENTARY),
        reply_length=characters("linkedin", MAX_COMMENT),  # a comment is shorter than a post
        media=MediaLimits(20, 8 * MB, 200 * MB, 8 * MB),
        advice=AdviceFacts(hashtags=5),
        threads=False,
        idempotent=False,
        api_version=API_VERSIONS,
        colour="#0a66c2",
        look=PreviewLook(
            card=FEED,
            name="LinkedIn",
            link_colour="#0a66c2",
            link_card=True,
            fold_at=210,
            see_more=True,
            square_avatar=True,
        ),
    )

    settings: LinkedInSettings

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._read_pause = ReadPause(self.context.clock)
        self._uploads = self.context.state_dir("uploads", self.account)
        # how the adapter waits for LinkedIn to process images (tests replace both)
        self.sleep = time.sleep
        self.monotonic = time.monotonic
