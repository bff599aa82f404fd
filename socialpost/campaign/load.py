"""Read a campaign file into validated models, with every problem located in the file."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from socialpost.campaign.models import Campaign, fields_at
from socialpost.errors import CampaignError, Problem
from socialpost.i18n import _
from socialpost.yamlfile import Path_, YamlDocument, clip, load_yaml, pydantic_problems, quoted


@dataclass
class LoadedCampaign:
    """A valid campaign and the document it came from (for positions in later checks)."""

    model: Campaign
    document: YamlDocument

    @property
    def path(self) -> str:
        return self.document.path

    def post_position(self, index: int) -> tuple[int, int]:
        return self.document.position(("posts", index))


def load_campaign(path: Path, *, text: str | None = None) -> LoadedCampaign:
    """Load and validate one campaign file; raise CampaignError listing every problem."""
    document = load_yaml(path, what=_("campaign file"), text=text)
    if not isinstance(document.data, dict):
        raise CampaignError(
            [
                document.problem(
                    (),
                    _(
                        "a campaign file must be a mapping with campaign, timezone, accounts and posts. "
                        "Fix: start from an example in the campaigns folder."
                    ),
                )
            ]
        )
    hashtags, meant = _hashtags_in_comments(document)
    try:
        # a text left empty by a '#' is checked as the text the user meant, so it is explained once
        model = Campaign.model_validate(_with_values(document.data, meant) if meant else document.data)
    except ValidationError as exc:
        found = pydantic_problems(document, exc.errors(), fields_at=fields_at)  # type: ignore[arg-type]
        raise CampaignError(sorted([*hashtags, *found], key=lambda p: (p.line, p.column))) from None
    problems = hashtags + _duplicate_ids(model, document) + _listed_twice(model, document)
    if problems:
        raise CampaignError(problems)
    return LoadedCampaign(model, document)


def load_campaigns(paths: list[Path]) -> list[LoadedCampaign]:
    """Load several files, reporting the problems of all of them together."""
    loaded: list[LoadedCampaign] = []
    problems: list[Problem] = []
    names: dict[str, str] = {}
    given: set[Path] = set()
    for path in paths:
        try:
            same = path.resolve()
        except (OSError, RuntimeError):  # a symbolic link loop: load_campaign explains it
            same = path.absolute()
        if same in given:  # the same file named twice (overlapping globs): load it once
            continue
        given.add(same)
        try:
            campaign = load_campaign(path)
        except CampaignError as exc:
            problems.extend(exc.problems)
            continue
        name = campaign.model.campaign
        if name in names:
            problems.append(
                campaign.document.problem(
                    ("campaign",),
                    _("campaign '{name}' is also defined in {file}. Fix: give each campaign its own name.").format(
                        name=name, file=names[name]
                    ),
                )
            )
            continue
        names[name] = campaign.path
        loaded.append(campaign)
    if problems:
        raise CampaignError(problems)
    return loaded


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


def _with_values(data: object, values: dict[Path_, str]) -> object:
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


def _duplicate_ids(model: Campaign, document: YamlDocument) -> list[Problem]:
    problems = []
    first: dict[str, int] = {}
    for index, post in enumerate(model.posts):
        if post.id in first:
            line, _column = document.position(("posts", first[post.id], "id"))
            problems.append(
                document.problem(
                    ("posts", index, "id"),
                    _("post id '{post}' is already used on line {line}. Fix: give every post its own id.").format(
                        post=post.id, line=line
                    ),
                )
            )
        else:
            first[post.id] = index
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
