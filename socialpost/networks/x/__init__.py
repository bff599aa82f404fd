"""X (Twitter) through API v2 with tweepy 4.17, plus our own v2 media upload (:mod:`.media`).

Authentication is either OAuth 1.0a user context (API Key and Secret + Access Token and Secret)
or an OAuth 2.0 user token from the Authorization Code + PKCE flow. OAuth 2.0 access tokens last
two hours; with ``offline.access`` X also gives a refresh token, which is single-use: every refresh
returns a new pair. Refreshed tokens are kept in ``<data_dir>/sessions/x-<name>.json`` (mode 0600),
because secrets.yaml belongs to the user; that file wins over secrets.yaml until the user connects
the account again (``accounts add``), which the file notices by the refresh token it came from.

X has no idempotency key. Safety comes from three things: every thread part's id is recorded as
soon as X returns it (``<data_dir>/x/<name>/threads/``), so a retry resumes a thread instead of
posting it again; X refuses an exact duplicate text with 403, and we then look the post up among
the account's recent posts; and ``reconcile`` looks for the post there too. Reads cost money on X,
so engagement metrics are off unless ``collect_metrics`` is true, and capped per day.

Field names: X's OpenAPI spec (xdk v2.167) asks for fields with ``post.fields`` and answers with
``repost_count``, ``referenced_posts`` and ``edit_history_post_ids``; ``tweet.fields``,
``retweet_count``, ``referenced_tweets`` and ``edit_history_tweet_ids`` survive only as a legacy
alias, and X drops a field it does not know without an error. So reads go out with the spec's
parameter names (through tweepy's client, whose own methods can only say ``tweet.fields``), every
answer is read in both spellings, the spec's first, and a field that is missing is unknown: a
metric is then None (never 0), and a post whose references are missing is never taken as proof
that a thread part was not sent.

The package's parts: :mod:`.settings` (the account's settings), :mod:`.client` (tweepy's client,
token renewal, calls) with :mod:`.errors` (failures mapped to the error tree) and
:mod:`.redaction` (secrets out of the SDKs' logs), :mod:`.state` (the private files),
:mod:`.posts` (reading X's posts), :mod:`.publish` (+ reconcile), :mod:`.media`, :mod:`.metrics`,
:mod:`.inbox` (replies and answering them), :mod:`.setup` (``accounts add``). This module wires
them into :class:`XNetwork`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from socialpost.i18n import _
from socialpost.networks.base import Rendition
from socialpost.networks.capabilities import HealthCheck
from socialpost.networks.common.read_pause import ReadPause
from socialpost.networks.health import AccountHealth, origin_of
from socialpost.networks.profile import MB, THREAD, AdviceFacts, MediaLimits, NetworkProfile, PreviewLook
from socialpost.networks.x.client import XClient
from socialpost.networks.x.errors import _reset_time
from socialpost.networks.x.inbox import Inbox
from socialpost.networks.x.media import MediaUploader
from socialpost.networks.x.metrics import Metrics
from socialpost.networks.x.posts import _snowflake_time
from socialpost.networks.x.preview import link_spans
from socialpost.networks.x.publish import Publishing
from socialpost.networks.x.redaction import _REDACTOR
from socialpost.networks.x.settings import DEFAULT_BASE_URL, XSettings
from socialpost.networks.x.setup import Setup
from socialpost.networks.x.state import _ReadBudget, _ReplyMarks, _Threads, _Tokens, account_folder, session_file
from socialpost.text.count import X_MAX, X_URL_LENGTH, x_weighted_length
from socialpost.text.rules import WEIGHTED, LengthRule
from socialpost.text.utm import links
from socialpost.timeutil import iso_utc

__all__ = ["DEFAULT_BASE_URL", "XClient", "XNetwork", "XSettings", "_reset_time", "_snowflake_time"]


class XNetwork(Publishing, Metrics, Inbox, Setup, HealthCheck):
    """An X account: publishing and reconciling (:mod:`.publish`), metrics, the inbox, the guided
    set-up and the health check, over one tweepy client (:mod:`.client`)."""

    profile = NetworkProfile(
        name="x",
        title="X (Twitter)",
        settings_model=XSettings,
        length=LengthRule("x", ((WEIGHTED, X_MAX, x_weighted_length),)),
        media=MediaLimits(4, 5 * MB, 512 * MB, 15 * MB),
        advice=AdviceFacts(hashtags=2),
        idempotent=False,
        colour="#0f1419",
        dark_colour=True,
        look=PreviewLook(card=THREAD, name="X", link_colour="#1d9bf0", link_shown=23, find_links=link_spans),
    )

    @classmethod
    def as_read(cls, parts: Sequence[str]) -> Rendition:
        """The parts as they are; X counts every link as 23 characters, which the length shown does too."""
        if not any(links(part) for part in parts):
            return Rendition(tuple(parts))
        note = _("X counts each link as {count} characters, however long it is; the length shown counts it so.")
        return Rendition(tuple(parts), (note.format(count=X_URL_LENGTH),))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.RLock()
        self._client: Any = None
        self._me: dict[str, Any] | None = None
        self._uploader: MediaUploader | None = None
        folder = account_folder(self.context, self.account)
        self._threads = _Threads(folder / "threads")
        self._budget = _ReadBudget(folder / "metric-reads.json", self.settings.max_metric_reads_per_day)
        self._reply_budget = _ReadBudget(folder / "reply-reads.json", self.settings.max_reply_reads_per_day)
        self._reply_marks = _ReplyMarks(folder / "reply-marks.json")
        self._read_pause = ReadPause(self.context.clock)
        self._tokens: _Tokens | None = None
        if not self.settings.oauth1:
            self._tokens = _Tokens(session_file(self.context, self.account), self.settings)
            # the settings' secrets are registered already (Network.__init__); renewed tokens are not
            _REDACTOR.add([v for v in (self._tokens.access, self._tokens.refresh) if v])
        self.sleep: Callable[[float], None] = time.sleep  # media processing polls (tests replace it)

    # --- account --------------------------------------------------------------------------------

    def token_expiry(self) -> datetime | None:
        """An OAuth 2.0 user token without a refresh token lasts two hours; one with it renews."""
        if self.settings.oauth1 or self.settings.oauth2_refresh_token:
            return None
        return self.settings.oauth2_expires_at

    def api_origin(self) -> str | None:
        return origin_of(str(self.settings.base_url))

    def health(self) -> AccountHealth:
        me = self._me_data()
        details = {"name": str(me.get("name", "")), "id": str(me["id"])}
        if self.settings.oauth1:
            details["sign-in"] = "OAuth 1.0a user context"
        else:
            assert self._tokens is not None
            details["sign-in"] = "OAuth 2.0 user token" + (" (renewable)" if self._can_refresh() else "")
            if self._tokens.expires_at is not None:
                details["token expires"] = iso_utc(self._tokens.expires_at)
        details["metrics"] = (
            f"collected (at most {self.settings.max_metric_reads_per_day} posts read a day)"
            if self.settings.collect_metrics
            else "off (X bills reads; set collect_metrics: true to collect them)"
        )
        renews = not self.settings.oauth1 and self._can_refresh()
        expires = None if self.settings.oauth1 or self._tokens is None else self._tokens.expires_at
        return AccountHealth(self.account, f"@{me.get('username', '?')}", details, expires_at=expires, renews=renews)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.session.close()
                self._client = None
                self._uploader = None
