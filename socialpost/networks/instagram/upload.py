"""Videos sent to Meta's servers by the resumable upload, with Facebook Login for Business.

developers.facebook.com/docs/instagram-platform/content-publishing/resumable-uploads: "available
only for apps that have implemented Facebook Login for Business". The container is created with
``upload_type=resumable`` (no ``video_url``; ``media_type`` REELS, STORIES, or VIDEO for a carousel
item) and answers ``{"id", "uri"}``; the bytes then go in a ``POST`` to
``rupload.facebook.com/ig-api-upload/{version}/{container-id}`` with the headers
``Authorization: OAuth <token>``, ``offset`` and ``file_size``; the container is then waited for
and published like any other. So a video needs no media host, and its bytes are never on a public
address. With Instagram Login a video goes through the media host (``video_url``).

The upload always starts at offset 0: a retry after a broken upload sends the whole file again to
the same container (the server takes offset 0 as a fresh start), which is safe — a container is
published once, whatever its bytes' history. The request goes to the configured upload host (never
to the host an answer names: the token must not follow a URL from the network), and upload errors
come in their own shape, ``{"debug_info": {"retriable", "type", "message"}}``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

import httpx

from socialpost.errors import AuthError, NetworkError, PermanentError, TransientError
from socialpost.i18n import _
from socialpost.networks.common.http import classify, transport_error
from socialpost.networks.common.tls import LazyClient, bearer_client
from socialpost.redaction import redact, redact_values

if TYPE_CHECKING:
    from socialpost.networks.instagram.client import GraphClient

CHUNK = 1 << 20  # bytes read from the file at a time while it streams out
EXCERPT = 300


class Rupload:
    """One account's uploads to rupload (see the module)."""

    def __init__(self, call: GraphClient, *, host: str, transport: httpx.BaseTransport | None = None) -> None:
        self.call = call
        self._client = LazyClient(lambda: bearer_client(host, call.settings.timeout, None, transport))

    def send(self, container_id: str, handle: BinaryIO) -> None:
        """The file behind ``handle`` (from its start) as the bytes of ``container_id``."""
        size = os.fstat(handle.fileno()).st_size
        handle.seek(0)
        token = self.call.tokens.token
        headers = {
            "Authorization": f"OAuth {token}",
            "offset": "0",
            "file_size": str(size),
            "Content-Type": "application/octet-stream",
            "Content-Length": str(size),
        }
        path = f"/ig-api-upload/{self.call.version.current}/{container_id}"
        try:
            response = self._client.get().post(path, content=_chunks(handle), headers=headers)
        except httpx.TransportError as exc:
            raise transport_error(exc, where=self.call.where, timeout=self.call.settings.timeout) from None
        if response.is_error or response.is_redirect:
            raise self._error(response, token)
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("success") is not True:
            raise TransientError(
                _("{where}: Meta's upload server did not confirm the video's upload.").format(where=self.call.where),
                request_sent=True,
            )

    def _error(self, response: httpx.Response, token: str) -> NetworkError:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        info = body.get("debug_info") if isinstance(body, dict) else None
        if not isinstance(info, dict):
            return classify(
                response,
                network="instagram",
                account=self.call.name,
                secrets=[token],
                now=self.call.clock(),
                where=self.call.where,
            )
        words = redact(redact_values(" ".join(str(info.get("message") or "").split()), [token]))[:EXCERPT]
        kind = str(info.get("type") or "")
        said = " " + _("Meta's upload server said: {message} ({kind}).").format(message=words, kind=kind)
        if info.get("retriable") is True or response.status_code >= 500:
            return TransientError(
                _("{where}: the video's upload failed for now.{said}").format(where=self.call.where, said=said),
                status=response.status_code,
                request_sent=True,
            )
        if "auth" in kind.lower() or response.status_code in (401, 403):
            return AuthError(
                _("{where}: Meta's upload server refused the token.{said}").format(where=self.call.where, said=said),
                hint=_("Connect the account again: {command}.").format(command=self.call.reconnect),
                status=response.status_code,
            )
        return PermanentError(
            _("{where}: Meta's upload server refused the video.{said}").format(where=self.call.where, said=said),
            status=response.status_code,
        )

    def close(self) -> None:
        self._client.close()


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk
