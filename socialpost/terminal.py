"""Text from outside (campaign files, networks' answers, inbox comments) made safe to print.

A terminal obeys control characters: ``ESC ] 0 ; … BEL`` retitles the window, ``ESC [ 1 A
ESC [ 2 K`` moves up and erases the line that showed an error, a bare ``CR`` writes over it, and
bidirectional overrides (U+202E…) show text in another order than it is stored. So every C0
control but newline and tab, DEL, every C1 control (U+0080–U+009F) and the bidi embeddings,
overrides and isolates (U+202A–U+202E, U+2066–U+2069) are shown as visible escapes (``\\x1b``,
``\\x9b``, ``\\u202e``), never dropped silently: the reader sees that something was there.

Applied where text reaches a terminal (``socialpost.cli.render``: rich output and messages; the
log formatters of ``socialpost.logs``). JSON output keeps the exact text: JSON escapes C0
controls itself, and :func:`json_safe` escapes the rest, which reads back to the same string.
"""

from __future__ import annotations

import re

# Control characters, DEL, C1 controls and the bidi controls that can disguise text. A newline, a
# tab and CR LF (a line end in CSV and HTTP) are left alone unless a single line is asked for.
_UNSAFE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
UNSAFE = re.compile(f"\r(?!\n)|[{_UNSAFE}]")
_UNSAFE_OR_BREAK = re.compile(f"[\t\n\r{_UNSAFE}]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # what json.dumps leaves raw

_C0 = (
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
    "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
)  # fmt: skip
_C1 = (
    "PAD", "HOP", "BPH", "NBH", "IND", "NEL", "SSA", "ESA", "HTS", "HTJ", "VTS", "PLD", "PLU", "RI", "SS2",
    "SS3", "DCS", "PU1", "PU2", "STS", "CCH", "MW", "SPA", "EPA", "SOS", "SGCI", "SCI", "CSI", "ST", "OSC",
    "PM", "APC",
)  # fmt: skip
_BIDI = {0x202A: "LRE", 0x202B: "RLE", 0x202C: "PDF", 0x202D: "LRO", 0x202E: "RLO"}
_BIDI |= {0x2066: "LRI", 0x2067: "RLI", 0x2068: "FSI", 0x2069: "PDI"}


def visible(char: str) -> str:
    """How a control character is shown: ``\\x1b``, ``\\x9b``, ``\\u202e``."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _shown(match: re.Match[str]) -> str:
    return "".join(visible(char) for char in match.group())


def has_unsafe(text: str) -> bool:
    """True when ``text`` holds a character :func:`printable` would change (newline and tab aside)."""
    return UNSAFE.search(text) is not None


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control character that could act on a terminal shown as a visible
    escape. With ``newlines=False``, newlines, CR LF and tabs are escaped too (one line guaranteed)."""
    return (UNSAFE if newlines else _UNSAFE_OR_BREAK).sub(_shown, text)


def json_safe(text: str) -> str:
    """A JSON document with the characters ``json.dumps(ensure_ascii=False)`` leaves raw (DEL, C1,
    bidi controls) written as ``\\uXXXX`` escapes: the same strings once read back, nothing that
    acts on a terminal when printed. (Outside strings, JSON is ASCII, so only strings change.)"""
    if _JSON_UNSAFE.search(text) is None:
        return text
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def describe(char: str) -> str:
    """``U+001B ESC``, ``U+009B CSI``, ``U+202E RLO``: how messages name a control character."""
    code = ord(char)
    if code < 0x20:
        name = _C0[code]
    elif code == 0x7F:
        name = "DEL"
    elif 0x80 <= code <= 0x9F:
        name = _C1[code - 0x80]
    else:
        name = _BIDI.get(code, "")
    return f"U+{code:04X} {name}".rstrip()
