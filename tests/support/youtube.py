"""YouTube's Data API v3 and Google's token endpoint as a strict, stateful LocalServer responder.

    youtube = FakeYouTube(client_id=…, client_secret=…, refresh_token=…, access_token=…)
    with LocalServer() as server:
        youtube.url = server.url
        server.respond(youtube)     # settings: base_url=server.url, token_url=server.url + "/token"
        ... publish through the real adapter (google-api-python-client, httplib2, google-auth) ...
    assert youtube.violations == []

What it enforces, as Google does (error bodies in Google's shape):

* ``POST /token`` renews the access token only for the known client and refresh token
  (``invalid_grant`` otherwise); every API call needs ``Authorization: Bearer`` with it (401);
* every API request conforms to YouTube's discovery document (``tests.support.discovery``: the
  method, its query parameters and ``part``, its body), else 400 and a violation recorded;
* ``videos.insert`` is a resumable upload: the first request gives a session ``Location``, the
  ``PUT`` requests must carry the bytes in order (``Content-Range``), the last one creates the
  video; ``videos.list`` gives each video's ``statistics`` (none for ``hidden`` ids).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.discovery import Discovery
from tests.support.http import Reply, Request

YOUTUBE = Discovery.bundled("youtube", "v3")
UPLOAD = "/upload/youtube/v3/videos"


def error_body(code: int, reason: str, message: str, domain: str = "global") -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
        }
    }


class FakeYouTube:
    def __init__(self, *, client_id: str, client_secret: str, refresh_token: str, access_token: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.access_token = access_token
        self.url = ""
        self.videos: dict[str, dict[str, Any]] = {}
        self.hidden: set[str] = set()
        self.violations: list[str] = []
        self._sessions: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self._lock:
            return self._answer(request)

    def _answer(self, request: Request) -> Reply:
        path = urlsplit(request.path).path
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
        headers = {k.lower(): v for k, v in request.headers.items()}
        if request.method == "POST" and path == "/token":
            return self._token(request)
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return Reply(401, error_body(401, "authError", "Request had invalid authentication credentials."))
        session = query.get("upload_id")
        if request.method == "PUT" and path == UPLOAD and session:
            return self._chunk(session, headers, request.body)
        problems = YOUTUBE.violations(
            request.method, "https://www.googleapis.com" + request.path, headers, request.body
        )
        if problems:
            self.violations += problems
            return Reply(400, error_body(400, "badRequest", "; ".join(problems)))
        if request.method == "POST" and path == UPLOAD and query.get("uploadType") == "resumable":
            number = next(self._ids)
            total = int(headers["x-upload-content-length"])
            self._sessions[f"S{number}"] = {"total": total, "received": bytearray(), "metadata": request.json}
            location = f"{self.url}{UPLOAD}?uploadType=resumable&upload_id=S{number}"
            return Reply(200, {}, {"Location": location})
        if request.method == "GET" and path == "/youtube/v3/videos":
            return self._list(query)
        self.violations.append(f"{request.method} {path}: not served by this fake")
        return Reply(404, error_body(404, "notFound", f"no route for {request.method} {path}"))

    def _token(self, request: Request) -> Reply:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != self.refresh_token
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return Reply(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
        scopes = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly"
        return Reply(
            200, {"access_token": self.access_token, "expires_in": 3599, "scope": scopes, "token_type": "Bearer"}
        )

    def _chunk(self, session_id: str, headers: dict[str, str], body: bytes) -> Reply:
        session = self._sessions.get(session_id)
        if session is None:
            return Reply(404, error_body(404, "notFound", "upload session not found"))
        spec, _sep, total = headers.get("content-range", "").removeprefix("bytes ").partition("/")
        received: bytearray = session["received"]
        if spec != "*":
            start, _sep, end = spec.partition("-")
            if int(start) != len(received) or len(body) != int(end) - int(start) + 1 or int(total) != session["total"]:
                self.violations.append(f"upload {session_id}: bytes out of order ({spec}/{total})")
                return Reply(400, error_body(400, "badContent", "Content-Range does not follow the bytes received"))
            received += body
        if len(received) < session["total"]:
            return Reply(308, b"", {"Range": f"bytes=0-{len(received) - 1}"} if received else {})
        if "video" not in session:
            video_id = f"vid{next(self._ids):08d}"
            metadata = session["metadata"]
            session["video"] = self.videos[video_id] = {
                "kind": "youtube#video",
                "id": video_id,
                "snippet": metadata.get("snippet", {}),
                "status": {"uploadStatus": "uploaded", **metadata.get("status", {})},
            }
        return Reply(200, session["video"])

    def _list(self, query: dict[str, str]) -> Reply:
        items = []
        for video_id in query.get("id", "").split(","):
            video = self.videos.get(video_id)
            if video is None:
                continue
            item: dict[str, Any] = {"kind": "youtube#video", "id": video_id}
            if "statistics" in query.get("part", ""):
                counts = {"viewCount": "0", "likeCount": "0", "favoriteCount": "0", "commentCount": "0"}
                item["statistics"] = {} if video_id in self.hidden else counts
            if "status" in query.get("part", ""):
                item["status"] = video["status"]
            items.append(item)
        return Reply(
            200, {"kind": "youtube#videoListResponse", "items": items, "pageInfo": {"totalResults": len(items)}}
        )
