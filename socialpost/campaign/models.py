"""The campaign file format as pydantic models (also the source of the JSON Schema)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from socialpost.campaign.local_posts import Button, Event, Offer
from socialpost.i18n import _
from socialpost.names import ACCOUNT_PATTERN, ACCOUNT_REF, NAME_PATTERN
from socialpost.slots import SlotRule
from socialpost.timeutil import MAX_YEAR, MIN_YEAR, coerce_duration, format_duration, parse_wall_time, zone


def _wall_time(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(_("expected a date and time. Fix: write it like 2026-03-02 09:00"))
    return parse_wall_time(value)


WallTime = Annotated[
    datetime,
    BeforeValidator(_wall_time),
    PlainSerializer(lambda v: v.strftime("%Y-%m-%d %H:%M"), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2})?$",
            "examples": ["2026-03-02 09:00"],
        }
    ),
]
Duration = Annotated[
    timedelta,
    BeforeValidator(coerce_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}], "examples": ["15m", "2h", "1d"]}),
]


def _account_ref(value: object) -> str:
    if not isinstance(value, str) or not ACCOUNT_REF.match(value):
        raise ValueError(
            _(
                "'{value}' is not an account. Fix: write it as network:name in lower case, "
                "like outbox:demo or mastodon:acme"
            ).format(value=value)
        )
    return value


AccountRef = Annotated[
    str,
    BeforeValidator(_account_ref),
    WithJsonSchema({"type": "string", "pattern": ACCOUNT_PATTERN, "examples": ["mastodon:acme"]}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=False)


class LatePolicy(_Strict):
    """What the daemon does with a post whose time passed while no daemon was running."""

    within: Duration = Field(timedelta(minutes=15), description="still post if at most this late")
    else_: Literal["skip", "post", "hold"] = Field(
        "skip",
        alias="else",
        description="later than 'within': skip (mark missed), post anyway, or hold for the user",
    )


WEEKDAY_NAMES = {
    "mon": "mon", "monday": "mon", "lun": "mon", "lundi": "mon",
    "tue": "tue", "tuesday": "tue", "mar": "tue", "mardi": "tue",
    "wed": "wed", "wednesday": "wed", "mer": "wed", "mercredi": "wed",
    "thu": "thu", "thursday": "thu", "jeu": "thu", "jeudi": "thu",
    "fri": "fri", "friday": "fri", "ven": "fri", "vendredi": "fri",
    "sat": "sat", "saturday": "sat", "sam": "sat", "samedi": "sat",
    "sun": "sun", "sunday": "sun", "dim": "sun", "dimanche": "sun",
}  # fmt: skip


def _weekday(value: object) -> str:
    key = str(value).strip().lower() if isinstance(value, str) else ""
    if key not in WEEKDAY_NAMES:
        raise ValueError(
            _("'{value}' is not a day of the week. Fix: write mon, tue, wed, thu, fri, sat or sun").format(value=value)
        )
    return WEEKDAY_NAMES[key]


def _clock_time(value: object) -> time:
    if isinstance(value, time):
        return value
    text = str(value).strip() if isinstance(value, str) else ""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(
            _("'{value}' is not a time of day. Fix: write it like 10:30 (24-hour clock), in quotes").format(value=value)
        )
    return time(int(match[1]), int(match[2]))


def _clock_times(value: object) -> list[time]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError(_('at least one time is needed. Fix: write at: "10:30" or at: ["10:30", "15:00"]'))
    return [_clock_time(item) for item in items]


def _date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = value.strip() if isinstance(value, str) else ""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(_("'{value}' is not a date. Fix: write it like 2026-03-02").format(value=value)) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(
            _("'{value}' is outside the years {first}–{last}. Fix: check the year").format(
                value=value, first=MIN_YEAR, last=MAX_YEAR
            )
        )
    return day


def _date_span(value: object) -> tuple[date, date]:
    """One day to skip (``2026-12-25``) or a range of days, both included (``2026-12-24..2027-01-02``)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value, value
    text = value.strip() if isinstance(value, str) else ""
    first, dots, last = text.partition("..")
    if not dots:
        day = _date(value)
        return day, day
    start, end = _date(first), _date(last)
    if end < start:
        raise ValueError(
            _("'{value}' ends before it starts. Fix: write the earlier day first, like 2026-12-24..2027-01-02").format(
                value=value
            )
        )
    return start, end


