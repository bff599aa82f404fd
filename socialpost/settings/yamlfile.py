"""Load YAML files keeping the position of every key and value, and report problems by position.

PyYAML's own loaders lose positions, silently keep the last of two duplicate keys and apply YAML
1.1's surprising implicit types (``no`` → False, ``12:30`` → 750, ``2026-03-02`` → a date). This
loader composes the node tree itself and builds plain Python values with a small, predictable
set of implicit types (YAML 1.2 core: null, true/false, integers, floats); everything else stays
text. Keys are always text.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from socialpost.errors import CampaignError, Problem
from socialpost.i18n import N_, _, ngettext

MAX_FILE_BYTES = 20 * 1024 * 1024

Path_ = tuple[str | int, ...]


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


@dataclass
class YamlDocument:
    """Plain data plus where each piece came from (1-based line and column)."""

    path: str
    data: Any
    value_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    source: str = field(default="", repr=False)  # the text parsed (to locate a character inside a value)
    # a comment written on the same line right after a value: (line, column of its '#', its text).
    # 'text: Venez! #Sherbrooke' loses the hashtag to a comment; the campaign loader says so.
    comments_after: dict[Path_, tuple[int, int, str]] = field(default_factory=dict)

    def position(self, loc: Iterable[str | int], *, key: bool = False) -> tuple[int, int]:
        """Best position for ``loc``: the exact node, else its nearest ancestor."""
        parts = tuple(loc)
        if key and parts in self.key_positions:
            return self.key_positions[parts]
        while parts:
            if parts in self.value_positions:
                return self.value_positions[parts]
            parts = parts[:-1]
        return self.value_positions.get((), (1, 1))

    def problem(self, loc: Iterable[str | int], message: str, *, key: bool = False, rule: str | None = None) -> Problem:
        line, column = self.position(loc, key=key)
        return Problem(self.path, line, column, message, rule)

    def find_in_value(self, loc: Iterable[str | int], wanted: Callable[[str], bool]) -> tuple[int, int, str] | None:
        """Where the first character of the value at ``loc`` for which ``wanted`` is true is
        written: (line, column, as written). In a double-quoted value an escape (``\\e``,
        ``\\x1b``, ``\\u202e``) is found at its backslash. None when the source does not show it."""
        parts = tuple(loc)
        if parts not in self.value_positions or not self.source:
            return None
        line, column = self.value_positions[parts]
        lines = self.source.split("\n")
        if line > len(lines):
            return None
        start = sum(len(text) + 1 for text in lines[: line - 1]) + column - 1
        found = _find_written(self.source, start, wanted)
        if found is None:
            return None
        offset, written = found
        return (
            self.source.count("\n", 0, offset) + 1,
            offset - (self.source.rfind("\n", 0, offset) + 1) + 1,
            written,
        )


# YAML's escapes in double-quoted scalars (YAML 1.2, 5.7)
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
    "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def _find_written(source: str, start: int, wanted: Callable[[str], bool]) -> tuple[int, str] | None:
    """(offset, as written) of the first character ``wanted`` in the scalar that starts at
    ``start``: escapes decoded in a double-quoted scalar, raw characters elsewhere."""
    if not source.startswith('"', start):
        for offset in range(start, len(source)):
            if wanted(source[offset]):
                return offset, source[offset]
        return None
    index = start + 1
    while index < len(source) and source[index] != '"':
        char: str | None = source[index]
        step = 1
        if char == "\\":
            code = source[index + 1 : index + 2]
            step = 2 + _HEX_ESCAPES.get(code, 0)
            if code in _HEX_ESCAPES:
                try:
                    char = chr(int(source[index + 2 : index + step], 16))
                except ValueError:
                    char = None
            else:
                char = _ESCAPES.get(code)  # None: an escaped line break
        if char is not None and wanted(char):
            return index, source[index : index + step]
        index += step
    return None


def _fail(shown: str, message: str, line: int = 0, column: int = 0) -> CampaignError:
    return CampaignError([Problem(shown, line, column, message)])


class _NotRegular(Exception):
    """The path was swapped for something that is not a regular file between stat and open."""


def _read_at_most(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file. Opened without blocking (a named pipe put in its
    place would otherwise wait for a writer forever) and checked again once open."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise _NotRegular
        return handle.read(limit)


def _not_regular(what: str) -> str:
    return _(
        "this is not a regular file (it is a device, a named pipe or a socket), so it cannot be a {what}. "
        "Fix: give the path of a .yaml file saved on disk."
    ).format(what=what)


def _too_big(size: int, what: str) -> str:
    return _("the file is {size} MB; a {what} may be at most {most} MB. Fix: split it into several files.").format(
        size=f"{size / 1_048_576:.0f}", what=what, most=MAX_FILE_BYTES // 1_048_576
    )


def path_problem(exc: OSError | ValueError) -> str:
    """What is wrong with a path the user gave, and the fix, from the error that opening it raised."""
    if isinstance(exc, ValueError):  # "embedded null byte"
        return _("the path holds a NUL character (\\0), which no file name can contain. Fix: correct the path.")
    number = exc.errno
    if isinstance(exc, FileNotFoundError):
        return _("no such file. Fix: check the path and the current folder.")
    if isinstance(exc, PermissionError):
        return _("permission denied. Fix: make the file readable (chmod u+r) or run as its owner.")
    if number == errno.ELOOP:
        return _(
            "the path is a symbolic link that leads back to itself (a loop). "
            "Fix: point the link at the real file, or give the real file's path."
        )
    if number == errno.ENAMETOOLONG:
        return _(
            "the path is too long for the system (a single name may have at most 255 bytes). "
            "Fix: shorten the file or folder names."
        )
    if number == errno.ENOTDIR:
        return _("a part of the path is a file, not a folder. Fix: check the path.")
    return _("cannot read the file ({reason}). Fix: check the path and that the disk is readable.").format(
        reason=exc.strerror or exc
    )


def read_text(path: Path, *, what: str | None = None) -> str:
    """Read a user's text file, turning every way it can be unreadable into a located error.

    ``what`` names the file in messages, already translated (``_("campaign file")``); default "file".
    Only regular files are read (a device such as /dev/zero never ends, a named pipe may never
    answer), and never more than :data:`MAX_FILE_BYTES` + 1 bytes, even from a file that grows.
    """
    shown = str(path)
    what = what or _("file")
    try:
        info = path.stat()
    except (OSError, ValueError) as exc:
        raise _fail(shown, path_problem(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise _fail(shown, _("this is a folder, not a {what}. Fix: give the path of a .yaml file.").format(what=what))
    if not stat.S_ISREG(info.st_mode):
        raise _fail(shown, _not_regular(what))
    if info.st_size > MAX_FILE_BYTES:
        raise _fail(shown, _too_big(info.st_size, what))
    try:
        raw = _read_at_most(path, MAX_FILE_BYTES + 1)
    except _NotRegular:
        raise _fail(shown, _not_regular(what)) from None
    except (OSError, ValueError) as exc:
        raise _fail(shown, path_problem(exc)) from None
    if len(raw) > MAX_FILE_BYTES:  # it grew since it was measured
        raise _fail(shown, _too_big(len(raw), what))
    if b"\x00" in raw:
        raise _fail(
            shown, _("this is a binary file, not a YAML {what}. Fix: check the file name.").format(what=what), 1, 1
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        # the column in characters, as editors count it (the bytes before are valid UTF-8)
        column = len(raw[line_start : exc.start].decode("utf-8-sig" if line_start == 0 else "utf-8")) + 1
        raise _fail(
            shown,
            _(
                "the file is not UTF-8 text. Fix: save it as UTF-8 in your editor "
                "(most editors call it 'UTF-8' or 'Unicode')."
            ),
            line,
            column,
        ) from None


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
        raise _fail(shown, empty, 1, 1)
    try:
        nodes = _compose(text)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(shown, exc, text) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(shown, text, exc) from None
    except RecursionError:
        raise _fail(shown, _too_deep(what), 1, 1) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises only the errors above on text
        raise _fail(
            shown, _("not valid YAML ({reason}). Fix: check quotes, colons and indentation.").format(reason=exc)
        ) from None
    # a document with no content at all ('---' and comments) counts as empty too
    nodes = [n for n in nodes if n is not None and not _blank(n)]
    if not nodes:
        if allow_empty:
            return YamlDocument(shown, None)
        raise _fail(shown, empty, 1, 1)
    if len(nodes) > 1:
        line, column = _pos(nodes[1])
        raise _fail(
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
    return _fail(
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
    return _fail(shown, found.message, found.line, found.column)


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


def suggest(word: str, choices: Iterable[str]) -> str:
    """' Did you mean 'x'?' when a close match exists, else ''."""
    match = closest(word, choices)
    return did_you_mean(match) if match else ""


def did_you_mean(name: str) -> str:
    """' Did you mean 'name'?' (with its leading space, to follow a sentence)."""
    return " " + _("Did you mean '{name}'?").format(name=name)


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` when one is close enough to be a typo of it."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


_closest = closest


def pydantic_problems(
    doc: YamlDocument,
    errors: list[dict[str, Any]],
    *,
    fields_at: Callable[[tuple[str | int, ...]], list[str]] | None = None,
    prefix: Path_ = (),
) -> list[Problem]:
    """Turn pydantic's ``ValidationError.errors()`` into positioned, plain-words problems."""
    problems: list[Problem] = []
    suggested: set[Path_] = set()  # (*parent, name) a "did you mean" already points to
    missing: list[tuple[Path_, Problem]] = []
    for err in errors:
        loc = _document_loc(doc.data, prefix, tuple(err["loc"]), last_may_be_absent=err["type"] == "missing")
        kind = err["type"]
        if kind == "extra_forbidden" and loc:
            name = str(loc[-1])
            allowed = fields_at(loc[len(prefix) : -1]) if fields_at else []
            match = _closest(name, allowed)
            if match:
                suggested.add((*loc[:-1], match))
                text = _("unknown key '{name}'. Did you mean '{match}'? Fix: correct the spelling.")
            elif allowed:
                text = _("unknown key '{name}'. Allowed here: {allowed}. Fix: remove it or use one of those.")
            else:
                text = _("unknown key '{name}'. Fix: remove it.")
            message = text.format(name=clip(name), match=match, allowed=", ".join(allowed))
            problems.append(doc.problem(loc, message, key=True))
        elif kind == "missing" and loc:
            name = str(loc[-1])
            message = _("missing required key '{name}'. Fix: add '{name}: …' here.").format(name=name)
            missing.append((loc, doc.problem(loc[:-1], message)))
        else:
            message = str(err["msg"])
            for noise in ("Value error, ", "Assertion failed, "):
                message = message.removeprefix(noise)
            name = str(loc[-1]) if loc and isinstance(loc[-1], str) else ""
            friendly = _clip_quoted(_friendly(kind, message, err.get("input"), err.get("ctx")), err.get("input"))
            if name:
                friendly = _("'{key}': {problem}").format(key=clip(name), problem=friendly)
            problems.append(doc.problem(loc, friendly))
    # A misspelt key is reported once, as "unknown key … did you mean", not also as missing.
    problems.extend(problem for loc, problem in missing if loc not in suggested)
    problems.sort(key=lambda p: (p.line, p.column))
    # One error per position is enough; pydantic reports every union branch.
    seen: set[tuple[int, int, str]] = set()
    unique = []
    for p in problems:
        marker = (p.line, p.column, p.message)
        if marker not in seen:
            seen.add(marker)
            unique.append(p)
    return unique


