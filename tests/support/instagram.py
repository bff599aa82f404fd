"""Instagram test pieces shared by tests/test_network_instagram.py and the contract harness: a real
web server publishing a folder (the user's own media host), JPEG and MP4 bytes, and an adapter made
against tests/servers/instagram.py on a real socket."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(i % 251 for i in range(4000))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(300)
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(i % 253 for i in range(6000))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def web_folder(root: Path) -> Iterator[tuple[Path, str]]:
    """A real web server publishing ``root/media`` (what nginx or Caddy does for the user)."""
    folder = root / "media"
    folder.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}/media"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
