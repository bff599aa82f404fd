"""Facebook Pages through the Graph API, over plain httpx.

Why not ``facebook-sdk``: its 3.1.0 release (2018, the newest) accepts only Graph versions 2.8–3.1,
all long retired, and rejects any two-digit version. The Graph calls a Page needs are few, so this
package makes them itself, with the version (``graph_version``) and host (``base_url``) as settings.

Graph versions: :data:`API_VERSIONS` declares the version socialpost uses (``v24.0``), when it
was checked and its sunset (:func:`socialpost.networks.common.meta.graph_versions`). Meta answers a
call to a retired version as the oldest version it still serves ("calls made to it will be
defaulted to the next oldest usable version", Graph API versioning guide), so a retired
``graph_version`` pin does not break posting: it is a warning in the log, ``accounts test`` and
``doctor``.

The parts (docs/networks/facebook.md has the user's view): :mod:`.settings`, :mod:`.client`
(Graph requests, batch calls, Graph's errors in a Page's words; the Graph pieces Instagram and
Threads share are in :mod:`socialpost.networks.common.meta`), :mod:`.publish` (+ reconcile),
:mod:`.media` (photos), :mod:`.metrics`, :mod:`.inbox` (comments and answers), :mod:`.health`
and :mod:`.setup`.
"""

from __future__ import annotations

from typing import Any

from socialpost.i18n import N_
from socialpost.networks.capabilities import (
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    Reconciler,
    Replier,
)
from socialpost.networks.common.meta import GraphNotFound
from socialpost.networks.common.read_pause import ReadPause
from socialpost.networks.facebook.client import API_VERSIONS, graph_error
from socialpost.networks.facebook.health import Health
from socialpost.networks.facebook.inbox import MAX_COMMENT, Comments
from socialpost.networks.facebook.metrics import PostMetrics
from socialpost.networks.facebook.publish import MAX_MESSAGE, Publishing
from socialpost.networks.facebook.settings import FacebookSettings
from socialpost.networks.facebook.setup import Setup
from socialpost.networks.profile import FEED, MB, AdviceFacts, MediaLimits, NetworkProfile, PreviewLook
from socialpost.text.rules import characters

__all__ = ["API_VERSIONS", "FacebookNetwork", "FacebookSettings", "GraphNotFound", "graph_error"]


class FacebookNetwork(
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
        name="facebook",
        title=N_("Facebook Page"),
        settings_model=FacebookSettings,
        length=characters("facebook", MAX_MESSAGE),
        reply_length=characters("facebook", MAX_COMMENT),  # a comment is shorter than a post
        media=MediaLimits(10, 10 * MB, 1024 * MB, 10 * MB),
        advice=AdviceFacts(hashtags=3),
        threads=False,
        idempotent=False,
        api_version=API_VERSIONS,
        colour="#1877f2",
        look=PreviewLook(card=FEED, name="Facebook", link_card=True, fold_at=480, see_more=True, square_avatar=True),
    )

    settings: FacebookSettings

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._read_pause = ReadPause(self.context.clock)
