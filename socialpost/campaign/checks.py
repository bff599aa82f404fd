"""Everything checked on expanded rows before anything is queued: exact lengths per network, media
files against each network's limits, and the writing advice (warnings)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from socialpost.campaign import advice
from socialpost.campaign.expand import PlannedPost, comes_round
from socialpost.campaign.findings import Findings, PostMeasure, _once, _Seen
from socialpost.campaign.load import LoadedCampaign
from socialpost.campaign.media_checks import _media, _needs_media_host, _post_checks, _video
from socialpost.errors import Problem
from socialpost.i18n import _, formats
from socialpost.networks.profile import installed_profiles, profile_of
from socialpost.terminal import describe, visible
from socialpost.text.rules import LengthRule
from socialpost.timeutil import zone

RuleFor = Callable[[str], LengthRule]


def check(
    loaded: LoadedCampaign,
    rows: list[PlannedPost],
    *,
    now: datetime,
    rule_for_account: RuleFor | None = None,
    media_roots: Sequence[Path] = (),
    media_host: bool = False,
) -> Findings:
    """Check every row; errors block scheduling, warnings are advice. Media must be inside the
    campaign's folder or one of ``media_roots`` (the config's); media for a network that fetches it
    by URL needs a media host (``media_host``: whether the config sets one up). Whether a time has passed is the
    queue's to judge (socialpost.store.sync), which knows which posts already went out."""
    found = Findings()
    found.errors.extend(control_characters(loaded))
    seen = _Seen(found)
    rules = rule_for_account or (lambda account: profile_of(account.split(":", 1)[0]).length)
    measures: dict[tuple[str, str], PostMeasure] = {}
    for row in rows:
        seen.rows = (row,)
        _lengths(loaded, row, rules(row.account), found, seen, measures)
        _media(loaded, row, found, seen, media_roots)
        if not media_host:
            _needs_media_host(loaded, row, found, seen)
        _video(loaded, row, found, seen, media_roots)
        if not profile_of(row.network).takes("video"):
            _post_checks(loaded, row, found, seen, media_roots, ("posts", row.index))
        _advice(loaded, row, found, seen)
    found.measures = list(measures.values())
    _unused_local_keys(loaded, found)
    _per_post(loaded, rows, found, seen)
    _never_due(loaded, rows, found, seen, now)
    _holidays(loaded, rows, found, seen, now)
    return found


# C0 and C1 control characters and DEL; a newline and a tab are text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def control_characters(loaded: LoadedCampaign) -> list[Problem]:
    """A control character in any text of the campaign (post texts, thread parts, alt texts, video
    titles…) is an error, located where it is written: it would go out in the post, and on a
    terminal it can retitle the window or erase the line that shows an error (docs/security.md).
    YAML lets them in only as escapes in double quotes (``"\\e]0;…"``, ``"\\x1b"``); a newline and a
    tab are allowed. The whole file is read, also posts left out for other mistakes."""
    document = loaded.as_written
    problems: list[Problem] = []
    for loc, text in _texts_at((), document.data):
        match = _CONTROL.search(text)
        if match is None:
            continue
        char = match.group()
        line, column = document.position(loc)
        written = visible(char)
        found = document.find_in_value(loc, lambda c: _CONTROL.fullmatch(c) is not None)
        if found is not None:
            line, column, written = found
        problems.append(
            Problem(
                document.path,
                line,
                column,
                _(
                    "this text holds the control character {name} (written {written}), which has no place in a "
                    "post and can rewrite what a terminal shows. Fix: delete it; only line breaks and tabs are "
                    "allowed."
                ).format(name=describe(char), written=written),
            )
        )
    return problems


