"""The campaign file an import writes: plain YAML a person will read and edit next.

Post ids are stable on re-import: the id column when the sheet has one, else the post's date and
the first words of its text (``2027-03-02-0900-our-roastery-opens``); a second post with the same
date and words gets ``-2``, in the sheet's order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from socialpost.names import NAME_PATTERN

_NAME = re.compile(NAME_PATTERN)
_WORDS = 6
_MAX_ID = 60


@dataclass
class ImportedPost:
    """One post to write: wall time in the campaign's zone, text, media (file, alt), accounts."""

    row: int
    when: datetime
    text: str
    media: list[tuple[str, str]] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    id_hint: str = ""
    variants: dict[str, str] = field(default_factory=dict)  # account → its own text (report re-import)


def slug(text: str, *, limit: int = _MAX_ID) -> str:
    """Lower-case ASCII words joined by dashes (accents dropped: "café" → "cafe")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", plain.lower())
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > limit:
            break
        out = f"{out}-{word}" if out else word
    return out


def post_id(post: ImportedPost) -> str:
    """The id the post gets before duplicates are numbered."""
    if post.id_hint and _NAME.match(post.id_hint) and len(post.id_hint) <= _MAX_ID:
        return post.id_hint
    if post.id_hint:
        return slug(post.id_hint) or f"row-{post.row}"
    stamp = post.when.strftime("%Y-%m-%d-%H%M")
    tail = slug(" ".join(slug(post.text, limit=10_000).split("-")[:_WORDS]), limit=_MAX_ID - len(stamp) - 1)
    return f"{stamp}-{tail}" if tail else stamp


def unique_ids(posts: list[ImportedPost]) -> list[str]:
    """Every post's id, in the sheet's order; the second post with the same id gets ``-2``."""
    used: set[str] = set()
    ids = []
    for post in posts:
        base = candidate = post_id(post)
        count = 1
        while candidate in used:
            count += 1
            candidate = f"{base}-{count}"
        used.add(candidate)
        ids.append(candidate)
    return ids


def campaign_document(
    *, name: str, zone: str, accounts: list[str], posts: list[ImportedPost], header: list[str]
) -> str:
    """The YAML text of the campaign."""
    body: dict[str, Any] = {"campaign": name, "timezone": zone, "accounts": accounts, "posts": []}
    for post, the_id in zip(posts, unique_ids(posts), strict=True):
        item: dict[str, Any] = {"id": the_id, "at": post.when.strftime("%Y-%m-%d %H:%M")}
        item["text"] = post.text
        if post.media:
            item["media"] = [{"file": file, "alt": alt} for file, alt in post.media]
        if post.accounts and post.accounts != accounts:
            item["accounts"] = post.accounts
        if post.variants:
            item["variants"] = {account: {"text": text} for account, text in post.variants.items()}
        body["posts"].append(item)
    comments = "".join(f"# {line}\n" for line in header)
    text = yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    spaced = text.replace("\n  - id: ", "\n\n  - id: ").replace("posts:\n\n", "posts:\n", 1)
    return comments + spaced  # a blank line between posts


class _Dumper(yaml.SafeDumper):
    """Texts with line breaks as ``|`` blocks; short lists of accounts on one line; lists indented
    under their key, as the example campaigns are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not any(ch in value for ch in "\r\t") and value == value.rstrip(" "):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    flow = bool(value) and all(isinstance(v, str) and len(v) < 40 for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)
