"""Meta's container flow, shared by Instagram and Threads.

Both publish in three steps (developers.facebook.com/docs/instagram-platform/content-publishing;
developers.facebook.com/docs/threads/posts): create a *container* (``POST /{user}/media`` or
``/{user}/threads``) → Meta fetches the media by URL and processes it, the container's status going
``IN_PROGRESS`` → ``FINISHED`` (or ``ERROR``; ``EXPIRED`` after 24 h unpublished; ``PUBLISHED``
once published) → publish it (``POST /{user}/media_publish`` or ``/threads_publish`` with
``creation_id``). :class:`Containers` runs those steps through the adapter's own ``call`` (which
owns the host, the version, the token and the error mapping), waits for a container with the
adapter context's clock for a bounded time, and reads the publishing quota.

:func:`graph_errors` is the ``special`` hook for :func:`socialpost.networks.common.http.classify`:
the Graph error body ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` →
the error tree (code 190 → :class:`AuthError`; 4, 17, 32, 613 and the publishing quota (9) →
:class:`RateLimited`; 1, 2, -1, -2 and 5xx → :class:`TransientError`; 100 and the content codes →
:class:`ContentRejected`). Error codes: developers.facebook.com/docs/graph-api/guides/error-handling
and …/instagram-platform/instagram-graph-api/reference/error-codes.
"""

from __future__ import annotations

