"""Publishing to the outbox: the post's media copied beside it, then its JSON file written whole,
then the feed regenerated, all under the folder's lock; reconcile finds the file again."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from socialpost.errors import MediaRefused, PermanentError
from socialpost.i18n import _
from socialpost.media import MediaRoots
from socialpost.networks.base import Network, NotSent, OutgoingPost, Published
from socialpost.networks.common import files
from socialpost.networks.common.media_json import described
from socialpost.networks.outbox.feed import write_feed
from socialpost.networks.outbox.posts import UNSAFE, find_post, folder_error, post_path
from socialpost.networks.outbox.settings import OutboxSettings
from socialpost.privatefiles import locked
from socialpost.timeutil import iso_utc


class OutboxWriter(Network):
    """Writes posts into the outbox folder (the adapter's publish and reconcile)."""

    settings: OutboxSettings

    @property
    def folder(self) -> Path:
        if self.settings.folder:
            path = Path(self.settings.folder).expanduser()
            return path if path.is_absolute() else self.context.base_dir / path
        name = UNSAFE.sub("_", self.account.split(":", 1)[1])
        # "." and ".." (or a hidden name) must not climb out of, or hide in, the outbox folder
        return self.context.data_dir / "outbox" / (f"_{name}" if not name or name.startswith(".") else name)

    def publish(self, post: OutgoingPost) -> Published:
        path = post_path(self.folder, post)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # One writer at a time per folder (threads and processes): two daemons publishing the
            # same post cannot both write it, and the feed is regenerated from a complete folder.
            with locked(self.folder / ".feed"):  # on .feed.lock
                existing = find_post(self.folder, post)
                if existing is None:
                    # a post already written stays written; a new one goes only with all its media,
                    # copied beside it first: its JSON file is what says it was published
                    media = self._copy_media(post, path)
                    document = {**post.as_json(), "media": media, "published_at": iso_utc(self.context.clock())}
                    files.atomic_write(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
                    existing = path
                write_feed(self.folder, title=self._feed_title, account=self.account, now=self.context.clock())
        except OSError as exc:
            raise folder_error(exc, path.parent) from exc
        except UnicodeEncodeError as exc:  # a lone surrogate in the text cannot be stored as UTF-8
            raise PermanentError(
                _("the post cannot be written to the outbox: its text is not valid Unicode ({reason}).").format(
                    reason=exc.reason
                ),
                hint=_("Retype the characters around it in the campaign file."),
            ) from None
        return Published(remote_id=existing.name, url=existing.resolve().as_uri())

    def _copy_media(self, post: OutgoingPost, path: Path) -> list[dict[str, Any]]:
        """Copy each media file of ``post`` beside its JSON file ``path`` (``<its name>.<n>.<ext>``:
        the JSON file's name is the post's own, so two posts never share a copy) and describe it,
        with the copy's path relative to the outbox folder (``copy``)."""
        roots = self._check_media(post)
        found = []
        for number, media in enumerate(post.media, start=1):
            try:
                facts, copy = files.copy_media(roots, media.file, path.parent, _named(f"{path.stem}.{number}"))
            except MediaRefused as exc:  # changed since the check a moment ago
                raise self._refused(post, exc) from None
            found.append({**described(media, facts), "copy": copy.relative_to(self.folder).as_posix()})
        return found

    def _check_media(self, post: OutgoingPost) -> MediaRoots:
        """Every media file of ``post`` can be used, as a real network needs it to be: the outbox
        stands in for one, so it must not report a post sent without its image."""
        try:
            return MediaRoots.checked(post, self.context)
        except MediaRefused as exc:
            raise self._refused(post, exc) from None

    @staticmethod
    def _refused(post: OutgoingPost, exc: MediaRefused) -> MediaRefused:
        """The neutral refusal, saying that nothing was written and how to send the post again."""
        shown = f"{post.post_id}@{post.occurrence}" if post.occurrence else post.post_id
        ref = shlex.quote(f"{post.campaign}/{shown}@{post.account}")
        return MediaRefused(
            _("{reason} Nothing was written to the outbox.").format(reason=exc.message),
            hint=_("Put the file back at that path, then run: socialpost retry {ref}").format(ref=ref),
        )

    def reconcile(self, post: OutgoingPost) -> Published | NotSent:
        existing = find_post(self.folder, post)
        if existing is not None:
            return Published(remote_id=existing.name, url=existing.resolve().as_uri())
        return NotSent(_("{file} is not in the outbox").format(file=post_path(self.folder, post).name))

    @property
    def _feed_title(self) -> str:
        return self.settings.feed_title or f"socialpost outbox: {self.account}"


def _named(stem: str) -> Callable[[files.MediaFacts], str]:
    """A copy's name: ``stem`` and the extension of the file's type."""
    return lambda facts: f"{stem}{facts.extension}"
