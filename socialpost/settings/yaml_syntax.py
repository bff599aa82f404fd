"""YAML syntax errors in plain words, at the place the user has to change.

PyYAML reports a problem where its reader gave up, in its own English ("expected <block end>, but
found '?'"), and often one line after the real mistake: a key without its ':' is noticed on the next
line, an unquoted text holding ': ' where the second ':' is. :func:`explain` recognises the mistakes
beginners make (indentation that lines up with nothing, a tab, a missing ':' or a missing space
after it, quotes and brackets left open, a text that starts with a character YAML reserves, a value
that ends early) from PyYAML's error and the text around it, and says what to change, in the user's
language. Only when nothing matches does PyYAML's own text appear, as a technical detail.

Lines and columns are 0-based inside this module (as PyYAML's marks are) and 1-based in its result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml

from socialpost.i18n import _
from socialpost.settings.quoting import quoted

# PyYAML's line breaks (its reader counts lines on each of them, so positions agree)
_BREAKS = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")
_LAYOUT = re.compile(r"(?P<indent> *)(?P<dashes>(?:-(?: +|$))*)(?P<rest>.*)")
# a block key: plain (not starting with an indicator) or quoted, then ':' and a space or the end
_KEY = re.compile(r"(?P<key>'[^']*'|\"[^\"]*\"|[^\s#'\"\[\]{},&*!|>%@`?:-][^#]*?)[ \t]*:(?:[ \t]|$)")
_GLUED = re.compile(r"(?P<word>[^\s:#'\"\[\]{},]+):(?P<after>[^\s:/])")
_CLOSING = {'"': '"', "'": "'", "[": "]", "{": "}"}


@dataclass(frozen=True)
class Explained:
    """Where to point (1-based) and what to say."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class _Row:
    """One line of the file as far as block structure goes."""

    number: int  # 0-based
    text: str
    content: int  # column of the first character that is not a space (len(text) when blank)
    dashes: tuple[int, ...] = ()  # columns of the '- ' list markers that start the line
    key: str | None = None
    key_column: int | None = None
    value: str = ""  # what follows 'key:' on the line (comment excluded), stripped
    rest: str = field(default="")  # the text after the indentation and list markers

    @property
    def blank(self) -> bool:
        stripped = self.text.strip()
        return not stripped or stripped.startswith("#")


def _rows(text: str) -> list[_Row]:
    rows = []
    for number, line in enumerate(_BREAKS.split(text)):
        match = _LAYOUT.fullmatch(line)
        assert match is not None  # the pattern matches any line
        indent = len(match["indent"])
        dashes = tuple(indent + m.start() for m in re.finditer("-", match["dashes"]))
        rest_start = indent + len(match["dashes"])
        rest = match["rest"]
        key = _KEY.match(rest)
        content = len(line) - len(line.lstrip(" ")) if line.strip(" ") else len(line)
        if key:
            value = rest[key.end() :].split(" #", 1)[0].strip()
            rows.append(_Row(number, line, content, dashes, key["key"].strip(), rest_start, value, rest))
        else:
            rows.append(_Row(number, line, content, dashes, rest=rest))
    return rows


def _above(rows: list[_Row], number: int, keep: Callable[[_Row], bool] = lambda row: True) -> _Row | None:
    """The nearest line above ``number`` with content that ``keep`` accepts."""
    for row in reversed(rows[: max(number, 0)]):
        if not row.blank and keep(row):
            return row
    return None


def _at(mark: yaml.Mark, message: str, *, shift: int = 0) -> Explained:
    return Explained(mark.line + 1, mark.column + 1 + shift, message)


def _place(line: int, column: int, message: str) -> Explained:
    return Explained(line + 1, column + 1, message)


def _clip(value: str, most: int = 50) -> str:
    return value if len(value) <= most else value[: most - 1] + "…"


# --- the rules, most specific first -------------------------------------------------------------------------