import enum
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from socialpost.errors import (
    AuthError,
    ContentRejected,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.i18n import _
from socialpost.networks.common.meta import RATE_CODES, regain_access
from socialpost.networks.common.numbers import as_int
from socialpost.redaction import redact, redact_values
from socialpost.timeutil import Clock

if TYPE_CHECKING:
    import httpx

    from socialpost.networks.common.http import Special

EXCERPT = 300  # characters of Meta's own message kept in ours
DEFAULT_RATE_DELAY = timedelta(minutes=15)  # when Meta does not say how long to wait
STILL_PROCESSING_DELAY = timedelta(minutes=2)  # come back after this when a container is still IN_PROGRESS
QUOTA_CODES = frozenset({9})  # "You reached maximum number of posts …" (subcode 2207042)
TRANSIENT_CODES = frozenset({1, 2, -1, -2})
AUTH_CODES = frozenset({102, 190})  # session or access token expired, revoked or invalid
PERMISSION_CODES = frozenset({3, 10})  # plus 200–299
CONTENT_CODES = frozenset({100, 352, 368, 506, 36000, 36001, 36003, 36004, 9004, 2207026})
SPAM_SUBCODES = frozenset({2207051})  # code 4: "We restrict certain activity…" is not a rate limit
# Container errors Meta says to retry (2207001 server error, 2207003 download timeout, 2207032 create
# failed, 2207053 unknown upload error): a retry creates a new container.
TRANSIENT_SUBCODES = frozenset({2207001, 2207003, 2207032, 2207053})
_SUBCODE = re.compile(r"\b(22070[0-9]{2})\b")


# --- the Graph error body ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphError:
    """The parts of Graph's ``{"error": {…}}`` body socialpost reads."""

    message: str
    type: str
    code: int | None
    subcode: int | None
    trace: str | None
    user_message: str = ""  # ``error_user_msg``: Meta's words for people, when it gives them

    @property
    def number(self) -> str:
        return f"{self.code}/{self.subcode}" if self.subcode else f"{self.code}"


def parse_graph_error(response: httpx.Response) -> GraphError | None:
    """The Graph error in ``response``'s body; None when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    trace = error.get("fbtrace_id")
    return GraphError(
        message=str(error.get("message") or ""),
        type=str(error.get("type") or ""),
        code=as_int(error.get("code")),
        subcode=as_int(error.get("error_subcode")),
        trace=str(trace) if trace else None,
        user_message=str(error.get("error_user_msg") or ""),
    )


def graph_errors(
    *,
    network: str,
    where: str,
    clock: Clock,
    secrets: Sequence[str] = (),
    reconnect: str = "",
) -> Special:
    """A ``special`` hook for :func:`~socialpost.networks.common.http.classify` that reads Graph's
    error body; ``network`` is the network's display name ("Instagram"), ``where`` starts each
    message, ``reconnect`` is the command that connects the account again."""

    def special(response: httpx.Response) -> NetworkError | None:
        error = parse_graph_error(response)
        if error is None:
            return None
        return graph_error(
            error,
            status=response.status_code,
            headers=response.headers,
            network=network,
            where=where,
            now=clock(),
            secrets=secrets,
            reconnect=reconnect,
        )

    return special


def graph_error(
    error: GraphError,
    *,
    status: int,
    headers: Mapping[str, str],
    network: str,
    where: str,
    now: datetime,
    secrets: Sequence[str] = (),
    reconnect: str = "",
) -> NetworkError:
    """The error a Graph error body means (see the module's docstring)."""
    words = error.user_message or error.message
    message = redact(redact_values(" ".join(words.split()), secrets))[:EXCERPT]
    names = {"network": network, "message": message, "code": error.number, "trace": error.trace}
    if error.trace:
        said = " " + _("{network} said: {message} (code {code}, fbtrace_id {trace}).").format(**names)
    else:
        said = " " + _("{network} said: {message} (code {code}).").format(**names)
    code, subcode = error.code, error.subcode
    again = _("Connect the account again: {command}.").format(command=reconnect) if reconnect else None
    if code in AUTH_CODES:
        return AuthError(
            _("{where}: the access token is no longer valid (expired, revoked or the password changed).{said}").format(
                where=where, said=said
            ),
            hint=again,
            status=status,
        )
    if code in PERMISSION_CODES or (code is not None and 200 <= code <= 299):
        return AuthError(
            _("{where}: the token lacks a permission {network} requires.{said}").format(
                where=where, network=network, said=said
            ),
            hint=again,
            status=status,
        )
    if code == 4 and subcode in SPAM_SUBCODES:
        return ContentRejected(
            _("{where}: {network} restricted this action as possible spam.{said}").format(
                where=where, network=network, said=said
            ),
            status=status,
        )
    if code in QUOTA_CODES:
        return RateLimited(
            _("{where}: the account reached {network}'s limit of posts published through the API.{said}").format(
                where=where, network=network, said=said
            ),
            hint=_("socialpost will try again when the 24-hour window frees up."),
            status=status,
            retry_at=now + (regain_access(headers) or DEFAULT_RATE_DELAY),
        )
    if code in RATE_CODES or (code is not None and 80000 <= code <= 80014):
        return RateLimited(
            _("{where}: {network} is rate-limiting this app or account.{said}").format(
                where=where, network=network, said=said
            ),
            hint=_("socialpost will try again when Meta says the limit is over."),
            status=status,
            retry_at=now + (regain_access(headers) or DEFAULT_RATE_DELAY),
        )
    if code in TRANSIENT_CODES or subcode in TRANSIENT_SUBCODES or status >= 500:
        return TransientError(
            _("{where}: {network} had a temporary problem.{said}").format(where=where, network=network, said=said),
            status=status,
        )
    if code in CONTENT_CODES:
        return ContentRejected(
            _("{where}: {network} rejected the post.{said}").format(where=where, network=network, said=said),
            status=status,
        )
    return PermanentError(
        _("{where}: {network} refused the request.{said}").format(where=where, network=network, said=said),
        status=status,
    )


# --- containers -------------------------------------------------------------------------------------


class Status(enum.StrEnum):
    """A container's ``status_code`` (Instagram) or ``status`` (Threads)."""

    IN_PROGRESS = "IN_PROGRESS"
    FINISHED = "FINISHED"
    PUBLISHED = "PUBLISHED"
    ERROR = "ERROR"
    EXPIRED = "EXPIRED"


class ContainerExpired(TransientError):
    """A container was not published within 24 hours: a retry must create a new one."""


class GraphCall(Protocol):
    """The adapter's request: ``method`` on ``path`` (below the version prefix) with ``params`` →
    the answer's JSON object; it raises the error tree (through :func:`graph_errors`)."""

    def __call__(self, method: str, path: str, params: Mapping[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Edges:
    """The names that differ between Instagram and Threads."""

    create: str  # "media" | "threads"
    publish: str  # "media_publish" | "threads_publish"
    quota: str  # "content_publishing_limit" | "threads_publishing_limit"
    status_field: str  # "status_code" | "status"
    detail_field: str  # "status" | "error_message": why a container failed


INSTAGRAM = Edges("media", "media_publish", "content_publishing_limit", "status_code", "status")
THREADS = Edges("threads", "threads_publish", "threads_publishing_limit", "status", "error_message")


@dataclass(frozen=True)
class ContainerState:
    status: Status | None  # None: a value socialpost does not know
    detail: str = ""  # Meta's words about an error


@dataclass(frozen=True)
class PublishingQuota:
    """``GET /{user}/content_publishing_limit`` (``threads_publishing_limit``): posts published in
    the rolling window, and how many it allows."""

    usage: int
    total: int
    window: timedelta

    @property
    def remaining(self) -> int:
        return max(self.total - self.usage, 0)

    def frees_at(self, now: datetime, recent: Sequence[datetime] = ()) -> datetime:
        """When one more post fits: the moment the oldest post that keeps the quota full leaves the
        window (``recent``: publication times the adapter knows), else a whole window from now."""
        inside = sorted(t for t in recent if now - self.window < t <= now)
        over = self.usage - self.total  # how many must leave, minus one
        if inside and 0 <= over < len(inside):
            return inside[over] + self.window
        return now + self.window


class Containers:
    """One account's container flow: :meth:`create`, :meth:`wait`, :meth:`publish`, :meth:`quota`."""

    def __init__(
        self,
        call: GraphCall,
        edges: Edges,
        *,
        user_id: str,
        network: str,
        where: str,
        clock: Clock,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: timedelta = timedelta(seconds=60),
        interval: timedelta = timedelta(seconds=3),
    ) -> None:
        self.call, self.edges, self.user_id = call, edges, user_id
        self.network, self.where, self.clock, self.sleep = network, where, clock, sleep
        self.max_wait, self.interval = max_wait, interval

    def create(self, params: Mapping[str, Any]) -> str:
        """A new container for ``params`` → its id."""
        answer = self.call("POST", f"{self.user_id}/{self.edges.create}", params)
        return self._id(answer)

    def state(self, container_id: str) -> ContainerState:
        fields = f"{self.edges.status_field},{self.edges.detail_field}"
        answer = self.call("GET", container_id, {"fields": fields})
        raw = str(answer.get(self.edges.status_field) or "")
        try:
            status: Status | None = Status(raw)
        except ValueError:
            status = None
        return ContainerState(status, " ".join(str(answer.get(self.edges.detail_field) or "").split()))

    def wait(self, container_id: str) -> ContainerState:
        """Poll until the container is FINISHED (or PUBLISHED) for at most ``max_wait`` by the clock
        and a bounded number of polls; raise when it failed, expired or is still processing."""
        deadline = self.clock() + self.max_wait
        polls = max(1, math.ceil(self.max_wait / self.interval) + 1)
        for poll in range(polls):
            state = self.state(container_id)
            if state.status in (Status.FINISHED, Status.PUBLISHED):
                return state
            if state.status in (Status.ERROR, Status.EXPIRED):
                raise self._failed(state)
            if poll + 1 == polls or self.clock() + self.interval > deadline:
                break
            self.sleep(self.interval.total_seconds())
        raise TransientError(
            _("{where}: {network} is still processing the media; socialpost will check again.").format(
                where=self.where, network=self.network
            ),
            retry_at=self.clock() + STILL_PROCESSING_DELAY,
        )

    def publish(self, container_id: str) -> str:
        """Publish a FINISHED container → the published media's id."""
        answer = self.call("POST", f"{self.user_id}/{self.edges.publish}", {"creation_id": container_id})
        return self._id(answer)

    def quota(self) -> PublishingQuota:
        answer = self.call("GET", f"{self.user_id}/{self.edges.quota}", {"fields": "quota_usage,config"})
        data = answer.get("data")
        row = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else answer
        raw = row.get("config")
        config: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
        usage, total = as_int(row.get("quota_usage")), as_int(config.get("quota_total"))
        seconds = as_int(config.get("quota_duration")) or 86_400
        if usage is None or total is None:
            raise TransientError(
                _("{where}: {network} did not say how many posts the account may still publish.").format(
                    where=self.where, network=self.network
                )
            )
        return PublishingQuota(usage, total, timedelta(seconds=seconds))

    def ensure_room(self, recent: Sequence[datetime] = ()) -> PublishingQuota:
        """The quota, or :class:`RateLimited` with the time it frees up when it is used up."""
        quota = self.quota()
        if quota.remaining <= 0:
            now = self.clock()
            raise RateLimited(
                _("{where}: the account published {usage} of the {total} posts {network} allows in 24 hours.").format(
                    where=self.where, usage=quota.usage, total=quota.total, network=self.network
                ),
                hint=_("socialpost will try again when the window frees up."),
                retry_at=quota.frees_at(now, recent),
            )
        return quota

    def _id(self, answer: Mapping[str, Any]) -> str:
        value = answer.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value)
        raise TransientError(
            _("{where}: {network} answered without an id.").format(where=self.where, network=self.network),
            request_sent=True,
        )

    def _failed(self, state: ContainerState) -> NetworkError:
        detail = redact(state.detail)[:EXCERPT]
        said = " " + _("{network} said: {message}").format(network=self.network, message=detail) if detail else ""
        if state.status is Status.EXPIRED:
            return ContainerExpired(
                _("{where}: the media container expired before it was published.{said}").format(
                    where=self.where, said=said
                ),
                hint=_("socialpost creates a new one when it tries again."),
            )
        found = _SUBCODE.search(state.detail)
        if found and int(found.group(1)) in TRANSIENT_SUBCODES:
            return TransientError(
                _("{where}: {network} could not process the media this time.{said}").format(
                    where=self.where, network=self.network, said=said
                )
            )
        return ContentRejected(
            _("{where}: {network} could not use the media (the container is in error).{said}").format(
                where=self.where, network=self.network, said=said
            ),
            hint=_("Check that the media's URL is public and that the file meets {network}'s limits.").format(
                network=self.network
            ),
        )
