"""The webhook's HTTP client (no redirects followed, the account's headers) and the receiver's answer
read: 2xx is sent; anything else is classified by :func:`socialpost.networks.common.http.classify`
in the receiver's words (:data:`WORDING`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from socialpost.i18n import N_
from socialpost.networks.base import Network, OutgoingPost, Published
from socialpost.networks.common.http import Wording, classify
from socialpost.networks.common.tls import LazyClient, ssl_context
from socialpost.networks.webhook.settings import WebhookSettings
from socialpost.redaction import protect_http_loggers

if TYPE_CHECKING:
    import httpx

_CREDENTIALS = N_("{where}: the receiver refused our credentials ({status}).")
_CREDENTIALS_HINT = N_("Check the URL's token or the headers in your config.")
# The receiver's words for what every network's answer may mean (socialpost.networks.common.http).
WORDING = Wording(
    said=N_("The receiver said: {message}"),
    failed=N_("{where}: the receiver failed ({status})."),
    refused=_CREDENTIALS,
    refused_hint=_CREDENTIALS_HINT,
    permission=_CREDENTIALS,
    permission_hint=_CREDENTIALS_HINT,
    forbidden=_CREDENTIALS,
    forbidden_hint=_CREDENTIALS_HINT,
    rejected=N_("{where}: the receiver rejected the post ({status})."),
    rejected_hint=N_("Check what the receiver expects; socialpost sends the JSON documented in the README."),
    redirect=N_(
        "{where}: the receiver answered with a redirect ({status}); socialpost does not follow "
        "redirects, so the post was not delivered."
    ),
    redirect_hint=N_("Set the webhook URL to the address it redirects to."),
)


class WebhookClient(Network):
    """The HTTP client of one webhook account, and what the receiver's answer means."""

    settings: WebhookSettings
    transport: httpx.BaseTransport | None = None  # tests may inject one

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = LazyClient(self._new_client)

    def _new_client(self) -> httpx.Client:
        import httpx

        return httpx.Client(
            verify=ssl_context(),
            timeout=httpx.Timeout(self.settings.timeout),
            transport=self.transport,
            headers={"User-Agent": "socialpost", **self.settings.headers},
            follow_redirects=False,
        )

    def _outcome(self, response: httpx.Response, where: str, post: OutgoingPost) -> Published:
        status = response.status_code
        if 200 <= status < 300:
            remote_id, url = post.key, None
            try:
                data = response.json()
            except ValueError:
                data = None
            if isinstance(data, dict):
                remote_id = str(data.get("id") or remote_id)
                url = str(data["url"]) if data.get("url") else None
            return Published(remote_id=remote_id, url=url)
        raise classify(
            response,
            network=self.name,
            account=post.account_name,
            now=self.context.clock(),
            where=where,
            wording=WORDING,
        )

    def close(self) -> None:
        self._client.close()


# httpx logs every request's full URL at INFO ("HTTP Request: POST https://…/TOKEN").
protect_http_loggers()
