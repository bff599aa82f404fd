"""Facebook's transport: Graph requests with the version in the path, batch calls, and what a
Graph error means for a Page (its permissions, its fix). The token travels in the
``Authorization`` header and request bodies, never in a URL, so it cannot reach a log line."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialpost.errors import (
    AuthError,
    ContentRejected,
    DuplicatePost,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.i18n import _
from socialpost.networks.api_version import ApiVersionStatus
from socialpost.networks.base import Network
from socialpost.networks.common.http import transport_error
from socialpost.networks.common.meta import (
    EXCERPT,
    GraphErrorBody,
    GraphNotFound,
    batch_answers,
    batch_form,
    graph_versions,
    regain_access,
)
from socialpost.networks.common.tls import LazyClient, bearer_client
from socialpost.networks.facebook.settings import FacebookSettings
from socialpost.redaction import redact_values

log = logging.getLogger("socialpost.networks.facebook")

API_VERSIONS = graph_versions("facebook")
DEFAULT_RATE_DELAY = timedelta(minutes=15)  # when Meta does not say how long to wait
PUBLISH_PERMISSIONS = ("pages_manage_posts", "pages_read_engagement", "pages_show_list")


class FacebookClient(Network):
    """The plumbing every part of the adapter calls: one lazy HTTP client per account, the Graph
    version in use, batch calls and Facebook's errors."""

    settings: FacebookSettings
    transport: httpx.BaseTransport | None = None  # tests may inject one

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = LazyClient(self._new_client)
        name = self.account.partition(":")[2] or self.account
        self._name = name
        self._reconnect = f"socialpost accounts add facebook {name}"
        self._version = self.settings.graph_version or API_VERSIONS.default(self.context.clock().date())
        note = self._version_status().operator_note()
        if note:
            log.warning("%s", note)

    @property
    def _where(self) -> str:
        """How messages name this account (in the language active when the message is built)."""
        return _("Facebook Page '{name}'").format(name=self._name)

    def _new_client(self) -> httpx.Client:
        return bearer_client(
            self.settings.base_url, self.settings.timeout, self.settings.page_access_token, self.transport
        )

    def _path(self, *parts: str) -> str:
        return "/" + "/".join([self._version, *parts])

    def _version_status(self) -> ApiVersionStatus:
        return API_VERSIONS.status(
            self._version, self.context.clock().date(), account=self.account, configured=self.settings.graph_version
        )

    def _secrets(self) -> list[str]:
        return [self.settings.page_access_token.get_secret_value()]

    def _call(
        self,
        method: str,
        path: str,
        *,
        publishing: bool = False,
        permissions: Sequence[str] = PUBLISH_PERMISSIONS,
        **kwargs: Any,
    ) -> Any:
        """One Graph request → its JSON; any failure → the mapped socialpost error.

        ``publishing``: the request makes a visible post, so an unseen outcome must be reconciled
        rather than repeated. ``permissions``: what the request needs, named when Graph refuses it
        without saying which."""
        try:
            response = self._client.get().request(method, path, **kwargs)
        except httpx.TransportError as exc:
            error = transport_error(exc, where=self._where, timeout=self.settings.timeout)
            error.request_sent = error.request_sent and publishing  # a read, or an upload nobody sees, posts nothing
            raise error from None
        data = json_of(response)
        if response.is_success and not (isinstance(data, dict) and "error" in data):
            return data
        raise graph_error(
            response.status_code,
            data,
            response.headers,
            where=self._where,
            now=self.context.clock(),
            secrets=self._secrets(),
            request_sent=publishing,
            text=response.text,
            reconnect=self._reconnect,
            permissions=permissions,
        )

    def _batch(self, requests: list[dict[str, str]]) -> list[tuple[int, Any]]:
        """One Graph batch call → (status, parsed body) per request (status 0: no answer)."""
        data = self._call("POST", f"/{self._version}/", data=batch_form(requests))
        answers = batch_answers(data, len(requests))
        if answers is None:
            raise TransientError(
                _("{where}: Facebook answered a batch request with something unexpected.").format(where=self._where)
            )
        return answers

    def close(self) -> None:
        self._client.close()