def _document_loc(data: Any, prefix: Path_, loc: tuple[Any, ...], *, last_may_be_absent: bool) -> Path_:
    """pydantic's error location as a path into the document.

    pydantic adds steps of its own (``function-after[…]``, union branch names); a step is kept when
    the document has it, or (for a missing key) when it is the last one.
    """
    current = data
    for part in prefix:
        current = _child(current, part)
    result: list[str | int] = list(prefix)
    for index, part in enumerate(loc):
        if not isinstance(part, int | str):
            continue
        child = _child(current, part)
        if child is not _ABSENT:
            result.append(part)
            current = child
        elif (index == len(loc) - 1 and last_may_be_absent) or (
            current is _ABSENT and isinstance(part, int | str) and "[" not in str(part)
        ):
            result.append(part)
    return tuple(result)


_ABSENT: Any = object()


def _child(value: Any, part: Any) -> Any:
    if isinstance(value, dict) and isinstance(part, str) and part in value:
        return value[part]
    if isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
        return value[part]
    return _ABSENT


def _friendly(kind: str, message: str, given: Any, ctx: dict[str, Any] | None = None) -> str:
    """pydantic's error of type ``kind`` in plain words, with a fix; ``message`` is pydantic's own text
    (or, for our validators' ``ValueError``, our already translated message)."""
    if kind in {"string_type", "str_type"}:
        return _("expected text, got {given}. Fix: write text here, in quotes if it looks like a number.").format(
            given=_describe(given)
        )
    if kind in {"list_type"}:
        return _("expected a list, got {given}. Fix: write it as [a, b] or as '- ' lines.").format(
            given=_describe(given)
        )
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("expected a mapping of keys, got {given}. Fix: write 'key: value' lines here.").format(
            given=_describe(given)
        )
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("expected a whole number, got {given}. Fix: write a number like 5.").format(given=_describe(given))
    if kind in {"float_type", "float_parsing"}:
        return _("expected a number, got {given}. Fix: write a number like 5 or 2.5.").format(given=_describe(given))
    if kind in {"bool_type", "bool_parsing"}:
        return _("expected true or false, got {given}. Fix: write true or false.").format(given=_describe(given))
    if kind == "string_too_short":
        return _("must not be empty. Fix: write something here.")
    if kind == "too_short":
        return _("must list at least one item. Fix: add one.")
    if kind == "string_pattern_mismatch":
        return _(
            "{given} may hold only letters, digits, '-', '_' and '.', starting with a letter or "
            "digit. Fix: use a name like spring-launch."
        ).format(given=_describe(given))
    if kind == "literal_error" and ctx and "expected" in ctx:
        return _("expected {choices}, got {given}. Fix: use one of those.").format(
            choices=_choices(str(ctx["expected"])), given=_describe(given)
        )
    if kind == "string_too_long" and ctx and isinstance(ctx.get("max_length"), int):
        most = ctx["max_length"]
        return ngettext(
            "{length} characters long, over the limit of {count} character. "
            "Fix: shorten it to at most {count} character.",
            "{length} characters long, over the limit of {count} characters. "
            "Fix: shorten it to at most {count} characters.",
            most,
        ).format(count=most, length=len(given) if isinstance(given, str) else "?")
    if kind == "string_unicode":
        index = _surrogate_at(given)
        if index:
            return _(
                "character {index} of the text is not valid Unicode (a lone surrogate such as \\uD800). "
                "Fix: delete it, or write the character you meant instead of its \\u code."
            ).format(index=index)
        return _(
            "the text holds a character that is not valid Unicode (a lone surrogate such as \\uD800). "
            "Fix: delete it, or write the character you meant instead of its \\u code."
        )
    english, translated = _BOUNDS.get(kind, ("", ""))
    if english and message.startswith(english):
        # pydantic's "Input should be greater than 0" in the active language (the same words in English)
        return _(translated).format(limit=message.removeprefix(english))
    # lower-case the first letter, unless it starts an acronym ("URL scheme…")
    first = message[:1] if message[1:2].isupper() else message[:1].lower()
    sentence = first + message[1:] + ("" if message.endswith(".") else ".")
    if "Fix:" in sentence or _("Fix:") in sentence:
        return sentence
    return _("{problem} Fix: correct this value.").format(problem=sentence)


