"""The Instagram adapter: an Instagram professional account through Meta's Instagram API.

See the package's docstring for its modules, docs/networks/instagram.md for the user's view.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import ClassVar

import httpx

from socialpost.errors import AuthError
from socialpost.i18n import N_, _
from socialpost.networks.api_version import ApiVersionStatus
from socialpost.networks.base import (
    AccountSettings,
    AccountSetup,
    AdapterContext,
    Network,
    NotSent,
    OutgoingPost,
    Published,
    Reply,
    SetupUI,
)
from socialpost.networks.capabilities import (
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    Reconciler,
    Replier,
)
from socialpost.networks.common.containers import INSTAGRAM, Containers
from socialpost.networks.health import AccountHealth, HealthWarning, origin_of
from socialpost.networks.instagram import reading
from socialpost.networks.instagram.checks import CHECKS, MAX_CAPTION, MAX_COMMENT, MAX_ITEMS
from socialpost.networks.instagram.client import GraphClient
from socialpost.networks.instagram.publish import Publisher
from socialpost.networks.instagram.settings import API_VERSIONS, HOSTS, InstagramSettings
from socialpost.networks.instagram.setup import guided
from socialpost.networks.instagram.token import Tokens
from socialpost.networks.profile import MB, PHOTO, AdviceFacts, MediaLimits, NetworkProfile, PreviewLook
from socialpost.text.rules import characters

EXPIRY_WARNING = timedelta(days=10)  # say so this long before the token stops working


class InstagramNetwork(Network, Reconciler, MetricsReader, InboxReader, Replier, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="instagram",
        title=N_("Instagram"),
        settings_model=InstagramSettings,
        length=characters("instagram", MAX_CAPTION),
        reply_length=characters("instagram", MAX_COMMENT),
        # images: JPEG up to 8 MB; Reels: up to 300 MB (the content-publishing reference); no GIF
        media=MediaLimits(MAX_ITEMS, 8 * MB, 300 * MB, 8 * MB),
        advice=AdviceFacts(hashtags=5),
        threads=False,
        idempotent=False,
        api_version=API_VERSIONS,
        post_keys=frozenset({"first_comment", "cover"}),
        post_checks=CHECKS,
        public_media=True,
        colour="#d62976",
        look=PreviewLook(card=PHOTO, name="Instagram", fold_at=125),
    )

    settings: InstagramSettings
    transport: ClassVar[httpx.BaseTransport | None] = None  # tests may inject one
    setup_hosts: ClassVar[dict[str, str]] = HOSTS  # where the guided set-up signs in (tests move it)
    sleep: Callable[[float], None] = staticmethod(time.sleep)  # waits for a container; tests replace it

    def __init__(self, *, account: str, settings: AccountSettings, context: AdapterContext) -> None:
        super().__init__(account=account, settings=settings, context=context)
        assert isinstance(settings, InstagramSettings)
        self.settings = settings
        self.tokens = Tokens(settings, context, account)
        self.call = GraphClient(
            settings,
            account=account,
            data_dir=context.data_dir,
            clock=context.clock,
            tokens=self.tokens,
            transport=self.transport,
        )
        self.containers = Containers(
            self.call,
            INSTAGRAM,
            user_id=settings.user_id,
            network="Instagram",
            where=self.call.where,
            clock=context.clock,
            sleep=lambda seconds: self.sleep(seconds),
            max_wait=timedelta(seconds=settings.max_wait),
        )
        self.publisher = Publisher(self.call, self.containers, settings, context, account, self.transport)
        self._username = ""

    def publish(self, post: OutgoingPost) -> Published:
        self.tokens.refresh_if_due(self.call.unversioned)
        return self.publisher.publish(post)

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        return self.publisher.reconcile(post)

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        return reading.metrics(self.call, remote_ids)

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        return reading.replies(self.call, remote_ids, self.username())

    def reply(self, in_reply_to: str, text: str) -> Published:
        return reading.answer(self.call, in_reply_to, text)

    def username(self) -> str:
        if not self._username:
            me = self.call("GET", self.settings.user_id, {"fields": "id,username"})
            self._username = str(me.get("username") or "")
        return self._username

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        return guided(ui, account=account, context=context, hosts=cls.setup_hosts, transport=cls.transport)

    # --- health -----------------------------------------------------------------------------------

    def health(self) -> AccountHealth:
        self.tokens.refresh_if_due(self.call.unversioned)
        me = self.call("GET", self.settings.user_id, {"fields": "id,username,account_type"})
        self._username = str(me.get("username") or "")
        details = {
            "user id": self.settings.user_id,
            "login": "Instagram Login" if self.settings.login == "instagram" else "Facebook Login for Business",
        }
        if me.get("account_type"):
            details["account type"] = str(me["account_type"])
        warnings: list[HealthWarning] = []
        try:
            quota = self.containers.quota()
            details["publishing quota"] = f"{quota.usage}/{quota.total}"
        except AuthError:
            raise
        except Exception as exc:  # noqa: BLE001 - the quota is a detail; the sign-in worked
            details["publishing quota"] = getattr(exc, "message", exc.__class__.__name__)
        expires = self.tokens.expires_at
        renews = self.tokens.renews and (expires is None or expires - self.context.clock() >= EXPIRY_WARNING)
        if expires is not None and not renews and expires - self.context.clock() < EXPIRY_WARNING:
            warnings.append(
                HealthWarning(
                    _("the access token expires on {date}.").format(date=expires.date().isoformat()),
                    _("Connect the account again: {command}.").format(command=self.call.reconnect),
                )
            )
        return AccountHealth(
            self.account,
            "@" + self._username if self._username else self.settings.user_id,
            details,
            expires_at=expires,
            renews=renews,
            warnings=tuple(warnings),
            api_version=self._version_status(),
        )

    def token_expiry(self) -> datetime | None:
        """None while socialpost renews the token by itself (more than ten days left)."""
        when = self.tokens.expires_at
        if when is None or (self.tokens.renews and when - self.context.clock() >= EXPIRY_WARNING):
            return None
        return when

    def api_origin(self) -> str | None:
        return origin_of(self.settings.host)

    def _version_status(self) -> ApiVersionStatus:
        return self.call.version.status()

    def close(self) -> None:
        self.call.close()
        self.publisher.rupload.close()
