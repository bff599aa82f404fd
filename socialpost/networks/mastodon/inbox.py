"""The replies under the account's statuses, and answering them."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from socialpost.errors import ContentRejected
from socialpost.i18n import _
from socialpost.networks.base import Published, Reply
from socialpost.networks.mastodon.client import _status_url
from socialpost.networks.mastodon.limits import _mapping
from socialpost.networks.mastodon.publish import PublishPart, _html_text
from socialpost.text.count import mastodon_length
from socialpost.timeutil import ensure_aware

log = logging.getLogger("socialpost.networks.mastodon")


class InboxPart(PublishPart):
    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """Every status under each of ``remote_ids`` (``/api/v1/statuses/:id/context`` descendants),
        the account's own among them marked ``own``. A deleted status is left out."""
        me = str(self._whoami()["id"])
        replies: list[Reply] = []
        for remote_id in remote_ids:
            context = self._unless_gone(
                _("reading the replies to status {id}").format(id=remote_id),
                "status_context",
                remote_id,
                lacking="replies",
            )
            if context is None:
                continue
            for status in context.get("descendants") or ():
                parent = status.get("in_reply_to_id")
                if parent is None:
                    continue
                account = _mapping(status.get("account"))
                created = status.get("created_at")
                replies.append(
                    Reply(
                        remote_id=str(status["id"]),
                        in_reply_to=str(parent),
                        post_remote_id=str(remote_id),
                        author="@" + str(account.get("acct") or account.get("username") or "?"),
                        author_name=str(account.get("display_name") or ""),
                        text=_html_text(str(status.get("content") or "")).strip(),
                        created_at=ensure_aware(created) if isinstance(created, datetime) else None,
                        url=_status_url(dict(status)),
                        own=str(account.get("id")) == me,
                    )
                )
        return replies

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer status ``in_reply_to`` (``in_reply_to_id``), checked against the instance's limit.
        The Idempotency-Key comes from the status and the text, so sending the same answer again
        (after a timeout) within the instance's key lifetime does not post it twice."""
        limits = self.limits()
        host = limits.domain or urlsplit(self.settings.api_base_url).netloc
        if not text.strip():
            raise ContentRejected(
                _("{where}: the reply is empty.").format(where=self._where), hint=_("Write some text for it.")
            )
        length = mastodon_length(text, url_length=limits.characters_reserved_per_url)
        if length > limits.max_characters:
            raise ContentRejected(
                _("{where}: the reply is {length} characters; {host} allows {limit}.").format(
                    where=self._where, length=length, host=host, limit=limits.max_characters
                ),
                hint=_("Shorten it by {count} characters.").format(count=length - limits.max_characters),
            )
        digest = hashlib.sha256(f"{self.account}\n{in_reply_to}\n{text}".encode()).hexdigest()[:32]
        status = self._post(
            text, key=f"sp-reply-{digest}", media_ids=[], reply_to=in_reply_to, language=self.settings.language
        )
        return Published(remote_id=str(status["id"]), url=_status_url(status))
