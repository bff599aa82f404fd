"""One TLS context for every HTTP client socialpost creates.

Each ``httpx.Client()`` otherwise builds its own SSL context and loads the certificate bundle
again — about 20 ms of CPU each. With one client per account (1,000 webhook accounts, say) that
was a quarter of the daemon's time; an SSL context is safe to share between clients and threads.
"""

from __future__ import annotations

import ssl
from functools import cache


@cache
def ssl_context() -> ssl.SSLContext:
    """The shared default context (system or certifi certificates, as httpx would choose)."""
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - httpx depends on certifi
        return ssl.create_default_context()
