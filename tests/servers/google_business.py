"""A strict fake of Google's OAuth server and the three Business Profile APIs socialpost uses, on
one loopback socket (tests/support/http.py's LocalServer), driven through httpx as the adapter
really calls them.

What it enforces, as Google documents it (developers.google.com/my-business/reference/rest/v4/
accounts.locations.localPosts, …/accountmanagement/rest/v1/accounts/list, …/businessinformation/
rest/v1/accounts.locations/list, …/my-business/content/limits, Google's ``google.rpc.Status``
error model):

* OAuth: ``GET /o/oauth2/v2/auth`` (the browser's consent: the client id must be known, the
  redirect a loopback address, the scope ``business.manage``, PKCE S256) redirects to the
  loopback with a one-time code; ``POST /token`` trades the code (with the same redirect URI and
  the PKCE verifier) or the refresh token (``grant_type=refresh_token``) for an access token of
  ``token_lifetime`` seconds; a wrong client → 401 ``invalid_client``, a revoked or unknown
  refresh token or a used code → 400 ``invalid_grant``.
* Every API call needs ``Authorization: Bearer`` with a live access token; an expired or unknown
  one → ``401 UNAUTHENTICATED`` with an ``ErrorInfo`` (``ACCESS_TOKEN_EXPIRED`` /
  ``ACCESS_TOKEN_TYPE_UNSUPPORTED``), as Google answers.
* A project Google has not approved (``approved=False``) gets ``429 RESOURCE_EXHAUSTED`` on every
  API call, with ``quota_limit_value: "0"`` in its ``ErrorInfo`` — what an unapproved project
  sees. :meth:`GoogleBusinessServer.throttle` makes the next call a 429 of the 300-a-minute quota.
* ``GET /v1/accounts`` (Account Management), ``GET /v1/accounts/{a}/locations`` and
  ``GET /v1/locations/{l}`` (Business Information: ``readMask`` is required → 400 otherwise).
* ``POST /v4/accounts/{a}/locations/{l}/localPosts``: the location must be the account's (404);
  ``topicType`` STANDARD, EVENT or OFFER; ``summary`` at most 1,500 characters; EVENT and OFFER
  need ``event.title`` and ``event.schedule`` with start and end dates (the end not before the
  start); ``offer`` only on OFFER; ``callToAction.actionType`` among BOOK, ORDER, SHOP,
  LEARN_MORE, SIGN_UP, CALL, with an http(s) ``url`` except CALL, which has none; ``media`` at
  most one ``{mediaFormat: PHOTO, sourceUrl}``, which the server fetches itself with a plain GET
  as Google does: not 200, not JPEG or PNG, under 10 KB or over 5 MB → 400. Every refusal is
  ``400 INVALID_ARGUMENT`` with a ``google.mybusiness.v4.ValidationError`` naming the field.
  The new post is ``PROCESSING``; after ``review_reads`` reads it is ``LIVE``, or ``REJECTED``
  when its summary holds one of ``forbidden`` words (``review_reads=0``: reviewed at once, the
  answer to create says which).
* ``GET``/``DELETE`` one post, ``GET`` the list (newest first, ``pageSize`` ≤ 100, page tokens),
  ``POST …/localPosts:reportInsights`` (≤ 100 names of this location; ``insights_served=False``:
  404 as for a method Google no longer serves).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from tests.support.http import Reply, Request

CLIENT_ID = "123456789012-fakeclient.apps.googleusercontent.com"
SCOPE = "https://www.googleapis.com/auth/business.manage"
PROJECT = "123456789012"
ACCOUNT = "accounts/109876543210987654321"
LOCATION = "locations/4567890123456789012"
OTHER_LOCATION = "locations/4567890123456789099"
ACTIONS = {"BOOK", "ORDER", "SHOP", "LEARN_MORE", "SIGN_UP", "CALL"}
MAX_SUMMARY = 1500
MIN_PHOTO, MAX_PHOTO = 10 * 1024, 5 * 1024 * 1024
ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
VALIDATION = "type.googleapis.com/google.mybusiness.v4.ValidationError"


def client_secret() -> str:
    """The OAuth client's secret, made at run time (never a literal in the tests)."""
    return "GOCSPX-" + "fake" + "ClientSecret0123456789"


