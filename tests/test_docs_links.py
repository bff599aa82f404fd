"""The user docs hold together: every relative link in README.md and docs/**/*.md reaches a file of
the repository, every ``#anchor`` a heading of its page (as GitHub makes anchors from headings),
and every network has its page in docs/networks/, its row in docs/networks.md and its row in the
README's network table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from socialpost.networks.registry import network_names
from tests.conftest import REPO

PAGES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(<?([^()\s>]+)>?(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def prose(text: str) -> list[str]:
    """The page's lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text without markup, lower case, punctuation dropped
    (letters of any script, digits, ``-`` and ``_`` stay), each space a ``-``."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = text.strip().lower()
    kept = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in prose(path.read_text(encoding="utf-8")):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading is None:
            continue
        base = slug(heading.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    return [m.group(1) for line in prose(path.read_text(encoding="utf-8")) for m in LINK.finditer(line)]


def test_the_slug_is_githubs() -> None:
    assert slug("Pause, resume, and a cancel that sticks") == "pause-resume-and-a-cancel-that-sticks"
    assert slug("`socialpost doctor`") == "socialpost-doctor"
    assert slug("Connecting: `socialpost accounts add instagram NAME`") == (
        "connecting-socialpost-accounts-add-instagram-name"
    )
    assert slug("8. Des campagnes dans git : relire, puis approuver") == (
        "8-des-campagnes-dans-git--relire-puis-approuver"
    )
    assert slug("Known limits (what Threads' API does not let socialpost do)") == (
        "known-limits-what-threads-api-does-not-let-socialpost-do"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_and_anchor_reaches_its_target(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:… — not the repository's
            continue
        file_part, _hash, anchor = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not linked.exists():
            broken.append(f"{target}: no file {linked.relative_to(REPO) if linked.is_relative_to(REPO) else linked}")
            continue
        if anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading '#{anchor}' in {linked.relative_to(REPO)}")
    assert broken == [], f"{page.relative_to(REPO)}:\n" + "\n".join(broken)


def test_every_network_has_its_page_and_its_rows() -> None:
    names = set(network_names())
    assert {"x", "facebook", "instagram", "linkedin", "mastodon", "bluesky", "youtube", "threads", "telegram",
            "google-business", "pinterest", "outbox", "webhook"} <= names  # fmt: skip
    table = (REPO / "docs" / "networks.md").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    networks = readme.split("\n## Networks\n", 1)[1].split("\n## ", 1)[0]
    lisezmoi = (REPO / "docs" / "fr" / "LISEZMOI.md").read_text(encoding="utf-8")
    for name in sorted(names):
        assert (REPO / "docs" / "networks" / f"{name}.md").is_file(), f"docs/networks/{name}.md is missing"
        row = f"(networks/{name}.md)"
        assert row in table, f"docs/networks.md has no row for {name}"
        assert f"| `{name}:NAME` |" in networks, f"the README's network table has no row for {name}"
        assert f"(../networks/{name}.md)" in lisezmoi, f"docs/fr/LISEZMOI.md does not link docs/networks/{name}.md"


@pytest.mark.parametrize("name", ["instagram", "threads", "telegram", "google-business", "pinterest"])
def test_the_newest_networks_say_what_their_api_refuses_in_english_and_french(name: str) -> None:
    """Issues #19 and #20 close on what each API refused to let us do, told to users: a section of
    its page, and the French guide (a page of its own, or its section of LISEZMOI.md)."""
    page = (REPO / "docs" / "networks" / f"{name}.md").read_text(encoding="utf-8")
    assert re.search(r"(?m)^## What .*API does not let socialpost do$", page), name
    french = REPO / "docs" / "fr" / "reseaux" / f"{name}.md"
    if french.exists():
        assert "## Ce que l'API ne permet pas" in french.read_text(encoding="utf-8"), french
    else:
        lisezmoi = " ".join((REPO / "docs" / "fr" / "LISEZMOI.md").read_text(encoding="utf-8").split())
        title = {"instagram": "Ce que l'API d'Instagram ne permet pas", "threads": "l'API ne permet ni de programmer"}
        assert title[name] in lisezmoi, name
