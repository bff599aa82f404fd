"""Publishing to a webhook: the post as JSON in one POST, with its idempotency key; reconcile sends it
again (the receiver dedupes on the key).
"""

from __future__ import annotations

from socialpost.i18n import _
from socialpost.networks.base import OutgoingPost, Published
from socialpost.networks.common.http import transport_error
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

    def reconcile(self, post: OutgoingPost) -> Published:
        """Safe to resend: the receiver dedupes on the idempotency key."""
        return self.publish(post)
