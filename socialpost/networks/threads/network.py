"""The Threads adapter (graph.threads.net): text, images, videos, carousels, link previews and
threads of replies through Meta's container flow; metrics, the inbox and answers; the 60-day token
renewed by itself. docs/networks/threads.md says how to connect an account."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx

from socialpost.errors import AuthError, NetworkError
from socialpost.i18n import N_, _
from socialpost.networks.base import (
    AccountHealth,
    AccountSetup,
    AdapterContext,
    HealthWarning,
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
from socialpost.networks.common.comments import check_reply
from socialpost.networks.common.containers import THREADS, Containers, Status
from socialpost.networks.common.read_pause import ReadPause
from socialpost.networks.profile import NetworkProfile
from socialpost.networks.threads.client import ThreadsClient
from socialpost.networks.threads.publish import Publisher
from socialpost.networks.threads.read import INSIGHTS, REPLY_FIELDS, metrics_of, replies_of
from socialpost.networks.threads.settings import API_BASE, MAX_TEXT, ThreadsSettings, profile
from socialpost.networks.threads.state import PostBook
from socialpost.networks.threads.token import Token, TokenStore

log = logging.getLogger(__name__)

LIST_FIELDS = "id,text,timestamp,permalink"
SEARCH_BACK = timedelta(hours=6)  # reconcile looks this far before the post's time
TOO_LONG = N_("{where}: the reply is {length} characters; Threads takes at most {limit}.")


class ThreadsNetwork(Network, Reconciler, MetricsReader, InboxReader, Replier, GuidedSetup, HealthCheck):
    profile: ClassVar[NetworkProfile] = profile()
    setup_api_base: ClassVar[str] = API_BASE  # where the guided set-up signs in (tests: the fake)
    transport: ClassVar[httpx.BaseTransport | None] = None  # tests may inject one (every request to the fake)
    settings: ThreadsSettings

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        configured = Token(self.settings.access_token.get_secret_value(), self.settings.token_expires_at)
        self.tokens = TokenStore(self.context.state_dir("token", self.account), configured)
        self.where = _("Threads account '{account}'").format(account=self.account.split(":", 1)[-1])
        self.client = ThreadsClient(
            self.settings,
            account=self.account,
            where=self.where,
            clock=self.context.clock,
            tokens=self.tokens,
            transport=self.transport,
        )
        self.containers = Containers(
            self.client.call,
            THREADS,
            user_id=self.settings.user_id,
            network="Threads",
            where=self.where,
            clock=self.context.clock,
            max_wait=timedelta(seconds=self.settings.max_wait_seconds),
        )
        self.book = PostBook(self.context.state_dir("posts", self.account))
        self.publisher = Publisher(
            self.containers, self.book, self.context, where=self.where, find=self._find, permalink=self._permalink
        )
        self.inbox_pause = ReadPause(self.context.clock)
        self._renew_lock = threading.Lock()

    # --- publishing -----------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> Published:
        self.renew_token()
        return self.publisher.publish(post)

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        """The record says which parts are out: all → Published; only some (a thread cut short) →
        None, and the daemon re-sends, which adds the missing parts; a root container never
        published → NotSent. With no record at all, the account's recent posts are searched."""
        record = self.book.load(post.key)
        if record is not None and record.parts and record.parts[0].media_id:
            count = 1 + len(post.thread)
            if len(record.parts) < count or not all(p.media_id for p in record.parts[:count]):
                return None
            root = record.parts[0].media_id
            return Published(root, record.permalink or self._permalink(root))
        if record is not None and record.parts and record.parts[0].container:
            state = self.containers.state(record.parts[0].container)
            if state.status is not Status.PUBLISHED:
                return NotSent(_("the Threads container was never published ({status}).").format(status=state.status))
        found = self._find(post.text, "", since=post.due_at - SEARCH_BACK)
        if found:
            return Published(found, self._permalink(found))
        if record is None or not record.parts or not record.parts[0].container:
            return NotSent(_("no container was created for the post on Threads."))
        return None

    def _find(self, text: str, reply_to: str, *, since: datetime | None = None) -> str | None:
        """The id of the account's post (or of its reply under ``reply_to``) with ``text``."""
        if reply_to:
            answer = self.client.call("GET", f"{reply_to}/replies", {"fields": "id,text,is_reply_owned_by_me"})
        else:
            params: dict[str, Any] = {"fields": LIST_FIELDS, "limit": 50}
            if since is not None:
                params["since"] = int(since.timestamp())
            answer = self.client.call("GET", f"{self.settings.user_id}/threads", params)
        data = answer.get("data")
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and item.get("text") == text and item.get("id"):
                if reply_to and item.get("is_reply_owned_by_me") is False:
                    continue
                return str(item["id"])
        return None

    def _permalink(self, media_id: str) -> str | None:
        answer = self.client.call("GET", media_id, {"fields": "permalink"})
        link = answer.get("permalink")
        return str(link) if isinstance(link, str) and link.startswith("https://") else None

    # --- reading ----------------------------------------------------------------------------------

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        found: dict[str, dict[str, int | None]] = {}
        for remote_id in remote_ids:
            answer = self.client.call("GET", f"{remote_id}/insights", {"metric": ",".join(INSIGHTS)})
            found[remote_id] = metrics_of(answer)
        return found

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        self.inbox_pause.check()
        replies: list[Reply] = []
        for remote_id in remote_ids:
            try:
                answer = self.client.call("GET", f"{remote_id}/conversation", {"fields": REPLY_FIELDS})
            except NetworkError as exc:
                if exc.status == 400 and "does not exist" in exc.message:
                    continue  # the post is gone
                if isinstance(exc, AuthError):
                    self.inbox_pause.hold(exc, self.context.clock() + timedelta(hours=1))
                raise
            replies.extend(replies_of(answer, remote_id))
        return replies

    def reply(self, in_reply_to: str, text: str) -> Published:
        check_reply(text, where=self.where, limit=MAX_TEXT, too_long=_(TOO_LONG))
        self.renew_token()
        container = self.containers.create({"media_type": "TEXT", "text": text, "reply_to_id": in_reply_to})
        self.containers.wait(container)
        media_id = self.containers.publish(container)
        return Published(media_id, self._permalink(media_id))

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        from socialpost.networks.threads.setup import setup

        return setup(ui, account=account, context=context, api_base=cls.setup_api_base, transport=cls.transport)

    # --- the token and health ---------------------------------------------------------------------

    def renew_token(self) -> None:
        """Renew the long-lived token once it is due (see :mod:`socialpost.networks.threads.token`).
        A failed renewal is logged and left for the next time: the token still works."""
        with self._renew_lock:
            token = self.tokens.current()
            now = self.context.clock()
            if not token.due(now):
                return
            try:
                answer = self.client.refresh(token)
            except NetworkError as exc:
                log.warning("%s: the token could not be renewed: %s", self.account, exc.message)
                return
            value, seconds = answer.get("access_token"), answer.get("expires_in")
            if isinstance(value, str) and value and isinstance(seconds, int) and seconds > 0:
                self.tokens.save(Token(value, now + timedelta(seconds=seconds)))

    def token_expiry(self) -> datetime | None:
        return self.tokens.current().expires_at

    def api_origin(self) -> str | None:
        return self.client.origin

    def health(self) -> AccountHealth:
        self.renew_token()
        me = self.client.call("GET", "me", {"fields": "id,username,name"})
        quota = self.containers.quota()
        token = self.tokens.current()
        details = {
            N_("User"): "@" + str(me.get("username") or ""),
            N_("Posts published in 24 hours"): f"{quota.usage}/{quota.total}",
        }
        warnings: list[HealthWarning] = []
        if token.expires_at is None:
            warnings.append(
                HealthWarning(
                    _("socialpost does not know when the Threads token expires, so it cannot renew it in time."),
                    _("Add token_expires_at to the account's settings, or connect it again."),
                )
            )
        return AccountHealth(
            account=self.account,
            display="@" + str(me.get("username") or self.account),
            details=details,
            expires_at=token.expires_at,
            renews=token.expires_at is not None,
            warnings=tuple(warnings),
        )

    def close(self) -> None:
        self.client.close()
