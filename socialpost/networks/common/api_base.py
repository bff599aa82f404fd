"""An ``api_base`` setting (a network's API host, for a proxy or a test server), said once."""

from __future__ import annotations

from socialpost.i18n import _

LOOPBACK = ("http://127.0.0.1", "http://localhost")  # plain http only to this machine (a test server)


def api_base_setting(value: str) -> str:
    """``value`` without its trailing slash; ValueError unless it is https (or plain http to loopback)."""
    if not value.startswith(("https://", *LOOPBACK)):
        raise ValueError(_("api_base must be an https:// URL"))
    return value.rstrip("/")
