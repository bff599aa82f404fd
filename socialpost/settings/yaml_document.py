"""A YAML document's plain data with the position of every key and value, and where a character
inside a value is written (escapes in double-quoted scalars decoded: YAML 1.2, 5.7)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from socialpost.errors import Problem

Path_ = tuple[str | int, ...]


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