# pydantic's number bounds (``Field(gt=0, le=3600)``), word for word as pydantic writes them.
_BOUNDS = {
    "greater_than": (
        "Input should be greater than ",
        N_("input should be greater than {limit}. Fix: correct this value."),
    ),
    "greater_than_equal": (
        "Input should be greater than or equal to ",
        N_("input should be greater than or equal to {limit}. Fix: correct this value."),
    ),
    "less_than": ("Input should be less than ", N_("input should be less than {limit}. Fix: correct this value.")),
    "less_than_equal": (
        "Input should be less than or equal to ",
        N_("input should be less than or equal to {limit}. Fix: correct this value."),
    ),
}


MAX_QUOTED = 60  # characters of the user's value a message repeats


def quoted(value: str) -> str:
    """``value`` as a user can write it in a YAML file between quotes: double quotes unless it
    holds one, else single quotes (an apostrophe doubled)."""
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def clip(value: object, most: int = MAX_QUOTED, *, keep_end: bool = False) -> str:
    """The user's value as a message repeats it: whole when short, else its start and an ellipsis
    (with ``keep_end``, an ellipsis and its end: what matters in a path is the file's name)."""
    text = str(value)
    if len(text) <= most:
        return text
    return "…" + text[1 - most :] if keep_end else text[: most - 1] + "…"


