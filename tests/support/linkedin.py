"""A LinkedIn REST API that enforces what the real one does, for any test to post against.

    linkedin = FakeLinkedIn(today=lambda: clock().date())
    with respx.mock(assert_all_mocked=True) as router:
        linkedin.mount(router)          # or: httpx.Client(transport=linkedin.transport())
        ... post through the real adapter ...
    assert linkedin.posts[urn]["commentary"] == "…"

It is a plain ``httpx.Request -> httpx.Response`` handler with state, so the adapter's real httpx
client runs and only the socket is faked. What it enforces, as LinkedIn documents (or, where
LinkedIn's exact words are not published, answers in its shape — marked "stand-in" below):

* every ``/rest/`` call needs ``Authorization: Bearer`` with a known token (401 otherwise, with
  LinkedIn's body and serviceErrorCode: 65600 invalid, 65601 revoked, 65602 expired);
  ``LinkedIn-Version`` (400 ``VERSION_MISSING``), a served version (426 ``NONEXISTENT_VERSION``,
  "Requested version 20251001 is not active"), and ``X-Restli-Protocol-Version: 2.0.0``;
* the served versions follow the server's own "today": a ``YYYYMM`` version is served from the
  ``release_day`` of its month until the same day a year later — the twelve months up to the
  current one, the newest not before its release day (LinkedIn: 202510 retired 2026-10-15);
* images: ``initializeUpload`` gives an upload URL and an image URN in ``WAITING_UPLOAD``; the PUT
  of the bytes makes it ``PROCESSING``; ``GET /rest/images/{urn}`` says ``PROCESSING`` for
  ``processing_polls`` polls, then ``AVAILABLE`` (or ``PROCESSING_FAILED`` when asked);
* ``POST /rest/posts`` checks the body, refuses an image that is not ``AVAILABLE`` (400; the
  message is a stand-in) or not owned by the author, answers 201 with ``x-restli-id``, and 422
  ``DUPLICATE_POST`` naming the existing URN for the same author and commentary;
* ``throttle()`` makes the next calls answer 429 with LinkedIn's body (``Retry-After`` optional);
* member analytics need ``r_member_postAnalytics``, organization statistics ``rw_organization_admin``
  (403 ``ACCESS_DENIED`` with LinkedIn's "Not enough permissions to access: …" otherwise).

Endpoints it does not model (comments, …) can be answered by a test with :meth:`on`; those answers
are reached only once the headers above passed, so a test's own answer never skips the version
or token checks.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import respx

API_HOST = "api.linkedin.com"
UPLOAD_HOST = "www.linkedin.com"
UPLOAD_PREFIX = "/dms-uploads/sp/v2/"
Answer = Callable[[httpx.Request], httpx.Response]


@dataclass
class Grant:
    """What one access token may do."""

    member: str  # urn:li:person:…
    scopes: frozenset[str] = frozenset({"openid", "profile", "w_member_social"})
    revoked: bool = False
    expired: bool = False


@dataclass
class Image:
    urn: str
    owner: str
    upload_url: str
    status: str = "WAITING_UPLOAD"
    polls: int = 0  # GETs answered since the bytes arrived
    content: bytes = b""
    fails: bool = False  # processing ends PROCESSING_FAILED


@dataclass
class Organization:
    id: int
    name: str
    vanity: str
    admins: set[str] = field(default_factory=set)  # person URNs with the ADMINISTRATOR role


def error(status: int, message: str, *, code: str | None = None, service: int | None = None) -> httpx.Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if code is not None:
        body["code"] = code
    if service is not None:
        body["serviceErrorCode"] = service
    return httpx.Response(status, json=body)


class FakeLinkedIn:
    """LinkedIn's REST API, stateful and strict (see the module docstring)."""

    def __init__(
        self,
        *,
        today: Callable[[], date] = date.today,
        tokens: dict[str, Grant] | None = None,
        organizations: list[Organization] | None = None,
        release_day: int = 15,
        processing_polls: int = 2,
    ) -> None:
        self.today = today
        self.tokens = dict(tokens or {})
        self.organizations = {f"urn:li:organization:{o.id}": o for o in organizations or []}
        self.release_day = release_day
        self.processing_polls = processing_polls
        self.processing_fails = False  # every image uploaded from now on ends PROCESSING_FAILED
        self.withheld: set[str] = set()  # versions refused although the calendar serves them (a late release)
        self.requests: list[httpx.Request] = []
        self.images: dict[str, Image] = {}
        self.posts: dict[str, dict[str, Any]] = {}  # URN → the post as LinkedIn keeps it
        self.statistics: dict[str, dict[str, int]] = {}  # post URN → totalShareStatistics
        self.analytics: dict[str, dict[str, int]] = {}  # post URN → queryType → count (members)
        self.userinfo_extra: dict[str, Any] = {}
        self._answers: list[tuple[str, str, Answer]] = []
        self._throttled: list[dict[str, str]] = []
        self._ids = itertools.count(7_141_138_937_766_391_808)
        self._lock = threading.Lock()

    # --- wiring ------------------------------------------------------------------------------------

    def mount(self, router: respx.MockRouter) -> None:
        """Answer LinkedIn's API host and its upload URLs from ``router`` (a respx mock)."""
        router.route(host=API_HOST).mock(side_effect=self)
        router.route(host=UPLOAD_HOST, path__startswith=UPLOAD_PREFIX).mock(side_effect=self)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def on(self, method: str, path: str, answer: Answer | httpx.Response) -> None:
        """Answer ``method`` on paths starting with ``path`` with ``answer`` (after the header checks);
        the newest registration wins."""
        handler: Answer = answer if callable(answer) else (lambda _request: answer)
        self._answers.insert(0, (method.upper(), path, handler))

    def throttle(self, count: int = 1, *, retry_after: str | None = None) -> None:
        """The next ``count`` REST calls answer 429, as LinkedIn's daily quotas do."""
        headers = {"Retry-After": retry_after} if retry_after else {}
        self._throttled.extend(dict(headers) for _ in range(count))

    # --- what the test reads -----------------------------------------------------------------------

    def served(self, today: date | None = None) -> list[str]:
        """The versions served on ``today`` (the server's today by default), oldest first."""
        day = today or self.today()
        found = []
        for back in range(13, -1, -1):
            index = day.year * 12 + day.month - 1 - back
            version = f"{index // 12:04d}{index % 12 + 1:02d}"
            if self.version_served(version, day):
                found.append(version)
        return found

    def version_served(self, version: str, today: date | None = None) -> bool:
        day = today or self.today()
        if version in self.withheld:
            return False
        year, month = int(version[:4]), int(version[4:6])
        release = date(year, month, self.release_day)
        sunset = date(year + 1, month, self.release_day)
        return release <= day < sunset

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        """The requests made to ``path`` (decoded, without the query) with ``method``."""
        return [r for r in self.requests if r.method == method.upper() and unquote(r.url.path) == path]

    def last(self, method: str, path: str) -> httpx.Request:
        found = self.calls(method, path)
        assert found, f"no {method} {path} was made"
        return found[-1]

    def versions_sent(self) -> list[str]:
        return [r.headers["linkedin-version"] for r in self.requests if "linkedin-version" in r.headers]

    # --- the server --------------------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            request.read()
            self.requests.append(request)
            if request.url.host == UPLOAD_HOST:
                return self._upload(request)
            path = unquote(request.url.path)
            grant, refused = self._authorize(request)
            if refused is not None:
                return refused
            assert grant is not None
            if path == "/v2/userinfo" and request.method == "GET":
                return self._userinfo(grant)
            if not path.startswith("/rest/"):
                return error(404, f"No virtual resource found for {path}")
            checked = self._check_headers(request)
            if checked is not None:
                return checked
            if self._throttled:
                headers = self._throttled.pop(0)
                reply = error(
                    429,
                    "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
                    code="TOO_MANY_REQUESTS",
                    service=101,
                )
                reply.headers.update(headers)
                return reply
            for method, prefix, answer in self._answers:
                if request.method == method and path.startswith(prefix):
                    return answer(request)
            return self._route(request, path, grant)

    def _authorize(self, request: httpx.Request) -> tuple[Grant | None, httpx.Response | None]:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return None, error(401, "Empty oauth2 access token", code="EMPTY_ACCESS_TOKEN", service=65604)
        grant = self.tokens.get(header.removeprefix("Bearer "))
        if grant is None:
            return None, error(401, "Invalid access token", code="INVALID_ACCESS_TOKEN", service=65600)
        if grant.revoked:
            return None, error(
                401,
                "The token used in the request has been revoked by the user",
                code="REVOKED_ACCESS_TOKEN",
                service=65601,
            )
        if grant.expired:
            return None, error(
                401, "The token used in the request has expired", code="EXPIRED_ACCESS_TOKEN", service=65602
            )
        return grant, None

    def _check_headers(self, request: httpx.Request) -> httpx.Response | None:
        version = request.headers.get("linkedin-version")
        if not version:
            return error(
                400,
                "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                code="VERSION_MISSING",
            )
        if len(version) != 6 or not version.isdigit() or not self.version_served(version):
            return error(426, f"Requested version {version}01 is not active", code="NONEXISTENT_VERSION")
        if request.headers.get("x-restli-protocol-version") != "2.0.0":  # stand-in wording
            return error(400, "Rest.li protocol version 2.0.0 is required: set X-Restli-Protocol-Version: 2.0.0")
        return None

    def _denied(self, request: httpx.Request, resource: str) -> httpx.Response:
        version = request.headers.get("linkedin-version", "")
        return error(
            403, f"Not enough permissions to access: {resource}.{version}01", code="ACCESS_DENIED", service=100
        )

    def _route(self, request: httpx.Request, path: str, grant: Grant) -> httpx.Response:
        method = request.method
        query = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        if method == "POST" and path == "/rest/images" and query.get("action") == "initializeUpload":
            return self._initialize(request, grant)
        if method == "GET" and path.startswith("/rest/images/"):
            return self._image(path.removeprefix("/rest/images/"), grant)
        if method == "POST" and path == "/rest/posts":
            return self._create(request, grant)
        if method == "GET" and path == "/rest/posts" and query.get("q") == "author":
            return self._by_author(request, query, grant)
        if method == "GET" and path.startswith("/rest/organizations/"):
            return self._organization(path.removeprefix("/rest/organizations/"))
        if method == "GET" and path == "/rest/organizationAcls":
            return self._acls(grant)
        if method == "GET" and path == "/rest/memberCreatorPostAnalytics":
            return self._member_analytics(request, query, grant)
        if method == "GET" and path == "/rest/organizationalEntityShareStatistics":
            return self._share_statistics(request, query, grant)
        return error(404, f"No virtual resource found for {path}")

    # --- members and organizations -----------------------------------------------------------------

    def _userinfo(self, grant: Grant) -> httpx.Response:
        if "openid" not in grant.scopes:
            return error(403, "Not enough permissions to access: userinfo.GET.NO_VERSION", code="ACCESS_DENIED")
        sub = grant.member.rsplit(":", 1)[1]
        return httpx.Response(200, json={"sub": sub, "email_verified": True, **self.userinfo_extra})

    def _can_post_as(self, grant: Grant, author: str) -> bool:
        if author == grant.member:
            return "w_member_social" in grant.scopes
        org = self.organizations.get(author)
        return org is not None and grant.member in org.admins and "w_organization_social" in grant.scopes

    def _organization(self, ident: str) -> httpx.Response:
        org = self.organizations.get(f"urn:li:organization:{ident}")
        if org is None:
            return error(404, f"Organization {ident} not found")
        return httpx.Response(200, json={"id": org.id, "localizedName": org.name, "vanityName": org.vanity})

    def _acls(self, grant: Grant) -> httpx.Response:
        if "rw_organization_admin" not in grant.scopes:
            return error(
                403, "Not enough permissions to access: organizationAcls.FINDER-roleAssignee", code="ACCESS_DENIED"
            )
        elements = [
            {"roleAssignee": grant.member, "state": "APPROVED", "role": "ADMINISTRATOR", "organization": urn}
            for urn, org in self.organizations.items()
            if grant.member in org.admins
        ]
        return httpx.Response(200, json={"paging": {"count": 10, "start": 0, "links": []}, "elements": elements})

    # --- images ------------------------------------------------------------------------------------

    def _initialize(self, request: httpx.Request, grant: Grant) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        owner = (body.get("initializeUploadRequest") or {}).get("owner")
        if not isinstance(owner, str):
            return error(400, "/initializeUploadRequest/owner :: field is required but not found", code="FIELD_MISSING")
        if not self._can_post_as(grant, owner):
            return self._denied(request, "partnerApiImages.ACTION-initializeUpload")
        number = next(self._ids)
        urn = f"urn:li:image:D4E10AQ{number}"
        url = f"https://{UPLOAD_HOST}{UPLOAD_PREFIX}D4E10AQ{number}/uploaded-image/0?ca=vector_feedshare&cn=uploads"
        self.images[urn] = Image(urn=urn, owner=owner, upload_url=url, fails=self.processing_fails)
        return httpx.Response(
            200, json={"value": {"uploadUrlExpiresAt": 1_900_000_000_000, "uploadUrl": url, "image": urn}}
        )

    def _upload(self, request: httpx.Request) -> httpx.Response:
        image = next((i for i in self.images.values() if i.upload_url == str(request.url)), None)
        if image is None or request.method != "PUT":
            return httpx.Response(404, text="Not Found")
        if image.status != "WAITING_UPLOAD":
            return httpx.Response(400, text="Upload already completed")
        if not request.content:
            return httpx.Response(400, text="Empty upload")
        image.content = request.content
        image.status = "PROCESSING"
        return httpx.Response(201)

    def _image(self, raw: str, grant: Grant) -> httpx.Response:
        image = self.images.get(raw)
        if image is None:
            return error(404, f"Image {raw} not found")
        if image.status == "PROCESSING":
            image.polls += 1
            if image.polls > self.processing_polls:
                image.status = "PROCESSING_FAILED" if image.fails else "AVAILABLE"
        body: dict[str, Any] = {"id": image.urn, "owner": image.owner, "status": image.status}
        if image.status == "AVAILABLE":
            body["downloadUrl"] = f"https://media.licdn.com/dms/image/{image.urn.rsplit(':', 1)[1]}/feedshare/0"
            body["downloadUrlExpiresAt"] = 1_900_000_000_000
        return httpx.Response(200, json=body)

    # --- posts -------------------------------------------------------------------------------------

    def _create(self, request: httpx.Request, grant: Grant) -> httpx.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            return error(400, "Malformed JSON body", code="MALFORMED_JSON")
        missing = [k for k in ("author", "commentary", "visibility", "distribution", "lifecycleState") if k not in body]
        if missing:
            return error(
                422, f"/{missing[0]} :: field is required but not found and has no default value", code="FIELD_MISSING"
            )
        author = body["author"]
        if not self._can_post_as(grant, author):
            return self._denied(request, "partnerApiPostsExternal.CREATE")
        if len(body["commentary"]) > 3000:
            return error(400, "/commentary :: length exceeds 3000", code="INVALID_CONTENT", service=100)
        for urn in _content_images(body.get("content")):
            image = self.images.get(urn)
            if image is None or image.owner != author:
                return error(400, f"Media asset {urn} is not owned by the author {author}", code="INVALID_CONTENT")
            if image.status != "AVAILABLE":  # stand-in wording
                return httpx.Response(
                    400,
                    json={
                        "errorDetailType": "com.linkedin.common.error.BadRequest",
                        "message": f"Media asset {urn} is not in AVAILABLE state: {image.status}",
                        "errorDetails": {
                            "inputErrors": [
                                {
                                    "description": "Media asset is not ready",
                                    "input": {"inputPath": {"fieldPath": "/content/media/id"}},
                                    "code": "INVALID_VALUE",
                                }
                            ]
                        },
                        "status": 400,
                    },
                )
        for urn, post in self.posts.items():
            if post["author"] == author and post["commentary"] == body["commentary"]:
                return httpx.Response(
                    422,
                    json={
                        "errorDetailType": "com.linkedin.common.error.BadRequest",
                        "message": "com.linkedin.content.common.exception.BadRequestResponseException: "
                        f"Content is a duplicate of {urn}",
                        "errorDetails": {
                            "inputErrors": [
                                {"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}
                            ]
                        },
                        "status": 422,
                    },
                )
        urn = f"urn:li:share:{next(self._ids)}"
        now = 1_800_000_000_000 + len(self.posts) * 60_000
        self.posts[urn] = {**body, "id": urn, "createdAt": now, "publishedAt": now, "lastModifiedAt": now}
        return httpx.Response(201, headers={"x-restli-id": urn, "x-linkedin-id": urn})

    def _by_author(self, request: httpx.Request, query: dict[str, str], grant: Grant) -> httpx.Response:
        author = query.get("author", "")
        org = self.organizations.get(author)
        if org is None or grant.member not in org.admins or "r_organization_social" not in grant.scopes:
            return self._denied(request, "partnerApiPostsExternal.FINDER-author")
        if request.headers.get("x-restli-method") != "FINDER":
            return error(400, "Finder requests need X-RestLi-Method: FINDER")
        mine = sorted((p for p in self.posts.values() if p["author"] == author), key=lambda p: -p["lastModifiedAt"])
        count = int(query.get("count", "10"))
        paging = {"start": 0, "count": count, "links": [], "total": len(mine)}
        return httpx.Response(200, json={"paging": paging, "elements": mine[:count]})

    # --- statistics --------------------------------------------------------------------------------

    def _member_analytics(self, request: httpx.Request, query: dict[str, str], grant: Grant) -> httpx.Response:
        if "r_member_postAnalytics" not in grant.scopes:
            return self._denied(request, f"memberCreatorPostAnalytics.FINDER-{query.get('q', '')}")
        kind = query.get("queryType", "")
        if query.get("q") == "me":
            total = sum(counts.get(kind, 0) for counts in self.analytics.values())
        else:
            entity = query.get("entity", "")
            urn = entity.partition(":")[2].rstrip(")")
            total = self.analytics.get(urn, {}).get(kind, 0)
        element = {
            "count": total,
            "metricType": {"com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1": kind},
        }
        return httpx.Response(200, json={"paging": {"start": 0, "count": 10, "links": []}, "elements": [element]})

    def _share_statistics(self, request: httpx.Request, query: dict[str, str], grant: Grant) -> httpx.Response:
        org = self.organizations.get(query.get("organizationalEntity", ""))
        if org is None or grant.member not in org.admins or "rw_organization_admin" not in grant.scopes:
            return self._denied(request, "organizationalEntityShareStatistics.FINDER-organizationalEntity")
        elements = []
        for kind, key in (("shares", "share"), ("ugcPosts", "ugcPost")):
            listed = query.get(kind, "")
            for urn in listed.removeprefix("List(").removesuffix(")").split(",") if listed else ():
                if urn in self.statistics:
                    elements.append(
                        {
                            "totalShareStatistics": self.statistics[urn],
                            key: urn,
                            "organizationalEntity": query["organizationalEntity"],
                        }
                    )
        return httpx.Response(200, json={"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})


def _content_images(content: Any) -> list[str]:
    if not isinstance(content, dict):
        return []
    media = content.get("media")
    if isinstance(media, dict) and str(media.get("id", "")).startswith("urn:li:image:"):
        return [str(media["id"])]
    multi = content.get("multiImage")
    images = multi.get("images") if isinstance(multi, dict) else None
    return [str(i.get("id")) for i in images or [] if isinstance(i, dict)]
