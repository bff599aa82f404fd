"""Writing advice for beginners: warnings with stable rule ids, never errors, never rewrites.

Each rule can be silenced for one post or a whole campaign with ``quiet: [rule-id, …]``.
The rule ids are a public contract (README, "Writing advice"); keep them stable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from socialpost import i18n
from socialpost.i18n import N_, _, ngettext
from socialpost.networks.profile import profile_of

# What each rule is about (shown translated: ``_(RULES[rule])``); the rule ids stay English.
RULES: dict[str, str] = {
    "no-conversation": N_("no question or invitation to reply"),
    "too-many-hashtags": N_("more hashtags than work well on the network"),
    "link-only": N_("the post is only a link"),
    "all-caps": N_("written in capital letters"),
    "missing-alt": N_("an image or video without a description"),
    "same-text-everywhere": N_("the same text on every network"),
    "link-without-utm": N_("a link that cannot carry the campaign's UTM tags"),
    "night-time": N_("scheduled at night in the campaign's time zone"),
    "french-typography": N_(
        "a plain space before ! ? ; : or inside « » that French or English typography does not want"
    ),
    "unused-variant": N_("a variant for a network or account the post does not go to"),
    "holiday": N_("due on a public holiday of the campaign's country"),
}

NIGHT_START, NIGHT_END = 22, 7

_HASHTAG = re.compile(r"(?<![\w#&])#(\w*[^\W\d_]\w*)")
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(
    r"(?<![@\w/.:])(?:[a-z0-9-]+\.)+(?:com|org|net|ca|fr|io|co|be|ch|qc\.ca|info|shop)\b(?:/\S*)?", re.IGNORECASE
)
_INVITATIONS = re.compile(
    r"\b(tell us|let us know|share your|reply|comment|what do you|which one|your favou?rite|"
    r"dites[- ]nous|partagez|commentez|répondez|qu['’]en pensez|votre préféré|laquelle|lequel)\b",
    re.IGNORECASE,
)
_FRENCH_WORDS = re.compile(
    r"\b(le|la|les|des|une|est|et|pour|avec|vous|nous|notre|votre|dans|sur|pas|qui|que|au|aux|du)\b",
    re.IGNORECASE,
)
_SPACE_BEFORE = re.compile(r"(?<=[\w\)»”\"]) ([!?;:])(?=\s|$)")
_GUILLEMET_SPACE = re.compile(r"(?<=«) | (?=»)")
NBSP, NARROW_NBSP = "\u00a0", "\u202f"


@dataclass(frozen=True)
class Advice:
    rule: str
    message: str


def is_french(text: str, language: str | None) -> bool:
    if language:
        return language.lower().startswith("fr")
    words = re.findall(r"[^\W\d_]+", text)
    if len(words) < 4:
        return False
    return len(_FRENCH_WORDS.findall(text)) / len(words) >= 0.12


def advise_text(
    text: str,
    *,
    network: str,
    language: str | None = None,
    uses_utm: bool = False,
    thread: Sequence[str] = (),
) -> tuple[Advice, ...]:
    """Advice about one post's text as it goes to one network (cached: campaigns repeat texts)."""
    return _advise_text(text, network, language, uses_utm, tuple(thread), i18n.locale_name())


