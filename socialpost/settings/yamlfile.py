"""Load YAML files keeping the position of every key and value, and report problems by position.

PyYAML's own loaders lose positions, silently keep the last of two duplicate keys and apply YAML
1.1's surprising implicit types (``no`` → False, ``12:30`` → 750, ``2026-03-02`` → a date). This
loader composes the node tree itself and builds plain Python values with a small, predictable
set of implicit types (YAML 1.2 core: null, true/false, integers, floats); everything else stays
text. Keys are always text.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import yaml

from socialpost.errors import CampaignError, Problem
from socialpost.i18n import _
from socialpost.settings.quoting import clip
from socialpost.settings.textfile import file_error, read_text
from socialpost.settings.yaml_document import Path_, YamlDocument


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema implicit types only."""


_Loader.yaml_implicit_resolvers = {}
_RESOLVERS: list[tuple[str, str, str]] = [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
]
for _tag, _pattern, _first in _RESOLVERS:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])
_MERGE = "tag:yaml.org,2002:merge"
_Loader.add_implicit_resolver(_MERGE, re.compile(r"^<<$"), ["<"])

if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(yaml.CSafeLoader):
        """The same resolvers on LibYAML's C parser: about 10x faster on large campaigns."""

    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FAST: type | None = _FastLoader
else:  # pragma: no cover - PyYAML built without LibYAML
    _FAST = None

MAX_DEPTH = 64  # nesting levels; a campaign needs fewer than 10
MAX_ALIAS_EXPANSION = 100_000  # values built again through '*alias' references (stops "billion laughs")

_NULL = "tag:yaml.org,2002:null"
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


def load_yaml(
    path: Path, *, what: str | None = None, text: str | None = None, allow_empty: bool = False
) -> YamlDocument:
    """Parse one YAML document from ``path`` (or ``text``) keeping positions.

    Raises :class:`CampaignError` (each problem with ``file:line:column`` where there is one) for
    unreadable files, YAML syntax errors and duplicate keys. With ``allow_empty`` a file without
    any content (nothing, blanks or only comments) gives a document whose ``data`` is None.
    ``what`` names the file in messages, already translated (``_("campaign file")``); default "file".
    """
    shown = str(path)
    what = what or _("file")
    if text is None:
        text = read_text(path, what=what)
    empty = _("the {what} is empty. Fix: see the README for an example.").format(what=what)
    if not text.strip():
        if allow_empty:
            return YamlDocument(shown, None)
        raise file_error(shown, empty, 1, 1)
    try:
        nodes = _compose(text)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(shown, exc, text) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(shown, text, exc) from None
    except RecursionError:
        raise file_error(shown, _too_deep(what), 1, 1) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises only the errors above on text
        raise file_error(
            shown, _("not valid YAML ({reason}). Fix: check quotes, colons and indentation.").format(reason=exc)
        ) from None
    # a document with no content at all ('---' and comments) counts as empty too
    nodes = [n for n in nodes if n is not None and not _blank(n)]
    if not nodes:
        if allow_empty:
            return YamlDocument(shown, None)
        raise file_error(shown, empty, 1, 1)
    if len(nodes) > 1:
        line, column = _pos(nodes[1])
        raise file_error(
            shown,
            _("the {what} holds several YAML documents (separated by '---'). Fix: keep one document per file.").format(
                what=what
            ),
            line,
            column,
        )
    doc = YamlDocument(shown, None, source=text)
    builder = _Builder(doc, what, text)
    with contextlib.suppress(_Abort):  # the reason is in builder.problems
        doc.data = builder.build(nodes[0], (), 0)
    if builder.problems:
        raise CampaignError(_unique(builder.problems))
    return doc


def _compose(text: str) -> list[yaml.Node]:
    """Compose with LibYAML when it is there; on any error, compose again with the pure-Python
    parser, whose error messages and marks the rest of this module knows how to explain."""
    if _FAST is not None:
        try:
            return list(yaml.compose_all(text, Loader=_FAST))
        except yaml.YAMLError:
            pass
    return list(yaml.compose_all(text, Loader=_Loader))


def _blank(node: yaml.Node) -> bool:
    # LibYAML reports a plain scalar's style as '', the pure-Python parser as None
    return isinstance(node, yaml.ScalarNode) and node.value == "" and not node.style and node.tag == _NULL


def _too_deep(what: str) -> str:
    return _(
        "the {what} is nested more than {depth} levels deep. "
        "Fix: check for unclosed brackets '[' or '{{' and for indentation that keeps growing."
    ).format(what=what, depth=MAX_DEPTH)


def _reader_error(shown: str, text: str, exc: yaml.reader.ReaderError) -> CampaignError:
    position = exc.position if isinstance(exc.position, int) else 0
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return file_error(
        shown,
        _(
            "the invisible or control character {code} is not allowed in YAML. "
            "Fix: delete it (retype the text around it, or paste it through a plain-text editor)."
        ).format(code=f"U+{character:04X}"),
        line,
        column,
    )


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    unique = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            unique.append(problem)
    return unique


def _syntax_error(shown: str, exc: yaml.MarkedYAMLError, text: str) -> CampaignError:
    from socialpost.settings.yaml_syntax import explain

    found = explain(exc, text)
    return file_error(shown, found.message, found.line, found.column)


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_COMMENT_AFTER = re.compile(r"[ \t]+(?P<comment>#[^\n\r\x85\u2028\u2029]*)")


