"""A post → the ``LocalPost`` Google takes, and what ``validate`` asks about it (the profile's
``post_checks``).

The campaign writes an event, an offer and a button (:mod:`socialpost.campaign.local_posts`); the
expander hands them over as plain dicts in ``OutgoingPost.extra``:

* ``event`` ``{title, start_date, start_time?, end_date, end_time?}`` → ``topicType: EVENT`` and
  ``event {title, schedule {startDate, startTime, endDate, endTime}}`` (dates as ``{year, month,
  day}``, times as ``{hours, minutes}``: the location's local time, as Google reads them);
* ``offer`` ``{title, start_date, …, coupon?, url?, terms?}`` → ``topicType: OFFER``, its dates in
  ``event`` (Google keeps an offer's title and validity there) and ``offer {couponCode,
  redeemOnlineUrl, termsConditions}``;
* ``button`` ``{action, url?}`` → ``callToAction {actionType, url}`` (``CALL`` has no URL: it
  calls the location's phone number).

Without an event or an offer the post is a "What's new" (``STANDARD``). The text is the
``summary`` (1,500 characters at most); one photo, JPEG or PNG of 10 KB to 5 MB, fetched by Google
from the media host (``media [{mediaFormat: PHOTO, sourceUrl}]``). Google has no alt text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from socialpost.i18n import _
from socialpost.i18n.formats import integer
from socialpost.networks.base import OutgoingPost, Rendition

MAX_SUMMARY = 1500
MIN_PHOTO = 10 * 1024  # bytes: Google refuses smaller photos ("between 10 KB and 5 MB")
MAX_PHOTO = 5_000_000
PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
ACTIONS = ("BOOK", "ORDER", "SHOP", "LEARN_MORE", "SIGN_UP", "CALL")


def summary(post: OutgoingPost) -> str:
    """The post's text (its thread parts joined: Google has no threads)."""
    parts = (post.text, *post.thread)
    return Rendition.joined(parts, network="Google Business Profile").parts[0] if post.text or post.thread else ""


def topic(post: OutgoingPost) -> str:
    if isinstance(post.extra.get("offer"), dict):
        return "OFFER"
    if isinstance(post.extra.get("event"), dict):
        return "EVENT"
    return "STANDARD"


def _date(text: str) -> dict[str, int]:
    year, month, day = (int(part) for part in text.split("-"))
    return {"year": year, "month": month, "day": day}


def _time(text: str) -> dict[str, int]:
    hours, minutes = (int(part) for part in text.split(":"))
    return {"hours": hours, "minutes": minutes}


def schedule(span: dict[str, Any]) -> dict[str, Any]:
    """A campaign's dates → Google's ``TimeInterval`` (times only when the campaign gives them)."""
    found: dict[str, Any] = {"startDate": _date(str(span["start_date"])), "endDate": _date(str(span["end_date"]))}
    if span.get("start_time"):
        found["startTime"] = _time(str(span["start_time"]))
    if span.get("end_time"):
        found["endTime"] = _time(str(span["end_time"]))
    return found


def local_post(post: OutgoingPost, photo_url: str | None) -> dict[str, Any]:
    """The ``LocalPost`` body of ``localPosts.create``."""
    body: dict[str, Any] = {"summary": summary(post), "topicType": topic(post)}
    if post.language:
        body["languageCode"] = post.language
    event, offer, button = post.extra.get("event"), post.extra.get("offer"), post.extra.get("button")
    dated = offer if isinstance(offer, dict) else event
    if isinstance(dated, dict):
        body["event"] = {"title": str(dated.get("title") or ""), "schedule": schedule(dated)}
    if isinstance(offer, dict):
        fields = {
            "couponCode": offer.get("coupon"),
            "redeemOnlineUrl": offer.get("url"),
            "termsConditions": offer.get("terms"),
        }
        body["offer"] = {k: str(v) for k, v in fields.items() if v}
    if isinstance(button, dict) and body["topicType"] != "OFFER":  # Google ignores a button on an offer
        action = {"actionType": str(button.get("action"))}
        if button.get("url") and action["actionType"] != "CALL":
            action["url"] = str(button["url"])
        body["callToAction"] = action
    if photo_url:
        body["media"] = [{"mediaFormat": "PHOTO", "sourceUrl": photo_url}]
    return body


class LocalPostChecks:
    """The profile's ``post_checks``: the photo's format and size (pure: reads only the file's name
    and size)."""

    def files(self, post: OutgoingPost) -> list[tuple[str, Path]]:
        return []

    def problems(self, post: OutgoingPost) -> list[str]:
        found: list[str] = []
        for media in post.media[:1]:
            name = Path(media.file).name
            if Path(media.file).suffix.lower() not in PHOTO_TYPES:
                found.append(
                    _(
                        "Google Business Profile takes a photo as JPEG or PNG; {name} is neither. "
                        "Fix: convert it to JPEG."
                    ).format(name=name)
                )
                continue
            try:
                size = Path(media.file).stat().st_size
            except OSError:
                continue  # the media checks say the file is missing
            if size < MIN_PHOTO:
                found.append(
                    _(
                        "{name} has {size} bytes; Google Business Profile takes photos of {least} bytes (10 KB) "
                        "or more. Fix: use a larger photo (720 × 720 pixels is what Google recommends)."
                    ).format(name=name, size=integer(size), least=integer(MIN_PHOTO))
                )
        return found


CHECKS = LocalPostChecks()
