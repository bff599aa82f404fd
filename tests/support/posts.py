"""One post to publish, for any network's tests and the contract suite (each network's test file
wraps it with its own account and defaults)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socialpost.networks.base import OutgoingPost
from tests.conftest import START


def outgoing(account: str, text: str = "Bonjour ☕", *, due_at: datetime = START, **more: Any) -> OutgoingPost:
    """A post of ``account`` (``network:name``) due at ``due_at``; ``more`` sets any other field
    (``key``, ``thread``, ``media``, ``extra``…)."""
    values: dict[str, Any] = {
        "key": "sp-0123456789abcdef",
        "campaign": "spring",
        "post_id": "teaser",
        "account": account,
        "text": text,
        "due_at": due_at,
    }
    values.update(more)
    return OutgoingPost(**values)
