"""The media host the config file sets up (application wiring: it reads the settings, which
adapters never do; they get the host through their context)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from socialpost.mediahost import MediaHost

if TYPE_CHECKING:
    from socialpost.settings.config import Settings
    from socialpost.timeutil import Clock


def build(
    settings: Settings, *, clock: Clock | None = None, environ: Mapping[str, str] | None = None
) -> MediaHost | None:
    """The media host the config file sets up, or None when it sets none up. Nothing is imported
    or contacted here: an S3 host loads boto3 and reads its credentials when first used."""
    from socialpost.settings.media_host import FolderHostSettings, S3HostSettings
    from socialpost.timeutil import utcnow

    chosen = settings.media_host
    if chosen is None:
        return None
    now = clock or utcnow
    if isinstance(chosen, S3HostSettings):
        from socialpost.mediahost.s3 import S3Host

        return S3Host(chosen, where=settings.media_host_at, clock=now, environ=environ)
    assert isinstance(chosen, FolderHostSettings)
    from socialpost.mediahost.folder import FolderHost

    return FolderHost(chosen.resolved_folder(settings.base_dir), chosen.base_url, clock=now)
