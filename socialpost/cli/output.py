"""Files the commands write for the user (`report --html FILE`, `schema -o FILE`)."""

from __future__ import annotations

import os
from pathlib import Path

from socialpost.errors import SocialpostError, UsageError
from socialpost.i18n import _
from socialpost.privatefiles import PRIVATE_FILE, PUBLIC_FILE, write_atomic
from socialpost.redaction import redact


def write_text_file(name: str, text: str, *, option: str, private: bool = False) -> Path:
    """Write ``text`` (registered secrets blanked) to the file the user named with ``option``, whole
    or not at all (a temporary file beside it, then renamed). A name that cannot be a file is a
    usage error (exit 2) said before anything is written; a failure while writing is an
    operational one (exit 1). ``private``: readable by the user only (0600), for a copy of the queue."""
    if not name.strip() or name.endswith(os.sep):
        raise UsageError(
            _("{option} needs a file name, not {name}. Fix: write it like {option} report.html.").format(
                option=option, name=repr(name)
            )
        )
    path = Path(name).expanduser()
    if path.is_dir():
        raise UsageError(
            _("{option} {path} is a folder. Fix: name a file in it, e.g. {example}.").format(
                option=option, path=path, example=path / "report.html"
            )
        )
    if not path.parent.is_dir():
        raise UsageError(
            _(
                "{option} {path}: the folder {folder} does not exist. Fix: create it first, or name a file elsewhere."
            ).format(option=option, path=path, folder=path.parent)
        )
    try:  # a report holds networks' words: no secret in it
        write_atomic(path, redact(text), mode=PRIVATE_FILE if private else PUBLIC_FILE)
    except OSError as exc:
        raise SocialpostError(
            _("could not write {path}: {error}").format(path=path, error=exc.strerror or exc),
            hint=_("Check that the folder is writable and the disk is not full."),
        ) from None
    return path