@lru_cache(maxsize=4096)
def _advise_text(
    text: str, network: str, language: str | None, uses_utm: bool, thread: tuple[str, ...], _shown_in: str
) -> tuple[Advice, ...]:
    # ``_shown_in``: the language the messages are written in is part of the cache key
    found: list[Advice] = []
    whole = "\n".join([text, *thread])
    if "?" not in whole and not _INVITATIONS.search(whole):
        found.append(
            Advice(
                "no-conversation",
                _(
                    "the post asks nothing of its readers. A conversation, not a broadcast: end with a "
                    'question or an invitation to reply ("What do you think?", "Dites-nous…").'
                ),
            )
        )
    tags = _HASHTAG.findall(text)
    limit = profile_of(network).advice.hashtags  # more reads as spam there and is shown less
    if len(tags) > limit:
        found.append(
            Advice(
                "too-many-hashtags",
                ngettext(
                    "{count} hashtag on {network}, where more than {limit} reads as spam and reaches "
                    "fewer people. Keep the one or two that matter most.",
                    "{count} hashtags on {network}, where more than {limit} reads as spam and reaches "
                    "fewer people. Keep the one or two that matter most.",
                    len(tags),
                ).format(count=len(tags), network=network, limit=limit),
            )
        )
    if _LINK.sub("", text).strip() == "" and _LINK.search(text):
        found.append(
            Advice(
                "link-only",
                _(
                    "the post is only a link. Say in a sentence why it is worth a click; posts with "
                    "words get more replies and the link preview alone is often hidden."
                ),
            )
        )
    letters = sum(map(str.isalpha, text)) if text != text.lower() else 0  # no capital at all: skip
    if letters >= 12 and sum(map(str.isupper, text)) / letters >= 0.8:
        found.append(
            Advice(
                "all-caps",
                _(
                    "the post is written in capitals, which reads as shouting and is harder to read "
                    "(also for screen readers). Use capitals for one word at most."
                ),
            )
        )
    if uses_utm:
        bare = [m.group(0) for m in _BARE_DOMAIN.finditer(_LINK.sub(" ", text))]
        if bare:
            found.append(
                Advice(
                    "link-without-utm",
                    _(
                        "'{link}' has no https://, so it cannot carry the campaign's UTM tags and its "
                        "clicks will not be counted. Write https://{link}."
                    ).format(link=bare[0]),
                )
            )
    found.extend(_typography(whole, language))
    return tuple(found)


def typography_style(text: str, language: str | None) -> str:
    """Whose typography a text follows: ``fr-CA`` (Québec, as the OQLF recommends: no space before
    ! ? ; and a no-break space before : and inside « »), ``fr`` (France: a narrow no-break space
    before ! ? ; and a no-break space before : and inside « ») or ``en`` (no space before any)."""
    if language and language.lower().replace("_", "-").startswith("fr-ca"):
        return "fr-CA"
    return "fr" if is_french(text, language) else "en"


def fix_typography(text: str, style: str) -> str:
    """``text`` with the spaces before ! ? ; : and inside « » that ``style`` wants (links untouched).
    Only plain spaces change: a no-break space someone typed stays."""

    def mark(match: re.Match[str]) -> str:
        sign = match.group(1)
        if style == "en":
            return sign
        if sign == ":":
            return NBSP + sign
        return sign if style == "fr-CA" else NARROW_NBSP + sign

    def change(piece: str) -> str:
        piece = _SPACE_BEFORE.sub(mark, piece)
        return piece if style == "en" else _GUILLEMET_SPACE.sub(NBSP, piece)

    return _outside_links(text, change)


def fix_bare_links(text: str) -> str:
    """``text`` with https:// before each bare domain, so the campaign's UTM tags can go on it."""
    return _outside_links(text, lambda piece: _BARE_DOMAIN.sub(lambda m: "https://" + m.group(0), piece))


def _outside_links(text: str, change: Callable[[str], str]) -> str:
    pieces: list[str] = []
    last = 0
    for link in _LINK.finditer(text):
        pieces += [change(text[last : link.start()]), link.group(0)]
        last = link.end()
    pieces.append(change(text[last:]))
    return "".join(pieces)


