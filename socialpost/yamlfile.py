"""Load YAML files keeping the position of every key and value, and report problems by position.

PyYAML's own loaders lose positions, silently keep the last of two duplicate keys and apply YAML
1.1's surprising implicit types (``no`` → False, ``12:30`` → 750, ``2026-03-02`` → a date). This
loader composes the node tree itself and builds plain Python values with a small, predictable
set of implicit types (YAML 1.2 core: null, true/false, integers, floats); everything else stays
text. Keys are always text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from socialpost.errors import CampaignError, Problem

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


def _fail(shown: str, message: str, line: int = 0, column: int = 0) -> CampaignError:
    return CampaignError([Problem(shown, line, column, message)])


def read_text(path: Path, *, what: str = "file") -> str:
    """Read a user's text file, turning every way it can be unreadable into a located error."""
    shown = str(path)
    denied = "permission denied. Fix: make the file readable (chmod u+r) or run as its owner."
    try:
        if path.is_dir():
            raise _fail(shown, f"this is a folder, not a {what}. Fix: give the path of a .yaml file.")
        size = path.stat().st_size
    except FileNotFoundError:
        raise _fail(shown, "no such file. Fix: check the path and the current folder.") from None
    except PermissionError:
        raise _fail(shown, denied) from None
    except OSError as exc:
        raise _fail(shown, f"cannot read the file ({exc.strerror}).") from None
    if size > MAX_FILE_BYTES:
        raise _fail(
            shown,
            f"the file is {size / 1_048_576:.0f} MB; a {what} may be at most "
            f"{MAX_FILE_BYTES // 1_048_576} MB. Fix: split it into several files.",
        )
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise _fail(shown, denied) from None
    except OSError as exc:
        raise _fail(shown, f"cannot read the file ({exc.strerror}).") from None
    if b"\x00" in raw:
        raise _fail(shown, f"this is a binary file, not a YAML {what}. Fix: check the file name.", 1, 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(
            shown,
            "the file is not UTF-8 text. Fix: save it as UTF-8 in your editor "
            "(most editors call it 'UTF-8' or 'Unicode').",
            line,
            column,
        ) from None


def load_yaml(path: Path, *, what: str = "file", text: str | None = None) -> YamlDocument:
    """Parse one YAML document from ``path`` (or ``text``) keeping positions.

    Raises :class:`CampaignError` (each problem with ``file:line:column`` where there is one) for
    unreadable files, YAML syntax errors and duplicate keys.
    """
    shown = str(path)
    if text is None:
        text = read_text(path, what=what)
    empty = f"the {what} is empty. Fix: see the README for an example."
    if not text.strip():
        raise _fail(shown, empty, 1, 1)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(shown, exc) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises only marked errors on text
        raise _fail(shown, f"not valid YAML ({exc}).") from None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise _fail(shown, empty, 1, 1)
    if len(nodes) > 1:
        line, column = _pos(nodes[1])
        raise _fail(
            shown,
            f"the {what} holds several YAML documents (separated by '---'). Fix: keep one document per file.",
            line,
            column,
        )
    doc = YamlDocument(shown, None)
    problems: list[Problem] = []
    try:
        doc.data = _build(nodes[0], (), doc, problems)
    except yaml.MarkedYAMLError as exc:  # a broken '<<' merge key
        raise _syntax_error(shown, exc) from None
    if problems:
        raise CampaignError(problems)
    return doc


def _syntax_error(shown: str, exc: yaml.MarkedYAMLError) -> CampaignError:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    problem = exc.problem or "invalid YAML"
    if "\\t" in problem:
        message = (
            "a tab character; YAML indentation must use spaces. "
            "Fix: replace the tabs with spaces (most editors have 'convert indentation to spaces')."
        )
    elif "mapping values are not allowed" in problem:
        message = (
            "a ':' here starts a key where none is allowed. Fix: put quotes around text "
            "that contains ': ', or check the indentation of this line."
        )
    elif "expected <block end>" in problem or "did not find expected key" in problem:
        message = f"the indentation does not line up ({problem}). Fix: align this line with its siblings."
    else:
        context = f" {exc.context}" if exc.context else ""
        message = f"invalid YAML: {problem}{context}. Fix: check quotes, colons and indentation on this line."
    return _fail(shown, message, line, column)


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node: yaml.Node, path: Path_, doc: YamlDocument, problems: list[Problem]) -> Any:
    doc.value_positions[path] = _pos(node)
    if node.tag not in _PLAIN_TAGS:
        line, column = _pos(node)
        problems.append(
            Problem(doc.path, line, column, f"YAML tag '{node.tag}' is not supported here. Fix: remove the tag.")
        )
        return None
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, doc, problems)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), doc, problems) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    value: str = node.value
    if node.tag == "tag:yaml.org,2002:null":
        return None
    if node.tag == "tag:yaml.org,2002:bool":
        return value.lower() == "true"
    if node.tag == "tag:yaml.org,2002:int":
        return int(value)
    if node.tag == "tag:yaml.org,2002:float":
        lowered = value.lower()
        if lowered.endswith("inf"):
            return float("-inf") if lowered.startswith("-") else float("inf")
        if lowered == ".nan":
            return float("nan")
        return float(value)
    return value


