"""Reading a user's text file: every way it can be unreadable (missing, a folder, a device, too
big, binary, not UTF-8) turned into a located error with its fix."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from socialpost.errors import CampaignError, Problem
from socialpost.i18n import _

MAX_FILE_BYTES = 20 * 1024 * 1024


def file_error(shown: str, message: str, line: int = 0, column: int = 0) -> CampaignError:
    """One problem in the file ``shown`` (line and column 0: the file as a whole)."""
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
        raise file_error(shown, path_problem(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise file_error(
            shown, _("this is a folder, not a {what}. Fix: give the path of a .yaml file.").format(what=what)
        )
    if not stat.S_ISREG(info.st_mode):
        raise file_error(shown, _not_regular(what))
    if info.st_size > MAX_FILE_BYTES:
        raise file_error(shown, _too_big(info.st_size, what))
    try:
        raw = _read_at_most(path, MAX_FILE_BYTES + 1)
    except _NotRegular:
        raise file_error(shown, _not_regular(what)) from None
    except (OSError, ValueError) as exc:
        raise file_error(shown, path_problem(exc)) from None
    if len(raw) > MAX_FILE_BYTES:  # it grew since it was measured
        raise file_error(shown, _too_big(len(raw), what))
    if b"\x00" in raw:
        raise file_error(
            shown, _("this is a binary file, not a YAML {what}. Fix: check the file name.").format(what=what), 1, 1
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        # the column in characters, as editors count it (the bytes before are valid UTF-8)
        column = len(raw[line_start : exc.start].decode("utf-8-sig" if line_start == 0 else "utf-8")) + 1
        raise file_error(
            shown,
            _(
                "the file is not UTF-8 text. Fix: save it as UTF-8 in your editor "
                "(most editors call it 'UTF-8' or 'Unicode')."
            ),
            line,
            column,
        ) from None