def json_of(response: httpx.Response) -> Any:
    """The answer's JSON, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def post_id(data: Any, where: str, *, key: str = "id") -> str:
    """The id Graph gave a new object (``key``, else ``id``); TransientError when it gave none."""
    value = data.get(key) or data.get("id") if isinstance(data, dict) else None
    if not value:
        raise TransientError(
            _("{where}: Facebook accepted the request but returned no id.").format(where=where), request_sent=True
        )
    return str(value)


def graph_error(
    status: int,
    body: Any,
    headers: Mapping[str, str],
    *,
    where: str,
    now: datetime,
    secrets: Sequence[str],
    request_sent: bool,
    text: str,
    reconnect: str = "socialpost accounts add facebook NAME",
    permissions: Sequence[str] = PUBLISH_PERMISSIONS,
) -> NetworkError:
    """A Graph error answer → the socialpost error that says what is wrong and what to do.
    ``permissions``: what the request needed, named when Graph does not say which one is missing."""
    error = GraphErrorBody.parse(body, secrets)
    if error is None:
        return _without_body(status, where=where, now=now, secrets=secrets, request_sent=request_sent, text=text)
    said = " " + (
        _("Facebook said: {message} (code {code}, fbtrace_id {trace}).").format(
            message=error.message, code=error.number, trace=error.trace
        )
        if error.trace
        else _("Facebook said: {message} (code {code}).").format(message=error.message, code=error.number)
    )
    kind = error.kind
    if kind == "token":
        return AuthError(
            _(
                "{where}: the Page access token is no longer valid (expired, revoked, the password changed or "
                "your Page role was removed).{said}"
            ).format(where=where, said=said),
            hint=_("Connect the Page again: {command}.").format(command=reconnect),
            status=status,
        )
    if kind == "permission":
        needed = ", ".join(error.permissions() or permissions)
        return AuthError(
            _("{where}: the token lacks a permission Facebook requires ({permissions}).{said}").format(
                where=where, permissions=needed, said=said
            ),
            hint=_(
                "Grant it to your app (Graph API Explorer, or App Review for people without a role on the app) "
                "and connect the Page again: {command}."
            ).format(command=reconnect),
            status=status,
        )
    if kind == "rate":
        return RateLimited(
            _("{where}: Facebook is rate-limiting this app or Page.{said}").format(where=where, said=said),
            hint=_("socialpost will try again when Meta says the limit is over."),
            status=status,
            retry_at=now + (regain_access(headers) or DEFAULT_RATE_DELAY),
        )
    if kind == "abuse":
        return ContentRejected(
            _("{where}: Facebook blocked this post as abusive or spam.{said}").format(where=where, said=said),
            hint=_(
                "Check the text and links against Meta's Community Standards "
                "(posting the same link often triggers this)."
            ),
            status=status,
        )
    if kind == "duplicate":
        return DuplicatePost(
            _("{where}: Facebook refused a duplicate of a recent post.{said}").format(where=where, said=said),
            hint=_("Change the text, or check the Page: it may already be online."),
            status=status,
        )
    if kind == "transient" or status >= 500:
        return TransientError(
            _("{where}: Facebook had a temporary problem.{said}").format(where=where, said=said),
            status=status,
            request_sent=request_sent,
        )
    if kind == "not_found":
        return GraphNotFound(
            _("{where}: Facebook cannot find the Page or post, or the token may not see it.{said}").format(
                where=where, said=said
            ),
            hint=_("Check page_id in your config, or connect the Page again."),
            status=status,
        )
    if kind == "invalid":
        return ContentRejected(
            _("{where}: Facebook rejected the post.{said}").format(where=where, said=said), status=status
        )
    return PermanentError(
        _("{where}: Facebook refused the request.{said}").format(where=where, said=said), status=status
    )


def _without_body(
    status: int, *, where: str, now: datetime, secrets: Sequence[str], request_sent: bool, text: str
) -> NetworkError:
    """A failed answer without Graph's error object (a proxy's page, an empty body)."""
    excerpt = redact_values(" ".join(text.split())[:EXCERPT], secrets)
    said = " " + _("Facebook said: {excerpt}").format(excerpt=excerpt) if excerpt else ""
    if status == 429:
        return RateLimited(
            _("{where}: too many requests (429).{said}").format(where=where, said=said),
            status=status,
            retry_at=now + DEFAULT_RATE_DELAY,
        )
    if status >= 500 or status == 0:
        return TransientError(
            _("{where}: Facebook failed ({status}).{said}").format(where=where, status=status, said=said),
            status=status,
            request_sent=request_sent,
        )
    return PermanentError(
        _("{where}: Facebook refused the request ({status}).{said}").format(where=where, status=status, said=said),
        status=status,
    )
