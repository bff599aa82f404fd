"""Publishing one pin: find the board the campaign names, read the image, ``POST /v5/pins``.

The image goes inline (``media_source.source_type: image_base64``), so no public host is needed.
The board is named in the campaign (``pin: {board: …}``); its id comes from ``GET /v5/boards`` (the
boards the account owns or may pin to), matched by name without regard to case. The attempt is
recorded before the request (:mod:`socialpost.networks.pinterest.state`) and the pin's id after it.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from socialpost.errors import ContentRejected, PermanentError
from socialpost.i18n import _
from socialpost.i18n.formats import integer
from socialpost.media import MediaRoots, sniff
from socialpost.networks.base import AdapterContext, OutgoingPost, Published
from socialpost.networks.common.numbers import as_time
from socialpost.networks.pinterest.checks import CHECKS, description, length, pin_of
from socialpost.networks.pinterest.client import PinterestClient
from socialpost.networks.pinterest.settings import IMAGE_TYPES, MAX_DESCRIPTION, MAX_IMAGE_BYTES
from socialpost.networks.pinterest.state import PinBook, Record

SLACK = timedelta(minutes=5)  # a pin listed this long before the attempt began may still be it (clocks differ)
BOARD_PAGE = 250  # GET /v5/boards' largest page
SHOWN_BOARDS = 20


def pin_url(pin_id: str) -> str:
    return f"https://www.pinterest.com/pin/{pin_id}/"


class Boards:
    """The account's boards by name (asked once per adapter; a board made later is found on a miss)."""

    def __init__(self, client: PinterestClient) -> None:
        self.client = client
        self._known: list[dict[str, Any]] | None = None

    def all(self, *, fresh: bool = False) -> list[dict[str, Any]]:
        if self._known is None or fresh:
            self._known = self.client.pages("boards", {"page_size": BOARD_PAGE})
        return self._known

    def find(self, name: str) -> str:
        """The id of the board called ``name`` (or with that id); PermanentError listing the boards."""
        wanted = " ".join(name.split()).casefold()
        for fresh in (False, True):
            for board in self.all(fresh=fresh):
                if (
                    str(board.get("id")) == name.strip()
                    or " ".join(str(board.get("name") or "").split()).casefold() == wanted
                ):
                    return str(board["id"])
        names = [str(b.get("name")) for b in self.all() if b.get("name")]
        listed = ", ".join(f"'{n}'" for n in names[:SHOWN_BOARDS]) + (" …" if len(names) > SHOWN_BOARDS else "")
        raise PermanentError(
            _("{where}: no board called '{board}' (the account's boards: {boards}).").format(
                where=self.client.where, board=name, boards=listed or _("none")
            ),
            hint=_("Write the board's name as Pinterest shows it under pin: board:, or create the board on Pinterest."),
        )


class Publisher:
    def __init__(self, client: PinterestClient, book: PinBook, context: AdapterContext, *, sandbox: bool) -> None:
        self.client, self.book, self.context, self.sandbox = client, book, context, sandbox
        self.boards = Boards(client)

    def publish(self, post: OutgoingPost) -> Published:
        record = self.book.load(post.key)
        if record is not None and record.pin_id:
            return self.published(record)
        if record is not None and self.settle(post, record):  # an earlier attempt made it after all
            return self.published(record)
        problems = [p if isinstance(p, str) else p[1] for p in CHECKS.problems(post)]
        if length(description(post)) > MAX_DESCRIPTION:
            problems.append(
                _("the description is {length} characters; Pinterest takes at most {limit}.").format(
                    length=integer(length(description(post))), limit=integer(MAX_DESCRIPTION)
                )
            )
        if len(post.media) > 1:  # validate says it too (the profile's media count)
            problems.append(
                _(
                    "a pin is one image; this post has {count}. "
                    "Fix: keep one, or give Pinterest its own under variants:."
                ).format(count=integer(len(post.media)))
            )
        if problems:
            raise ContentRejected(f"{self.client.where}: " + " ".join(problems))
        pin = pin_of(post)
        body = self.body(post, pin)
        board_id = self.boards.find(str(pin["board"]))
        body["board_id"] = board_id
        self.book.save(post.key, Record(board_id, self.context.clock()))
        answer = self.client.call("POST", "pins", body=body, publishing=True)
        pin_id = str(answer.get("id") or "")
        if not pin_id.isdigit():
            raise PermanentError(
                _("{where}: Pinterest did not say which pin it made.").format(where=self.client.where),
                hint=_("Look at the board on Pinterest before sending the post again."),
            )
        done = Record(board_id, self.context.clock(), pin_id, pin_url(pin_id))
        self.book.save(post.key, done)
        return self.published(done)

    def published(self, record: Record) -> Published:
        note = (
            _(
                "Trial access: the pin is in Pinterest's sandbox, visible only to you until Pinterest grants "
                "Standard access."
            )
            if self.sandbox
            else ""
        )
        return Published(record.pin_id, record.url or pin_url(record.pin_id), note=note)

    def body(self, post: OutgoingPost, pin: dict[str, Any]) -> dict[str, Any]:
        media = post.media[0]
        roots = MediaRoots.checked(post, self.context)
        data = roots.read(media.file)
        kind = sniff(data[:32])
        if kind not in IMAGE_TYPES:
            raise ContentRejected(
                _("{where}: '{name}' is not a JPEG or PNG image, which Pinterest needs.").format(
                    where=self.client.where, name=PurePath(media.file).name
                ),
                hint=_("Export the image as JPEG or PNG."),
            )
        if len(data) > MAX_IMAGE_BYTES:
            raise ContentRejected(
                _("{where}: '{name}' is {size} bytes; Pinterest takes images of at most {limit}.").format(
                    where=self.client.where,
                    name=PurePath(media.file).name,
                    size=integer(len(data)),
                    limit=integer(MAX_IMAGE_BYTES),
                ),
                hint=_("Make the image smaller."),
            )
        body: dict[str, Any] = {
            "description": description(post),
            "media_source": {
                "source_type": "image_base64",
                "content_type": kind,
                "data": base64.b64encode(data).decode("ascii"),
            },
        }
        for key in ("title", "link"):
            if pin.get(key):
                body[key] = str(pin[key])
        if media.alt:
            body["alt_text"] = media.alt
        return body

    def settle(self, post: OutgoingPost, record: Record) -> bool:
        """Whether the pin of an attempt whose answer was lost is on its board (then recorded)."""
        found = self.find(post, record, slack_from=record.started_at - SLACK)
        if found is None:
            return False
        record.pin_id, record.url = found, pin_url(found)
        self.book.save(post.key, record)
        return True

    def find(self, post: OutgoingPost, record: Record, *, slack_from: datetime) -> str | None:
        """The id of the pin ``post`` made on ``record``'s board since ``slack_from``, if listed."""
        pin = pin_of(post)
        text = description(post)
        for item in self.client.pages(f"boards/{record.board_id}/pins", {"page_size": 100}, most=3):
            if str(item.get("description") or "") != text:
                continue
            if str(item.get("title") or "") != str(pin.get("title") or ""):
                continue
            created = as_time(item.get("created_at"))
            if created is not None and created < slack_from:
                continue
            if str(item.get("id") or "").isdigit():
                return str(item["id"])
        return None
