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

The package's parts: ``settings``, ``client`` (the HTTP client, the answer classified), ``media``
(inline or linked) and ``publish``; this module adds the set-up and the health check.
"""

from __future__ import annotations

from socialpost.errors import ConfigError
from socialpost.i18n import N_, _
from socialpost.i18n.formats import integer
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI, decimal_mark
from socialpost.networks.capabilities import GuidedSetup, HealthCheck, Reconciler
from socialpost.networks.health import AccountHealth
from socialpost.networks.profile import NetworkProfile, PreviewLook
from socialpost.networks.webhook.client import WORDING
from socialpost.networks.webhook.publish import WebhookPublisher
from socialpost.networks.webhook.settings import INLINE_MEDIA_MAX_BYTES, WebhookSettings
from socialpost.text.rules import LengthRule

__all__ = ["INLINE_MEDIA_MAX_BYTES", "WORDING", "WebhookNetwork", "WebhookSettings"]


class WebhookNetwork(WebhookPublisher, Reconciler, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="webhook",
        title=N_("Webhook (JSON over HTTP)"),
        settings_model=WebhookSettings,
        length=LengthRule("webhook"),
        idempotent=True,
        colour="#8b5cf6",
        look=PreviewLook(name="Webhook"),
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
