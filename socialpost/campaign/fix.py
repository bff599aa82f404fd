"""`socialpost fix`: apply the writing advice that has one mechanical, safe fix, in the file itself.

Two rules have such a fix:

* ``french-typography``: the spaces French wants before ! ? ; : and inside « » (a narrow no-break
  space U+202F or a no-break space U+00A0, which nobody can type), following the text's language
  (``fr`` or ``fr-CA``, see :func:`advice.typography_style`), or no space at all in English;
* ``link-without-utm``: ``https://`` before a bare domain, so the campaign's UTM tags can go on it.

The file is edited in place, character by character, where each text is written: comments,
quotes, key order and layout stay as they were. Every edit is checked by reading the edited file
again — it must give exactly the campaign the fixes meant, nothing else — and a text that cannot be
edited that way (an escape or a line fold where the fix goes) is left alone and reported. Writing is
atomic (a temporary file beside it, then a rename) and keeps the file's mode, BOM and line endings.
"""

from __future__ import annotations

import copy
import difflib
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from socialpost.campaign import advice
from socialpost.campaign.load import load_campaign
from socialpost.campaign.models import Campaign, Defaults, Post
from socialpost.errors import CampaignError, Problem
from socialpost.i18n import _
from socialpost.privatefiles import write_atomic
from socialpost.settings.textfile import read_text
from socialpost.settings.yaml_document import Path_, YamlDocument
from socialpost.settings.yamlfile import load_yaml

# The rules `fix` knows how to apply (README, "Writing advice").
FIXABLE = ("french-typography", "link-without-utm")
BOM = "\ufeff"


@dataclass(frozen=True)
class Change:
    """One text changed by one rule."""

    rule: str
    line: int
    column: int
    before: str
    after: str


@dataclass
class FileFix:
    """What `fix` would do to one file."""

    path: Path
    original: str
    fixed: str
    changes: list[Change] = field(default_factory=list)
    left: list[Problem] = field(default_factory=list)  # texts the advice flags that cannot be edited safely

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    def diff(self) -> list[str]:
        """A unified diff of the file (no-break spaces made visible: see :func:`visible`)."""
        name = str(self.path)
        return list(
            difflib.unified_diff(
                visible(self.original).splitlines(keepends=True),
                visible(self.fixed).splitlines(keepends=True),
                fromfile=name,
                tofile=name,
            )
        )


def visible(text: str) -> str:
    """No-break spaces shown as ⍽ (U+00A0) and ⸱ (U+202F), so a diff shows what changed."""
    return text.replace(advice.NBSP, "⍽").replace(advice.NARROW_NBSP, "⸱")


@dataclass(frozen=True)
class _Target:
    """A text in the file, and how the advice judges it."""

    path: Path_
    value: str
    fixed: str
    rules: tuple[str, ...]


def plan(path: Path) -> FileFix:
    """What fixing ``path`` would change; raises CampaignError when the campaign cannot be read."""
    text = read_text(path, what=_("campaign file"))
    loaded = load_campaign(path, text=text)
    targets = list(_targets(loaded.model))
    result = FileFix(path, text, text)
    if not targets:
        return result
    spans = _scalar_spans(text)
    pending = {t.path: t for t in targets}
    edited, _refused = _apply(text, pending.values(), spans)
    if not _reads_as_meant(path, edited, loaded.document, pending):
        # find the texts that cannot be edited in place, each on its own, and leave them alone
        alone = {where: _apply(text, [target], spans)[0] for where, target in pending.items()}
        for where in [
            w for w, one in alone.items() if not _reads_as_meant(path, one, loaded.document, {w: pending[w]})
        ]:
            result.left.append(_left(loaded.document, pending.pop(where)))
        edited, _refused = _apply(text, pending.values(), spans)
        if not _reads_as_meant(path, edited, loaded.document, pending):  # edits that only fail together
            result.left.extend(_left(loaded.document, target) for target in pending.values())
            pending, edited = {}, text
    result.fixed = edited
    for target in pending.values():
        line, column = loaded.document.position(target.path)
        for rule in target.rules:
            result.changes.append(Change(rule, line, column, target.value, target.fixed))
    result.changes.sort(key=lambda c: (c.line, c.column))
    return result


def _left(document: YamlDocument, target: _Target) -> Problem:
    line, column = document.position(target.path)
    return Problem(
        document.path,
        line,
        column,
        _(
            "this text cannot be fixed automatically (an escape or a line break where the fix goes). "
            "Fix: edit it by hand: {after}"
        ).format(after=visible(target.fixed)),
        target.rules[0],
    )


def write(fix: FileFix) -> None:
    """Replace the file by its fixed text, atomically (a temporary file beside it, then a rename),
    keeping its mode and BOM; a symbolic link keeps pointing at the file, which is the one edited."""
    path = fix.path.resolve()
    body = (BOM if path.read_bytes()[:3] == BOM.encode() else "") + fix.fixed
    write_atomic(path, body, mode=stat.S_IMODE(path.stat().st_mode))


# --- which texts, and what each becomes ---------------------------------------------------------------------


