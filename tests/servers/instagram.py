"""A strict fake of Instagram's Graph API (graph.instagram.com) for one professional account, served
on a real loopback socket (tests/support/http.py's LocalServer) and driven through httpx as the
adapter really calls it.

What it enforces, as Meta documents it (developers.facebook.com/docs/instagram-platform/
content-publishing, …/instagram-graph-api/reference/error-codes, …/graph-api/guides/error-handling):

* every path starts with a served Graph version (``/v24.0/``); an unknown or retired one is
  refused (code 2635), a path without one too (code 2500);
* ``Authorization: Bearer <token>``: missing → code 2500; wrong → 190 ("Invalid OAuth access
  token"); past ``token_expires`` on the server's clock → 190 subcode 463 ("Session has expired");
* containers (``POST /{user}/media``): ``image_url`` or ``video_url``, ``media_type`` among
  REELS, STORIES, VIDEO (carousel items only), CAROUSEL (2–10 FINISHED children of this account);
  ``alt_text`` only on images; caption ≤ 2,200 characters, ≤ 30 hashtags, ≤ 20 mentions (code
  100); the server itself fetches each media URL with a plain GET, as Meta's fetcher does: an
  answer that is not 200, not JPEG for an image or over 8 MiB → the container goes to ERROR;
  otherwise IN_PROGRESS for ``processing_polls`` status reads, then FINISHED; EXPIRED 24 hours
  after its creation;
* ``POST /{user}/media_publish``: only a FINISHED container of this account (not one already
  PUBLISHED: a second publish is recorded in ``violations`` and refused); the publishing quota
  (``quota_total`` in 24 h) → code 9 subcode 2207042;
* ``GET /{user}/content_publishing_limit``, ``/{user}/media`` (newest first, paged), a media's
  fields and insights, comments and replies;
* ``POST /{ig-media-id}/comments`` (the first comment): only on a published media (a container's
  id is an unknown object, code 100 subcode 33), ``message`` required, at most 2,200 characters and
  30 hashtags; ``comment_faults`` makes the next ones fail (a missing permission, code 10) or lose
  their answer after the comment was written (a 500);
* videos through the resumable upload (developers.facebook.com/docs/instagram-platform/
  content-publishing/resumable-uploads), only when ``login="facebook"`` (Facebook Login for
  Business; with Instagram Login ``upload_type=resumable`` is refused, code 100): a container made
  with ``upload_type=resumable`` (REELS, STORIES, or VIDEO for a carousel item; no ``video_url``)
  answers ``{"id", "uri"}`` and stays IN_PROGRESS until its bytes arrived at
  ``POST /ig-api-upload/{version}/{container}`` (rupload.facebook.com, served here too) with
  ``Authorization: OAuth <token>``, ``offset`` (0, or the bytes already received: a resumed
  upload) and ``file_size`` headers; its answer is ``{"success": true, "message": "Upload
  successful."}``, its errors ``{"debug_info": {"retriable", "type", "message"}}``; bytes that are
  not MP4 put the container in ERROR;
* error bodies ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``, and an
  ``X-App-Usage`` header on every answer.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.support.http import Reply, Request

SERVED_VERSIONS = ("v21.0", "v22.0", "v23.0", "v24.0")
MAX_IMAGE = 8 * 1024 * 1024
JPEG = b"\xff\xd8\xff"
MP4 = re.compile(rb"^....ftyp", re.DOTALL)
HASHTAG = re.compile(r"(?<![\w#&])#\w+")
MENTION = re.compile(r"(?<![\w@.])@[A-Za-z0-9_.]+")


def graph_error(
    code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException", user_msg: str = ""
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": secrets.token_urlsafe(9)}
    if subcode is not None:
        error["error_subcode"] = subcode
    if user_msg:
        error["error_user_msg"] = user_msg
    return {"error": error}


@dataclass
class Container:
    id: str
    params: dict[str, str]
    created: datetime
    polls_left: int
    status: str = "IN_PROGRESS"
    detail: str = ""
    carousel_item: bool = False
    media_id: str = ""
    resumable: bool = False  # created with upload_type=resumable: its bytes come through rupload
    file_size: int | None = None  # the upload's declared size (the first upload request's file_size)
    received: bytearray = field(default_factory=bytearray)

    @property
    def uploaded(self) -> bool:
        return not self.resumable or (self.file_size is not None and len(self.received) == self.file_size)


@dataclass
class Media:
    id: str
    caption: str
    kind: str
    timestamp: datetime
    likes: int = 0
    views: int | None = 0
    comments: list[dict[str, Any]] = field(default_factory=list)


class FakeInstagram:
    """A LocalServer responder (``server.respond(fake)``)."""

    def __init__(
        self,
        *,
        user_id: str,
        token: str,
        username: str = "bakery",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        token_expires: datetime | None = None,
        processing_polls: int = 1,
        quota_total: int = 50,
        login: str = "instagram",
    ) -> None:
        self.user_id, self.token, self.username, self.clock = user_id, token, username, clock
        self.login = login  # "instagram": graph.instagram.com; "facebook": graph.facebook.com (resumable uploads)
        self.uploads: list[tuple[str, int, int]] = []  # (container id, offset, bytes) of every rupload request taken
        self.upload_faults: list[str] = []  # the next rupload requests: "busy" (503, retriable, nothing kept)
        self.token_expires = token_expires
        self.processing_polls = processing_polls
        self.quota_total = quota_total
        self.containers: dict[str, Container] = {}
        self.media: list[Media] = []
        self.publish_times: list[datetime] = []
        self.fetched: list[str] = []  # every media URL the server fetched
        self.violations: list[str] = []
        self.hidden: set[str] = set()  # media answered without counts
        self.account_type = "BUSINESS"
        self.token_issued = self.clock() - timedelta(days=30)  # a refresh needs a token 24 hours old
        self.refreshed: dict[str, datetime] = {}  # tokens given by /refresh_access_token → their expiry
        self.page: tuple[str, str] | None = None  # (id, name) of a linked Page: the token is its Page token
        self._ids = itertools.count(17_900_000_000_000_001)
        # the next comment POSTs: "refuse" (the token lacks the comments permission: code 10),
        # "lose" (the comment is written, then the answer is a 500, as when a connection drops)
        self.comment_faults: list[str] = []
        self.comments_written: list[tuple[str, str]] = []  # (media id, text) of every comment the account wrote

    def _id(self) -> str:
        return str(next(self._ids))

    # --- the responder --------------------------------------------------------------------------

    def __call__(self, request: Request) -> Reply:
        parts = urlsplit(request.path)
        segments = [s for s in parts.path.split("/") if s]
        if segments[:1] == ["ig-api-upload"]:  # rupload.facebook.com: the body is the video's bytes
            return self._rupload(request, segments[1:])
        params = dict(parse_qsl(parts.query))
        if request.method == "POST":
            params.update(parse_qsl(request.body.decode()))
        if segments == ["refresh_access_token"] and request.method == "GET":
            return self._auth(request) or self._refresh(params)
        if not segments or not re.fullmatch(r"v[0-9]+\.[0-9]", segments[0]):
            return self._error(400, graph_error(2500, "Unknown path components: " + parts.path))
        if segments[0] not in SERVED_VERSIONS:
            message = f"(#2635) You are calling a deprecated version of the Graph API. Use {SERVED_VERSIONS[-1]}."
            return self._error(400, graph_error(2635, message))
        refused = self._auth(request)
        if refused is not None:
            return refused
        try:
            params["_version"] = segments[0]
            return self._route(request.method, segments[1:], params)
        except LookupError:
            name = "/".join(segments[1:])
            message = f"Unsupported {request.method.lower()} request. Object with ID '{name}' does not exist."
            return self._error(400, graph_error(100, message, subcode=33, kind="GraphMethodException"))

    def _auth(self, request: Request) -> Reply | None:
        header = {k.lower(): v for k, v in request.headers.items()}.get("authorization", "")
        if not header.startswith("Bearer ") or "access_token=" in request.path:
            return self._error(400, graph_error(2500, "An active access token must be used to query information."))
        sent = header.removeprefix("Bearer ")
        if sent in self.refreshed:
            expires: datetime | None = self.refreshed[sent]
        elif sent == self.token:
            expires = self.token_expires
        else:
            return self._error(400, graph_error(190, "Invalid OAuth access token - Cannot parse access token"))
        if expires is not None and self.clock() >= expires:
            when = expires.strftime("%A, %d-%b-%y %H:%M:%S UTC")
            message = f"Error validating access token: Session has expired on {when}."
            return self._error(400, graph_error(190, message, subcode=463))
        return None

    def _refresh(self, params: dict[str, str]) -> Reply:
        if params.get("grant_type") != "ig_refresh_token":
            return self._error(400, graph_error(100, "(#100) grant_type must be ig_refresh_token"))
        if self.clock() - self.token_issued < timedelta(hours=24):
            return self._error(
                400, graph_error(100, "(#100) The token is less than 24 hours old and cannot be refreshed")
            )
        token = "IGAA" + secrets.token_urlsafe(24)
        self.refreshed[token] = self.clock() + timedelta(days=60)
        self.token_issued = self.clock()
        return self._ok({"access_token": token, "token_type": "bearer", "expires_in": 60 * 86400})

    def _error(self, status: int, body: dict[str, Any]) -> Reply:
        return Reply(status, body, self._usage())

    def _ok(self, body: dict[str, Any]) -> Reply:
        return Reply(200, body, self._usage())

    def _usage(self) -> dict[str, str]:
        return {"X-App-Usage": json.dumps({"call_count": 1, "total_cputime": 1, "total_time": 1})}

    def _route(self, method: str, path: list[str], params: dict[str, str]) -> Reply:
        if path == [self.user_id, "media"]:
            return self._create(params) if method == "POST" else self._list(params)
        if path == [self.user_id, "media_publish"] and method == "POST":
            return self._publish(params)
        if path == [self.user_id, "content_publishing_limit"] and method == "GET":
            config = {"quota_total": self.quota_total, "quota_duration": 86400}
            return self._ok({"data": [{"quota_usage": len(self._window()), "config": config}]})
        if path == ["me"] and method == "GET":
            if self.page is not None:
                linked = {"id": self.user_id, "username": self.username}
                return self._ok({"id": self.page[0], "name": self.page[1], "instagram_business_account": linked})
            return self._ok(
                {
                    "id": self.user_id,
                    "user_id": self.user_id,
                    "username": self.username,
                    "account_type": self.account_type,
                }
            )
        if path == [self.user_id] and method == "GET":
            return self._ok(
                {"id": self.user_id, "user_id": self.user_id, "username": self.username, "account_type": "BUSINESS"}
            )
        if len(path) == 1 and path[0] in self.containers and method == "GET":
            return self._ok(self._container_fields(self.containers[path[0]]))
        media = {m.id: m for m in self.media}
        if len(path) == 1 and path[0] in media and method == "GET":
            return self._ok(self._media_fields(media[path[0]]))
        if len(path) == 2 and path[0] in media and path[1] == "insights" and method == "GET":
            return self._insights(media[path[0]], params)
        if len(path) == 2 and path[0] in media and path[1] == "comments" and method == "GET":
            return self._ok({"data": media[path[0]].comments})
        if len(path) == 2 and path[0] in media and path[1] == "comments" and method == "POST":
            return self._comment_on(media[path[0]], params)
        if len(path) == 2 and path[1] == "replies" and method == "POST":
            return self._answer(path[0], params)
        raise LookupError

    # --- containers -----------------------------------------------------------------------------

    def _create(self, params: dict[str, str]) -> Reply:
        version = params.pop("_version", SERVED_VERSIONS[-1])
        if params.get("upload_type") == "resumable":
            return self._create_resumable(params, version)
        kind = params.get("media_type", "IMAGE")
        item = params.get("is_carousel_item") == "true"
        caption = params.get("caption", "")
        if kind not in ("IMAGE", "REELS", "STORIES", "VIDEO", "CAROUSEL"):
            return self._error(400, graph_error(100, "(#100) The parameter media_type is not valid."))
        if kind == "VIDEO" and not item:
            return self._error(400, graph_error(100, "(#100) VIDEO is only for carousel items; use REELS."))
        if "alt_text" in params and kind != "IMAGE":
            return self._error(400, graph_error(100, "(#100) alt_text is supported on images only."))
        if "cover_url" in params and kind != "REELS":
            return self._error(400, graph_error(100, "(#100) cover_url is supported on Reels only."))
        if len(caption) > 2200 or len(HASHTAG.findall(caption)) > 30 or len(MENTION.findall(caption)) > 20:
            return self._error(
                400,
                graph_error(
                    100, "(#100) The caption is too long or has too many hashtags or mentions.", subcode=2207028
                ),
            )
        container = Container(self._id(), dict(params), self.clock(), self.processing_polls, carousel_item=item)
        if kind == "CAROUSEL":
            children = [c for c in params.get("children", "").split(",") if c]
            bad = [
                c
                for c in children
                if c not in self.containers
                or not self.containers[c].carousel_item
                or self.containers[c].status != "FINISHED"
            ]
            if not 2 <= len(children) <= 10 or bad:
                return self._error(
                    400, graph_error(100, "(#100) The carousel needs 2 to 10 finished items.", subcode=2207008)
                )
        else:
            url = (
                params.get("image_url")
                if kind in ("IMAGE", "STORIES") and "image_url" in params
                else params.get("video_url")
            )
            if not url:
                return self._error(400, graph_error(100, "(#100) The parameter image_url or video_url is required."))
            self._fetch(container, url, video="video_url" in params)
            self._fetch_cover(container)
        self.containers[container.id] = container
        return self._ok({"id": container.id})

    def _fetch(self, container: Container, url: str, *, video: bool) -> None:
        """Fetch the media as Meta does: a plain GET, no credentials."""
        self.fetched.append(url)
        try:
            answer = httpx.get(url, headers={"User-Agent": "facebookexternalhit/1.1"}, follow_redirects=True, timeout=5)
        except httpx.HTTPError:
            answer = None
        fail = "Error: Media download has failed. The media URI doesn't meet our requirements. (2207052)"
        if answer is None or answer.status_code != 200:
            container.status, container.detail = "ERROR", fail
        elif video and not MP4.match(answer.content[:12]):
            container.status, container.detail = "ERROR", "Error: The video format is not supported. (2207026)"
        elif not video and not answer.content.startswith(JPEG):
            container.status, container.detail = "ERROR", "Error: Only JPEG images are supported. (2207083)"
        elif not video and len(answer.content) > MAX_IMAGE:
            container.status, container.detail = "ERROR", "Error: The image is too large. (2207004)"

    def _create_resumable(self, params: dict[str, str], version: str) -> Reply:
        """``POST /{user}/media?upload_type=resumable``: a video container whose bytes come through
        rupload (only with Facebook Login for Business; REELS, STORIES or a carousel's VIDEO)."""
        if self.login != "facebook":
            message = "(#100) upload_type resumable is only available with Facebook Login for Business."
            return self._error(400, graph_error(100, message))
        kind = params.get("media_type", "")
        item = params.get("is_carousel_item") == "true"
        if kind not in ("REELS", "STORIES", "VIDEO") or (kind == "VIDEO") != item:
            message = "(#100) A resumable upload takes media_type REELS, STORIES or VIDEO (carousel items)."
            return self._error(400, graph_error(100, message))
        if "video_url" in params or "image_url" in params:
            return self._error(400, graph_error(100, "(#100) A resumable upload takes no video_url."))
        if len(params.get("caption", "")) > 2200:
            return self._error(400, graph_error(100, "(#100) The caption is too long.", subcode=2207028))
        if "cover_url" in params and kind != "REELS":
            return self._error(400, graph_error(100, "(#100) cover_url is supported on Reels only."))
        container = Container(
            self._id(), dict(params), self.clock(), self.processing_polls, carousel_item=item, resumable=True
        )
        self._fetch_cover(container)
        self.containers[container.id] = container
        return self._ok(
            {"id": container.id, "uri": f"https://rupload.facebook.com/ig-api-upload/{version}/{container.id}"}
        )

    def _rupload(self, request: Request, path: list[str]) -> Reply:
        """``POST rupload.facebook.com/ig-api-upload/{version}/{container}``: the video's bytes, with
        ``Authorization: OAuth <token>``, ``offset`` and ``file_size`` headers. Its errors are not
        Graph's: ``{"debug_info": {"retriable", "type", "message"}}``."""

        def refuse(status: int, kind: str, message: str, retriable: bool = False) -> Reply:
            return Reply(status, {"debug_info": {"retriable": retriable, "type": kind, "message": message}})

        headers = {k.lower(): v for k, v in request.headers.items()}
        if self.upload_faults and self.upload_faults.pop(0) == "busy":
            return refuse(503, "ServiceUnavailable", "Upload service busy, try again", retriable=True)
        if request.method != "POST":
            return refuse(405, "MethodNotAllowed", "Only POST is supported")
        if headers.get("authorization") != f"OAuth {self.token}":
            return refuse(400, "NotAuthorizedError", "User not authorized to perform this request")
        if len(path) != 2 or path[0] not in SERVED_VERSIONS:
            return refuse(400, "InvalidRequest", "Unsupported API version or path")
        container = self.containers.get(path[1])
        if container is None or not container.resumable:
            return refuse(400, "InvalidRequest", "Invalid container id or not a resumable upload")
        if container.status != "IN_PROGRESS" or container.uploaded:
            return refuse(400, "InvalidRequest", "The upload for this container is complete")
        try:
            offset, size = int(headers["offset"]), int(headers["file_size"])
        except (KeyError, ValueError):
            return refuse(400, "InvalidRequest", "The offset and file_size headers are required")
        if size <= 0 or (container.file_size is not None and size != container.file_size):
            return refuse(400, "InvalidRequest", "file_size does not match the upload's")
        if offset not in (0, len(container.received)):
            return refuse(
                400, "InvalidRequest", f"offset {offset} does not match the {len(container.received)} bytes received"
            )
        if offset + len(request.body) > size:
            return refuse(400, "InvalidRequest", "More bytes than file_size")
        container.file_size = size
        if offset == 0:
            container.received.clear()
        container.received.extend(request.body)
        self.uploads.append((container.id, offset, len(request.body)))
        if container.uploaded and not MP4.match(bytes(container.received[:12])):
            container.status, container.detail = "ERROR", "Error: The video format is not supported. (2207026)"
        return Reply(200, {"success": True, "message": "Upload successful."})

    def _fetch_cover(self, container: Container) -> None:
        """A Reel's ``cover_url`` is fetched like its media: it must answer a JPEG of at most 8 MiB."""
        url = container.params.get("cover_url")
        if not url or container.status == "ERROR":
            return
        self.fetched.append(url)
        try:
            answer = httpx.get(url, headers={"User-Agent": "facebookexternalhit/1.1"}, follow_redirects=True, timeout=5)
        except httpx.HTTPError:
            answer = None
        if answer is None or answer.status_code != 200:
            container.status, container.detail = "ERROR", "Error: The cover image could not be downloaded. (2207052)"
        elif not answer.content.startswith(JPEG) or len(answer.content) > MAX_IMAGE:
            container.status, container.detail = "ERROR", "Error: The cover image is not supported. (2207083)"

    def _container_fields(self, container: Container) -> dict[str, Any]:
        if container.status == "IN_PROGRESS" and not container.uploaded:
            return {"id": container.id, "status_code": "IN_PROGRESS", "status": "In Progress: waiting for the upload"}
        if container.status == "IN_PROGRESS":
            if container.polls_left <= 0:
                container.status = "FINISHED"
            container.polls_left -= 1
        if container.status in ("IN_PROGRESS", "FINISHED") and self.clock() - container.created >= timedelta(hours=24):
            container.status = "EXPIRED"
        detail = container.detail or (
            "Finished: Media has been uploaded and it is ready to be published."
            if container.status == "FINISHED"
            else "In Progress"
        )
        return {"id": container.id, "status_code": container.status, "status": detail}

    def _window(self) -> list[datetime]:
        now = self.clock()
        return [t for t in self.publish_times if now - timedelta(hours=24) < t <= now]

    def _publish(self, params: dict[str, str]) -> Reply:
        container = self.containers.get(params.get("creation_id", ""))
        if container is None or container.carousel_item:
            return self._error(400, graph_error(24, "The requested resource does not exist", subcode=2207008))
        if container.status == "PUBLISHED":
            self.violations.append(f"container {container.id} published twice")
            return self._error(400, graph_error(9004, "The media has already been published.", subcode=2207027))
        if container.status != "FINISHED":
            message = "Media ID is not available" if container.status == "IN_PROGRESS" else "The media is not ready."
            return self._error(400, graph_error(9007, message, subcode=2207027))
        if len(self._window()) >= self.quota_total:
            return self._error(
                400,
                graph_error(
                    9,
                    "Application request limit reached",
                    subcode=2207042,
                    user_msg=(
                        "You reached maximum number of posts that is allowed to be published by Content Publishing API."
                    ),
                ),
            )
        container.status = "PUBLISHED"
        kind = container.params.get("media_type", "IMAGE")
        media = Media(self._id(), container.params.get("caption", ""), kind, self.clock())
        container.media_id = media.id
        self.media.insert(0, media)
        self.publish_times.append(self.clock())
        return self._ok({"id": media.id})

    # --- reading --------------------------------------------------------------------------------

    def _media_fields(self, media: Media) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": media.id,
            "caption": media.caption,
            "timestamp": media.timestamp.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink": f"https://www.instagram.com/p/{media.id[-11:]}/",
            "media_type": media.kind,
        }
        if media.id not in self.hidden:
            body.update(like_count=media.likes, comments_count=len(media.comments))
        return body

    def _list(self, params: dict[str, str]) -> Reply:
        start = int(params.get("after") or 0)
        limit = min(int(params.get("limit") or 25), 100)
        page = self.media[start : start + limit]
        body: dict[str, Any] = {"data": [self._media_fields(m) for m in page]}
        if start + limit < len(self.media):
            body["paging"] = {"cursors": {"after": str(start + limit)}}
        return self._ok(body)

    def _insights(self, media: Media, params: dict[str, str]) -> Reply:
        known = {"views", "reach", "shares", "saved", "likes", "comments", "total_interactions"}
        asked = [m for m in params.get("metric", "").split(",") if m]
        unknown = [m for m in asked if m not in known]
        if unknown or not asked:
            return self._error(
                400, graph_error(100, f"(#100) metric[0] must be one of the following values: {sorted(known)}")
            )
        if media.id in self.hidden:
            return self._ok({"data": []})
        values = {
            "views": media.views,
            "reach": media.views,
            "shares": 0,
            "saved": 0,
            "likes": media.likes,
            "comments": len(media.comments),
            "total_interactions": media.likes,
        }
        return self._ok(
            {
                "data": [
                    {
                        "name": m,
                        "period": "lifetime",
                        "values": [{"value": values[m]}],
                        "id": f"{media.id}/insights/{m}/lifetime",
                    }
                    for m in asked
                ]
            }
        )

    def comment(self, media_id: str, username: str, text: str) -> str:
        """Someone comments on a published media (test helper) → the comment's id."""
        media = next(m for m in self.media if m.id == media_id)
        row = {
            "id": self._id(),
            "text": text,
            "username": username,
            "timestamp": self.clock().strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "replies": {"data": []},
        }
        media.comments.append(row)
        return str(row["id"])

    def _comment_on(self, media: Media, params: dict[str, str]) -> Reply:
        """``POST /{ig-media-id}/comments?message=…`` (only on a published media: a container id or
        an unknown id is not found, as above); the message is required and at most 2,200 characters."""
        fault = self.comment_faults.pop(0) if self.comment_faults else ""
        if fault == "refuse":
            message = "(#10) Application does not have permission for this action"
            return self._error(403, graph_error(10, message))
        text = params.get("message", "")
        if not text.strip():
            return self._error(400, graph_error(100, "(#100) The parameter message is required"))
        if len(text) > 2200 or len(HASHTAG.findall(text)) > 30:
            return self._error(400, graph_error(100, "(#100) The comment is too long or has too many hashtags."))
        if media.kind == "STORIES":
            return self._error(400, graph_error(100, "(#100) Comments are not supported on this media."))
        made = {
            "id": self._id(),
            "text": text,
            "username": self.username,
            "timestamp": self.clock().strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "replies": {"data": []},
        }
        media.comments.append(made)
        self.comments_written.append((media.id, text))
        if fault == "lose":
            return self._error(
                500, graph_error(2, "An unexpected error has occurred. Please retry your request later.")
            )
        return self._ok({"id": made["id"]})

    def _answer(self, comment_id: str, params: dict[str, str]) -> Reply:
        for media in self.media:
            for row in media.comments:
                if row["id"] == comment_id:
                    text = params.get("message", "")
                    if not text.strip():
                        return self._error(400, graph_error(100, "(#100) The parameter message is required"))
                    made = {
                        "id": self._id(),
                        "text": text,
                        "username": self.username,
                        "timestamp": self.clock().strftime("%Y-%m-%dT%H:%M:%S+0000"),
                    }
                    row["replies"]["data"].append(made)
                    return self._ok({"id": made["id"]})
        raise LookupError
