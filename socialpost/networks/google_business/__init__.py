"""Google Business Profile: "What's new", event and offer posts on one location, through the v4
``localPosts`` API over httpx (docs/networks/google-business.md).

Modules, one job each: :mod:`.settings` (account settings, Google's addresses), :mod:`.errors`
(Google's error bodies → the error tree, the unapproved project's 0 quota above all),
:mod:`.client` (the calls, the access token renewed from the refresh token), :mod:`.posts` (a
post → a ``LocalPost``, what ``validate`` asks), :mod:`.publish` (create, reconcile, confirm),
:mod:`.metrics` (views and button clicks) and :mod:`.setup` (the guided ``accounts add``). This
module puts them together with the health check.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from socialpost.i18n import N_, _
from socialpost.networks.base import (
    AccountSettings,
    AccountSetup,
    AdapterContext,
    Network,
    NotPublic,
    NotSent,
    OutgoingPost,
    Published,
    SetupUI,
)
from socialpost.networks.capabilities import GuidedSetup, HealthCheck, MetricsReader, PublishAhead, Reconciler
from socialpost.networks.google_business import metrics
from socialpost.networks.google_business.client import GoogleClient
from socialpost.networks.google_business.posts import CHECKS, MAX_PHOTO, MAX_SUMMARY
from socialpost.networks.google_business.publish import Publisher
from socialpost.networks.google_business.settings import POSTS_URL, GoogleBusinessSettings
from socialpost.networks.google_business.setup import SetupHosts, guided
from socialpost.networks.health import AccountHealth, HealthWarning, origin_of
from socialpost.networks.profile import AdviceFacts, MediaLimits, NetworkProfile
from socialpost.text.rules import characters

__all__ = ["GoogleBusinessNetwork", "GoogleBusinessSettings", "SetupHosts"]


class GoogleBusinessNetwork(Network, Reconciler, MetricsReader, PublishAhead, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="google-business",
        title=N_("Google Business Profile"),
        settings_model=GoogleBusinessSettings,
        length=characters("google-business", MAX_SUMMARY),
        # one photo, JPEG or PNG, 10 KB to 5 MB (the post checks say the rest); no video, no GIF
        media=MediaLimits(count=1, image_bytes=MAX_PHOTO, video_bytes=0, gif_bytes=0),
        advice=AdviceFacts(hashtags=2),  # hashtags are not links on a Business Profile: a few at most
        post_keys=frozenset({"event", "offer", "button"}),
        threads=False,
        idempotent=False,  # Google keeps no idempotency key: reconcile lists the location's posts
        post_checks=CHECKS,
        public_media=True,
        # colour and look: the defaults (grey, the generic preview card under its entry-point name)
    )

    settings: GoogleBusinessSettings
    transport: ClassVar[httpx.BaseTransport | None] = None  # tests may inject one
    setup_hosts: ClassVar[SetupHosts] = SetupHosts()  # where the guided set-up signs in (tests move it)

    def __init__(self, *, account: str, settings: AccountSettings, context: AdapterContext) -> None:
        super().__init__(account=account, settings=settings, context=context)
        assert isinstance(settings, GoogleBusinessSettings)
        self.settings = settings
        self.call = GoogleClient(settings, account=account, clock=context.clock, transport=self.transport)
        self.publisher = Publisher(self.call, settings, context, account)

    def publish(self, post: OutgoingPost) -> Published:
        return self.publisher.publish(post)

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        return self.publisher.reconcile(post)

    # PublishAhead with no lead time: the post is created at its time; the daemon's confirmation job
    # later reads whether Google's review put it LIVE or REJECTED it.
    def lead_time(self) -> timedelta:
        return timedelta(0)

    def confirm(self, remote_id: str) -> bool | NotPublic | None:
        return self.publisher.confirm(remote_id)

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        return metrics.insights(self.call, self.settings, remote_ids)

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        return guided(ui, account=account, context=context, hosts=cls.setup_hosts, transport=cls.transport)

    # --- health -------------------------------------------------------------------------------------

    def api_origin(self) -> str | None:
        return origin_of(self.settings.base_url or POSTS_URL)

    def health(self) -> AccountHealth:
        info = self.call("info", "GET", f"v1/{self.settings.location_id}", params={"readMask": "name,title,metadata"})
        self.call("posts", "GET", f"v4/{self.settings.parent}/localPosts", params={"pageSize": 1})
        title = str(info.get("title") or self.settings.location_title or self.settings.location_id)
        found = info.get("metadata")
        meta: dict[str, Any] = found if isinstance(found, dict) else {}
        warnings: list[HealthWarning] = []
        if meta and meta.get("hasVoiceOfMerchant") is False:
            warnings.append(
                HealthWarning(
                    _("Google does not let this sign-in speak for {title} yet (the profile is not verified, or is "
                      "suspended): its posts are not shown.").format(title=title),
                    _("Verify the business at https://business.google.com, then run accounts test again."),
                )
            )  # fmt: skip
        details = {
            N_("location"): f"{title} ({self.settings.location_id})",
            N_("account"): self.settings.account_id,
            N_("API access"): _("granted (the API answered)"),
        }
        if meta.get("mapsUri"):
            details[N_("on Maps")] = str(meta["mapsUri"])
        return AccountHealth(self.account, title, details, warnings=tuple(warnings))

    def close(self) -> None:
        self.call.close()
