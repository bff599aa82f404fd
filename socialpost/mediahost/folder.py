"""A folder the user's own web server publishes, as a media host.

Each file is copied into the folder under an unguessable name (readable by the web server) and
its URL is ``base_url`` + that name; :meth:`FolderHost.remove` deletes the copy. The URL works
until then (a web server does not sign URLs), so the name is the only secret: 128 random bits.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from socialpost.errors import PermanentError
from socialpost.i18n import _
from socialpost.mediahost import HostedMedia, hosted_name, media_type
from socialpost.timeutil import Clock


class FolderHost:
    """Copies files into ``folder``, published at ``base_url`` (see the module's docstring)."""

    def __init__(self, folder: Path, base_url: str, *, clock: Clock) -> None:
        self.folder = folder
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.clock = clock

    def publish(self, path: Path, *, key_hint: str, lifetime: timedelta) -> HostedMedia:
        """Copy ``path`` in; its URL works until :meth:`remove` (``lifetime`` needs nothing more)."""
        name = hosted_name(key_hint, media_type(path))
        if not self.folder.is_dir():
            raise PermanentError(
                _("the media host folder {folder} does not exist.").format(folder=self.folder),
                hint=_("Fix: create it (your web server must publish it), or correct folder: under media_host."),
            )
        try:
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".socialpost-", suffix=".part")
            try:
                with os.fdopen(handle, "wb") as out, path.open("rb") as source:
                    shutil.copyfileobj(source, out)
                Path(temporary).chmod(0o644)  # the web server reads it; nobody else writes it
                os.replace(temporary, self.folder / name)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise PermanentError(
                _("cannot copy {name} into the media host folder {folder} ({reason}).").format(
                    name=path.name, folder=self.folder, reason=exc.strerror or exc
                ),
                hint=_("Fix: check that the folder exists and that you may write to it."),
            ) from None
        return HostedMedia(url=self.base_url + quote(name), key=name, expires_at=None)

    def remove(self, hosted: HostedMedia) -> None:
        if "/" in hosted.key or hosted.key in {"", ".", ".."}:
            raise PermanentError(_("'{key}' is not a file of the media host.").format(key=hosted.key))
        try:
            (self.folder / hosted.key).unlink(missing_ok=True)
        except OSError as exc:
            raise PermanentError(
                _("cannot remove {key} from the media host folder {folder} ({reason}).").format(
                    key=hosted.key, folder=self.folder, reason=exc.strerror or exc
                )
            ) from None
