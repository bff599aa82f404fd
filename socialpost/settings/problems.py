"""pydantic's validation errors as positioned problems in plain words, each with its fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialpost.errors import Problem
from socialpost.i18n import N_, _, ngettext
from socialpost.settings.closest import closest
from socialpost.settings.quoting import MAX_QUOTED, clip
from socialpost.settings.yaml_document import Path_, YamlDocument


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
            match = closest(name, allowed)
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
