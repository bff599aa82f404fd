"""POST each post as JSON to a URL you choose (Slack/Discord-style hooks, automation tools, your
own server).

The request body is ``{"id", "campaign", "account", "text", "thread", "media", "due_at",
"idempotency_key"}`` (docs/networks/webhook.md); each media file travels with the post, inline as
base64 (``data``, up to ``inline_media_max_bytes`` per request) or, when the account sets
``media_base_url`` and ``media_folder``, copied into that folder and sent as a link (``url``). The
``Idempotency-Key`` header carries the post's key: a receiver that
ignores a key it has already seen makes delivery exactly-once, because socialpost re-sends with
the same key whenever it did not see the answer (timeout, crash). Responses: 2xx is sent (a JSON
body's ``id``/``url`` are recorded when present); 429, 408 and 5xx are tried again later
(honouring ``Retry-After``); any other 4xx fails the post with the receiver's message
(:func:`socialpost.networks.common.http.classify` says which is which).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from pydantic import Field, HttpUrl, field_validator, model_validator

from socialpost.errors import ConfigError, ContentRejected, PermanentError, TransientError
from socialpost.i18n import N_, _
from socialpost.i18n.formats import integer
from socialpost.media import MediaRoots
from socialpost.networks.base import (
    AccountSettings,
    AccountSetup,
    AdapterContext,
    Media,
    Network,
    OutgoingPost,
    Published,
    SetupUI,
    decimal_mark,
)
from socialpost.networks.capabilities import (
    GuidedSetup,
    HealthCheck,
    Reconciler,
)
from socialpost.networks.common import files
from socialpost.networks.common.http import Wording, classify, transport_error
from socialpost.networks.common.tls import LazyClient, ssl_context
from socialpost.networks.health import AccountHealth
from socialpost.networks.profile import NetworkProfile
from socialpost.redaction import PUBLIC_HEADERS, SecretValues, protect_http_loggers
from socialpost.text.rules import LengthRule

if TYPE_CHECKING:
    import httpx

# Inline media per request by default: base64 makes the body ~9.4 MB, under Zapier's 10 MB
# (n8n takes 16 MB; Make 5 MB: set 3,500,000 there).
INLINE_MEDIA_MAX_BYTES = 7_000_000
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
    inline_media_max_bytes: int = Field(
        INLINE_MEDIA_MAX_BYTES,
        ge=0,
        description="media sent inline (base64) in one request, all files together, at most this many bytes "
        "(the request is about 4/3 of it); a post with more fails, unless media go as links (media_base_url)",
    )
    media_base_url: HttpUrl | None = Field(
        None, description="the public address of media_folder: with it, media go as links instead of inline"
    )
    media_folder: str | None = Field(
        None,
        description="the folder your web server publishes at media_base_url; socialpost copies each media "
        "file there, named by its content (relative to the config file's folder)",
    )

    @model_validator(mode="after")
    def _links_need_both(self) -> WebhookSettings:
        if (self.media_base_url is None) != (self.media_folder is None):
            raise ValueError(
                _(
                    "media_base_url and media_folder go together: socialpost copies media into media_folder and "
                    "sends their address under media_base_url"
                )
            )
        return self

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: HttpUrl) -> HttpUrl:
        if value.scheme not in ("http", "https"):
            raise ValueError(_("the webhook URL must start with http:// or https://"))
        return value


class WebhookNetwork(Network, Reconciler, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="webhook",
        title=N_("Webhook (JSON over HTTP)"),
        settings_model=WebhookSettings,
        length=LengthRule("webhook"),
        idempotent=True,
    )

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

        where = _("webhook '{name}'").format(name=post.account_name)  # never the URL: it may hold a token
        body = {**post.as_json(), "media": self._media(post, where)}
        try:
            response = self._client.get().post(str(self.settings.url), json=body, headers={"Idempotency-Key": post.key})
        except httpx.TransportError as exc:  # never connected: safe to send again; else maybe sent
            raise transport_error(exc, where=where, timeout=self.settings.timeout) from None
        return self._outcome(response, where, post)

    # --- media -----------------------------------------------------------------------------------

    def _media(self, post: OutgoingPost, where: str) -> list[dict[str, Any]]:
        """Each media file as the receiver gets it: inline (``data``, base64), or as a link
        (``url``) when the account has a media folder published at ``media_base_url``. Every file
        is opened through MediaRoots (confined to the campaign's folder, no link followed)."""
        if not post.media:
            return []
        roots = MediaRoots.checked(post, self.context)
        if self.settings.media_base_url is not None:
            return [self._linked(roots, media, where) for media in post.media]
        return self._inline(roots, post, where)

    def _inline(self, roots: MediaRoots, post: OutgoingPost, where: str) -> list[dict[str, Any]]:
        cap = self.settings.inline_media_max_bytes
        # the sizes first: a video too big to send is not read into memory
        _within(sum(files.media_size(roots, media.file) for media in post.media), cap, where)
        read = [(media, roots.read(media.file)) for media in post.media]
        _within(sum(len(data) for _media, data in read), cap, where)  # a file that grew meanwhile
        return [
            {
                **_described(media, files.MediaFacts.of(media.file, data)),
                "data": base64.b64encode(data).decode("ascii"),
                "url": None,
            }
            for media, data in read
        ]

    def _linked(self, roots: MediaRoots, media: Media, where: str) -> dict[str, Any]:
        """``media`` copied into the media folder under a name made of its digest (the same file is
        copied once, two files never share a name, and no name can be guessed), and its address."""
        folder = Path(self.settings.media_folder or "").expanduser()
        folder = folder if folder.is_absolute() else self.context.base_dir / folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            facts, copy = files.copy_media(roots, media.file, folder, _by_digest)
        except OSError as exc:
            error = PermanentError if exc.errno in files.PERMANENT_ERRNOS else TransientError
            raise error(
                _("{where}: cannot copy the media into {folder} ({reason}).").format(
                    where=where, folder=folder, reason=exc.strerror or exc.__class__.__name__
                ),
                hint=_("Make media_folder writable for socialpost, or set it to another folder."),
            ) from None
        base = str(self.settings.media_base_url).rstrip("/")
        return {**_described(media, facts), "data": None, "url": f"{base}/{quote(copy.name)}"}

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

    def health(self) -> AccountHealth:
        host = self.settings.url.host or "?"
        seconds = decimal_mark(f"{self.settings.timeout:g}")
        if self.settings.media_base_url is not None:
            media = _("links under {url}").format(url=self.settings.media_base_url)
        else:
            media = _("inline, up to {size} bytes a post").format(size=integer(self.settings.inline_media_max_bytes))
        return AccountHealth(
            self.account,
            _("POST to {host}").format(host=host),
            {N_("timeout"): _("{seconds} s").format(seconds=seconds), N_("media"): media},
        )

    def close(self) -> None:
        self._client.close()


def _within(total: int, cap: int, where: str) -> None:
    """ContentRejected naming the cap when the inline media come to more than ``cap`` bytes."""
    if total <= cap:
        return
    raise ContentRejected(
        _(
            "{where}: the post's media come to {size} bytes, more than the {limit} bytes this webhook "
            "sends inline (inline_media_max_bytes)."
        ).format(where=where, size=integer(total), limit=integer(cap)),
        hint=_(
            "Set media_base_url and media_folder for this webhook so media go as links, or raise "
            "inline_media_max_bytes if your receiver takes bigger requests (docs/networks/webhook.md)."
        ),
    )


def _described(media: Media, facts: files.MediaFacts) -> dict[str, Any]:
    """What the receiver is told about a media file, before its ``data`` or ``url``."""
    return {
        "file": media.file,
        "alt": media.alt,
        "name": facts.name,
        "type": facts.type,
        "size": facts.size,
        "sha256": facts.sha256,
    }


def _by_digest(facts: files.MediaFacts) -> str:
    """A linked copy's name: its content's digest (128 bits) and the extension of its type."""
    return f"{facts.sha256[:32]}{facts.extension}"


# httpx logs every request's full URL at INFO ("HTTP Request: POST https://…/TOKEN").
protect_http_loggers()
