"""Read a campaign file into validated models, with every problem located in the file.

A file with mistakes is still read as far as it goes (:func:`read_campaign`): the posts and
settings that are valid are kept, so `validate`, `plan` and `schedule` report every problem of a
file in one run — a wrong date in one post does not hide a missing image in another.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from socialpost.campaign.models import AccountRef, Campaign, Post, fields_at
from socialpost.errors import CampaignError, Problem
from socialpost.i18n import _
from socialpost.settings.problems import pydantic_problems
from socialpost.settings.quoting import clip, quoted
from socialpost.settings.yaml_document import Path_, YamlDocument
from socialpost.settings.yamlfile import load_yaml


@dataclass
class LoadedCampaign:
    """A valid campaign and the document it came from (for positions in later checks).

    ``unsure`` names the top-level settings that were invalid in the file and stand in for their
    defaults (``timezone`` read as UTC, ``campaign`` as a placeholder name), in a campaign read
    only so its other problems can be reported; such a campaign is never scheduled.
    """

    model: Campaign
    document: YamlDocument
    unsure: frozenset[str] = frozenset()
    written: YamlDocument | None = None  # a partial read's whole file, before its lists were renumbered

    @property
    def as_written(self) -> YamlDocument:
        """The whole file as read, also the posts a partial read left out (for checks of the text
        itself, such as control characters, so they are all reported in one run)."""
        return self.written or self.document

    @property
    def path(self) -> str:
        return self.document.path

    @property
    def partial(self) -> bool:
        """Whether the file had errors and this is only what was valid in it."""
        return bool(self.unsure)

    def post_position(self, index: int) -> tuple[int, int]:
        return self.document.position(("posts", index))

    def feed_specs(self) -> list[dict[str, Any]]:
        """The campaign's feeds as the store records them (``store.feeds.record``): plain data, with
        the accounts each goes to and where it is written."""
        model = self.model
        rule = model.slot_rule()
        specs = []
        for index, feed in enumerate(model.feeds or ()):
            line, column = self.document.position(("feeds", index))
            specs.append(
                {
                    "url": feed.url,
                    "template": feed.template,
                    "accounts": list(feed.accounts or model.accounts),
                    "since": feed.since.isoformat() if feed.since else None,
                    "every_seconds": int(feed.every.total_seconds()),
                    "image": feed.image,
                    "mode": "queue" if feed.queue else "at_once",
                    "queue": rule.as_json() if feed.queue and rule is not None else None,
                    "timezone": model.timezone,
                    "language": model.language,
                    "source": f"{self.path}:{line}:{column}",
                }
            )
        return specs


def read_campaign(path: Path, *, text: str | None = None) -> tuple[LoadedCampaign | None, list[Problem]]:
    """Read one campaign file as far as it is valid: the campaign (None when nothing usable is left,
    such as a YAML syntax error) and every problem found on the way."""
    try:
        document = load_yaml(path, what=_("campaign file"), text=text)
    except CampaignError as exc:
        return None, list(exc.problems)
    if not isinstance(document.data, dict):
        message = _(
            "a campaign file must be a mapping with campaign, timezone, accounts and posts. "
            "Fix: start from an example in the campaigns folder."
        )
        return None, [document.problem((), message)]
    hashtags, meant = _hashtags_in_comments(document)
    # a text left empty by a '#' is checked as the text the user meant, so it is explained once
    data = _with_values(document.data, meant) if meant else document.data
    problems = hashtags + _duplicate_ids(document)
    loaded: LoadedCampaign | None
    try:
        loaded = LoadedCampaign(Campaign.model_validate(data), document)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = exc.errors()  # type: ignore[assignment]
        problems.extend(pydantic_problems(document, errors, fields_at=fields_at))
        loaded = _salvage(document, data, errors)
    if loaded is not None:
        problems.extend(_listed_twice(loaded.model, loaded.document))
    return loaded, sorted(problems, key=lambda p: (p.line, p.column))


def load_campaign(path: Path, *, text: str | None = None) -> LoadedCampaign:
    """Load and validate one campaign file; raise CampaignError listing every problem."""
    loaded, problems = read_campaign(path, text=text)
    if problems or loaded is None:
        raise CampaignError(problems)
    return loaded


def read_campaigns(
    paths: list[Path], *, texts: dict[Path, str] | None = None
) -> tuple[list[LoadedCampaign], list[Problem]]:
    """Read several files (each once, however often it is named): what is usable of each, and the
    problems of all of them. Two files naming the same campaign are a problem of the second.
    ``texts``: the content of some of the files, read elsewhere (another git revision)."""
    loaded: list[LoadedCampaign] = []
    problems: list[Problem] = []
    names: dict[str, str] = {}
    given: set[Path] = set()
    for path in paths:
        try:
            same = path.resolve()
        except (OSError, RuntimeError):  # a symbolic link loop: read_campaign explains it
            same = path.absolute()
        if same in given:  # the same file named twice (overlapping globs): load it once
            continue
        given.add(same)
        campaign, found = read_campaign(path, text=None if texts is None else texts.get(path))
        problems.extend(found)
        if campaign is None:
            continue
        name = campaign.model.campaign
        if "campaign" not in campaign.unsure and name in names:
            problems.append(
                campaign.document.problem(
                    ("campaign",),
                    _("campaign '{name}' is also defined in {file}. Fix: give each campaign its own name.").format(
                        name=name, file=names[name]
                    ),
                )
            )
            continue
        if "campaign" not in campaign.unsure:
            names[name] = campaign.path
        loaded.append(campaign)
    return loaded, problems


def load_campaigns(paths: list[Path]) -> list[LoadedCampaign]:
    """Load several files, reporting the problems of all of them together."""
    loaded, problems = read_campaigns(paths)
    if problems:
        raise CampaignError(problems)
    return loaded


class _Partial(Campaign):
    """What is left of an invalid campaign: its valid posts and accounts, possibly none."""

    accounts: list[AccountRef] = Field(default_factory=list)
    posts: list[Post] = Field(default_factory=list)

    @field_validator("posts")
    @classmethod
    def _something_to_post(cls, posts: list[Post], info: ValidationInfo) -> list[Post]:
        return posts  # what is left may be nothing; that was reported


# Required settings that must hold something for the rest to be checked: a placeholder that is never
# scheduled (the campaign is not looked up in the queue), and UTC (times are not judged against now).
_STAND_INS = {"campaign": "unnamed", "timezone": "UTC"}
_LISTS = ("posts", "accounts")


def _salvage(document: YamlDocument, data: dict[str, Any], errors: list[dict[str, Any]]) -> LoadedCampaign | None:
    """The valid part of a campaign that failed validation, or None when nothing sensible is left.

    A post with any error is left out (its other problems were reported with it); an invalid
    account in the campaign's list is left out; an invalid top-level setting takes its default.
    The document's positions are renumbered so later checks still point into the file. ``data``
    is the document's data as validated (with the texts a '#' emptied filled in).
    """
    dropped: dict[str, set[int]] = {name: set() for name in _LISTS}
    unsure: set[str] = set()
    for error in errors:
        loc = tuple(error["loc"])
        if not loc or not isinstance(loc[0], str):
            return None
        if loc[0] in _LISTS and len(loc) > 1 and isinstance(loc[1], int):
            dropped[loc[0]].add(loc[1])
        else:
            unsure.add(loc[0])
    fixed = {key: value for key, value in data.items() if key not in unsure}
    fixed.update({key: value for key, value in _STAND_INS.items() if key in unsure})
    kept: dict[str, list[int]] = {}
    for name in _LISTS:
        items = fixed.get(name)
        if not isinstance(items, list):
            fixed.pop(name, None)
            continue
        kept[name] = [index for index in range(len(items)) if index not in dropped[name]]
        fixed[name] = [items[index] for index in kept[name]]
        if dropped[name]:
            unsure.add(name)
    try:
        model = _Partial.model_validate(fixed)
    except ValidationError:
        return None
    return LoadedCampaign(model, _renumbered(document, fixed, kept), frozenset(unsure or {"posts"}), document)


_Place = TypeVar("_Place")


def _renumbered(document: YamlDocument, data: dict[str, Any], kept: dict[str, list[int]]) -> YamlDocument:
    """``document`` as if only the ``kept`` items of its top-level lists were written (each keeps
    its position in the file)."""
    new_index = {name: {old: new for new, old in enumerate(indexes)} for name, indexes in kept.items()}

    def move(loc: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
        if len(loc) < 2 or loc[0] not in new_index or not isinstance(loc[1], int):
            return loc
        index = new_index[str(loc[0])].get(loc[1])
        return None if index is None else (loc[0], index, *loc[2:])

    def moved(positions: dict[Path_, _Place]) -> dict[Path_, _Place]:
        result = {}
        for loc, place in positions.items():
            target = move(loc)
            if target is not None:
                result[target] = place
        return result

    return YamlDocument(
        document.path,
        data,
        moved(document.value_positions),
        moved(document.key_positions),
        source=document.source,
        comments_after=moved(document.comments_after),
    )


_TEXT_LISTS = ("thread", "texts")


def _is_text(path: tuple[str | int, ...]) -> bool:
    """Whether ``path`` is where a post's text is written (text, or an item of thread or texts)."""
    return bool(path) and (path[-1] == "text" or (len(path) > 1 and path[-2] in _TEXT_LISTS))


