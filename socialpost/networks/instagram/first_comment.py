"""A post's optional first comment (``first_comment:``), added under it once it is out.

Instagram has no way to publish a comment with the post: it is ``POST /{ig-media-id}/comments
?message=…`` on the published media (developers.facebook.com/docs/instagram-platform/
instagram-graph-api/reference/ig-media/comments; the token needs instagram_business_manage_comments,
or instagram_manage_comments with Facebook Login). So it comes after ``media_publish``, and:

* the post never waits for it: a comment that fails leaves the post sent, with a note saying why
  and the fix (``socialpost status`` and ``show`` print it) — the comment is never a reason to publish
  the post again;
* it is added at most once: the account's state for the post says ``sending`` before the request
  leaves and keeps the comment's id after; a retry or a reconcile that finds ``sending`` without an
  id (a crash, an answer lost) looks for the comment under the post before writing it again;
* a Story takes no comments: the note says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from socialpost.errors import AuthError, NetworkError, TransientError
from socialpost.i18n import _
from socialpost.networks.base import OutgoingPost
from socialpost.networks.instagram.checks import first_comment

if TYPE_CHECKING:
    from socialpost.networks.instagram.client import GraphClient

log = logging.getLogger("socialpost.networks.instagram")

COMMENT_PAGES = 4  # pages of the post's comments read to find one already written (50 each)
CLIP = 120  # characters of the comment the note repeats


class FirstComment:
    """Adds one post's first comment (see the module); ``save(state)`` keeps the post's state."""

    def __init__(self, call: GraphClient, *, story: bool) -> None:
        self.call, self.story = call, story

    def add(self, post: OutgoingPost, state: dict[str, Any], media_id: str, save: Callable[[], None]) -> str:
        """Add the comment unless it is there; the note for the user ("" when all is well)."""
        text = first_comment(post)
        if not text or state.get("comment_id"):
            return ""
        if state.get("comment_error"):
            return self._note(str(state["comment_error"]), text)
        if self.story:
            return self._give_up(state, save, _("a Story takes no comments"), text)
        if state.get("comment") == "sending":  # the last try may have written it
            try:
                found = self._find(media_id, text)
            except NetworkError as exc:
                reason = _("socialpost could not check whether it was already added: {reason}").format(
                    reason=exc.message
                )
                return self._give_up(state, save, reason, text)
            if found:
                return self._added(state, save, found)
        state["comment"] = "sending"
        save()
        try:
            made = self.call("POST", f"{media_id}/comments", {"message": text})
        except NetworkError as exc:
            maybe_sent = isinstance(exc, TransientError) and (
                exc.request_sent or exc.status is None or exc.status >= 500
            )
            found = self._look(media_id, text) if maybe_sent else None
            if found:
                return self._added(state, save, found)
            reason = exc.message
            if isinstance(exc, AuthError):
                reason += " " + _(
                    "(the token needs instagram_business_manage_comments; Facebook Login: instagram_manage_comments)"
                )
            return self._give_up(state, save, reason, text)
        comment_id = str(made.get("id") or "")
        if not comment_id:
            found = self._look(media_id, text)
            if found:
                return self._added(state, save, found)
            return self._give_up(state, save, _("Instagram answered without the comment's id"), text)
        return self._added(state, save, comment_id)

    def _added(self, state: dict[str, Any], save: Callable[[], None], comment_id: str) -> str:
        state["comment"], state["comment_id"] = "added", comment_id
        save()
        return ""

    def _give_up(self, state: dict[str, Any], save: Callable[[], None], reason: str, text: str) -> str:
        state["comment"], state["comment_error"] = "failed", reason
        save()
        log.warning("%s: the post is out, but its first comment was not added (%s)", self.call.account, reason)
        return self._note(reason, text)

    def _note(self, reason: str, text: str) -> str:
        return _(
            "The post is out, but its first comment was not added ({reason}). Fix: add it by hand in Instagram: "
            "{comment}"
        ).format(reason=reason.rstrip("."), comment=text if len(text) <= CLIP else text[: CLIP - 1] + "…")

    def _look(self, media_id: str, text: str) -> str | None:
        """:meth:`_find`, None when the comments cannot be read (the comment is then given up: a
        second one must not be written blindly)."""
        try:
            return self._find(media_id, text)
        except NetworkError as exc:
            log.info("%s: could not read the post's comments (%s)", self.call.account, exc.message)
            return None

    def _find(self, media_id: str, text: str) -> str | None:
        """The id of a comment of the account's under ``media_id`` with ``text``, if there is one."""
        params: dict[str, Any] = {"fields": "id,text,username", "limit": 50}
        own = self.call.settings.user_id
        username = str(self.call("GET", own, {"fields": "username"}).get("username") or "")
        for _page in range(COMMENT_PAGES):
            answer = self.call("GET", f"{media_id}/comments", params)
            rows = answer.get("data")
            for row in rows if isinstance(rows, list) else []:
                if (
                    isinstance(row, dict)
                    and str(row.get("text") or "").strip() == text
                    and str(row.get("username") or "").lower() == username.lower()
                    and row.get("id")
                ):
                    return str(row["id"])
            after = ((answer.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not rows:
                return None
            params = {**params, "after": after}
        return None