def _typography(text: str, language: str | None) -> list[Advice]:
    style = typography_style(text, language)
    if fix_typography(text, style) == text:
        return []
    slip = _SPACE_BEFORE.search(_LINK.sub(" ", text))
    if slip is None:  # only a plain space inside « »
        message = _(
            "a plain space inside « » can break the line between a guillemet and its word; French puts a "
            "no-break space there. Fix: run socialpost fix FILE, which puts it in (it is hard to type)."
        )
    elif style == "en":
        message = _(
            "a space before '{mark}': English puts no space before ! ? ; : (French does, with a no-break space). "
            "Fix: run socialpost fix FILE to remove it, or set the campaign's language to fr."
        )
    elif style == "fr-CA":
        message = _(
            "a plain space before '{mark}': in Québec French (language fr-CA), as the OQLF recommends, there is no "
            "space before ! ? ; and a no-break space before : and inside « ». Fix: run socialpost fix FILE."
        )
    else:
        message = _(
            "a plain space before '{mark}' can break the line just before the '{mark}'. French puts a narrow "
            "no-break space before ! ? ; and a no-break space before : and inside « » (language fr-CA: none "
            "before ! ? ;). Fix: run socialpost fix FILE, which puts them in (they are hard to type)."
        )
    return [Advice("french-typography", message.format(mark=slip.group(1) if slip else "«"))]


def advise_media(media: Iterable[tuple[str, str]]) -> list[Advice]:
    """(file, alt) pairs; an empty alt is allowed by the format but deserves a word."""
    missing = [file for file, alt in media if not alt.strip()]
    if not missing:
        return []
    return [
        Advice(
            "missing-alt",
            _(
                "{file} has no description (alt text). People using screen readers, and search, "
                "rely on it: describe what the picture shows in a sentence."
            ).format(file=missing[0]),
        )
    ]


def advise_time(local_time: datetime) -> list[Advice]:
    hour = local_time.hour
    if hour >= NIGHT_START or hour < NIGHT_END:
        return [
            Advice(
                "night-time",
                _(
                    "scheduled at {time} in the campaign's time zone, when most of your "
                    "audience sleeps. Daytime posts get more replies; move it, or silence this rule if "
                    "your audience is elsewhere."
                ).format(time=_clock(local_time)),
            )
        ]
    return []


def advise_same_text(texts_by_network: dict[str, str]) -> list[Advice]:
    """One post going unchanged to several different networks."""
    networks = sorted(texts_by_network)
    if len(networks) < 2 or len(set(texts_by_network.values())) > 1:
        return []
    return [
        Advice(
            "same-text-everywhere",
            _(
                "the same text goes to {networks}. Each network has its own tone and length; "
                "a short 'variants:' entry per network usually does better."
            ).format(networks=", ".join(networks)),
        )
    ]


MAX_HOLIDAYS_SHOWN = 6


def advise_holidays(days: dict[date, str], *, country: str, recurring: bool) -> list[Advice]:
    """A post (or some occurrences of a recurring one) due on public holidays (date → its name)."""
    if not days:
        return []
    ordered = sorted(days)
    shown = ", ".join(f"{day.isoformat()} ({days[day]})" for day in ordered[:MAX_HOLIDAYS_SHOWN])
    if len(ordered) > MAX_HOLIDAYS_SHOWN:
        shown += ", …"
    dates = ", ".join(day.isoformat() for day in ordered)
    if recurring:
        message = ngettext(
            "{count} occurrence falls on a public holiday in {country}: {days}. Many people are away from "
            "their feeds that day, and your business may be closed. Fix: skip it with except: [{dates}] "
            "under every:, or silence this rule with quiet: [holiday].",
            "{count} occurrences fall on public holidays in {country}: {days}. Many people are away from "
            "their feeds those days, and your business may be closed. Fix: skip them with except: [{dates}] "
            "under every:, or silence this rule with quiet: [holiday].",
            len(ordered),
        )
    else:
        message = _(
            "due on a public holiday in {country}: {days}. Many people are away from their feeds that day, "
            "and your business may be closed. Fix: move it to another day, or silence this rule with quiet: [holiday]."
        )
    return [Advice("holiday", message.format(count=len(ordered), country=country, days=shown, dates=dates))]


def _clock(value: datetime) -> str:
    """``22:30`` in English, ``22 h 30`` in French."""
    if i18n.locale_name() == "en":
        return f"{value:%H:%M}"
    from babel.dates import format_time

    return str(format_time(value, "short", locale=i18n.locale_name()))