def status_error(code: int, status: str, message: str, *details: dict[str, Any]) -> dict[str, Any]:
    """Google's error body (google.rpc.Status as JSON)."""
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = list(details)
    return {"error": error}


def quota_error(service: str, limit: int) -> dict[str, Any]:
    """The 429 of a per-minute quota; ``limit`` 0 is the unapproved project's."""
    return status_error(
        429,
        "RESOURCE_EXHAUSTED",
        f"Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service '{service}' "
        f"for consumer 'project_number:{PROJECT}'.",
        {
            "@type": ERROR_INFO,
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "service": service,
                "consumer": f"projects/{PROJECT}",
                "quota_metric": f"{service}/default_requests",
                "quota_limit": "DefaultRequestsPerMinutePerProject",
                "quota_limit_value": str(limit),
                "quota_location": "global",
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Request a higher quota limit.",
                    "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                }
            ],
        },
    )


def _invalid(field_name: str, message: str) -> Reply:
    return Reply(
        400,
        status_error(
            400,
            "INVALID_ARGUMENT",
            "Request contains an invalid argument.",
            {"@type": VALIDATION, "errorDetails": [{"code": 3, "field": field_name, "message": message}]},
        ),
    )


def _not_found() -> Reply:
    return Reply(404, status_error(404, "NOT_FOUND", "Requested entity was not found."))