def _span_text(span: tuple[date, date]) -> str:
    return span[0].isoformat() if span[0] == span[1] else f"{span[0].isoformat()}..{span[1].isoformat()}"


Weekday = Annotated[str, BeforeValidator(_weekday), WithJsonSchema({"type": "string", "enum": sorted(WEEKDAY_NAMES)})]
ClockTimes = Annotated[
    list[time],
    BeforeValidator(_clock_times),
    PlainSerializer(lambda v: [t.strftime("%H:%M") for t in v], return_type=list[str]),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{1,2}:\d{2}$"},
                {"type": "array", "items": {"type": "string", "pattern": r"^\d{1,2}:\d{2}$"}},
            ],
            "examples": ["10:30", ["10:30", "15:00"]],
        }
    ),
]
Date = Annotated[
    date,
    BeforeValidator(_date),
    PlainSerializer(lambda v: v.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "examples": ["2026-03-02"]}),
]
DateSpan = Annotated[
    tuple[date, date],
    BeforeValidator(_date_span),
    PlainSerializer(_span_text, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$",
            "examples": ["2026-12-25", "2026-12-24..2027-01-02"],
        }
    ),
]
# Characters that show nothing: a text made only of them would be posted blank (or refused by the network).
_INVISIBLE = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def _visible_text(value: str) -> str:
    if value and all(c.isspace() or c in _INVISIBLE or unicodedata.category(c) in {"Cf", "Cc"} for c in value):
        raise ValueError(
            _(
                "holds only spaces or invisible characters (such as a zero-width space), so the post would be blank. "
                "Fix: write the text of the post."
            )
        )
    return value


Text = Annotated[str, Field(min_length=1), AfterValidator(_visible_text)]


def _file_path(value: str) -> str:
    if "\x00" in value:
        raise ValueError(
            _(
                "the path holds a NUL character (\\0, written \\u0000 or \\x00 in YAML), which no file name "
                "can contain. Fix: correct the path."
            )
        )
    return value


FilePath = Annotated[str, Field(min_length=1), AfterValidator(_file_path)]
RuleId = Literal[
    "no-conversation", "too-many-hashtags", "link-only", "all-caps", "missing-alt",
    "same-text-everywhere", "link-without-utm", "night-time", "french-typography", "unused-variant", "holiday",
]  # fmt: skip
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", examples=["fr", "fr-CA", "en"])]


def _country(value: object) -> str:
    """An ISO 3166 country code the holidays data knows, with an optional subdivision (CA-QC)."""
    text = value.strip().upper() if isinstance(value, str) else ""
    from socialpost.campaign.public_holidays import unknown_country

    problem = unknown_country(text)
    if problem:
        raise ValueError(problem)
    return text