def _texts_at(loc: tuple[str | int, ...], value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts_at((*loc, key), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts_at((*loc, index), item)


def _holidays(loaded: LoadedCampaign, rows: list[PlannedPost], found: Findings, seen: _Seen, now: datetime) -> None:
    """Advice for posts still to come that fall on a public holiday of the campaign's ``country``
    (about the rows on those days: left out once they are settled, e.g. cancelled by you)."""
    country = loaded.model.country
    if country is None:
        return
    from socialpost.campaign.public_holidays import holidays_on

    coming: dict[int, list[PlannedPost]] = {}
    for row in rows:
        if row.due_at >= now and "holiday" not in row.quiet:
            coming.setdefault(row.index, []).append(row)
    for index, group in coming.items():
        first = group[0]
        on = holidays_on(country, (row.local_time.date() for row in group), first.language or loaded.model.language)
        seen.rows = [row for row in group if row.local_time.date() in on]
        for item in advice.advise_holidays(on, country=country, recurring=first.recurring):
            where = ("posts", index, "every" if first.recurring else "at")
            key = ("holiday", index, item.rule)
            _once(found.warnings, seen, key, loaded.document.problem(where, item.message, rule=item.rule))


def _never_due(loaded: LoadedCampaign, rows: list[PlannedPost], found: Findings, seen: _Seen, now: datetime) -> None:
    """Advice for a recurring post whose rule has no occurrence after ``now``: it passes every check
    and yet nothing will ever be sent (left out once its posts went out: the rule is over)."""
    coming = {row.index for row in rows if row.recurring and row.due_at >= now}
    tz = zone(loaded.model.timezone)
    for index, post in enumerate(loaded.model.posts):
        if post.every is None or index in coming or comes_round(post.every, tz=tz, now=now):
            continue
        seen.rows = [row for row in rows if row.index == index]
        _once(
            found.warnings,
            seen,
            ("never-due", index),
            loaded.document.problem(
                ("posts", index, "every"),
                _(
                    "post '{post}': this rule never comes round after now: no post will be sent. "
                    "Fix: move 'until' (or 'from') to the future, or correct the days or cron expression."
                ).format(post=post.id),
                rule="never-due",
            ),
        )


def _lengths(
    loaded: LoadedCampaign,
    row: PlannedPost,
    rule: LengthRule,
    found: Findings,
    seen: _Seen,
    measures: dict[tuple[str, str], PostMeasure],
) -> None:
    longest = 0
    locs = row.part_locs or tuple([("posts", row.index, "text")] * len(row.parts))
    for part, loc in zip(row.parts, locs, strict=False):
        measured = rule.measure(part)
        if measured:
            longest = max(longest, measured[0].value)
        for measure in measured:
            if measure.over:
                if len(row.parts) > 1:
                    text = _(
                        "this part is {value} {unit} on {network}, over the limit of {limit} by {over}. "
                        "Fix: shorten it, or give {network} its own text under variants:."
                    )
                else:
                    text = _(
                        "post '{post}' is {value} {unit} on {network}, over the limit of {limit} by {over}. "
                        "Fix: shorten it, or give {network} its own text under variants:."
                    )
                _once(
                    found.errors,
                    seen,
                    ("length", loc, rule.network, measure.what),
                    loaded.document.problem(
                        loc,
                        text.format(
                            post=row.post_id,
                            value=formats.integer(measure.value),
                            unit=_(measure.what),
                            network=rule.network,
                            limit=formats.integer(measure.limit),
                            over=formats.integer(measure.over),
                        ),
                    ),
                )
        if not rule.checks:
            longest = max(longest, len(part))
    key = (row.post_id, row.account)
    current = measures.get(key)
    if current is None or longest > current.length:
        measures[key] = PostMeasure(row.post_id, row.account, rule.network, longest, rule.limit)


def _advice(loaded: LoadedCampaign, row: PlannedPost, found: Findings, seen: _Seen) -> None:
    parts = row.parts
    items = [
        *advice.advise_text(
            parts[0], network=row.network, language=row.language, uses_utm=row.uses_utm, thread=parts[1:]
        ),
        *advice.advise_media((m["file"].rsplit("/", 1)[-1], m["alt"]) for m in row.payload.get("media", [])),
    ]
    for item in items:
        if item.rule in row.quiet:
            continue
        per_network = item.rule == "too-many-hashtags"
        loc = row.part_locs[0] if row.part_locs else ("posts", row.index)
        key = ("advice", row.post_id, item.rule, row.network if per_network else "", loc)
        _once(found.warnings, seen, key, loaded.document.problem(loc, item.message, rule=item.rule))


def _unused_local_keys(loaded: LoadedCampaign, found: Findings) -> None:
    """A post's own network-specific key (Instagram's first comment and Reel cover, Google Business Profile's event,
    offer and button, Pinterest's pin) that none of its accounts takes would be lost without a word:
    most likely a forgotten account. An event with an offer, or an offer with a button, is not what
    Google takes."""
    for index, post in enumerate(loaded.model.posts):
        if post.event is not None and post.offer is not None:
            found.errors.append(
                loaded.document.problem(
                    ("posts", index, "offer"),
                    _("a post is an event or an offer, not both. Fix: give each its own post"),
                )
            )
        if post.offer is not None and post.button is not None:
            found.errors.append(
                loaded.document.problem(
                    ("posts", index, "button"),
                    _("an offer has no button (Google ignores it): its url is where to redeem it. Fix: remove button"),
                )
            )
        networks = {account.split(":", 1)[0] for account in post.accounts or loaded.model.accounts}
        for key in NETWORK_KEYS:
            if getattr(post, key) is None or any(profile_of(n).takes(key) for n in networks):
                continue
            takers = [p for p in installed_profiles() if p.takes(key)]
            found.errors.append(
                loaded.document.problem(
                    ("posts", index, key),
                    _(
                        "{key}: is for {networks} accounts, and post '{post}' goes to none. Fix: add one of your "
                        "{prefixes} accounts to the post, or remove {key}:."
                    ).format(
                        key=key,
                        post=post.id,
                        networks=", ".join(_(p.title) for p in takers) or "?",
                        prefixes=", ".join(f"{p.name}:…" for p in takers) or "?",
                    ),
                )
            )


NETWORK_KEYS = ("first_comment", "cover", "event", "offer", "button", "pin")


def _per_post(loaded: LoadedCampaign, rows: list[PlannedPost], found: Findings, seen: _Seen) -> None:
    """Advice about a post as a whole (judged on its first occurrence), about all its rows."""
    firsts: dict[str, list[PlannedPost]] = {}
    every: dict[str, list[PlannedPost]] = {}
    for row in rows:
        every.setdefault(row.post_id, []).append(row)
        group = firsts.setdefault(row.post_id, [])
        if not group or group[0].occurrence == row.occurrence:
            group.append(row)
    variants_by_post = {p.id: set(p.variants or {}) for p in loaded.model.posts}
    for post_id, group in firsts.items():
        seen.rows = every[post_id]
        first = group[0]
        quiet = first.quiet
        if "night-time" not in quiet:
            for item in advice.advise_time(first.local_time):
                _once(
                    found.warnings,
                    seen,
                    ("night", post_id),
                    loaded.document.problem(
                        ("posts", first.index, "every" if first.recurring else "at"), item.message, rule=item.rule
                    ),
                )
        # the same source text (UTM tags differ per network, so compare where the text was written)
        texts = {row.network: repr(row.part_locs) for row in group}
        if "same-text-everywhere" not in quiet and not variants_by_post.get(post_id):
            for item in advice.advise_same_text(texts):
                _once(
                    found.warnings,
                    seen,
                    ("same", post_id),
                    loaded.document.problem(("posts", first.index), item.message, rule=item.rule),
                )
        targets = {row.account for row in group} | {row.network for row in group}
        accounts = ", ".join(sorted(row.account for row in group))
        if "unused-variant" not in quiet:
            for key in sorted(variants_by_post.get(post_id, ())):
                if key not in targets:
                    _once(
                        found.warnings,
                        seen,
                        ("variant", post_id, key),
                        loaded.document.problem(
                            ("posts", first.index, "variants", key),
                            _(
                                "the variant '{key}' is not used: this post goes to {accounts}. "
                                "Fix: correct the network name, or add the account to the post."
                            ).format(key=key, accounts=accounts),
                            key=True,
                            rule="unused-variant",
                        ),
                    )