class _Abort(Exception):
    """Stop building: a problem was recorded that makes going on pointless (or dangerous)."""


class _Builder:
    """Build plain values from the node tree, recording positions and problems."""

    def __init__(self, doc: YamlDocument, what: str, text: str = "") -> None:
        self.doc = doc
        self.what = what
        self.text = text
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.repeats = 0
        self.active: set[int] = set()

    def problem(self, node: yaml.Node, message: str) -> None:
        line, column = _pos(node)
        self.problems.append(Problem(self.doc.path, line, column, message))

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.doc.value_positions[path] = _pos(node)
        if depth > MAX_DEPTH:
            self.problem(node, _too_deep(self.what))
            raise _Abort
        if id(node) in self.seen:
            self.repeats += 1
            if self.repeats > MAX_ALIAS_EXPANSION:
                self.problem(
                    node,
                    _(
                        "'*alias' references here expand to more than {count} values. "
                        "Fix: write the values out, or use fewer nested aliases."
                    ).format(count=MAX_ALIAS_EXPANSION),
                )
                raise _Abort
        self.seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            self.problem(node, _unsupported_tag(node.tag))
            return None
        if id(node) in self.active:
            self.problem(
                node,
                _("the value anchored here ('&name') contains an alias to itself ('*name'). Fix: remove that alias."),
            )
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path, depth)
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.ScalarNode)
            if node.style in (None, "", '"', "'"):
                self.comment_after(node, path)
            return self.scalar(node)
        finally:
            self.active.discard(id(node))

    def comment_after(self, node: yaml.ScalarNode, path: Path_) -> None:
        end = node.end_mark
        match = _COMMENT_AFTER.match(self.text, end.index)  # anchored: fails at once without a comment
        if match:
            self.doc.comments_after[path] = (
                end.line + 1,
                end.column + match.start("comment") - end.index + 1,
                match["comment"],
            )

    def scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return _scalar(node)
        except ValueError:
            self.problem(
                node,
                _("'{value}' does not match its tag '{tag}'. Fix: remove the tag.").format(
                    value=clip(node.value), tag=_short_tag(node.tag)
                ),
            )
            return None

    def mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        # '<<' merge keys: the mapping's own keys win over merged ones, earlier merges over later.
        merged: dict[str, Any] = {}
        own = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE and isinstance(key_node, yaml.ScalarNode):
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, yaml.MappingNode) or source.tag not in _PLAIN_TAGS:
                        self.problem(
                            source,
                            _("'<<' merges mappings only. Fix: write '<<: *name' where '&name' marks a mapping."),
                        )
                        continue
                    if id(source) in self.active:
                        self.problem(source, _("this '<<' merges a mapping into itself. Fix: remove it."))
                        continue
                    self.active.add(id(source))
                    try:
                        for key, value in self.mapping(source, path, depth + 1).items():
                            merged.setdefault(key, value)
                    finally:
                        self.active.discard(id(source))
            else:
                own.append((key_node, value_node))
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in own:
            line, column = _pos(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, _("a key must be plain text, not a list or mapping. Fix: write 'name: value'."))
                continue
            if key_node.tag not in _PLAIN_TAGS:
                self.problem(key_node, _unsupported_tag(key_node.tag))
                continue
            key = str(key_node.value)
            if key in first_seen:
                self.problem(
                    key_node,
                    _(
                        "duplicate key '{key}' (first written on line {line}); YAML would "
                        "silently keep only the last one. Fix: remove or rename one of them."
                    ).format(key=clip(key), line=first_seen[key]),
                )
                continue
            first_seen[key] = line
            self.doc.key_positions[(*path, key)] = (line, column)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        for key, value in merged.items():
            result.setdefault(key, value)
        return result


def _unsupported_tag(tag: str) -> str:
    if tag.startswith("!") and not tag.startswith("!!"):  # '!important message': text read as a tag
        return _(
            "a value that starts with '!' is read as a YAML tag ('{tag}'). "
            'Fix: put the whole text in quotes, like "{tag} …".'
        ).format(tag=tag)
    return _("YAML tag '{tag}' is not supported here. Fix: remove the tag.").format(tag=_short_tag(tag))


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _scalar(node: yaml.ScalarNode) -> Any:
    """The Python value of a scalar; ValueError when an explicit tag does not fit the text."""
    value: str = node.value
    if node.tag == "tag:yaml.org,2002:null":
        if value not in {"", "~", "null", "Null", "NULL"}:
            raise ValueError(value)
        return None
    if node.tag == "tag:yaml.org,2002:bool":
        if value.lower() not in {"true", "false"}:
            raise ValueError(value)
        return value.lower() == "true"
    if node.tag == "tag:yaml.org,2002:int":
        if not _INT.match(value):
            raise ValueError(value)
        if len(value) > 100:  # too long for int(); no setting needs such a number, so keep the text
            return value
        return int(value)
    if node.tag == "tag:yaml.org,2002:float":
        lowered = value.lower()
        if lowered in {".inf", "+.inf", "-.inf"}:
            return float("-inf") if lowered.startswith("-") else float("inf")
        if lowered == ".nan":
            return float("nan")
        return float(value)
    return value


_INT = re.compile(r"^[-+]?[0-9]+$")