def _hashtags_in_comments(document: YamlDocument) -> tuple[list[Problem], dict[Path_, str]]:
    """A hashtag that YAML took for a comment: 'text: Venez! #Sherbrooke' posts 'Venez!' only.
    Also returns, for each text left empty that way, the text the user meant."""
    problems = []
    meant: dict[Path_, str] = {}
    for path, (line, column, comment) in document.comments_after.items():
        if not _is_text(path) or not re.match(r"#\w", comment):
            continue
        value = _value_at(document.data, path)
        tag = comment.split()[0]
        if value is None or value == "":
            line, column = document.position(path)
            meant[path] = comment.rstrip()
            message = _(
                "this text starts with '#', which YAML reads as the start of a comment, so the text is empty. "
                "Fix: put the whole text in quotes: {quoted}"
            ).format(quoted=clip(quoted(comment.rstrip())))
        else:
            message = _(
                "'{tag}' after this text is read as a YAML comment (' #' starts one), so it would not be posted. "
                "Fix: put the whole text in quotes: {quoted}"
            ).format(tag=clip(tag), quoted=clip(quoted(f"{value} {comment.rstrip()}"), 80))
        problems.append(Problem(document.path, line, column, message))
    return problems, meant


def _with_values(data: dict[str, Any], values: dict[Path_, str]) -> dict[str, Any]:
    """A copy of ``data`` with the value at each path replaced."""
    patched = copy.deepcopy(data)
    for path, value in values.items():
        parent = _value_at(patched, path[:-1])  # the path comes from the document: it exists
        if isinstance(parent, dict | list):
            parent[path[-1]] = value  # type: ignore[index]
    return patched


