"""Mastodon (any instance) through Mastodon.py.

Posts, threads (each part a reply to the previous one) and images or videos with alt text, with the
account's visibility and language. Every status is created with an ``Idempotency-Key`` header (the
post's key, and ``<key>-<n>`` for thread part n), so sending again after an answer we did not see
returns the statuses the instance already made instead of new ones: the adapter is idempotent.
Mastodon keeps those keys for about an hour; later, :meth:`MastodonNetwork.reconcile` looks for the
post among the account's own statuses.

The instance's limits (characters per post, characters a link counts for, media per post, file
sizes, alt-text length) are read from ``/api/v2/instance`` and cached for a day in
``<data dir>/cache/mastodon-<account name>.json``; every post is checked against them before
anything is uploaded.

A video (GIF, sound) is processed by the instance in the background: the adapter waits for it at
most MEDIA_WAIT_SECONDS per attempt and remembers the upload
(:mod:`socialpost.networks.mastodon.state`), so the next attempt waits for the same attachment
instead of uploading the file again.

Mastodon.py is imported only when an account of this network is used.

The package's parts: settings.py (the account's settings), client.py (the Mastodon.py client and
error translation), limits.py (the instance's limits and their cache), state.py (uploads remembered
between attempts), media.py (uploading and waiting), publish.py (checks, publishing,
reconciliation), metrics.py, inbox.py (replies and answering), setup.py (`accounts add`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from socialpost.i18n import N_, _, ngettext
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.capabilities import (
    AccountLimits,
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    Reconciler,
    Replier,
)
from socialpost.networks.health import AccountHealth, origin_of
from socialpost.networks.mastodon.inbox import InboxPart
from socialpost.networks.mastodon.limits import MastodonLimits, _megabytes, limits_from_instance
from socialpost.networks.mastodon.media import MEDIA_WAIT_SECONDS
from socialpost.networks.mastodon.metrics import MetricsPart
from socialpost.networks.mastodon.publish import KEY_LIFETIME
from socialpost.networks.mastodon.settings import MastodonSettings, mastodon_rule, normalise_instance_url
from socialpost.networks.mastodon.setup import guided_setup
from socialpost.networks.profile import MB, REPLIES, AdviceFacts, MediaLimits, NetworkProfile, PreviewLook


class MastodonNetwork(
    InboxPart, MetricsPart, Reconciler, AccountLimits, MetricsReader, InboxReader, Replier, GuidedSetup, HealthCheck
):
    profile = NetworkProfile(
        name="mastodon",
        title="Mastodon",
        settings_model=MastodonSettings,
        length=mastodon_rule(),  # Mastodon's default; each instance may allow more (see limits())
        media=MediaLimits(4, 16 * MB, 99 * MB, 16 * MB),
        advice=AdviceFacts(hashtags=5),
        idempotent=True,
        colour="#6364ff",
        look=PreviewLook(
            card=REPLIES, name="Mastodon", link_colour="#6364ff", link_shown=30, content_warning="spoiler_text"
        ),
    )

    settings: MastodonSettings

    def api_origin(self) -> str | None:
        return origin_of(self.settings.api_base_url)

    def health(self) -> AccountHealth:
        me = self._whoami()
        limits = self.limits()
        domain = limits.domain or urlsplit(self.settings.api_base_url).netloc
        # The keys are also the JSON of `accounts test --json`: marked (N_), never translated here.
        details = {
            N_("instance"): self.settings.api_base_url,
            N_("visibility"): self.settings.visibility,
            N_("language"): self.settings.language or _("detected by Mastodon"),
            N_("characters per post"): str(limits.max_characters),
            N_("characters per link"): str(limits.characters_reserved_per_url),
            N_("media per post"): str(limits.max_media_attachments),
            N_("image size limit"): _megabytes(limits.image_size_limit),
            N_("video size limit"): _megabytes(limits.video_size_limit),
            N_("alt text limit"): ngettext("{count} character", "{count} characters", limits.description_limit).format(
                count=limits.description_limit
            ),
        }
        if limits.version:
            details[N_("Mastodon version")] = limits.version
        if self.settings.spoiler_text:
            details[N_("content warning")] = self.settings.spoiler_text
        return AccountHealth(self.account, f"@{me.get('username') or me.get('acct')}@{domain}", details)

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        return guided_setup(ui)


__all__ = [
    "KEY_LIFETIME",
    "MEDIA_WAIT_SECONDS",
    "MastodonLimits",
    "MastodonNetwork",
    "MastodonSettings",
    "limits_from_instance",
    "mastodon_rule",
    "normalise_instance_url",
]
