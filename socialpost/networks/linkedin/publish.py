"""Posts on LinkedIn: ``POST /rest/posts``, the new post's URN in ``x-restli-id``; and reconcile.

The commentary uses LinkedIn's "little text" format, where ``\\ | { } @ [ ] ( ) < > # * _ ~`` are
markup: an unescaped one makes LinkedIn silently cut the post there. :func:`escape_commentary`
escapes them outside links and turns ``#word`` into a real hashtag (``{hashtag|\\#|word}``).
LinkedIn has no threads: the parts are joined into one post, separated by a blank line. A ``422
DUPLICATE_POST`` names the existing post: :class:`DuplicatePost` with it, which the daemon records
as sent. Organisations can list their posts (reconcile); members cannot (``r_member_social`` is
closed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from socialpost.errors import ContentRejected, DuplicatePost, TransientError
from socialpost.i18n import _
from socialpost.i18n.formats import integer
from socialpost.media import MediaRoots
from socialpost.networks.base import NotSent, OutgoingPost, Published, Rendition
from socialpost.networks.common.numbers import as_int
from socialpost.networks.linkedin.client import enc, json_of, post_url
from socialpost.networks.linkedin.media import MAX_IMAGES, ImageUploads, check_image
from socialpost.networks.linkedin.state import Uploads
from socialpost.text.utm import links

MAX_COMMENTARY = 3000
THREAD_SEPARATOR = "\n\n"
CLOCK_SKEW = timedelta(minutes=2)
RESERVED = frozenset("\\|{}@[]()<>#*_~")
_HASHTAG = re.compile(r"(?<![\w#\\/&])#(\w*[^\W\d_]\w*)")


def _escape_chars(text: str) -> str:
    return "".join(f"\\{c}" if c in RESERVED else c for c in text)


def _escape_plain(text: str) -> str:
    pieces: list[str] = []
    cursor = 0
    for match in _HASHTAG.finditer(text):
        pieces.append(_escape_chars(text[cursor : match.start()]))
        pieces.append("{hashtag|\\#|" + _escape_chars(match.group(1)) + "}")
        cursor = match.end()
    pieces.append(_escape_chars(text[cursor:]))
    return "".join(pieces)


def escape_commentary(text: str) -> str:
    """``text`` in LinkedIn's little text format: reserved characters escaped with a backslash,
    links left exactly as written, ``#word`` as a hashtag."""
    pieces: list[str] = []
    cursor = 0
    for start, end, _url in links(text):
        pieces.append(_escape_plain(text[cursor:start]))
        pieces.append(text[start:end])
        cursor = end
    pieces.append(_escape_plain(text[cursor:]))
    return "".join(pieces)


class Publishing(ImageUploads):
    """Publish a post (with its images) and find out whether an unseen attempt went out."""

    _uploads: Path  # where the uploads of posts not out yet are recorded

    @classmethod
    def as_read(cls, parts: Sequence[str]) -> Rendition:
        """One post, as :meth:`commentary` joins it; people read it as written, unescaped."""
        shown = Rendition.joined(parts, network=cls.title, separator=THREAD_SEPARATOR)
        if escape_commentary(shown.parts[0]) == shown.parts[0]:
            return shown
        note = _(
            "LinkedIn reads characters such as # @ * _ ( ) [ ] as formatting: socialpost escapes them when it "
            "sends the post, so people see them as written here, and each #word becomes a LinkedIn hashtag."
        )
        return Rendition(shown.parts, (*shown.notes, note))

    def commentary(self, post: OutgoingPost) -> str:
        """LinkedIn has no threads: the parts become one post, separated by a blank line."""
        commentary = escape_commentary(THREAD_SEPARATOR.join([post.text, *post.thread]))
        if len(commentary) > MAX_COMMENTARY:
            raise ContentRejected(
                _(
                    "{where}: the post is {length} characters once its thread parts are joined "
                    "and LinkedIn's reserved characters escaped; LinkedIn takes at most {limit}."
                ).format(where=self._where, length=integer(len(commentary)), limit=integer(MAX_COMMENTARY)),
                hint=_("Shorten the text for LinkedIn (variants: linkedin: {{text: …}}).").format(),
            )
        return commentary

    def publish(self, post: OutgoingPost) -> Published:
        commentary = self.commentary(post)
        roots = MediaRoots.checked(post, self.context)
        images = [(Path(m.file), m.alt, check_image(Path(m.file), self._where)) for m in post.media]
        if len(images) > MAX_IMAGES:
            raise ContentRejected(
                _("{where}: {count} images in one post; LinkedIn takes at most {limit}.").format(
                    where=self._where, count=len(images), limit=MAX_IMAGES
                ),
                hint=_("Split the images over several posts."),
            )
        uploads = Uploads(self._uploads, post.key)
        uploaded: list[tuple[str, str]] = []  # (URN, alt text)
        waiting: list[tuple[int, str, str]] = []  # (index, URN, file name)
        for index, (path, alt, mime) in enumerate(images):
            urn = self._upload(index, path, mime, uploads, roots)
            uploaded.append((urn, alt))
            waiting.append((index, urn, path.name))
        if waiting:
            self._wait_available(uploads, waiting)
        body: dict[str, Any] = {
            "author": self.settings.author,
            "commentary": commentary,
            "visibility": self.settings.visibility,
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if len(uploaded) == 1:
            urn, alt = uploaded[0]
            body["content"] = {"media": {"id": urn, **({"altText": alt} if alt else {})}}
        elif uploaded:
            body["content"] = {
                "multiImage": {"images": [{"id": urn, **({"altText": alt} if alt else {})} for urn, alt in uploaded]}
            }
        try:
            response = self._call("POST", "/rest/posts", json=body, headers=self._rest_headers(), publishing=True)
        except DuplicatePost:
            uploads.clear()  # the post is out (the daemon records it as sent): its images are done
            raise
        uploads.clear()
        urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not urn:
            raise TransientError(
                _("{where}: LinkedIn accepted the post ({status}) but did not say its id.").format(
                    where=self._where, status=response.status_code
                ),
                request_sent=True,
            )
        return Published(urn, post_url(urn))

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        if not self.settings.is_organization:
            return None  # a member's own posts cannot be read back (r_member_social is closed)
        commentary = self.commentary(post)
        plain = THREAD_SEPARATOR.join([post.text, *post.thread])
        since_ms = int((post.due_at - CLOCK_SKEW).timestamp() * 1000)
        count = 50
        query = f"q=author&author={enc(self.settings.author)}&count={count}&sortBy=LAST_MODIFIED"
        response = self._send("GET", f"/rest/posts?{query}", headers=self._rest_headers({"X-RestLi-Method": "FINDER"}))
        if response.status_code == 403:
            return None
        if not response.is_success:
            raise self._error(response)
        data = json_of(response)
        elements = data.get("elements") if isinstance(data, dict) else None
        if not isinstance(elements, list):
            return None
        covered = len(elements) < count
        for item in elements:
            if not isinstance(item, dict):
                continue
            created = as_int(item.get("createdAt")) or as_int(item.get("publishedAt")) or 0
            modified = as_int(item.get("lastModifiedAt")) or created
            if modified and modified < since_ms:
                covered = True  # sorted by last change: everything from here on is older
            if created >= since_ms and str(item.get("commentary", "")).strip() in (commentary.strip(), plain.strip()):
                urn = str(item.get("id") or "")
                if urn:
                    return Published(urn, post_url(urn))
        if covered:
            return NotSent(f"no post with this text on the page since {post.due_at - CLOCK_SKEW:%Y-%m-%d %H:%M} UTC")
        return None