def _value_at(data: object, path: tuple[str | int, ...]) -> object:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _duplicate_ids(document: YamlDocument) -> list[Problem]:
    """Two posts with one id, read from the file itself (so also among posts with other mistakes)."""
    posts = document.data.get("posts") if isinstance(document.data, dict) else None
    if not isinstance(posts, list):
        return []
    problems = []
    first: dict[str, int] = {}
    for index, post in enumerate(posts):
        post_id = post.get("id") if isinstance(post, dict) else None
        if not isinstance(post_id, str):
            continue
        if post_id in first:
            line, _column = document.position(("posts", first[post_id], "id"))
            problems.append(
                document.problem(
                    ("posts", index, "id"),
                    _("post id '{post}' is already used on line {line}. Fix: give every post its own id.").format(
                        post=post_id, line=line
                    ),
                )
            )
        else:
            first[post_id] = index
    return problems


def _listed_twice(model: Campaign, document: YamlDocument) -> list[Problem]:
    """An account or a time of day listed twice would make the same post twice: each repeat is
    reported where it is written."""
    lists: list[tuple[tuple[str | int, ...], list[str]]] = [(("accounts",), list(model.accounts))]
    for index, post in enumerate(model.posts):
        if post.accounts:
            lists.append((("posts", index, "accounts"), list(post.accounts)))
        if post.every is not None and post.every.at and len(post.every.at) > 1:
            lists.append((("posts", index, "every", "at"), [f"{at:%H:%M}" for at in post.every.at]))
    if model.queue is not None:
        lists.append((("queue", "days"), list(model.queue.days)))
        lists.append((("queue", "at"), [f"{at:%H:%M}" for at in model.queue.at]))
    problems = []
    for where, values in lists:
        seen: set[str] = set()
        for position, value in enumerate(values):
            if value in seen:
                problems.append(
                    document.problem(
                        (*where, position),
                        _("{value} is listed twice. Fix: remove one.").format(value=value),
                    )
                )
            seen.add(value)
    return problems
