"""The Pinterest adapter (API v5): pins with an inline image to a board the campaign names,
reconciliation from the board's pins, pin analytics, the 30-day token renewed by itself.
docs/networks/pinterest.md says how to connect an account and what Trial access allows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from socialpost.errors import NetworkError
from socialpost.i18n import N_, _
from socialpost.networks.base import (
    AccountHealth,
    AccountSetup,
    AdapterContext,
    Caveat,
    HealthWarning,
    Network,
    NotSent,
    OutgoingPost,
    Published,
    SetupUI,
)
from socialpost.networks.capabilities import GuidedSetup, HealthCheck, MetricsReader, Reconciler
from socialpost.networks.common.numbers import as_int
from socialpost.networks.health import origin_of
from socialpost.networks.pinterest.checks import CHECKS, length
from socialpost.networks.pinterest.client import PinterestClient
from socialpost.networks.pinterest.publish import Publisher
from socialpost.networks.pinterest.settings import API_BASE, MAX_DESCRIPTION, MAX_IMAGE_BYTES, PinterestSettings
from socialpost.networks.pinterest.state import PinBook
from socialpost.networks.pinterest.token import Tokens, TokenStore
from socialpost.networks.profile import MediaLimits, NetworkProfile
from socialpost.text.rules import CHARACTERS, LengthRule

# Pinterest's analytics name → socialpost's: an impression is a view, a save puts the pin on the
# saver's board (a repost), an outbound click is a click on the pin's link. Pin clicks (opening
# the pin) have no normalised name and are kept raw.
METRIC_NAMES = {"IMPRESSION": "views", "SAVE": "reposts", "OUTBOUND_CLICK": "clicks", "PIN_CLICK": "pin_clicks"}
ANALYTICS_DAYS = 90  # Pinterest answers for the last 90 days at most


def profile() -> NetworkProfile:
    return NetworkProfile(
        name="pinterest",
        title="Pinterest",
        settings_model=PinterestSettings,
        length=LengthRule("pinterest", ((CHARACTERS, MAX_DESCRIPTION, length),)),
        media=MediaLimits(count=1, image_bytes=MAX_IMAGE_BYTES, video_bytes=0, gif_bytes=0),
        post_keys=frozenset({"pin"}),
        required_keys=frozenset({"pin"}),
        threads=False,
        idempotent=False,
        post_checks=CHECKS,
        # colour and look: the defaults (grey, the generic preview card under its entry-point name)
    )


class PinterestNetwork(Network, Reconciler, MetricsReader, GuidedSetup, HealthCheck):
    profile: ClassVar[NetworkProfile] = profile()
    setup_api_base: ClassVar[str] = API_BASE  # where the guided set-up signs in (tests: the fake)
    setup_authorize: ClassVar[str] = "https://www.pinterest.com/oauth/"
    settings: PinterestSettings

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        s = self.settings
        configured = Tokens(
            s.access_token.get_secret_value(),
            s.refresh_token.get_secret_value() if s.refresh_token else None,
            s.token_expires_at,
        )
        self.tokens = TokenStore(self.context.state_dir("token", self.account), configured)
        self.where = _("Pinterest account '{account}'").format(account=self.account.split(":", 1)[-1])
        self.client = PinterestClient(
            s, account=self.account, where=self.where, clock=self.context.clock, tokens=self.tokens
        )
        self.book = PinBook(self.context.state_dir("posts", self.account))
        self.publisher = Publisher(self.client, self.book, self.context, sandbox=s.sandbox)

    # --- publishing -------------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> Published:
        return self.publisher.publish(post)

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        """The record says the pin is made → Published; no attempt recorded → NotSent; an attempt
        whose answer nobody saw → the board's newest pins are searched for it (same title and
        description, made since the attempt), and None (unknown) when it is not listed."""
        record = self.book.load(post.key)
        if record is None:
            return NotSent(_("no pin was started for this post."))
        if record.pin_id:
            return self.publisher.published(record)
        return self.publisher.published(record) if self.publisher.settle(post, record) else None

    # --- reading ----------------------------------------------------------------------------------

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        today = self.context.clock().date()
        params = {
            "start_date": (today - timedelta(days=ANALYTICS_DAYS - 1)).isoformat(),
            "end_date": today.isoformat(),
            "metric_types": ",".join(METRIC_NAMES),
            "app_types": "ALL",
            "split_field": "NO_SPLIT",
        }
        found: dict[str, dict[str, int | None]] = {}
        for remote_id in remote_ids:
            try:
                answer = self.client.call("GET", f"pins/{remote_id}/analytics", params=params)
            except NetworkError as exc:
                if exc.status == 404:
                    continue  # the pin is gone
                raise
            found[remote_id] = metrics_of(answer)
        return found

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        from socialpost.networks.pinterest.setup import setup

        return setup(ui, account=account, context=context, api_base=cls.setup_api_base, authorize=cls.setup_authorize)

    # --- the token and health ---------------------------------------------------------------------

    def token_expiry(self) -> datetime | None:
        """None when the token renews itself (a refresh token); else when it stops working."""
        tokens = self.tokens.current()
        return None if tokens.refresh is not None else tokens.expires_at

    def api_origin(self) -> str | None:
        return origin_of(self.settings.base)

    def caveats(self) -> list[Caveat]:
        if not self.settings.sandbox:
            return []
        return [
            Caveat(
                _(
                    "Pinterest '{account}' posts through the sandbox (Trial access): its pins are visible only "
                    "to you, not to your followers."
                ).format(account=self.account.split(":", 1)[-1]),
                _(
                    "Ask Pinterest for Standard access (developers.pinterest.com, My apps, Upgrade), then "
                    "connect the account again: socialpost accounts add pinterest {account}"
                ).format(account=self.account.split(":", 1)[-1]),
            )
        ]

    def health(self) -> AccountHealth:
        self.client.renew()
        me = self.client.call("GET", "user_account")
        boards = self.publisher.boards.all(fresh=True)
        tokens = self.tokens.current()
        kind = str(me.get("account_type") or "")
        details = {
            N_("User"): str(me.get("username") or "?"),
            N_("Account type"): kind or "?",
            N_("Boards"): ", ".join(str(b.get("name")) for b in boards[:10]) + (" …" if len(boards) > 10 else ""),
            N_("Access"): _("Trial (sandbox: pins visible only to you)") if self.settings.sandbox else _("Standard"),
        }
        warnings: list[HealthWarning] = []
        if kind and kind != "BUSINESS":
            warnings.append(
                HealthWarning(
                    _("Pinterest gives pin analytics only for business accounts; this one is {kind}.").format(
                        kind=kind
                    ),
                    _("Convert it to a business account in Pinterest's settings (free) to read metrics."),
                )
            )
        if not boards:
            warnings.append(
                HealthWarning(_("The account has no board to pin to."), _("Create a board on Pinterest first."))
            )
        if tokens.expires_at is None and not self.settings.sandbox:  # a sandbox token's life is never known
            warnings.append(
                HealthWarning(
                    _("socialpost does not know when the Pinterest token expires."),
                    _("Connect the account again with socialpost accounts add pinterest {account}.").format(
                        account=self.account.split(":", 1)[-1]
                    ),
                )
            )
        return AccountHealth(
            account=self.account,
            display=str(me.get("username") or self.account),
            details=details,
            expires_at=tokens.expires_at,
            renews=tokens.refresh is not None and tokens.expires_at is not None,
            warnings=tuple(warnings),
        )

    def close(self) -> None:
        self.client.close()


def metrics_of(answer: dict[str, Any]) -> dict[str, int | None]:
    """An analytics answer (``{"all": {"summary_metrics": {...}}}``) → the metrics it gives."""
    every = answer.get("all")
    summary = every.get("summary_metrics") if isinstance(every, dict) else None
    found: dict[str, int | None] = {}
    for name, ours in METRIC_NAMES.items():
        if isinstance(summary, dict) and name in summary:
            value = as_int(summary.get(name))
            found[ours] = value if value is None or value >= 0 else None
    return found
