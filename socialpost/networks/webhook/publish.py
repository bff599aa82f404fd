"""Publishing to a webhook: the post as JSON in one POST, with its idempotency key; reconcile sends it
again (the receiver dedupes on the key).
"""

from __future__ import annotations

from typing import Any

from socialpost.i18n import _
from socialpost.networks.base import OutgoingPost, Published
from socialpost.networks.common.http import classify, transport_error
from socialpost.networks.webhook.client import WORDING
from socialpost.networks.webhook.media import MediaSender


class WebhookPublisher(MediaSender):
    """Publishing: one POST with the post's JSON and its ``Idempotency-Key``."""

    def publish(self, post: OutgoingPost) -> Published:
        import httpx

        where = _("webhook '{name}'").format(name=post.account_name)  # never the URL: it may hold a token
        body = {**post.as_json(), "media": self._media(post, where)}
        try:
            response = self._client.get().post(str(self.settings.url), json=body, headers={"Idempotency-Key": post.key})
        except httpx.TransportError as exc:  # never connected: safe to send again; else maybe sent
            raise transport_error(exc, where=where, timeout=self.settings.timeout) from None
        return self._outcome(response, where, post)

    def send_json(self, body: dict[str, Any], *, key: str) -> None:
        """POST ``body`` as it is (a notification in the receiver's own shape: Slack, Discord,
        Teams) with ``key`` as its ``Idempotency-Key``. A 2xx answer is done; anything else raises
        the error it means, as for a post."""
        import httpx

        name = self.account.split(":", 1)[-1]
        where = _("webhook '{name}'").format(name=name)  # never the URL: it may hold a token
        try:
            response = self._client.get().post(str(self.settings.url), json=body, headers={"Idempotency-Key": key})
        except httpx.TransportError as exc:
            raise transport_error(exc, where=where, timeout=self.settings.timeout) from None
        if not 200 <= response.status_code < 300:
            raise classify(
                response,
                network=self.name,
                account=name,
                now=self.context.clock(),
                where=where,
                wording=WORDING,
            )

    def reconcile(self, post: OutgoingPost) -> Published:
        """Safe to resend: the receiver dedupes on the idempotency key."""
        return self.publish(post)
