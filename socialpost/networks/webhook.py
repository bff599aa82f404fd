"""POST each post as JSON to a URL you choose (Slack/Discord-style hooks, automation tools, your
own server).

The request body is ``{"id", "campaign", "account", "text", "thread", "media", "due_at",
"idempotency_key"}`` and the ``Idempotency-Key`` header carries the same key: a receiver that
ignores a key it has already seen makes delivery exactly-once, because socialpost re-sends with
the same key whenever it did not see the answer (timeout, crash). Responses: 2xx is sent (a JSON
body's ``id``/``url`` are recorded when present); 429 and 5xx are tried again later (honouring
``Retry-After``); any other 4xx fails the post with the receiver's message.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, HttpUrl, field_validator

from socialpost.errors import ConfigError, PermanentError, RateLimited, TransientError
from socialpost.i18n import N_, _
from socialpost.networks.base import (
    AccountSettings,
    AccountSetup,
    AdapterContext,
    Identity,
    Network,
    OutgoingPost,
    Published,
    SetupUI,
    decimal_mark,
)
from socialpost.networks.tls import LazyClient, ssl_context
from socialpost.redaction import PUBLIC_HEADERS, SecretValues, protect_http_loggers, redact

if TYPE_CHECKING:
    import httpx

EXCERPT_CHARS = 300  # how much of a receiver's error message goes into ours
MAX_RETRY_AFTER = timedelta(days=7)  # a larger Retry-After is a receiver's bug, not a plan


class WebhookSettings(AccountSettings):
    # Both may hold a token (redacted everywhere, see socialpost.redaction): the whole URL, and every
    # header's value but those of the public vocabulary (Content-Type, User-Agent…).
    url: Annotated[HttpUrl, SecretValues()] = Field(
        description="where to POST; use ${ENV_VAR} if the URL holds a secret token"
    )
    timeout: float = Field(10.0, gt=0, le=300, description="seconds to wait for the receiver")
    headers: Annotated[dict[str, str], SecretValues(except_keys=PUBLIC_HEADERS)] = Field(
        default_factory=dict, description="extra request headers"
    )

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: HttpUrl) -> HttpUrl:
        if value.scheme not in ("http", "https"):
            raise ValueError(_("the webhook URL must start with http:// or https://"))
        return value


class WebhookNetwork(Network):
    name = "webhook"
    title = N_("Webhook (JSON over HTTP)")
    settings_model = WebhookSettings
    idempotent = True

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

    def publish(self, post: OutgoingPost) -> Published:
        import httpx

        body = post.as_json()
        where = _("webhook '{name}'").format(name=post.account_name)  # never the URL: it may hold a token
        try:
            response = self._client.get().post(str(self.settings.url), json=body, headers={"Idempotency-Key": post.key})
        except (httpx.ConnectTimeout, httpx.ConnectError, httpx.PoolTimeout) as exc:
            # nothing was sent: safe to send again
            raise TransientError(
                _("{where}: cannot connect ({error}).").format(where=where, error=exc.__class__.__name__)
            ) from None
        except httpx.TimeoutException:
            seconds = decimal_mark(f"{self.settings.timeout:g}")
            raise TransientError(
                _("{where}: no answer within {seconds} s.").format(where=where, seconds=seconds), request_sent=True
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(
                _("{where}: the connection broke ({error}).").format(where=where, error=exc.__class__.__name__),
                request_sent=True,
            ) from None
        return self._outcome(response, where, post)

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
        excerpt = _excerpt(response)
        if status == 429:
            retry_at = retry_after(response.headers.get("Retry-After"), self.context.clock())
            raise RateLimited(
                _("{where}: too many requests (429).").format(where=where) + excerpt, status=status, retry_at=retry_at
            )
        if status >= 500:
            retry_at = retry_after(response.headers.get("Retry-After"), self.context.clock())
            raise TransientError(
                _("{where}: the receiver failed ({status}).").format(where=where, status=status) + excerpt,
                status=status,
                retry_at=retry_at,
            )
        if 300 <= status < 400:
            raise PermanentError(
                _(
                    "{where}: the receiver answered with a redirect ({status}); socialpost does not follow "
                    "redirects, so the post was not delivered."
                ).format(where=where, status=status),
                hint=_("Set the webhook URL to the address it redirects to."),
                status=status,
            )
        if status in (401, 403):
            raise PermanentError(
                _("{where}: the receiver refused our credentials ({status}).").format(where=where, status=status)
                + excerpt,
                hint=_("Check the URL's token or the headers in your config."),
                status=status,
            )
        raise PermanentError(
            _("{where}: the receiver rejected the post ({status}).").format(where=where, status=status) + excerpt,
            hint=_("Check what the receiver expects; socialpost sends the JSON documented in the README."),
            status=status,
        )

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        ui.say(
            _(
                "socialpost will POST each post as JSON to a URL of yours (a Slack or Discord incoming "
                "webhook, Zapier, n8n, your own server). The URL is kept in the secrets file, since such "
                "URLs usually hold a token."
            )
        )
        url = ui.ask_secret(_("Webhook URL (https://…)")).strip()
        answer = ui.ask(_("Seconds to wait for an answer"), default="10").strip()
        try:
            timeout = float(answer.replace(",", "."))
        except ValueError:
            raise ConfigError(
                _("'{answer}' is not a number of seconds.").format(answer=answer),
                hint=_("Fix: run socialpost accounts add again and answer with a number such as 10."),
            ) from None
        return AccountSetup(settings={"timeout": timeout}, secrets={"url": url})

    def reconcile(self, post: OutgoingPost) -> Published:
        """Safe to resend: the receiver dedupes on the idempotency key."""
        return self.publish(post)

    def check(self) -> Identity:
        host = self.settings.url.host or "?"
        seconds = decimal_mark(f"{self.settings.timeout:g}")
        return Identity(
            self.account,
            _("POST to {host}").format(host=host),
            {N_("timeout"): _("{seconds} s").format(seconds=seconds)},
        )

    def close(self) -> None:
        self._client.close()


# httpx logs every request's full URL at INFO ("HTTP Request: POST https://…/TOKEN").
protect_http_loggers()


def _excerpt(response: httpx.Response) -> str:
    """The start of the receiver's answer, on one line, without any secret in it (a receiver may
    repeat our URL or headers); redacted before it is cut, so no half of a token is left."""
    try:
        text = response.text
    except (LookupError, ValueError):  # an unknown or broken charset
        text = response.content.decode("utf-8", "replace")
    text = " ".join(redact(text).split())
    if not text:
        return ""
    cut = text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else "")
    return " " + _("The receiver said: {message}").format(message=cut)


_SECONDS = re.compile(r"[0-9]+")


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """``Retry-After`` as seconds or an HTTP date → an aware UTC datetime (None if unreadable).

    A value further than :data:`MAX_RETRY_AFTER` away is capped there."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        seconds = int(value)
        delay = MAX_RETRY_AFTER if seconds > MAX_RETRY_AFTER.total_seconds() else timedelta(seconds=seconds)
        return (now + delay).astimezone(UTC)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    return min(when, (now + MAX_RETRY_AFTER).astimezone(UTC))
