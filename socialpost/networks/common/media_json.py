"""How a media file is described in the JSON a sink writes or sends (the outbox's post files, the
webhook's request body): the same keys, in the same order, everywhere."""

from __future__ import annotations

from typing import Any

from socialpost.networks.base import Media
from socialpost.networks.common.files import MediaFacts


def described(media: Media, facts: MediaFacts) -> dict[str, Any]:
    """``media`` as the campaign gave it (file, alt) and what its bytes are (name, type, size,
    sha256); the caller adds where the bytes went (``copy``, ``data`` or ``url``)."""
    return {
        "file": media.file,
        "alt": media.alt,
        "name": facts.name,
        "type": facts.type,
        "size": facts.size,
        "sha256": facts.sha256,
    }
