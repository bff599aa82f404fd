"""Media hosts: where socialpost puts a file so that a network which fetches media by URL
(Instagram, Threads, Google Business Profile) can download it.

A host :meth:`~MediaHost.publish`\\ es a local file under an unguessable name and gives back a URL
the network can fetch without credentials; once the post is confirmed, the adapter calls
:meth:`~MediaHost.remove`. Two hosts are built in, chosen by the ``media_host:`` section of the
config file (:mod:`socialpost.settings.media_host`, docs/media-host.md):

* ``kind: s3`` — an S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2, MinIO) through
  boto3 (the optional extra ``[s3]``), with a presigned GET URL that lives only as
  long as ``url_lifetime`` (:mod:`socialpost.mediahost.s3`);
* ``kind: folder`` — a folder the user's own web server publishes under ``base_url``
  (:mod:`socialpost.mediahost.folder`).

Adapters find the configured host in ``AdapterContext.media_host`` (None when none is set up).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from socialpost.errors import MediaRefused
from socialpost.i18n import _
from socialpost.media import EXTENSIONS, sniff

__all__ = ["HostedMedia", "MediaHost", "hosted_name", "media_type"]

DEFAULT_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class HostedMedia:
    """A file put where a network can fetch it: its public ``url``, the host's ``key`` for it (an
    object key, a file name) and when the URL stops working (None: when it is removed)."""

    url: str
    key: str
    expires_at: datetime | None


class MediaHost(Protocol):
    """Somewhere a network can fetch a file by URL."""

    def publish(self, path: Path, *, key_hint: str, lifetime: timedelta) -> HostedMedia:
        """Put ``path`` on the host under an unguessable name ending with ``key_hint`` made safe
        (a post id: never a folder path), for at least ``lifetime`` (the URL's own lifetime where
        the host signs URLs). Raises a :mod:`socialpost.errors` error: ``MediaRefused`` for a file
        that is no image or video, a ``NetworkError`` when the host refuses or cannot be reached."""
        ...

    def remove(self, hosted: HostedMedia) -> None:
        """Remove the hosted copy (after the network confirmed the post). Removing one that is
        already gone is no error."""
        ...


def media_type(path: Path) -> str:
    """The media type of ``path`` from its first bytes (never from its name)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(32)
    except OSError as exc:
        raise MediaRefused(
            _("cannot read the media file {name} ({reason}).").format(name=path.name, reason=exc.strerror),
            hint=_("Fix: check that the file exists and that you may read it."),
        ) from None
    found = sniff(head)
    if found is None:
        raise MediaRefused(
            _("'{name}' is not an image or video socialpost can post.").format(name=path.name),
            hint=_("Fix: convert it to JPEG, PNG or MP4."),
        )
    return found


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def hosted_name(key_hint: str, content_type: str) -> str:
    """An unguessable file name: 128 random bits, then ``key_hint`` reduced to safe characters
    (at most 40, never a folder: a ``/`` becomes ``-``), then the extension of ``content_type``."""
    hint = _UNSAFE.sub("-", key_hint).strip("-.")[:40].rstrip("-.")
    token = secrets.token_urlsafe(16).replace("_", "x").replace("-", "y")
    stem = f"{token}-{hint}" if hint else token
    return stem + EXTENSIONS.get(content_type, "")