def _targets(model: Campaign) -> Iterator[_Target]:
    defaults = model.defaults or Defaults()
    campaign_quiet = {*(model.quiet or ()), *(defaults.quiet or ())}
    for index, post in enumerate(model.posts):
        quiet = campaign_quiet | set(post.quiet or ())
        language = post.language or defaults.language or model.language
        tag = model.utm is not None and (post.utm if post.utm is not None else defaults.utm) is not False
        for group in _groups(post, ("posts", index)):
            yield from _fixed(group, language=language, quiet=quiet, uses_utm=tag)
    language = defaults.language or model.language
    tag = model.utm is not None and defaults.utm is not False
    for key, variant in (defaults.variants or {}).items():
        where: Path_ = ("defaults", "variants", key)
        if variant.thread is not None:
            group = [((*where, "thread", i), part) for i, part in enumerate(variant.thread)]
            yield from _fixed(group, language=language, quiet=campaign_quiet, uses_utm=tag)
        elif variant.text is not None:
            yield from _fixed([((*where, "text"), variant.text)], language=language, quiet=campaign_quiet, uses_utm=tag)


def _groups(post: Post, where: Path_) -> Iterator[list[tuple[Path_, str]]]:
    """The texts judged together, as the advice judges each row (a thread's parts are one)."""
    if post.text is not None:
        yield [((*where, "text"), post.text)]
    if post.thread is not None:
        yield [((*where, "thread", i), part) for i, part in enumerate(post.thread)]
    for i, text in enumerate(post.texts or ()):
        yield [((*where, "texts", i), text)]
    for key, variant in (post.variants or {}).items():
        if variant.thread is not None:
            yield [((*where, "variants", key, "thread", i), part) for i, part in enumerate(variant.thread)]
        elif variant.text is not None:
            yield [((*where, "variants", key, "text"), variant.text)]


def _fixed(
    group: list[tuple[Path_, str]], *, language: str | None, quiet: set[str], uses_utm: bool
) -> Iterator[_Target]:
    style = advice.typography_style("\n".join(text for _where, text in group), language)
    steps: list[tuple[str, Callable[[str], str]]] = []
    if "french-typography" not in quiet:
        steps.append(("french-typography", lambda text: advice.fix_typography(text, style)))
    if uses_utm and "link-without-utm" not in quiet:
        steps.append(("link-without-utm", advice.fix_bare_links))
    for where, text in group:
        fixed, rules = text, []
        for rule, step in steps:
            after = step(fixed)
            if after != fixed:
                fixed = after
                rules.append(rule)
        if rules:
            yield _Target(where, text, fixed, tuple(rules))


# --- editing the file where each text is written ---------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    start: int  # index of the scalar's first character in the file's text (its quote, if quoted)
    end: int


def _scalar_spans(text: str) -> dict[Path_, _Span]:
    """Where each scalar of the document is written, by its path (the pure-Python parser's marks
    count characters, as Python strings do)."""
    spans: dict[Path_, _Span] = {}
    root = yaml.compose(text, Loader=yaml.SafeLoader)

    def walk(node: yaml.Node, path: Path_, depth: int) -> None:
        if depth > 64:
            return
        if isinstance(node, yaml.ScalarNode):
            spans[path] = _Span(node.start_mark.index, node.end_mark.index)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i), depth + 1)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    walk(value, (*path, str(key.value)), depth + 1)

    if root is not None:
        walk(root, (), 0)
    return spans


def _edits(before: str, after: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) in ``before``'s characters that turn it into ``after``."""
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return [(i1, i2, after[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _positions(value: str, text: str, span: _Span) -> list[int] | None:
    """The index in ``text`` of each character of ``value`` (plus its end), found in order inside
    the scalar's span; None when the value is not written there character for character."""
    found: list[int] = []
    at = span.start
    for character in value:
        at = text.find(character, at, span.end)
        if at < 0:
            return None
        found.append(at)
        at += 1
    found.append(at if value else span.start)
    return found


def _apply(text: str, targets: Iterable[_Target], spans: dict[Path_, _Span]) -> tuple[str, list[Path_]]:
    """The text with each target's edits made where its characters are written. A target whose
    characters are not found there one for one is not edited (and returned): the check after
    reading the file again is what decides."""
    placed: set[tuple[int, int, str]] = set()  # a text two paths share (an alias) is edited once
    refused: list[Path_] = []
    for target in targets:
        span = spans.get(target.path)
        positions = _positions(target.value, text, span) if span else None
        edits = []
        for start, end, replacement in _edits(target.value, target.fixed) if positions else ():
            assert positions is not None
            if end > start and positions[end - 1] - positions[start] != end - 1 - start:
                break  # the replaced characters are not side by side in the file
            edits.append((positions[start], positions[end - 1] + 1 if end > start else positions[start], replacement))
        else:
            if positions is not None:
                placed.update(edits)
                continue
        refused.append(target.path)
    for start, end, replacement in sorted(placed, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text, refused


def _meant(document: YamlDocument, targets: dict[Path_, _Target]) -> Any:
    data = copy.deepcopy(document.data)
    for where, target in targets.items():
        parent = data
        for part in where[:-1]:
            parent = parent[part]
        parent[where[-1]] = target.fixed
    return data


def _reads_as_meant(path: Path, edited: str, document: YamlDocument, targets: dict[Path_, _Target]) -> bool:
    try:
        again = load_yaml(path, text=edited)
    except CampaignError:
        return False
    return bool(again.data == _meant(document, targets))