def _unauthenticated(reason: str) -> Reply:
    return Reply(
        401,
        status_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
            "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            {"@type": ERROR_INFO, "reason": reason, "domain": "googleapis.com", "metadata": {"service": "mybusiness"}},
        ),
        {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


@dataclass
class LocalPost:
    body: dict[str, Any]
    created: datetime
    reads: int = 0
    views: int = 0
    clicks: int = 0


@dataclass
class Location:
    name: str
    title: str
    locality: str
    posts: dict[str, LocalPost] = field(default_factory=dict)


class GoogleBusinessServer:
    """Google for one OAuth client and one Business Profile account (a responder for LocalServer)."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        refresh_token: str,
        approved: bool = True,
        token_lifetime: int = 3600,
        review_reads: int = 1,
        forbidden: tuple[str, ...] = ("casino",),
    ) -> None:
        self.clock = clock
        self.refresh_tokens = {refresh_token}
        self.approved = approved
        self.token_lifetime = token_lifetime
        self.review_reads = review_reads
        self.forbidden = forbidden
        self.insights_served = True
        self.hidden: set[str] = set()  # posts whose insights come back without any figure
        self.account_name = "Boulangerie Rémi"
        self.locations = {
            LOCATION: Location(LOCATION, "Boulangerie Rémi", "Montréal"),
            OTHER_LOCATION: Location(OTHER_LOCATION, "Boulangerie Rémi — Verdun", "Verdun"),
        }
        self.access: dict[str, datetime] = {}  # access token → when it expires
        self.codes: dict[str, dict[str, str]] = {}  # authorization code → what it was given for
        self.fetched: list[str] = []  # every photo URL the server fetched
        self.token_requests: list[str] = []  # the grant_type of every token request
        self.violations: list[str] = []  # what the real API would have refused (a test fails on any)
        self._throttle = 0
        self._ids = itertools.count(7_000_000_000_000_000_001)
        self._lock = threading.RLock()

    # --- knobs --------------------------------------------------------------------------------------

    def throttle(self, times: int = 1) -> None:
        """The next ``times`` API calls answer the 300-a-minute quota's 429."""
        self._throttle += times

    def expire_access_tokens(self) -> None:
        """Every access token given so far stops working (Google expired or revoked it early)."""
        with self._lock:
            for token in self.access:
                self.access[token] = self.clock() - timedelta(seconds=1)

    @property
    def location(self) -> Location:
        return self.locations[LOCATION]

    def posts(self) -> list[dict[str, Any]]:
        return [p.body for p in self.location.posts.values()]

    # --- the responder ------------------------------------------------------------------------------

    def __call__(self, request: Request) -> Reply:
        with self._lock:
            url = urlsplit(request.path)
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            if url.path == "/o/oauth2/v2/auth" and request.method == "GET":
                return self._authorize(query)
            if url.path == "/token" and request.method == "POST":
                return self._token(dict(parse_qsl(request.body.decode())))
            service = self._service(url.path)
            if service is None:
                return _not_found()
            refused = self._auth(request)
            if refused is not None:
                return refused
            if not self.approved:
                return Reply(429, quota_error(service, 0))
            if self._throttle:
                self._throttle -= 1
                return Reply(429, quota_error(service, 300))
            body = json.loads(request.body) if request.body else {}
            return self._api(request.method, url.path, query, body)

    @staticmethod
    def _service(path: str) -> str | None:
        if path.startswith("/v4/"):
            return "mybusiness.googleapis.com"
        if path == "/v1/accounts" or (path.startswith("/v1/accounts/") and "/locations" not in path):
            return "mybusinessaccountmanagement.googleapis.com"
        if path.startswith("/v1/"):
            return "mybusinessbusinessinformation.googleapis.com"
        return None

    def _auth(self, request: Request) -> Reply | None:
        header = {k.lower(): v for k, v in request.headers.items()}.get("authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        expires = self.access.get(token)
        if expires is None:
            return _unauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED")
        if self.clock() >= expires:
            return _unauthenticated("ACCESS_TOKEN_EXPIRED")
        return None

    # --- OAuth --------------------------------------------------------------------------------------

    def _authorize(self, query: dict[str, str]) -> Reply:
        redirect = query.get("redirect_uri", "")
        parts = urlsplit(redirect)
        if query.get("client_id") != CLIENT_ID:
            return Reply(401, "Error 401: invalid_client. The OAuth client was not found.")
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
            return Reply(400, "Error 400: redirect_uri_mismatch")
        if query.get("response_type") != "code" or SCOPE not in query.get("scope", "").split():
            return Reply(400, "Error 400: invalid_request")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            self.violations.append("authorization without PKCE")
        code = "4/0A" + secrets.token_urlsafe(30)
        self.codes[code] = {"redirect_uri": redirect, "challenge": query.get("code_challenge", "")}
        target = (
            redirect
            + ("&" if "?" in redirect else "?")
            + urlencode({"code": code, "state": query.get("state", ""), "scope": SCOPE})
        )
        return Reply(302, "", {"Location": target})

    def _token(self, form: dict[str, str]) -> Reply:
        self.token_requests.append(form.get("grant_type", ""))
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != client_secret():
            return Reply(401, {"error": "invalid_client", "error_description": "The OAuth client was not found."})
        grant = form.get("grant_type")
        refresh = None
        if grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return Reply(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
        elif grant == "authorization_code":
            given = self.codes.pop(form.get("code", ""), None)
            if given is None or given["redirect_uri"] != form.get("redirect_uri"):
                return Reply(400, {"error": "invalid_grant", "error_description": "Bad Request"})
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != given["challenge"]:
                return Reply(400, {"error": "invalid_grant", "error_description": "Invalid code verifier."})
            refresh = "1//0g" + secrets.token_urlsafe(40)
            self.refresh_tokens.add(refresh)
        else:
            return Reply(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "})
        token = "ya29.a0" + secrets.token_urlsafe(60)
        self.access[token] = self.clock() + timedelta(seconds=self.token_lifetime)
        answer: dict[str, Any] = {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "scope": SCOPE,
            "token_type": "Bearer",
        }
        if refresh:
            answer["refresh_token"] = refresh
        return Reply(200, answer)

    # --- the APIs -----------------------------------------------------------------------------------

    def _api(self, method: str, path: str, query: dict[str, str], body: dict[str, Any]) -> Reply:
        if method == "GET" and path == "/v1/accounts":
            return Reply(200, {"accounts": [{"name": ACCOUNT, "accountName": self.account_name, "type": "PERSONAL",
                                             "verificationState": "VERIFIED"}]})  # fmt: skip
        if method == "GET" and path == f"/v1/{ACCOUNT}/locations":
            if not query.get("readMask"):
                return _invalid("read_mask", "Field is required")
            return Reply(200, {"locations": [self._location(loc) for loc in self.locations.values()]})
        if method == "GET" and path.startswith("/v1/locations/"):
            if not query.get("readMask"):
                return _invalid("read_mask", "Field is required")
            found = self.locations.get(path.removeprefix("/v1/"))
            return Reply(200, self._location(found)) if found else _not_found()
        prefix = f"/v4/{ACCOUNT}/"
        if not path.startswith(prefix):
            return _not_found()
        rest = path.removeprefix(prefix)
        location_name, _slash, tail = rest.partition("/localPosts")
        location = self.locations.get(location_name)
        if location is None:
            return _not_found()
        if tail == "" and method == "POST":
            return self._create(location, body)
        if tail == "" and method == "GET":
            return self._list(location, query)
        if tail == ":reportInsights" and method == "POST":
            return self._insights(location, body)
        post = location.posts.get(tail.lstrip("/"))
        if post is None:
            return _not_found()
        if method == "GET":
            return Reply(200, self._read(post))
        if method == "DELETE":
            del location.posts[tail.lstrip("/")]
            return Reply(200, {})
        return _not_found()

    def _location(self, location: Location) -> dict[str, Any]:
        return {
            "name": location.name,
            "title": location.title,
            "storefrontAddress": {"regionCode": "CA", "locality": location.locality, "addressLines": ["1 rue Ontario"]},
            "metadata": {
                "hasVoiceOfMerchant": True,
                "mapsUri": f"https://maps.google.com/maps?cid={location.name[10:]}",
            },
        }

    def _read(self, post: LocalPost) -> dict[str, Any]:
        post.reads += 1
        self._review(post)
        return dict(post.body)

    def _review(self, post: LocalPost) -> None:
        """Google's review ends after ``review_reads`` reads (0: at once, in create's answer)."""
        if post.body["state"] == "PROCESSING" and post.reads >= self.review_reads:
            summary = post.body.get("summary", "").lower()
            post.body["state"] = "REJECTED" if any(w in summary for w in self.forbidden) else "LIVE"
            post.body["updateTime"] = _stamp(self.clock())

    def _create(self, location: Location, body: dict[str, Any]) -> Reply:
        refused = self._check(body)
        if refused is not None:
            return refused
        number = str(next(self._ids))
        name = f"{ACCOUNT}/{location.name}/localPosts/{number}"
        now = self.clock()
        stored = {
            **body,
            "name": name,
            "createTime": _stamp(now),
            "updateTime": _stamp(now),
            "state": "PROCESSING",
            "searchUrl": f"https://local.google.com/place?id=1234567890&use=posts&lpsid={number}",
        }
        if "media" in body:
            stored["media"] = [
                {
                    **m,
                    "name": f"{ACCOUNT}/{location.name}/media/{number}",
                    "googleUrl": f"https://lh3.googleusercontent.com/p/{number}",
                }
                for m in body["media"]
            ]
        made = LocalPost(stored, now)
        location.posts[number] = made
        self._review(made)
        return Reply(200, dict(made.body))

    def _check(self, body: dict[str, Any]) -> Reply | None:
        allowed = {"languageCode", "summary", "callToAction", "event", "media", "topicType", "offer", "alertType",
                   "scheduledTime"}  # fmt: skip
        extra = set(body) - allowed
        if extra:
            return Reply(400, status_error(400, "INVALID_ARGUMENT",
                                           f'Invalid JSON payload received. Unknown name "{sorted(extra)[0]}" at '
                                           "'local_post': Cannot find field."))  # fmt: skip
        topic = body.get("topicType")
        if topic not in ("STANDARD", "EVENT", "OFFER"):
            return _invalid("topic_type", "Topic type is required")
        summary = body.get("summary", "")
        if not isinstance(summary, str) or len(summary) > MAX_SUMMARY:
            return _invalid("summary", "Summary is too long. Maximum length is 1500 characters.")
        if topic == "STANDARD" and not summary and not body.get("media"):
            return _invalid("summary", "Summary is required")
        if topic in ("EVENT", "OFFER"):
            event = body.get("event")
            if not isinstance(event, dict) or not event.get("title"):
                return _invalid("event.title", "Event title is required")
            refused = _schedule(event.get("schedule"))
            if refused is not None:
                return refused
        elif "event" in body:
            return _invalid("event", "Event can only be set for topic types EVENT and OFFER")
        if "offer" in body and topic != "OFFER":
            return _invalid("offer", "Offer can only be set for topic type OFFER")
        action = body.get("callToAction")
        if action is not None:
            kind = action.get("actionType") if isinstance(action, dict) else None
            if kind not in ACTIONS:
                return _invalid("call_to_action.action_type", "Invalid action type")
            url = action.get("url")
            if kind == "CALL" and url:
                return _invalid("call_to_action.url", "URL must not be set for action type CALL")
            if kind != "CALL" and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
                return _invalid("call_to_action.url", "A valid URL is required")
        media = body.get("media") or []
        if len(media) > 1:
            return _invalid("media", "Only one photo may be attached to a post")
        for item in media:
            if item.get("mediaFormat") != "PHOTO" or not item.get("sourceUrl"):
                return _invalid("media.source_url", "A PHOTO with a sourceUrl is required")
            refused = self._fetch(str(item["sourceUrl"]))
            if refused is not None:
                return refused
        return None

    def _fetch(self, url: str) -> Reply | None:
        """Fetch the photo as Google does: a plain GET, no credentials."""
        self.fetched.append(url)
        try:
            answer = httpx.get(url, headers={"User-Agent": "Google-Business-Profile"}, timeout=5, follow_redirects=True)
        except httpx.HTTPError:
            return _invalid("media.source_url", "Fetching image failed.")
        data = answer.content
        if answer.status_code != 200:
            return _invalid("media.source_url", "Fetching image failed.")
        if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
            return _invalid("media.source_url", "Unsupported image format.")
        if len(data) < MIN_PHOTO:
            return _invalid("media.source_url", "Image is too small.")
        if len(data) > MAX_PHOTO:
            return _invalid("media.source_url", "Image is too large.")
        return None

    def _list(self, location: Location, query: dict[str, str]) -> Reply:
        size = int(query.get("pageSize") or 20)
        if not 1 <= size <= 100:
            return _invalid("page_size", "Page size must be between 1 and 100")
        posts = sorted(location.posts.values(), key=lambda p: p.created, reverse=True)
        start = int(query.get("pageToken") or 0)
        page = posts[start : start + size]
        answer: dict[str, Any] = {"localPosts": [self._read(p) for p in page]}
        if start + size < len(posts):
            answer["nextPageToken"] = str(start + size)
        return Reply(200, answer)

    def _insights(self, location: Location, body: dict[str, Any]) -> Reply:
        if not self.insights_served:
            return _not_found()
        names = body.get("localPostNames")
        basic = body.get("basicRequest")
        if not isinstance(names, list) or not names or len(names) > 100:
            return _invalid("local_post_names", "Between 1 and 100 local post names are required")
        if not isinstance(basic, dict) or not basic.get("metricRequests") or not basic.get("timeRange"):
            return _invalid("basic_request", "Metric requests and a time range are required")
        metrics = []
        for name in names:
            post = location.posts.get(str(name).rsplit("/", 1)[-1])
            if post is None or not str(name).startswith(f"{ACCOUNT}/{location.name}/"):
                return _invalid("local_post_names", f"{name} is not a post of this location")
            values = [("LOCAL_POST_VIEWS_SEARCH", post.views), ("LOCAL_POST_ACTIONS_CALL_TO_ACTION", post.clicks)]
            if name in self.hidden:
                values = []
            metrics.append(
                {
                    "localPostName": name,
                    "metricValues": [
                        {"metric": m, "totalValue": {"metricOption": "AGGREGATED_TOTAL", "value": str(v)}}
                        for m, v in values
                    ],
                }
            )
        return Reply(
            200, {"name": f"{ACCOUNT}/{location.name}", "localPostMetrics": metrics, "timeZone": "America/Toronto"}
        )


def _schedule(schedule: Any) -> Reply | None:
    if not isinstance(schedule, dict) or "startDate" not in schedule or "endDate" not in schedule:
        return _invalid("event.schedule", "Start and end dates are required")
    try:
        start = datetime(**schedule["startDate"], **_clock(schedule.get("startTime")), tzinfo=UTC)
        end = datetime(**schedule["endDate"], **_clock(schedule.get("endTime")), tzinfo=UTC)
    except (TypeError, ValueError):
        return _invalid("event.schedule", "Invalid date or time")
    if end < start:
        return _invalid("event.schedule.end_date", "End date must be after start date")
    return None


def _clock(value: Any) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - {"hours", "minutes", "seconds", "nanos"}:
        raise ValueError("not a TimeOfDay")
    return {"hour": int(value.get("hours", 0)), "minute": int(value.get("minutes", 0))}


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")
