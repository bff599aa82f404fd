"""What a post tells a local business's customers beyond its text: an event, an offer and a button
(Google Business Profile's event and offer posts and their call-to-action; the networks whose
profile takes ``event``, ``offer`` or ``button`` get them, the others never see them).

    event:  {title: Christmas tasting, start: 2026-12-19 10:00, end: 2026-12-19 16:00}
    offer:  {title: 20% off galettes, start: 2027-01-02, end: 2027-01-10, coupon: GALETTE20,
             url: https://bakery.example/order, terms: One per customer.}
    button: {action: book, url: https://bakery.example/tasting}

Dates are the business's local dates (a day, or a day and a time of day): written as the
customers read them, never converted. :func:`payload` gives the plain dicts adapters receive.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from socialpost.i18n import _
from socialpost.timeutil import MAX_YEAR, MIN_YEAR

_MOMENT = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?")
ACTIONS = ("book", "order", "shop", "learn_more", "sign_up", "call")


def _moment(value: object) -> str:
    """A day (``2026-12-19``) or a day and a time (``2026-12-19 10:00``), as ``YYYY-MM-DD[ HH:MM]``."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = value.strip() if isinstance(value, str) else ""
    match = _MOMENT.fullmatch(text)
    try:
        if not match:
            raise ValueError
        day = date(int(match[1]), int(match[2]), int(match[3]))
        if match[4] is not None and (int(match[4]) > 23 or int(match[5]) > 59):
            raise ValueError
    except ValueError:
        raise ValueError(
            _("'{value}' is not a day or a day and time. Fix: write it like 2026-12-19 or 2026-12-19 10:00").format(
                value=value
            )
        ) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(
            _("'{value}' is outside the years {first}–{last}. Fix: check the year").format(
                value=value, first=MIN_YEAR, last=MAX_YEAR
            )
        )
    return day.isoformat() + (f" {int(match[4]):02d}:{match[5]}" if match[4] is not None else "")


Moment = Annotated[
    str,
    BeforeValidator(_moment),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2})?$",
            "examples": ["2026-12-19", "2026-12-19 10:00"],
        }
    ),
]


def _web_address(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"https?://[^\s/]+\.[^\s]*", text):
        raise ValueError(
            _("'{value}' is not a web address. Fix: write it whole, like https://example.com/order").format(value=value)
        )
    return text


WebAddress = Annotated[
    str,
    BeforeValidator(_web_address),
    WithJsonSchema({"type": "string", "pattern": r"^https?://", "examples": ["https://example.com/order"]}),
]


def _action(value: object) -> str:
    text = re.sub(r"[\s-]+", "_", value.strip().lower()) if isinstance(value, str) else ""
    if text not in ACTIONS:
        raise ValueError(
            _("'{value}' is not a button. Fix: write one of {actions}").format(value=value, actions=", ".join(ACTIONS))
        )
    return text


Action = Annotated[
    Literal["book", "order", "shop", "learn_more", "sign_up", "call"],
    BeforeValidator(_action),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=False)


class _Dated(_Strict):
    title: str = Field(min_length=1, description="what customers see as its title")
    start: Moment = Field(description="first day, or day and time (the business's local time)")
    end: Moment = Field(description="last day, or day and time (the business's local time)")

    @model_validator(mode="after")
    def _order(self) -> _Dated:
        if (" " in self.start) != (" " in self.end):
            raise ValueError(
                _(
                    "give a time to both start and end, or to neither. Fix: e.g. start: 2026-12-19 10:00, "
                    "end: 2026-12-19 16:00"
                )
            )
        if self.end < self.start:
            raise ValueError(_("'end' is before 'start'. Fix: swap them"))
        return self


class Event(_Dated):
    """An event: its title and when it takes place."""


class Offer(_Dated):
    """An offer: its title, when it is valid, and how to redeem it."""

    coupon: str | None = Field(None, min_length=1, description="a code to give at the till or online")
    url: WebAddress | None = Field(None, description="where to redeem it online")
    terms: str | None = Field(None, min_length=1, description="terms and conditions")


class Button(_Strict):
    """The button under the post: book, order, shop, learn_more, sign_up (each with its url) or call
    (calls the business's phone number: no url)."""

    action: Action
    url: WebAddress | None = None

    @model_validator(mode="after")
    def _url(self) -> Button:
        if self.action == "call" and self.url is not None:
            raise ValueError(_("a call button calls the business's phone number and has no url. Fix: remove url"))
        if self.action != "call" and self.url is None:
            raise ValueError(
                _("a {action} button needs the web address it opens. Fix: add url: https://…").format(
                    action=self.action
                )
            )
        return self


def _split(moment: str) -> tuple[str, str | None]:
    day, _space, clock = moment.partition(" ")
    return day, clock or None


def payload(kind: str, value: Event | Offer | Button) -> dict[str, Any]:
    """The plain dict an adapter receives for ``event``, ``offer`` or ``button``."""
    if isinstance(value, Button):
        return {"action": value.action.upper(), "url": value.url}
    start_date, start_time = _split(value.start)
    end_date, end_time = _split(value.end)
    found: dict[str, Any] = {
        "title": value.title,
        "start_date": start_date,
        "start_time": start_time,
        "end_date": end_date,
        "end_time": end_time,
    }
    if isinstance(value, Offer):
        found.update({"coupon": value.coupon, "url": value.url, "terms": value.terms})
    return found
