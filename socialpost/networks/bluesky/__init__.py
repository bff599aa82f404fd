"""Bluesky (AT Protocol) through the ``atproto`` SDK: text with links, #tags and @mentions, up to
four images with alt text, link cards, threads, and likes/reposts/replies/quotes as metrics.

Idempotency by construction: the server never chooses a record key. Part ``i`` of a post is
created with ``com.atproto.repo.createRecord`` under a TID record key derived from the post's
idempotency key, ``i`` and the post's due time (:func:`socialpost.networks.bluesky.tid.record_key`),
and every part is looked up with ``com.atproto.repo.getRecord`` before it is created. Sending a post
again after a crash or a lost answer therefore finds the parts that are already online and creates
only the missing ones; a record key can hold one record only, so a second copy cannot appear. That
is why the adapter declares ``idempotent = True``, and why :meth:`BlueskyNetwork.reconcile` can
settle an unseen outcome by record key.

Logging in (``createSession``) is limited to 30 per 5 minutes per account, so the session is kept
in ``<data_dir>/sessions/bluesky-<name>.session`` (mode 0600) and reused; the SDK refreshes it and
every refresh is written back. It is never logged.

The package's parts: settings.py, state.py (the saved session), client.py (the SDK client, session
recovery and error translation), media.py (images and link cards), publish.py (+ reconcile),
metrics.py, inbox.py (replies and answering), setup.py (`accounts add`), facets.py (links, tags,
mentions) and tid.py (record keys).
"""

from __future__ import annotations

import shlex

from socialpost.i18n import N_, _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.bluesky.inbox import InboxPart
from socialpost.networks.bluesky.media import MAX_IMAGE_BYTES, prepare_image
from socialpost.networks.bluesky.metrics import MetricsPart, to_at_uri
from socialpost.networks.bluesky.preview import rich_text
from socialpost.networks.bluesky.settings import BlueskySettings
from socialpost.networks.bluesky.setup import guided_setup
from socialpost.networks.capabilities import GuidedSetup, HealthCheck, InboxReader, MetricsReader, Reconciler, Replier
from socialpost.networks.common.images import PreparedImage
from socialpost.networks.common.linkcard import CARD_MAX_IMAGE_BYTES, PageCard, fetch_card, fetch_image
from socialpost.networks.health import AccountHealth, HealthWarning, origin_of
from socialpost.networks.profile import MB, REPLIES, AdviceFacts, MediaLimits, NetworkProfile, PreviewLook
from socialpost.text.count import graphemes, utf8_bytes
from socialpost.text.rules import BYTES, GRAPHEMES, LengthRule


class BlueskyNetwork(InboxPart, MetricsPart, Reconciler, MetricsReader, InboxReader, Replier, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="bluesky",
        title="Bluesky",
        settings_model=BlueskySettings,
        length=LengthRule("bluesky", ((GRAPHEMES, 300, graphemes), (BYTES, 3000, utf8_bytes))),
        media=MediaLimits(4, 50 * MB, 50 * MB, 50 * MB),  # larger images are re-encoded, not refused
        advice=AdviceFacts(hashtags=3),
        idempotent=True,  # per-part record keys + getRecord before createRecord (module docstring)
        colour="#1185fe",
        look=PreviewLook(
            card=REPLIES, name="Bluesky", link_colour="#1185fe", link_shown=25, rich_text=rich_text, link_card=True
        ),
    )

    settings: BlueskySettings

    def api_origin(self) -> str | None:
        return origin_of(self.settings.pds_url)

    def health(self) -> AccountHealth:
        answer = self._call(_("checking the account"), lambda c: c.com.atproto.server.get_session())
        pds = str(getattr(self._session, "pds_endpoint", None) or self.settings.pds_url).removesuffix("/xrpc")
        # The keys are also the JSON of `accounts test --json`: marked (N_), never translated here.
        details = {N_("handle"): str(answer.handle), "DID": str(answer.did), "PDS": pds}
        warnings: tuple[HealthWarning, ...] = ()
        if self.uses_main_password:
            details[N_("password")] = _("the account's main password: replace it with an app password")
            warnings = (
                HealthWarning(
                    _("it signs in with {password}").format(password=details[N_("password")]),
                    _("Use an app password: {command}").format(
                        command=f"socialpost accounts add bluesky {shlex.quote(self.account.partition(':')[2])}"
                    ),
                ),
            )
        else:
            details[N_("password")] = _("app password")
        return AccountHealth(self.account, f"@{answer.handle}", details, warnings=warnings)

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        return guided_setup(cls, ui, account=account, context=context)


__all__ = [
    "CARD_MAX_IMAGE_BYTES",
    "MAX_IMAGE_BYTES",
    "BlueskyNetwork",
    "BlueskySettings",
    "PageCard",
    "PreparedImage",
    "fetch_card",
    "fetch_image",
    "prepare_image",
    "to_at_uri",
]
