"""Comments: read (``GET /rest/socialActions/{urn}/comments``, then the same on each comment that
has replies, page after page) and answered (``POST /rest/socialActions/{comment}/comments`` with
``parentComment``). LinkedIn threads are one level deep."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialpost.errors import AccessTierError, AuthError, ContentRejected, PermanentError, TransientError
from socialpost.i18n import _
from socialpost.networks.base import Published, Reply
from socialpost.networks.common.comments import check_reply
from socialpost.networks.common.numbers import as_int
from socialpost.networks.common.read_pause import ReadPause
from socialpost.networks.linkedin.client import (
    DEFAULT_RATE_DELAY,
    POST_URN,
    LinkedInClient,
    enc,
    json_of,
    linkedin_said,
    post_url,
)

log = logging.getLogger("socialpost.networks.linkedin")

COMMENT = re.compile(r"urn:li:comment:\((urn:li:[A-Za-z]+:[0-9]+),([0-9]+)\)")
MAX_COMMENT = 1250  # characters in one comment
COMMENTS_COUNT = 100  # comments per request
COMMENT_PAGES = 10  # requests per post or comment, at most
PERMISSION_PAUSE = timedelta(hours=1)  # no comments read for a while after a 403


class Comments(LinkedInClient):
    """The inbox: the comments on the account's posts, and answers to them."""

    _read_pause: ReadPause

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """The comments on each post and the replies to them (``GET /rest/socialActions/{urn}/comments``,
        then the same on each comment that has replies), page after page. Reading them needs
        r_organization_social (an organization page) or r_member_social (a member; LinkedIn grants
        it only to approved partners): without it, a clear AuthError. A post that is gone is left out."""
        ids = [str(i) for i in dict.fromkeys(remote_ids) if POST_URN.fullmatch(str(i))]
        if not ids:
            return []
        with self._read_pause.guard(rate=DEFAULT_RATE_DELAY, refused=PERMISSION_PAUSE):
            replies: list[Reply] = []
            for urn in ids:
                replies += self._comments(urn)
            return replies

    def _comments(self, post: str) -> list[Reply]:
        replies: list[Reply] = []
        top = self._comment_pages(post, post)
        if top is None:
            log.info("%s: post %s is gone; no comments", self._where, post)
            return replies
        for element in top:
            reply = _comment_reply(element, post, post, self.settings.author)
            if reply is None:
                continue
            replies.append(reply)
            if _has_replies(element):
                for nested in self._comment_pages(reply.remote_id, post) or []:
                    answer = _comment_reply(nested, post, reply.remote_id, self.settings.author)
                    if answer is not None:
                        replies.append(answer)
        return replies

    def _comment_pages(self, target: str, post: str) -> list[dict[str, Any]] | None:
        """Every comment on ``target`` (a post or a comment); None when it is gone (404)."""
        found: list[dict[str, Any]] = []
        start = 0
        for _page in range(COMMENT_PAGES):
            response = self._send(
                "GET",
                f"/rest/socialActions/{enc(target)}/comments?start={start}&count={COMMENTS_COUNT}",
                headers=self._rest_headers(),
            )
            if response.status_code == 404:
                return None if target == post else found
            if response.status_code == 403:
                raise self._read_refused(response)
            if not response.is_success:
                raise self._error(response)
            data = json_of(response)
            elements = data.get("elements") if isinstance(data, dict) else None
            page = [e for e in elements if isinstance(e, dict)] if isinstance(elements, list) else []
            found += page
            paging = data.get("paging") if isinstance(data, dict) else None
            total = as_int(paging.get("total")) if isinstance(paging, dict) else None
            start += len(page)
            if len(page) < COMMENTS_COUNT or (total is not None and start >= total):
                return found
        log.info("%s: %s has more than %d comments; only the first are read", self._where, target, len(found))
        return found

    def _read_refused(self, response: httpx.Response) -> AuthError:
        said = linkedin_said(response, self._secrets())
        if self.settings.is_organization:
            return AuthError(
                _(
                    "{where}: LinkedIn does not let this app read the page's comments (403): it needs the "
                    "r_organization_social permission (Community Management API) and an administrator role on "
                    "the page.{said}"
                ).format(where=self._where, said=said),
                hint=_(
                    "Add the Community Management API product to your LinkedIn app, then connect again: {command}."
                ).format(command=self._reconnect),
                status=403,
            )
        return AccessTierError(
            _(
                "{where}: LinkedIn does not let this app read the comments on your posts (403): that needs the "
                "r_member_social permission, which LinkedIn grants only to approved partners.{said}"
            ).format(where=self._where, said=said),
            hint=_("Answer comments in LinkedIn itself, or post as an organization page: {command}.").format(
                command=self._reconnect
            ),
            status=403,
        )

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer a comment (``POST /rest/socialActions/{comment}/comments`` with ``parentComment``).
        LinkedIn threads are one level deep: an answer to a reply goes under the comment that reply
        belongs to."""
        match = COMMENT.fullmatch(str(in_reply_to))
        if match is None:
            raise ContentRejected(
                _("{where}: {id} is not a LinkedIn comment.").format(where=self._where, id=in_reply_to)
            )
        check_reply(
            text,
            where=self._where,
            limit=MAX_COMMENT,
            too_long=_("{where}: the reply is {length} characters; a LinkedIn comment takes at most {limit}."),
        )
        activity, comment_id = match.group(1), match.group(2)
        parent = self._thread_of(str(in_reply_to), activity, comment_id)
        body = {
            "actor": self.settings.author,
            "object": activity,
            "message": {"text": text},
            "parentComment": parent,
        }
        response = self._call(
            "POST",
            f"/rest/socialActions/{enc(parent)}/comments",
            json=body,
            headers=self._rest_headers(),
            publishing=True,
        )
        data = json_of(response)
        urn = _comment_urn(data) if isinstance(data, dict) else None
        if urn is None:
            header = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id") or ""
            if COMMENT.fullmatch(header):
                urn = header
            elif header.isdigit():
                urn = f"urn:li:comment:({activity},{header})"
        if urn is None:
            raise TransientError(
                _("{where}: LinkedIn accepted the reply ({status}) but did not say its id.").format(
                    where=self._where, status=response.status_code
                ),
                request_sent=True,
            )
        return Published(urn, comment_url(activity, urn))

    def _thread_of(self, comment: str, activity: str, comment_id: str) -> str:
        """The comment an answer to ``comment`` goes under: its parent when it is itself a reply."""
        response = self._send(
            "GET", f"/rest/socialActions/{enc(activity)}/comments/{comment_id}", headers=self._rest_headers()
        )
        if response.status_code == 404:
            raise PermanentError(
                _("{where}: the comment {id} is gone; it cannot be answered.").format(where=self._where, id=comment),
                hint=_("Refresh the inbox: socialpost inbox"),
                status=404,
            )
        if not response.is_success:
            return comment  # not allowed to read it (or a hiccup): answer it directly
        data = json_of(response)
        parent = data.get("parentComment") if isinstance(data, dict) else None
        return str(parent) if isinstance(parent, str) and COMMENT.fullmatch(parent) else comment


def comment_url(post: str, comment: str) -> str:
    """Where a comment shows: its post, scrolled to the comment."""
    return f"{post_url(post)}?commentUrn={enc(comment)}"


def _comment_urn(element: dict[str, Any]) -> str | None:
    for key in ("commentUrn", "$URN"):
        value = element.get(key)
        if isinstance(value, str) and COMMENT.fullmatch(value):
            return value
    target, number = element.get("object"), element.get("id")
    if isinstance(target, str) and number is not None and str(number).isdigit():
        return f"urn:li:comment:({target},{number})"
    return None


def _comment_reply(element: dict[str, Any], post: str, parent: str, author: str) -> Reply | None:
    """One LinkedIn comment as an inbox reply (None when it has no URN)."""
    urn = _comment_urn(element)
    if urn is None:
        return None
    created: dict[str, Any] = element["created"] if isinstance(element.get("created"), dict) else {}
    actor = str(element.get("actor") or created.get("actor") or "")
    message = element.get("message")
    text = message.get("text") if isinstance(message, dict) else message
    millis = as_int(created.get("time"))
    nested = element.get("parentComment")
    return Reply(
        remote_id=urn,
        in_reply_to=str(nested) if isinstance(nested, str) and nested else parent,
        post_remote_id=post,
        author=actor or "?",
        author_name="",
        text=str(text or ""),
        created_at=datetime.fromtimestamp(millis / 1000, UTC) if millis else None,
        url=comment_url(post, urn),
        own=actor == author,
    )


def _has_replies(element: dict[str, Any]) -> bool:
    """Whether a comment has replies to read: its summary says so, or it has no summary."""
    summary = element.get("commentsSummary")
    if not isinstance(summary, dict):
        return True
    counts = [as_int(summary.get(k)) for k in ("aggregatedTotalComments", "totalFirstLevelComments")]
    known = [c for c in counts if c is not None]
    return not known or max(known) > 0