def _build_mapping(node: yaml.MappingNode, path: Path_, doc: YamlDocument, problems: list[Problem]) -> dict[str, Any]:
    _Loader.flatten_mapping(_FLATTENER, node)  # resolve '<<' merge keys
    result: dict[str, Any] = {}
    first_seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        line, column = _pos(key_node)
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(Problem(doc.path, line, column, "a key must be plain text, not a list or mapping."))
            continue
        key = str(key_node.value)
        if key in first_seen:
            problems.append(
                Problem(
                    doc.path,
                    line,
                    column,
                    f"duplicate key '{key}' (first written on line {first_seen[key]}); YAML would "
                    "silently keep only the last one. Fix: remove or rename one of them.",
                )
            )
            continue
        first_seen[key] = line
        doc.key_positions[(*path, key)] = (line, column)
        result[key] = _build(value_node, (*path, key), doc, problems)
    return result


_FLATTENER = _Loader("")


def suggest(word: str, choices: Iterable[str]) -> str:
    """' Did you mean 'x'?' when a close match exists, else ''."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{matches[0]}'?" if matches else ""


def pydantic_problems(
    doc: YamlDocument,
    errors: list[dict[str, Any]],
    *,
    fields_at: Callable[[tuple[str | int, ...]], list[str]] | None = None,
    prefix: Path_ = (),
) -> list[Problem]:
    """Turn pydantic's ``ValidationError.errors()`` into positioned, plain-words problems."""
    problems: list[Problem] = []
    for err in errors:
        loc: Path_ = (*prefix, *(p for p in err["loc"] if isinstance(p, int | str) and "[" not in str(p)))
        kind = err["type"]
        if kind == "extra_forbidden":
            name = str(loc[-1])
            allowed = fields_at(loc[len(prefix) : -1]) if fields_at else []
            hint = suggest(name, allowed)
            known = f" Allowed here: {', '.join(allowed)}." if allowed and not hint else ""
            problems.append(doc.problem(loc, f"unknown key '{name}'.{hint}{known}", key=True))
        elif kind == "missing":
            problems.append(doc.problem(loc[:-1], f"missing required key '{loc[-1]}'."))
        else:
            message = str(err["msg"])
            for noise in ("Value error, ", "Assertion failed, "):
                message = message.removeprefix(noise)
            name = str(loc[-1]) if loc and isinstance(loc[-1], str) else ""
            where = f"'{name}': " if name else ""
            problems.append(doc.problem(loc, f"{where}{_friendly(kind, message, err.get('input'))}"))
    # One error per position is enough; pydantic reports every union branch.
    seen: set[tuple[int, int, str]] = set()
    unique = []
    for p in problems:
        marker = (p.line, p.column, p.message)
        if marker not in seen:
            seen.add(marker)
            unique.append(p)
    return unique


def _friendly(kind: str, message: str, given: Any) -> str:
    if kind in {"string_type", "str_type"}:
        return f"expected text, got {_describe(given)}. Fix: put the value in quotes."
    if kind in {"list_type"}:
        return f"expected a list, got {_describe(given)}. Fix: write it as [a, b] or as '- ' lines."
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"expected a mapping of keys, got {_describe(given)}."
    if kind in {"int_type", "int_parsing"}:
        return f"expected a whole number, got {_describe(given)}."
    if kind in {"bool_type", "bool_parsing"}:
        return f"expected true or false, got {_describe(given)}."
    if kind == "string_too_short":
        return "must not be empty."
    if kind == "too_short":
        return message[:1].lower() + message[1:] + "."
    return message[:1].lower() + message[1:] + ("" if message.endswith(".") else ".")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"'{value}'"