Country = Annotated[
    str,
    BeforeValidator(_country),
    WithJsonSchema(
        {"type": "string", "pattern": r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$", "examples": ["CA-QC", "FR", "BE"]}
    ),
]


class Media(_Strict):
    """An image or video to attach. ``alt`` describes it for people who cannot see it."""

    file: FilePath = Field(description="path, relative to the campaign file")
    alt: str = Field(description="description of the picture (alt text); required, '' only on purpose")


class Video(_Strict):
    """A video for YouTube accounts; the post's text is its description."""

    file: FilePath = Field(description="path, relative to the campaign file")
    title: str = Field(min_length=1, description="at most 100 characters, no < or >")
    tags: list[str] | None = None
    category: str | int = Field("22", description="a YouTube category name or id, like Howto & Style or 26")
    made_for_kids: StrictBool = False
    thumbnail: Annotated[str, AfterValidator(_file_path)] | None = Field(
        None, description="JPEG or PNG, at most 2 MB, relative to the campaign file"
    )
    playlist: str | None = Field(None, description="playlist id (PL…)")


class Pin(_Strict):
    """Where and how a post goes to Pinterest accounts; the post's text is the pin's description
    and its image (with its alt text) the pin's picture."""

    board: str | None = Field(
        None, min_length=1, description="the board's name, as Pinterest shows it (required here or in defaults)"
    )
    title: str | None = Field(None, description="the pin's title (at most 100 characters)")
    link: str | None = Field(None, description="where the pin leads: https://…")


class Variant(_Strict):
    """What changes for one network (or one network:name account)."""

    text: Text | None = None
    thread: list[Text] | None = Field(None, min_length=1, description="every part, the first included")
    media: list[Media] | None = None

    @model_validator(mode="after")
    def _one_text(self) -> Variant:
        if self.text is not None and self.thread is not None:
            raise ValueError(_("a variant has either text or thread, not both. Fix: keep one of them"))
        return self


class Every(_Strict):
    """A recurring schedule: weekly slots, every N days/weeks, or a cron expression."""

    days: list[Weekday] | None = Field(None, min_length=1, description="weekly slots: these days at 'at'")
    interval: Duration | None = Field(None, description="every N days or weeks at 'at', like 3d or 2w")
    cron: str | None = Field(None, description="minute hour day month weekday, like '30 10 * * mon-fri'")
    at: ClockTimes | None = Field(None, description="time(s) of day for days/interval, like '10:30'")
    from_: Date = Field(alias="from", description="first day")
    until: Date | None = Field(None, description="last day (included); open-ended when absent")
    except_: list[DateSpan] | None = Field(
        None,
        alias="except",
        description="days to skip, in the campaign's time zone: 2026-12-25, or a range 2026-12-24..2027-01-02",
    )

    def skips(self, day: date) -> bool:
        """Whether ``day`` (a local date) is one of the days ``except`` skips."""
        return any(start <= day <= end for start, end in self.except_ or ())

    @model_validator(mode="after")
    def _consistent(self) -> Every:
        kinds = [k for k in ("days", "interval", "cron") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                _(
                    "'every' needs exactly one of days, interval or cron. Fix: e.g. every: {{days: [mon, fri], "
                    'at: "10:30", from: 2026-03-02}}'
                ).format()
            )
        if self.cron is not None:
            if self.at is not None:
                raise ValueError(_("'at' does not go with 'cron' (the cron expression holds the time). Fix: remove at"))
            from socialpost.campaign.recurrence import cron_trigger

            cron_trigger(self.cron)
        elif self.at is None:
            raise ValueError(_("'every' needs 'at', the time(s) of day. Fix: add at: \"10:30\""))
        if self.interval is not None and (self.interval.total_seconds() % 86_400 or self.interval.total_seconds() <= 0):
            raise ValueError(_("'interval' must be whole days or weeks. Fix: write it like 3d or 2w"))
        if self.until is not None and self.until < self.from_:
            raise ValueError(_("'until' is before 'from'. Fix: swap them"))
        return self


class Queue(_Strict):
    """A posting queue: weekly time slots that posts without 'at' take in file order (README,
    "Posting queue")."""

    days: list[Weekday] = Field(min_length=1, description="the days of the week that have slots")
    at: ClockTimes = Field(description='the slots\' times of day, like ["09:00", "12:30"]')
    from_: Date | None = Field(None, alias="from", description="first day with slots (default: today)")
    except_: list[DateSpan] | None = Field(
        None,
        alias="except",
        description="days without slots, in the campaign's time zone: 2026-12-25, or a range 2026-12-24..2027-01-02",
    )
    per_slot: Annotated[int, Field(strict=True, ge=1, le=100)] = Field(
        1, description="how many posts one slot takes on one account"
    )


class AccountQueue(Queue):
    """An account's posting queue in the config file (``accounts.<network>.<name>.queue``), for the
    campaigns that have no queue of their own."""

    timezone: str | None = Field(None, description="the zone of the slots (default: the config's timezone)")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value

    def rule(self, zone_name: str) -> SlotRule:
        return SlotRule(
            zone_name=zone_name,
            days=tuple(self.days),
            times=tuple(self.at),
            first=self.from_,
            skip=tuple(self.except_ or ()),
            per_slot=self.per_slot,
        )


class Utm(_Strict):
    """UTM parameters added to every link; values may use {network}, {campaign} and {post}."""

    source: str = Field(min_length=1, examples=["{network}"])
    medium: str | None = Field(None, examples=["social"])
    campaign: str | None = Field(None, examples=["{campaign}"])
    term: str | None = None
    content: str | None = Field(None, examples=["{post}"])

    @model_validator(mode="after")
    def _placeholders(self) -> Utm:
        for value in (self.source, self.medium, self.campaign, self.term, self.content):
            for name in re.findall(r"\{([^}]*)\}", value or ""):
                if name not in ("network", "campaign", "post"):
                    raise ValueError(
                        _("unknown placeholder {{{name}}}. Fix: use {{network}}, {{campaign}} or {{post}}").format(
                            name=name
                        )
                    )
        return self


class Defaults(_Strict):
    """Values every post gets unless it sets its own."""

    media: list[Media] | None = None
    variants: dict[str, Variant] | None = None
    quiet: list[RuleId] | None = None
    utm: StrictBool | None = Field(None, description="false: do not tag links")
    language: Language | None = None
    pin: Pin | None = Field(None, description="for Pinterest accounts: the board (and title, link) of every post")


class Post(_Strict):
    """One post of a campaign, sent to each of the campaign's (or its own) accounts."""

    id: str = Field(
        pattern=NAME_PATTERN,
        max_length=100,
        description="stable key: editing the file updates this post, never duplicates it",
    )
    at: WallTime | None = Field(None, description="local date and time in the campaign's timezone")
    every: Every | None = Field(None, description="a recurring post instead of 'at'")
    text: Text | None = Field(None, description="what to publish")
    thread: list[Text] | None = Field(None, min_length=1, description="a thread: every part, the first included")
    texts: list[Text] | None = Field(None, min_length=1, description="recurring posts: texts used in turn")
    media: list[Media] | None = None
    video: Video | None = Field(None, description="a video for YouTube accounts (the text is its description)")
    first_comment: Text | None = Field(
        None,
        description="Instagram: a comment the account adds under its own post once it is out (at most 2,200 "
        "characters and 30 hashtags)",
    )
    cover: FilePath | None = Field(
        None,
        description="Instagram: a Reel's cover image (JPEG), relative to the campaign file; for a post of one video",
    )
    event: Event | None = Field(None, description="an event post (Google Business Profile): title, start, end")
    offer: Offer | None = Field(
        None, description="an offer post (Google Business Profile): title, start, end, coupon, url, terms"
    )
    button: Button | None = Field(None, description="the post's button (Google Business Profile): action and url")
    pin: Pin | None = Field(None, description="for Pinterest accounts: the board, the pin's title and link")
    variants: dict[str, Variant] | None = Field(None, description="per network (or network:name) changes")
    accounts: list[AccountRef] | None = Field(
        None, min_length=1, description="send to these accounts instead of the campaign's"
    )
    language: Language | None = None
    quiet: list[RuleId] | None = Field(None, description="writing advice rules to silence for this post")
    utm: StrictBool | None = Field(None, description="false: do not tag this post's links")

    @property
    def queued(self) -> bool:
        """No time of its own: it takes the next free slot of the campaign's queue."""
        return self.at is None and self.every is None

    @model_validator(mode="after")
    def _consistent(self) -> Post:
        if self.at is not None and self.every is not None:
            raise ValueError(
                _(
                    "a post has 'at' (one time) or 'every' (recurring), not both. Fix: keep one of them "
                    "(or neither, to take the next free slot of the campaign's queue)"
                )
            )
        texts = [k for k in ("text", "thread", "texts") if getattr(self, k) is not None]
        if len(texts) != 1:
            raise ValueError(
                _(
                    'a post needs exactly one of text, thread or texts. Fix: write text: "…" '
                    "(thread: [...] for a thread, texts: [...] for a recurring post's rotation)"
                )
            )
        if self.texts is not None and self.every is None:
            raise ValueError(_("'texts' (a rotation) is for recurring posts. Fix: use text, or add every:"))
        return self


FEED_PLACEHOLDERS = ("title", "link", "summary")
MIN_FEED_EVERY = timedelta(minutes=5)


class Feed(_Strict):
    """A blog's RSS or Atom feed: each new entry becomes a post from ``template`` (docs/feeds.md)."""

    url: str = Field(pattern=r"^https?://\S+$", max_length=2000, description="the feed's address: https://…")
    template: Text = Field(
        "{title} {link}", description="the post's text: {title}, {link} and {summary} (clipped to fit the network)"
    )
    accounts: list[AccountRef] | None = Field(
        None, min_length=1, description="send to these accounts instead of the campaign's"
    )
    at_once: StrictBool | None = Field(None, description="post a new entry as soon as it is read (the default)")
    queue: StrictBool | None = Field(None, description="put a new entry in the next free slot of the posting queue")
    since: Date | None = Field(
        None, description="ignore entries older than this day; default: the moment the feed was first scheduled"
    )
    every: Duration = Field(timedelta(minutes=15), description="how often the daemon reads the feed (at least 5m)")
    image: StrictBool = Field(True, description="false: do not attach the entry's first image")

    @field_validator("template")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        for name in re.findall(r"\{([^{}]*)\}", value):
            if name not in FEED_PLACEHOLDERS:
                raise ValueError(
                    _("unknown placeholder {{{name}}}. Fix: use {{title}}, {{link}} or {{summary}}").format(name=name)
                )
        return value

    @field_validator("every")
    @classmethod
    def _not_too_often(cls, value: timedelta) -> timedelta:
        if value < MIN_FEED_EVERY:
            raise ValueError(_("a feed is read at most every 5 minutes. Fix: write every: 5m or more, like 15m"))
        return value

    @model_validator(mode="after")
    def _one_way(self) -> Feed:
        if self.queue and self.at_once:
            raise ValueError(_("a feed has either queue: true or at_once: true, not both. Fix: keep one of them"))
        return self


class Campaign(_Strict):
    """A campaign file."""

    campaign: str = Field(pattern=NAME_PATTERN, max_length=100, description="the campaign's unique name")
    timezone: str = Field(description="IANA zone the times are written in, like America/Montreal")
    accounts: list[AccountRef] = Field(min_length=1, description="where posts go, as network:name")
    language: Language | None = Field(None, description="the posts' language, like fr or en-CA")
    country: Country | None = Field(
        None, description="ISO 3166 country, with a subdivision if you like (CA-QC): its public holidays are flagged"
    )
    late: LatePolicy = Field(default_factory=LatePolicy)
    queue: Queue | None = Field(None, description="posting slots for the posts that have no 'at' or 'every'")
    utm: Utm | None = Field(None, description="UTM tags added to every link")
    defaults: Defaults | None = None
    quiet: list[RuleId] | None = Field(None, description="writing advice rules to silence for every post")
    feeds: list[Feed] | None = Field(
        None, min_length=1, description="blog feeds (RSS, Atom) whose new entries become posts"
    )
    posts: list[Post] = Field(
        default_factory=list,
        validate_default=True,
        description="the posts (a campaign with feeds may have none)",
    )

    @field_validator("posts")
    @classmethod
    def _something_to_post(cls, posts: list[Post], info: ValidationInfo) -> list[Post]:
        """Located at ``posts:`` (an empty list) or, when there is none, at the campaign. Feeds that
        failed their own checks are not in ``info.data``: their error is the one to read."""
        if not posts and "feeds" in info.data and not info.data["feeds"]:
            raise ValueError(
                _("a campaign needs at least one post (or a feed). Fix: add posts: with one post, or feeds:")
            )
        return posts

    def slot_rule(self) -> SlotRule | None:
        """The campaign's queue as the slot rule its posts are placed by (None: no queue)."""
        if self.queue is None:
            return None
        return SlotRule(
            zone_name=self.timezone,
            days=tuple(self.queue.days),
            times=tuple(self.queue.at),
            first=self.queue.from_,
            skip=tuple(self.queue.except_ or ()),
            per_slot=self.queue.per_slot,
        )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value


SCHEMA_ID = "https://socialpost.dev/schema/campaign.schema.json"


def json_schema() -> dict[str, Any]:
    """The campaign file's JSON Schema (shipped as campaign.schema.json; `socialpost schema`)."""
    schema = Campaign.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "socialpost campaign",
    }


def fields_at(loc: tuple[str | int, ...]) -> list[str]:
    """Key names allowed at ``loc`` in a campaign file (for "did you mean")."""
    model: type[BaseModel] = Campaign
    keyed = False  # the previous field was a mapping (variants): this part is a free key
    for part in loc:
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        by_key = {info.alias or name: info for name, info in model.model_fields.items()}
        info = by_key.get(part)
        if info is None:
            return []
        nested = _model_in(info.annotation)
        if nested is None:
            return []
        keyed = "dict[" in str(info.annotation)
        model = nested
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
