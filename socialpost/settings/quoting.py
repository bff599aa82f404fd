"""How a message repeats the user's value: quoted as YAML would take it back, clipped when long."""

from __future__ import annotations

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