def _tab(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    if "'\\t'" not in (exc.problem or "") and "tab character" not in (exc.problem or ""):
        return None
    assert exc.problem_mark is not None
    return _at(
        exc.problem_mark,
        _(
            "a tab character; YAML indentation must use spaces. "
            "Fix: replace the tabs with spaces (most editors have 'convert indentation to spaces')."
        ),
    )


_RESERVED = re.compile(r"found character '(?P<char>[@`%|>])' that cannot start any token")


def _reserved_start(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    match = _RESERVED.search(exc.problem or "")
    if match is None or exc.problem_mark is None:
        return None
    return _at(
        exc.problem_mark,
        _(
            "a value cannot start with '{char}' in YAML (the character is reserved). "
            'Fix: put the whole text in quotes, like "{char}…".'
        ).format(char=match["char"]),
    )


def _alias_or_anchor(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    context = exc.context or ""
    if exc.context_mark is None or ("scanning an alias" not in context and "scanning an anchor" not in context):
        return None
    if "alias" in context:
        message = _(
            "a value that starts with '*' is read as a reference to an anchor ('*name'). "
            'Fix: put the whole text in quotes, like "*new* menu".'
        )
    else:
        message = _(
            "a value that starts with '&' is read as the name of an anchor ('&name'). "
            'Fix: put the whole text in quotes, like "& more".'
        )
    return _at(exc.context_mark, message)


def _block_scalar(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    if exc.context_mark is None or "scanning a block scalar" not in (exc.context or ""):
        return None
    return _at(
        exc.context_mark,
        _(
            "after '|' or '>' the text starts on the next line, indented under its key. "
            "Fix: move the text to the next line, or put it in quotes instead of using '|' or '>'."
        ),
    )


_ESCAPE = re.compile(r"found unknown escape character '(?P<char>.*)'")


def _escape(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    match = _ESCAPE.search(exc.problem or "")
    if match is None or exc.problem_mark is None:
        return None
    return _at(
        exc.problem_mark,
        _(
            "'\\{char}' is not an escape YAML knows: between double quotes a backslash starts an escape "
            "such as \\n. Fix: write a backslash as \\\\, or put the text in single quotes instead."
        ).format(char=match["char"]),
        shift=-1,
    )


def _undefined_alias(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    match = re.search(r"found undefined alias '(?P<name>.*)'", exc.problem or "")
    if match is None or exc.problem_mark is None:
        return None
    return _at(
        exc.problem_mark,
        _(
            "undefined alias '{name}': '*{name}' refers to an anchor '&{name}' that is not written above it. "
            "Fix: define '&{name}' earlier in the file, or put the text in quotes if it starts with '*'."
        ).format(name=match["name"]),
    )


def _unclosed(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    """A quote or bracket opened at ``exc.context_mark`` and never closed (PyYAML reports it where
    it ran out of text, or at the next line's ':' for a bracket)."""
    opened = exc.context_mark
    if opened is None:
        return None
    context = exc.context or ""
    problem = exc.problem or ""
    quoted = "quoted scalar" in context
    opening = text[opened.index : opened.index + 1]
    runs_on = (
        "flow" in context
        and problem.startswith("expected ',' or")
        and exc.problem_mark is not None
        and exc.problem_mark.line > opened.line
    )
    if not (_at_end(exc, text) or runs_on or (quoted and "document separator" in problem)):
        return None
    if quoted and opening == '"':
        message = _(
            'the double quote (") that opens here is never closed. '
            'Fix: end the text with " (write \\" for a quote inside it).'
        )
    elif quoted and opening == "'":
        message = _(
            "the single quote (') that opens here is never closed. "
            "Fix: end the text with ' (write '' for an apostrophe inside it)."
        )
    elif "flow" in context and opening in ("[", "{"):
        message = _("the '{opening}' that opens here is never closed. Fix: add the matching '{closing}'.").format(
            opening=opening, closing=_CLOSING[opening]
        )
    else:
        return None
    return _at(opened, message)


def _broken_flow(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    """Inside one line's [ ] or { }: a missing comma, or an item holding ': ' without quotes."""
    opened = exc.context_mark
    if opened is None or "flow" not in (exc.context or "") or not (exc.problem or "").startswith("expected ','"):
        return None
    assert exc.problem_mark is not None
    opening = text[opened.index : opened.index + 1]
    return _at(
        exc.problem_mark,
        _(
            "the list or mapping that opens with '{opening}' at column {column} breaks here: a ',' is missing "
            "between two items, or an item holds ': ' or ', ' without quotes. "
            "Fix: separate the items with ', ' and put such an item in quotes."
        ).format(opening=opening, column=opened.column + 1),
    )


def _glued(row: _Row) -> Explained | None:
    """'id:a' — a key whose ':' has no space after it, so YAML reads the whole as text."""
    if row.key is not None:
        return None
    match = _GLUED.match(row.rest)
    if match is None:
        return None
    start = len(row.text) - len(row.rest)
    word = row.rest[: match.end()] + row.rest[match.end() :].split(" ", 1)[0]
    fixed = f"{match['word']}: {word[len(match['word']) + 1 :]}"
    return _place(
        row.number,
        start + match.end("word"),
        _(
            "'{written}' has no space after ':', so YAML reads it as text, not as a key and its value. "
            "Fix: write '{fixed}'."
        ).format(written=_clip(word), fixed=_clip(fixed)),
    )


def _indented_more(row: _Row, above: _Row) -> Explained:
    assert above.key_column is not None
    return _place(
        row.number,
        row.content,
        _(
            "this line is indented more than '{above}:' on line {line}, so YAML reads it as part of that "
            "value. Fix: line up '{key}' with '{above}:' (column {column})."
        ).format(
            above=_clip(str(above.key)),
            line=above.number + 1,
            key=_clip(f"{row.key}:" if row.key else row.rest),
            column=above.key_column + 1,
        ),
    )


def _colon(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    if "mapping values are not allowed" not in (exc.problem or "") or exc.problem_mark is None:
        return None
    mark = exc.problem_mark
    row = rows[mark.line]
    if row.key is not None and row.key_column is not None and row.key_column + len(row.key) < mark.column:
        # a second ': ' on the line of a key: the value is a text holding ': '
        return _at(
            mark,
            _(
                "the value of '{key}' holds ': ', which YAML reads as the start of another key. "
                "Fix: put the whole value in quotes: {key}: {quoted}"
            ).format(key=_clip(row.key), quoted=_clip(quoted(row.value), 70)),
        )
    above = _above(rows, mark.line)
    if above is not None:
        glued = _glued(above)
        if glued is not None:
            return glued
        if above.key_column is not None and row.content > above.key_column:
            return _indented_more(row, above)
    return _at(
        mark,
        _(
            "a ':' here starts a key where none is allowed. Fix: put quotes around text "
            "that contains ': ', or check the indentation of this line."
        ),
    )


def _missing_colon(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    if "could not find expected ':'" not in (exc.problem or "") or exc.context_mark is None:
        return None
    row = rows[exc.context_mark.line]
    glued = _glued(row)
    if glued is not None:
        return glued
    written = row.rest.split(" #", 1)[0].strip()
    key, _space, value = written.partition(" ")
    return _at(
        exc.context_mark,
        _("'{written}' has no ':' between the key and its value. Fix: write '{fixed}'.").format(
            written=_clip(written), fixed=_clip(f"{key}: {value.strip()}" if value else f"{key}:")
        ),
    )


def _token_before(text: str, index: int) -> tuple[yaml.Token | None, yaml.Token | None]:
    """The token that ends just before ``index`` and, when it closes a '[' or '{', the token that
    opened it (PyYAML's scanner, run again up to the error)."""
    previous: yaml.Token | None = None
    opened: list[yaml.Token] = []
    start: yaml.Token | None = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= index:
                break
            if isinstance(token, yaml.FlowSequenceStartToken | yaml.FlowMappingStartToken):
                opened.append(token)
            elif isinstance(token, yaml.FlowSequenceEndToken | yaml.FlowMappingEndToken):
                start = opened.pop() if opened else None
            previous = token
    except yaml.YAMLError:
        pass
    closing = isinstance(previous, yaml.FlowSequenceEndToken | yaml.FlowMappingEndToken)
    return previous, start if closing else None


def _ends_early(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    """A value that ends before the line does: a quoted text with more after its closing quote,
    or a text starting with '[' or '{' read as a list or mapping."""
    problem = exc.problem or ""
    mark = exc.problem_mark
    if mark is None or not problem.startswith("expected <block end>, but found"):
        return None
    previous, opened = _token_before(text, mark.index)
    if previous is None or previous.end_mark.line != mark.line:
        return None  # nothing left over on the value's line: an indentation problem
    if isinstance(previous, yaml.ScalarToken) and previous.style in ('"', "'"):
        closed_at = previous.end_mark
        args = {"line": closed_at.line + 1, "column": closed_at.column}
        if previous.style == "'":
            message = _(
                "the text in single quotes that opens here ends at the next ' (line {line}, column {column}) "
                "and more follows it. Fix: write an apostrophe inside single quotes as '' (two single quotes), "
                "or put the whole text in double quotes."
            )
        else:
            message = _(
                'the text in double quotes that opens here ends at the next " (line {line}, column {column}) '
                'and more follows it. Fix: write a quote inside the text as \\" (or put the whole text in single '
                "quotes), and close the quote where the text ends."
            )
        return _at(previous.start_mark, message.format(**args))
    if opened is not None:
        row = rows[opened.start_mark.line]
        value = row.text[opened.start_mark.column :].split(" #", 1)[0].strip()
        return _at(
            opened.start_mark,
            _(
                "a value that starts with '[' is read as a list, and one that starts with '{{' as a mapping, "
                "so the text after its closing bracket is left over. Fix: put the whole text in quotes: {quoted}"
            ).format(quoted=_clip(quoted(value), 70)),
        )
    return None


def _misindented(exc: yaml.MarkedYAMLError, rows: list[_Row], text: str) -> Explained | None:
    """A key or list item whose indentation lines up with nothing above it."""
    problem = exc.problem or ""
    mark = exc.problem_mark
    if mark is None or not problem.startswith("expected <block end>, but found"):
        return None
    row = rows[mark.line]
    if mark.column != row.content:
        return None
    if row.dashes and row.dashes[0] == mark.column:
        item = _above(rows, mark.line, lambda r: bool(r.dashes))
        if item is not None:
            return _at(
                mark,
                _(
                    "this list item's '-' lines up with no list above it. "
                    "Fix: line up its '-' with the '-' on line {line} (column {column})."
                ).format(line=item.number + 1, column=item.dashes[0] + 1),
            )
        above = _above(rows, mark.line)
        if above is not None and above.key is not None and above.value:
            return _at(
                mark,
                _(
                    "a list item ('- ') here, but '{key}:' on line {line} already has a value after it. "
                    "Fix: leave nothing after '{key}:' and write each item on its own '- ' line, indented under it."
                ).format(key=_clip(above.key), line=above.number + 1),
            )
        return None
    above = _above(rows, mark.line, lambda r: r.key_column is not None)
    if above is None or above.key_column is None or row.key is None:
        return None
    return _at(
        mark,
        _(
            "this line's indentation lines up with no key above it. "
            "Fix: line up '{key}:' with '{above}:' on line {line} (column {column})."
        ).format(key=_clip(row.key), above=_clip(str(above.key)), line=above.number + 1, column=above.key_column + 1),
    )


_RULES = (
    _unclosed,
    _tab,
    _reserved_start,
    _alias_or_anchor,
    _block_scalar,
    _escape,
    _undefined_alias,
    _broken_flow,
    _colon,
    _missing_colon,
    _ends_early,
    _misindented,
)


def explain(exc: yaml.MarkedYAMLError, text: str) -> Explained:
    """The position of the user's mistake and what to do, for a PyYAML (pure-Python) error."""
    rows = _rows(text)
    for rule in _RULES:
        try:
            found = rule(exc, rows, text)
        except (IndexError, AssertionError):  # a mark past the last line: let the next rule try
            continue
        if found is not None:
            return found
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and _at_end(exc, text):
        mark = exc.context_mark  # where what PyYAML was reading opens, not a line that may not exist
    detail = (exc.problem or "invalid YAML") + (f" ({exc.context})" if exc.context else "")
    message = _(
        "this is not valid YAML. Fix: check the quotes, colons and indentation on this line. "
        "Technical detail from the YAML reader, in English: {detail}"
    ).format(detail=detail)
    return Explained(mark.line + 1, mark.column + 1, message) if mark else Explained(0, 0, message)


def _at_end(exc: yaml.MarkedYAMLError, text: str) -> bool:
    """Whether PyYAML found its problem at the end of the text (nothing but blanks after it)."""
    problem = exc.problem or ""
    if "end of stream" in problem or "<stream end>" in problem:
        return True
    found = exc.problem_mark
    return found is not None and not text[found.index :].strip()