def _clip_quoted(message: str, given: Any) -> str:
    """``message`` with every long piece of the user's value (``given``) that it repeats cut short."""
    for piece in sorted(_texts_in(given), key=len, reverse=True):
        if len(piece) > MAX_QUOTED and piece in message:
            message = message.replace(piece, clip(piece))
    return message


def _texts_in(value: Any, depth: int = 0) -> list[str]:
    """The texts (and numbers, as written) inside a value, a few levels deep."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(value)]
    if depth > 3:
        return []
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts_in(item, depth + 1)]
    if isinstance(value, list):
        return [text for item in value for text in _texts_in(item, depth + 1)]
    return []


def _surrogate_at(given: Any) -> int:
    """The position (from 1) of the first lone surrogate in ``given``; 0 when there is none or it is unknown."""
    if isinstance(given, str):
        for index, character in enumerate(given):
            if 0xD800 <= ord(character) <= 0xDFFF:
                return index + 1
    return 0


def _choices(expected: str) -> str:
    """pydantic's "'skip', 'post' or 'hold'" with the active language's "or"."""
    items, sep, last = expected.rpartition(" or ")
    if not sep:
        return expected
    return _("{items} or {last}").format(items=items, last=last)


def _describe(value: Any) -> str:
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return _("the boolean {value}").format(value=str(value).lower())
    if isinstance(value, int | float):
        return _("the number {value}").format(value=clip(value))
    if isinstance(value, dict):
        return _("a mapping")
    if isinstance(value, list):
        return _("a list")
    return _("'{value}'").format(value=clip(value))
