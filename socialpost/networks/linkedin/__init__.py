"""LinkedIn members and organisation pages through the REST Posts API, over plain httpx.

No SDK: LinkedIn's REST API is a handful of JSON calls, each with the ``LinkedIn-Version: YYYYMM``
header and ``X-Restli-Protocol-Version: 2.0.0``. LinkedIn retires each monthly version after about
a year and then answers ``426 NONEXISTENT_VERSION``: :data:`API_VERSIONS` declares that policy
(:mod:`socialpost.networks.api_version`). Without ``linkedin_version`` in the config an account
sends last month's version; a refused version (a retired pin, say) is replaced by a served one,
recorded in the account's state and logged, and the request goes out again — a post never fails
for it.

* publish: ``POST /rest/posts``; the new post's URN comes back in ``x-restli-id``. The commentary
  uses LinkedIn's "little text" format, where ``\\ | { } @ [ ] ( ) < > # * _ ~`` are markup: an
  unescaped one makes LinkedIn silently cut the post there. :func:`escape_commentary` escapes them
  outside links and turns ``#word`` into a real hashtag (``{hashtag|\\#|word}``). LinkedIn has no
  threads: the parts are joined into one post, separated by a blank line. Images go through
  ``/rest/images?action=initializeUpload`` and a PUT of the bytes, then ``GET /rest/images/{urn}``
  until LinkedIn says ``AVAILABLE`` (a post naming an image still ``PROCESSING`` is refused). An
  image that takes too long is a TransientError; its URN is kept (``uploads/<post key>.json``) so
  the retry waits for it instead of uploading it again.
* duplicates: ``422 DUPLICATE_POST`` names the existing post's URN → :class:`DuplicatePost` with it,
  which the daemon records as sent.
* metrics: organisations through ``organizationalEntityShareStatistics``, members through
  ``memberCreatorPostAnalytics`` (scope ``r_member_postAnalytics``); both need the Community
  Management API product, so a 403 means "not available" (None, with a log line), never zeros.
* reconcile: organisations can list their posts; members cannot (``r_member_social`` is closed).
* setup: 3-legged OAuth with a loopback redirect (:mod:`socialpost.networks.common.oauth_loopback`).
"""

from __future__ import annotations

import logging
import re
import secrets as secrets_module
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

import httpx
from pydantic import Field, SecretStr, field_validator, model_validator

from socialpost.errors import (
    AccessTierError,
    AuthError,
    ContentRejected,
    DuplicatePost,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.i18n import _
from socialpost.i18n.formats import integer
from socialpost.media import MediaRoots
from socialpost.networks.api_version import VersionInUse, VersionPolicy
from socialpost.networks.base import (
    AccountSettings,
    AccountSetup,
    AdapterContext,
    Network,
    NotSent,
    OutgoingPost,
    Published,
    Rendition,
    Reply,
    SetupUI,
)
from socialpost.networks.capabilities import (
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    Reconciler,
    Replier,
)
from socialpost.networks.common.comments import check_reply
from socialpost.networks.common.http import retry_after
from socialpost.networks.common.numbers import as_int
from socialpost.networks.common.oauth_loopback import LoopbackReceiver, OAuthRedirect, is_loopback, parse_redirect
from socialpost.networks.common.read_pause import ReadPause
from socialpost.networks.common.tls import LazyClient, bearer_client
from socialpost.networks.health import AccountHealth, HealthWarning, origin_of
from socialpost.networks.profile import MB, AdviceFacts, MediaLimits, NetworkProfile
from socialpost.privatefiles import read_object, safe_name, write_json
from socialpost.redaction import redact_values
from socialpost.text.rules import characters
from socialpost.text.utm import links
from socialpost.timeutil import iso_utc

log = logging.getLogger("socialpost.networks.linkedin")

API_URL = "https://api.linkedin.com"
AUTHORIZE_URL = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
DEFAULT_REDIRECT = "http://127.0.0.1:8765/callback"
# LinkedIn's versions (learn.microsoft.com/linkedin/marketing/versioning and …/integrations/migrations):
# one a month, YYYYMM, each served for about a year; retired ones answer 426 NONEXISTENT_VERSION.
API_VERSIONS = VersionPolicy(
    network="linkedin",
    setting="linkedin_version",
    label="LinkedIn-Version",
    scheme="monthly",
    checked=date(2026, 12, 6),
    docs="https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations",
    lifetime_months=12,
    release_day=15,
    known_sunsets={"202510": date(2026, 10, 15), "202511": date(2026, 11, 16)},
)
IMAGE_WAIT_SECONDS = 60.0  # how long a post waits for LinkedIn to process its images
IMAGE_POLL_FIRST = 0.5  # seconds before the first status check; doubles up to IMAGE_POLL_MAX
IMAGE_POLL_MAX = 5.0
MAX_COMMENTARY = 3000
MAX_IMAGES = 20
MAX_PIXELS = 36_152_320
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}
THREAD_SEPARATOR = "\n\n"
DEFAULT_RATE_DELAY = timedelta(hours=1)  # LinkedIn's 429s rarely say when; its quotas are daily
TOKEN_WARNING = timedelta(days=14)
LOGIN_TIMEOUT = 300.0  # seconds to wait for the browser's redirect
STATS_CHUNK = 20
CLOCK_SKEW = timedelta(minutes=2)
EXCERPT = 300
RESERVED = frozenset("\\|{}@[]()<>#*_~")
_HASHTAG = re.compile(r"(?<![\w#\\/&])#(\w*[^\W\d_]\w*)")
_URN = re.compile(r"urn:li:(?:share|ugcPost):[0-9]+")
_COMMENT = re.compile(r"urn:li:comment:\((urn:li:[A-Za-z]+:[0-9]+),([0-9]+)\)")
MAX_COMMENT = 1250  # characters in one comment
COMMENTS_COUNT = 100  # comments per request
COMMENT_PAGES = 10  # requests per post or comment, at most
PERMISSION_PAUSE = timedelta(hours=1)  # no comments read for a while after a 403
_AUTHOR = re.compile(r"urn:li:(person|organization):([A-Za-z0-9_-]+)")
HEADERS_REST = {"X-Restli-Protocol-Version": "2.0.0"}


# --- commentary ---------------------------------------------------------------------------------


def _escape_chars(text: str) -> str:
    return "".join(f"\\{c}" if c in RESERVED else c for c in text)


def _escape_plain(text: str) -> str:
    pieces: list[str] = []
    cursor = 0
    for match in _HASHTAG.finditer(text):
        pieces.append(_escape_chars(text[cursor : match.start()]))
        pieces.append("{hashtag|\\#|" + _escape_chars(match.group(1)) + "}")
        cursor = match.end()
    pieces.append(_escape_chars(text[cursor:]))
    return "".join(pieces)


def escape_commentary(text: str) -> str:
    """``text`` in LinkedIn's little text format: reserved characters escaped with a backslash,
    links left exactly as written, ``#word`` as a hashtag."""
    pieces: list[str] = []
    cursor = 0
    for start, end, _url in links(text):
        pieces.append(_escape_plain(text[cursor:start]))
        pieces.append(text[start:end])
        cursor = end
    pieces.append(_escape_plain(text[cursor:]))
    return "".join(pieces)


# --- settings -----------------------------------------------------------------------------------


class LinkedInSettings(AccountSettings):
    author: str = Field(description="urn:li:person:… (a member) or urn:li:organization:… (a page)")
    access_token: SecretStr = Field(description="OAuth access token (secrets.yaml)")
    linkedin_version: str | None = Field(
        None, description="LinkedIn-Version header, YYYYMM; unset: last month's, following LinkedIn's calendar"
    )
    base_url: str = Field(API_URL, description="API host (a proxy or a test server)")
    visibility: Literal["PUBLIC", "CONNECTIONS"] = Field("PUBLIC", description="who sees the posts")
    expires_at: datetime | None = Field(None, description="when the access token expires (set by accounts add)")
    timeout: float = Field(30.0, gt=0, le=300, description="seconds to wait for LinkedIn")

    @field_validator("author")
    @classmethod
    def _author(cls, value: str) -> str:
        value = value.strip()
        if not _AUTHOR.fullmatch(value):
            raise ValueError(_("write the author as urn:li:person:ID or urn:li:organization:ID"))
        return value

    @field_validator("linkedin_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = str(value).strip()
        if not re.fullmatch(r"20[0-9]{2}(0[1-9]|1[0-2])", value):
            raise ValueError(_("write the LinkedIn version as YYYYMM, e.g. 202510"))
        return value

    @model_validator(mode="after")
    def _visibility(self) -> LinkedInSettings:
        if self.visibility == "CONNECTIONS" and self.is_organization:
            raise ValueError(_("visibility CONNECTIONS is for members; an organization posts PUBLIC"))
        return self

    @property
    def is_organization(self) -> bool:
        return self.author.startswith("urn:li:organization:")

    @property
    def author_id(self) -> str:
        return self.author.rsplit(":", 1)[1]


class LinkedInNetwork(Network, Reconciler, MetricsReader, InboxReader, Replier, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="linkedin",
        title="LinkedIn",
        settings_model=LinkedInSettings,
        length=characters("linkedin", MAX_COMMENTARY),
        reply_length=characters("linkedin", MAX_COMMENT),  # a comment is shorter than a post
        media=MediaLimits(20, 8 * MB, 200 * MB, 8 * MB),
        advice=AdviceFacts(hashtags=5),
        threads=False,
        idempotent=False,
        api_version=API_VERSIONS,
    )

    settings: LinkedInSettings
    transport: httpx.BaseTransport | None = None  # tests may inject one

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = LazyClient(self._new_client)
        name = self.account.partition(":")[2] or self.account
        self._name = name
        self._reconnect = f"socialpost accounts add linkedin {name}"
        self._read_pause = ReadPause(self.context.clock)
        self._versions = VersionInUse(
            API_VERSIONS,
            account=self.account,
            configured=self.settings.linkedin_version,
            data_dir=self.context.data_dir,
            clock=self.context.clock,
        )
        self._uploads = self.context.state_dir("uploads", self.account)
        # how the adapter waits for LinkedIn to process images (tests replace both)
        self.sleep: Callable[[float], None] = time.sleep
        self.monotonic: Callable[[], float] = time.monotonic

    # --- plumbing -------------------------------------------------------------------------------

    @property
    def _where(self) -> str:
        """How messages name this account (in the language active when the message is built)."""
        return _("LinkedIn '{name}'").format(name=self._name)

    def _new_client(self) -> httpx.Client:
        return bearer_client(self.settings.base_url, self.settings.timeout, self.settings.access_token, self.transport)

    def _rest_headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {"LinkedIn-Version": self._versions.current, **HEADERS_REST, **(extra or {})}

    def _send(self, method: str, url: str, *, publishing: bool = False, **kwargs: Any) -> httpx.Response:
        """One request; when LinkedIn says its ``LinkedIn-Version`` does not exist (retired, or not
        out yet), the same request again with a served version (LinkedIn processed nothing)."""
        response = self._request(method, url, publishing=publishing, **kwargs)
        headers = kwargs.get("headers") or {}
        refused = headers.get("LinkedIn-Version")
        if refused is None or not version_refused(response):
            return response

        def attempt(version: str) -> httpx.Response | None:
            again = self._request(
                method, url, publishing=publishing, **{**kwargs, "headers": {**headers, "LinkedIn-Version": version}}
            )
            return None if version_refused(again) else again

        reason = redact_values(_refusal(response), [self.settings.access_token.get_secret_value()])
        moved = self._versions.move(refused, attempt, reason=reason)
        return response if moved is None else moved[1]

    def _request(self, method: str, url: str, *, publishing: bool = False, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.get().request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(
                _("{where}: cannot reach LinkedIn ({error}).").format(where=self._where, error=exc.__class__.__name__)
            ) from None
        except httpx.TimeoutException:
            raise TransientError(
                _("{where}: LinkedIn did not answer within {seconds} s.").format(
                    where=self._where, seconds=f"{self.settings.timeout:g}"
                ),
                request_sent=publishing,
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(
                _("{where}: the connection to LinkedIn broke ({error}).").format(
                    where=self._where, error=exc.__class__.__name__
                ),
                request_sent=publishing,
            ) from None

    def _call(self, method: str, url: str, *, publishing: bool = False, **kwargs: Any) -> httpx.Response:
        response = self._send(method, url, publishing=publishing, **kwargs)
        if response.is_success:
            return response
        raise self._error(response, publishing=publishing)

    def _error(self, response: httpx.Response, *, publishing: bool = False) -> NetworkError:
        return linkedin_error(
            response,
            where=self._where,
            now=self.context.clock(),
            secrets=[self.settings.access_token.get_secret_value()],
            reconnect=self._reconnect,
            organization=self.settings.is_organization,
            request_sent=publishing,
        )

    # --- publish --------------------------------------------------------------------------------

    @classmethod
    def as_read(cls, parts: Sequence[str]) -> Rendition:
        """One post, as :meth:`commentary` joins it; people read it as written, unescaped."""
        shown = Rendition.joined(parts, network=cls.title, separator=THREAD_SEPARATOR)
        if escape_commentary(shown.parts[0]) == shown.parts[0]:
            return shown
        note = _(
            "LinkedIn reads characters such as # @ * _ ( ) [ ] as formatting: socialpost escapes them when it "
            "sends the post, so people see them as written here, and each #word becomes a LinkedIn hashtag."
        )
        return Rendition(shown.parts, (*shown.notes, note))

    def commentary(self, post: OutgoingPost) -> str:
        """LinkedIn has no threads: the parts become one post, separated by a blank line."""
        commentary = escape_commentary(THREAD_SEPARATOR.join([post.text, *post.thread]))
        if len(commentary) > MAX_COMMENTARY:
            raise ContentRejected(
                _(
                    "{where}: the post is {length} characters once its thread parts are joined "
                    "and LinkedIn's reserved characters escaped; LinkedIn takes at most {limit}."
                ).format(where=self._where, length=integer(len(commentary)), limit=integer(MAX_COMMENTARY)),
                hint=_("Shorten the text for LinkedIn (variants: linkedin: {{text: …}}).").format(),
            )
        return commentary

    def publish(self, post: OutgoingPost) -> Published:
        commentary = self.commentary(post)
        roots = MediaRoots.checked(post, self.context)
        images = [(Path(m.file), m.alt, _check_image(Path(m.file), self._where)) for m in post.media]
        if len(images) > MAX_IMAGES:
            raise ContentRejected(
                _("{where}: {count} images in one post; LinkedIn takes at most {limit}.").format(
                    where=self._where, count=len(images), limit=MAX_IMAGES
                ),
                hint=_("Split the images over several posts."),
            )
        uploads = _Uploads(self._uploads, post.key)
        uploaded: list[tuple[str, str]] = []  # (URN, alt text)
        waiting: list[tuple[int, str, str]] = []  # (index, URN, file name)
        for index, (path, alt, mime) in enumerate(images):
            urn = self._upload(index, path, mime, uploads, roots)
            uploaded.append((urn, alt))
            waiting.append((index, urn, path.name))
        if waiting:
            self._wait_available(uploads, waiting)
        body: dict[str, Any] = {
            "author": self.settings.author,
            "commentary": commentary,
            "visibility": self.settings.visibility,
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if len(uploaded) == 1:
            urn, alt = uploaded[0]
            body["content"] = {"media": {"id": urn, **({"altText": alt} if alt else {})}}
        elif uploaded:
            body["content"] = {
                "multiImage": {"images": [{"id": urn, **({"altText": alt} if alt else {})} for urn, alt in uploaded]}
            }
        try:
            response = self._call("POST", "/rest/posts", json=body, headers=self._rest_headers(), publishing=True)
        except DuplicatePost:
            uploads.clear()  # the post is out (the daemon records it as sent): its images are done
            raise
        uploads.clear()
        urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not urn:
            raise TransientError(
                _("{where}: LinkedIn accepted the post ({status}) but did not say its id.").format(
                    where=self._where, status=response.status_code
                ),
                request_sent=True,
            )
        return Published(urn, post_url(urn))

    def _upload(self, index: int, path: Path, mime: str, uploads: _Uploads, roots: MediaRoots) -> str:
        """Upload one image; its ``urn:li:image:…``. Failures here never leave a visible post. An
        image uploaded by an earlier attempt of this post that LinkedIn has (or is processing) is
        used again instead."""
        known = uploads.get(index, path)
        if known is not None:
            status = self._image_status(known)
            if status in ("AVAILABLE", "PROCESSING"):
                log.info("%s: %s was uploaded by an earlier attempt (%s, %s)", self._where, path.name, known, status)
                return known
            uploads.forget(index)
        response = self._call(
            "POST",
            "/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": self.settings.author}},
            headers=self._rest_headers(),
        )
        value = _json(response).get("value") if isinstance(_json(response), dict) else None
        if not isinstance(value, dict) or not value.get("uploadUrl") or not value.get("image"):
            raise TransientError(
                _("{where}: LinkedIn did not give an upload address for {name}.").format(
                    where=self._where, name=path.name
                )
            )
        self._call("PUT", str(value["uploadUrl"]), content=roots.read(path), headers={"Content-Type": mime})
        urn = str(value["image"])
        uploads.put(index, path, urn)
        return urn

    def _image_status(self, urn: str) -> str:
        """LinkedIn's ``status`` of an uploaded image (``GET /rest/images/{urn}``); "GONE" for a 404."""
        response = self._send("GET", f"/rest/images/{_enc(urn)}", headers=self._rest_headers())
        if response.status_code == 404:
            return "GONE"
        if not response.is_success:
            raise self._error(response)
        data = _json(response)
        return str(data.get("status") or "") if isinstance(data, dict) else ""

    def _wait_available(self, uploads: _Uploads, images: list[tuple[int, str, str]]) -> None:
        """Wait until LinkedIn has processed every image (``AVAILABLE``): it refuses a post naming
        one that is not. Bounded by IMAGE_WAIT_SECONDS, checking at growing intervals."""
        pending = {urn: (index, name) for index, urn, name in images}
        deadline = self.monotonic() + IMAGE_WAIT_SECONDS
        delay = IMAGE_POLL_FIRST
        while True:
            for urn, (index, name) in list(pending.items()):
                status = self._image_status(urn)
                if status == "AVAILABLE":
                    del pending[urn]
                elif status in ("PROCESSING_FAILED", "GONE"):
                    uploads.forget(index)
                    raise ContentRejected(
                        _(
                            "{where}: LinkedIn could not process the image {name} ({status}); nothing was posted."
                        ).format(where=self._where, name=name, status=status),
                        hint=_(
                            "Check that the image opens, save it again as JPEG or PNG, then send the post again "
                            "(socialpost retry)."
                        ),
                    )
            if not pending:
                return
            if self.monotonic() + delay > deadline:
                names = ", ".join(name for _index, name in pending.values())
                raise TransientError(
                    _(
                        "{where}: LinkedIn was still processing {names} after {seconds} s; nothing was posted. "
                        "The next try waits for the same upload."
                    ).format(where=self._where, names=names, seconds=f"{IMAGE_WAIT_SECONDS:g}")
                )
            self.sleep(delay)
            delay = min(delay * 2, IMAGE_POLL_MAX)

    # --- reconcile ------------------------------------------------------------------------------

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        if not self.settings.is_organization:
            return None  # a member's own posts cannot be read back (r_member_social is closed)
        commentary = self.commentary(post)
        plain = THREAD_SEPARATOR.join([post.text, *post.thread])
        since_ms = int((post.due_at - CLOCK_SKEW).timestamp() * 1000)
        count = 50
        query = f"q=author&author={_enc(self.settings.author)}&count={count}&sortBy=LAST_MODIFIED"
        response = self._send("GET", f"/rest/posts?{query}", headers=self._rest_headers({"X-RestLi-Method": "FINDER"}))
        if response.status_code == 403:
            return None
        if not response.is_success:
            raise self._error(response)
        data = _json(response)
        elements = data.get("elements") if isinstance(data, dict) else None
        if not isinstance(elements, list):
            return None
        covered = len(elements) < count
        for item in elements:
            if not isinstance(item, dict):
                continue
            created = as_int(item.get("createdAt")) or as_int(item.get("publishedAt")) or 0
            modified = as_int(item.get("lastModifiedAt")) or created
            if modified and modified < since_ms:
                covered = True  # sorted by last change: everything from here on is older
            if created >= since_ms and str(item.get("commentary", "")).strip() in (commentary.strip(), plain.strip()):
                urn = str(item.get("id") or "")
                if urn:
                    return Published(urn, post_url(urn))
        if covered:
            return NotSent(f"no post with this text on the page since {post.due_at - CLOCK_SKEW:%Y-%m-%d %H:%M} UTC")
        return None

    # --- metrics --------------------------------------------------------------------------------

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        ids = list(dict.fromkeys(remote_ids))
        empty = {i: dict.fromkeys(("views", "likes", "replies", "reposts", "clicks")) for i in ids}
        if not ids:
            return {}
        if self.settings.is_organization:
            return self._organization_metrics(ids, empty)
        return self._member_metrics(ids, empty)

    def _organization_metrics(
        self, ids: list[str], result: dict[str, dict[str, int | None]]
    ) -> dict[str, dict[str, int | None]]:
        for start in range(0, len(ids), STATS_CHUNK):
            chunk = ids[start : start + STATS_CHUNK]
            shares = [i for i in chunk if i.startswith("urn:li:share:")]
            ugc = [i for i in chunk if i.startswith("urn:li:ugcPost:")]
            query = f"q=organizationalEntity&organizationalEntity={_enc(self.settings.author)}"
            if shares:
                query += f"&shares=List({','.join(_enc(i) for i in shares)})"
            if ugc:
                query += f"&ugcPosts=List({','.join(_enc(i) for i in ugc)})"
            if not shares and not ugc:
                continue
            response = self._send(
                "GET", f"/rest/organizationalEntityShareStatistics?{query}", headers=self._rest_headers()
            )
            if response.status_code == 403:
                log.info("%s: post statistics are not available for this account (403)", self._where)
                return result
            if not response.is_success:
                raise self._error(response)
            data = _json(response)
            for element in data.get("elements", []) if isinstance(data, dict) else []:
                if not isinstance(element, dict):
                    continue
                urn = element.get("share") or element.get("ugcPost")
                stats = element.get("totalShareStatistics")
                if urn in result and isinstance(stats, dict):
                    result[str(urn)] = {
                        "views": as_int(stats.get("impressionCount")),
                        "likes": as_int(stats.get("likeCount")),
                        "replies": as_int(stats.get("commentCount")),
                        "reposts": as_int(stats.get("shareCount")),
                        "clicks": as_int(stats.get("clickCount")),
                    }
        return result

    def _member_metrics(
        self, ids: list[str], result: dict[str, dict[str, int | None]]
    ) -> dict[str, dict[str, int | None]]:
        kinds = {"IMPRESSION": "views", "REACTION": "likes", "COMMENT": "replies", "RESHARE": "reposts"}
        for urn in ids:
            kind = "share" if urn.startswith("urn:li:share:") else "ugc"
            for query_type, metric in kinds.items():
                query = f"q=entity&entity=({kind}:{_enc(urn)})&queryType={query_type}&aggregation=TOTAL"
                response = self._send("GET", f"/rest/memberCreatorPostAnalytics?{query}", headers=self._rest_headers())
                if response.status_code == 403:
                    log.warning(
                        "%s: LinkedIn refused the post statistics (403): the token lacks r_member_postAnalytics "
                        "(Community Management API); views, likes, replies and reposts are not available. "
                        "Add the product to the app, then run '%s' and answer yes to statistics",
                        self._where,
                        self._reconnect,
                    )
                    return result
                if not response.is_success:
                    raise self._error(response)
                data = _json(response)
                elements = data.get("elements") if isinstance(data, dict) else None
                if isinstance(elements, list):
                    counts = [as_int(e.get("count")) for e in elements if isinstance(e, dict)]
                    known = [c for c in counts if c is not None]
                    result[urn][metric] = sum(known) if known else None
        return result

    # --- inbox ----------------------------------------------------------------------------------

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """The comments on each post and the replies to them (``GET /rest/socialActions/{urn}/comments``,
        then the same on each comment that has replies), page after page. Reading them needs
        r_organization_social (an organization page) or r_member_social (a member; LinkedIn grants
        it only to approved partners): without it, a clear AuthError. A post that is gone is left out."""
        ids = [str(i) for i in dict.fromkeys(remote_ids) if _URN.fullmatch(str(i))]
        if not ids:
            return []
        self._read_pause.check()
        try:
            replies: list[Reply] = []
            for urn in ids:
                replies += self._comments(urn)
            return replies
        except RateLimited as exc:
            self._read_pause.hold(exc, exc.retry_at or self.context.clock() + DEFAULT_RATE_DELAY)
            raise
        except AuthError as exc:
            self._read_pause.hold(exc, self.context.clock() + PERMISSION_PAUSE)
            raise

    def _comments(self, post: str) -> list[Reply]:
        replies: list[Reply] = []
        top = self._comment_pages(post, post)
        if top is None:
            log.info("%s: post %s is gone; no comments", self._where, post)
            return replies
        for element in top:
            reply = _comment_reply(element, post, post, self.settings.author)
            if reply is None:
                continue
            replies.append(reply)
            if _has_replies(element):
                for nested in self._comment_pages(reply.remote_id, post) or []:
                    answer = _comment_reply(nested, post, reply.remote_id, self.settings.author)
                    if answer is not None:
                        replies.append(answer)
        return replies

    def _comment_pages(self, target: str, post: str) -> list[dict[str, Any]] | None:
        """Every comment on ``target`` (a post or a comment); None when it is gone (404)."""
        found: list[dict[str, Any]] = []
        start = 0
        for _page in range(COMMENT_PAGES):
            response = self._send(
                "GET",
                f"/rest/socialActions/{_enc(target)}/comments?start={start}&count={COMMENTS_COUNT}",
                headers=self._rest_headers(),
            )
            if response.status_code == 404:
                return None if target == post else found
            if response.status_code == 403:
                raise self._read_refused(response)
            if not response.is_success:
                raise self._error(response)
            data = _json(response)
            elements = data.get("elements") if isinstance(data, dict) else None
            page = [e for e in elements if isinstance(e, dict)] if isinstance(elements, list) else []
            found += page
            paging = data.get("paging") if isinstance(data, dict) else None
            total = as_int(paging.get("total")) if isinstance(paging, dict) else None
            start += len(page)
            if len(page) < COMMENTS_COUNT or (total is not None and start >= total):
                return found
        log.info("%s: %s has more than %d comments; only the first are read", self._where, target, len(found))
        return found

    def _read_refused(self, response: httpx.Response) -> AuthError:
        said = linkedin_said(response, [self.settings.access_token.get_secret_value()])
        if self.settings.is_organization:
            return AuthError(
                _(
                    "{where}: LinkedIn does not let this app read the page's comments (403): it needs the "
                    "r_organization_social permission (Community Management API) and an administrator role on "
                    "the page.{said}"
                ).format(where=self._where, said=said),
                hint=_(
                    "Add the Community Management API product to your LinkedIn app, then connect again: {command}."
                ).format(command=self._reconnect),
                status=403,
            )
        return AccessTierError(
            _(
                "{where}: LinkedIn does not let this app read the comments on your posts (403): that needs the "
                "r_member_social permission, which LinkedIn grants only to approved partners.{said}"
            ).format(where=self._where, said=said),
            hint=_("Answer comments in LinkedIn itself, or post as an organization page: {command}.").format(
                command=self._reconnect
            ),
            status=403,
        )

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer a comment (``POST /rest/socialActions/{comment}/comments`` with ``parentComment``).
        LinkedIn threads are one level deep: an answer to a reply goes under the comment that reply
        belongs to."""
        match = _COMMENT.fullmatch(str(in_reply_to))
        if match is None:
            raise ContentRejected(
                _("{where}: {id} is not a LinkedIn comment.").format(where=self._where, id=in_reply_to)
            )
        check_reply(
            text,
            where=self._where,
            limit=MAX_COMMENT,
            too_long=_("{where}: the reply is {length} characters; a LinkedIn comment takes at most {limit}."),
        )
        activity, comment_id = match.group(1), match.group(2)
        parent = self._thread_of(str(in_reply_to), activity, comment_id)
        body = {
            "actor": self.settings.author,
            "object": activity,
            "message": {"text": text},
            "parentComment": parent,
        }
        response = self._call(
            "POST",
            f"/rest/socialActions/{_enc(parent)}/comments",
            json=body,
            headers=self._rest_headers(),
            publishing=True,
        )
        data = _json(response)
        urn = _comment_urn(data) if isinstance(data, dict) else None
        if urn is None:
            header = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id") or ""
            if _COMMENT.fullmatch(header):
                urn = header
            elif header.isdigit():
                urn = f"urn:li:comment:({activity},{header})"
        if urn is None:
            raise TransientError(
                _("{where}: LinkedIn accepted the reply ({status}) but did not say its id.").format(
                    where=self._where, status=response.status_code
                ),
                request_sent=True,
            )
        return Published(urn, comment_url(activity, urn))

    def _thread_of(self, comment: str, activity: str, comment_id: str) -> str:
        """The comment an answer to ``comment`` goes under: its parent when it is itself a reply."""
        response = self._send(
            "GET", f"/rest/socialActions/{_enc(activity)}/comments/{comment_id}", headers=self._rest_headers()
        )
        if response.status_code == 404:
            raise PermanentError(
                _("{where}: the comment {id} is gone; it cannot be answered.").format(where=self._where, id=comment),
                hint=_("Refresh the inbox: socialpost inbox"),
                status=404,
            )
        if not response.is_success:
            return comment  # not allowed to read it (or a hiccup): answer it directly
        data = _json(response)
        parent = data.get("parentComment") if isinstance(data, dict) else None
        return str(parent) if isinstance(parent, str) and _COMMENT.fullmatch(parent) else comment

    # --- check ----------------------------------------------------------------------------------

    def token_expiry(self) -> datetime | None:
        return self.settings.expires_at

    def api_origin(self) -> str | None:
        return origin_of(self.settings.base_url)

    def health(self) -> AccountHealth:
        details = {"author": self.settings.author}
        warnings: list[HealthWarning] = []
        if self.settings.is_organization:
            data = _json(
                self._call("GET", f"/rest/organizations/{self.settings.author_id}", headers=self._rest_headers())
            )
            display = str(data.get("localizedName") or self.settings.author) if isinstance(data, dict) else ""
        else:
            data = _json(self._call("GET", "/v2/userinfo"))
            display = str(data.get("name") or self.settings.author) if isinstance(data, dict) else ""
            sub = data.get("sub") if isinstance(data, dict) else None
            if sub and str(sub) != self.settings.author_id:
                details["warning"] = (
                    f"the token belongs to urn:li:person:{sub}, not to the configured author; "
                    f"run '{self._reconnect}' again"
                )
                warnings.append(HealthWarning(details["warning"], f"Run '{self._reconnect}' again."))
            details["post statistics"] = self._statistics_granted()
        now = self.context.clock()
        if self.settings.expires_at is not None:
            expires = self.settings.expires_at
            expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
            left = expires - now
            if left <= timedelta(0):
                details["token expires"] = f"{expires:%Y-%m-%d} (expired: run '{self._reconnect}' again)"
            elif left < TOKEN_WARNING:
                details["token expires"] = (
                    f"{expires:%Y-%m-%d} (in {left.days} days: run '{self._reconnect}' again soon)"
                )
            else:
                details["token expires"] = f"{expires:%Y-%m-%d} (in {left.days} days)"
        else:
            details["token expires"] = "unknown (LinkedIn tokens last about 60 days)"
        return AccountHealth(
            self.account,
            display or self.settings.author,
            details,
            expires_at=self.settings.expires_at,
            warnings=tuple(warnings),
            api_version=self._versions.status(),
        )

    def _statistics_granted(self) -> str:
        """Whether the member's posts' statistics can be read (``r_member_postAnalytics``), asked with
        one versioned call, which also settles the LinkedIn-Version in use."""
        query = "q=me&queryType=IMPRESSION&aggregation=TOTAL"
        response = self._send("GET", f"/rest/memberCreatorPostAnalytics?{query}", headers=self._rest_headers())
        if response.is_success:
            return "yes"
        if response.status_code == 403:
            return f"no (the token lacks r_member_postAnalytics; see '{self._reconnect}')"
        if response.status_code == 401 or version_refused(response):
            raise self._error(response)
        return f"unknown (LinkedIn answered {response.status_code})"

    # --- setup ----------------------------------------------------------------------------------

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        name = account.partition(":")[2]
        where = _("LinkedIn set-up for '{name}'").format(name=name)
        again = f"socialpost accounts add linkedin {name}"
        ui.say(
            _(
                "socialpost posts to LinkedIn through a LinkedIn app of yours. Once: create an app at "
                "https://www.linkedin.com/developers/apps (it must be linked to a company page), add the "
                "products 'Share on LinkedIn' and 'Sign In with LinkedIn using OpenID Connect' (and "
                "'Community Management API' to post as an organization page, read statistics and read and "
                "answer comments with socialpost inbox), and on the Auth tab add the redirect URL {redirect}. "
                "Then copy the Client ID and the Primary Client Secret here. The secret is used once and not "
                "saved; the access token (valid about 60 days) goes to secrets.yaml."
            ).format(redirect=DEFAULT_REDIRECT)
        )
        client_id = ui.ask(_("Client ID")).strip()
        client_secret = ui.ask_secret(_("Client secret")).strip()
        redirect_uri = ui.ask(_("Redirect URL registered in the app"), default=DEFAULT_REDIRECT).strip()
        organization = ui.confirm(
            _("Post as an organization page you administer? (needs the Community Management API product)"),
            default=False,
        )
        scopes = ["openid", "profile", "w_member_social"]
        if organization:
            scopes += ["w_organization_social", "r_organization_social", "rw_organization_admin"]
        elif ui.confirm(
            _(
                "Read your posts' statistics (views, reactions, comments, reposts)? Needs the Community Management "
                "API product on the app (scope r_member_postAnalytics); without it LinkedIn refuses the sign-in."
            ),
            default=False,
        ):
            scopes.append("r_member_postAnalytics")
        version = API_VERSIONS.default(context.clock().date())
        state = secrets_module.token_urlsafe(24)
        authorize = (
            AUTHORIZE_URL
            + "?"
            + urlencode(
                {
                    "response_type": "code",
                    "client_id": client_id,
                    "redirect_uri": redirect_uri,
                    "state": state,
                    "scope": " ".join(scopes),
                },
                quote_via=quote,
            )
        )
        redirect = _receive_redirect(ui, authorize, redirect_uri)
        if redirect.error:
            raise AuthError(
                _("{where}: LinkedIn did not grant access ({error}: {description}).").format(
                    where=where, error=redirect.error, description=redirect.error_description or ""
                ),
                hint=_("Check the app's products and redirect URL, then try again."),
            )
        if redirect.state != state:
            raise AuthError(
                _("{where}: the answer does not belong to this sign-in (state mismatch).").format(where=where),
                hint=_("Start again with '{command}' and use the newest link.").format(command=again),
            )
        if not redirect.code:
            raise AuthError(
                _("{where}: the address holds no authorization code.").format(where=where),
                hint=_("Start again with '{command}'.").format(command=again),
            )
        hidden = [client_secret, redirect.code]
        with httpx.Client(timeout=30.0, headers={"User-Agent": "socialpost"}, transport=cls.transport) as client:
            token_response = _setup_send(
                client,
                "POST",
                TOKEN_URL,
                where,
                data={
                    "grant_type": "authorization_code",
                    "code": redirect.code,
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "redirect_uri": redirect_uri,
                },
            )
            token_data = _json(token_response)
            if not token_response.is_success or not isinstance(token_data, dict) or not token_data.get("access_token"):
                said = _oauth_reason(token_data, token_response, hidden)
                raise AuthError(
                    _("{where}: LinkedIn refused to issue a token ({status}).{said}").format(
                        where=where, status=token_response.status_code, said=said
                    ),
                    hint=_("Check the Client ID, the Client Secret and the redirect URL, then try again."),
                    status=token_response.status_code,
                )
            token = str(token_data["access_token"])
            hidden.append(token)
            expires_in = as_int(token_data.get("expires_in")) or 60 * 86400
            auth = {"Authorization": f"Bearer {token}"}
            me = _setup_send(client, "GET", API_URL + "/v2/userinfo", where, headers=auth)
            me_data = _json(me)
            if not me.is_success or not isinstance(me_data, dict) or not me_data.get("sub"):
                said = _oauth_reason(me_data, me, hidden)
                raise AuthError(
                    _("{where}: LinkedIn did not say who you are ({status}).{said}").format(
                        where=where, status=me.status_code, said=said
                    ),
                    hint=_("Add the 'Sign In with LinkedIn using OpenID Connect' product to the app and try again."),
                    status=me.status_code,
                )
            person = f"urn:li:person:{me_data['sub']}"
            options = [
                (
                    person,
                    _("{name} (your own profile)").format(name=me_data["name"])
                    if me_data.get("name")
                    else _("you (your own profile)"),
                )
            ]
            if organization:
                options += _administered(client, auth, where, version, context.clock().date())
                if len(options) == 1:
                    ui.say(
                        _(
                            "No organization page you administer was found (or the Community Management API is "
                            "not granted): the account will post as you."
                        )
                    )
        author = options[0][0] if len(options) == 1 else ui.choose(_("Post as"), options)
        expires_at = context.clock() + timedelta(seconds=expires_in)
        return AccountSetup(
            settings={"author": author, "expires_at": iso_utc(expires_at)},
            secrets={"access_token": token},
        )

    def close(self) -> None:
        self._client.close()


# --- helpers --------------------------------------------------------------------------------------


def comment_url(post: str, comment: str) -> str:
    """Where a comment shows: its post, scrolled to the comment."""
    return f"{post_url(post)}?commentUrn={_enc(comment)}"


def _comment_urn(element: dict[str, Any]) -> str | None:
    for key in ("commentUrn", "$URN"):
        value = element.get(key)
        if isinstance(value, str) and _COMMENT.fullmatch(value):
            return value
    target, number = element.get("object"), element.get("id")
    if isinstance(target, str) and number is not None and str(number).isdigit():
        return f"urn:li:comment:({target},{number})"
    return None


def _comment_reply(element: dict[str, Any], post: str, parent: str, author: str) -> Reply | None:
    """One LinkedIn comment as an inbox reply (None when it has no URN)."""
    urn = _comment_urn(element)
    if urn is None:
        return None
    created: dict[str, Any] = element["created"] if isinstance(element.get("created"), dict) else {}
    actor = str(element.get("actor") or created.get("actor") or "")
    message = element.get("message")
    text = message.get("text") if isinstance(message, dict) else message
    millis = as_int(created.get("time"))
    nested = element.get("parentComment")
    return Reply(
        remote_id=urn,
        in_reply_to=str(nested) if isinstance(nested, str) and nested else parent,
        post_remote_id=post,
        author=actor or "?",
        author_name="",
        text=str(text or ""),
        created_at=datetime.fromtimestamp(millis / 1000, UTC) if millis else None,
        url=comment_url(post, urn),
        own=actor == author,
    )


def _has_replies(element: dict[str, Any]) -> bool:
    """Whether a comment has replies to read: its summary says so, or it has no summary."""
    summary = element.get("commentsSummary")
    if not isinstance(summary, dict):
        return True
    counts = [as_int(summary.get(k)) for k in ("aggregatedTotalComments", "totalFirstLevelComments")]
    known = [c for c in counts if c is not None]
    return not known or max(known) > 0


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}"


def version_refused(response: httpx.Response) -> bool:
    """LinkedIn's "this LinkedIn-Version does not exist" (retired, or not out yet)."""
    if response.status_code == 426:
        return True
    data = _json(response) if response.status_code >= 400 else None
    return isinstance(data, dict) and data.get("code") == "NONEXISTENT_VERSION"


def _refusal(response: httpx.Response) -> str:
    """The log's words for a refusal: ``426 NONEXISTENT_VERSION: Requested version … is not active``."""
    data = _json(response)
    said = " ".join(str(data.get("message") or "").split())[:EXCERPT] if isinstance(data, dict) else ""
    code = str(data.get("code") or "") if isinstance(data, dict) else ""
    return " ".join(part for part in (str(response.status_code), code) if part) + (f": {said}" if said else "")


class _Uploads:
    """The images uploaded for one post (``uploads/<post key>.json``, mode 0600): index → URN, with
    the file's size and modification time, so another attempt of the post uses them again while
    the file is unchanged, instead of uploading it again."""

    def __init__(self, folder: Path, key: str) -> None:
        self.path = folder / f"{safe_name(key)}.json"
        self._images: dict[str, dict[str, Any]] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._images is None:
            data = read_object(self.path) or {}
            images = data.get("images")
            self._images = (
                {str(k): v for k, v in images.items() if isinstance(v, dict)} if isinstance(images, dict) else {}
            )
        return self._images

    @staticmethod
    def _identity(path: Path) -> dict[str, Any]:
        stat = path.stat()
        return {"file": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}

    def get(self, index: int, path: Path) -> str | None:
        entry = self._load().get(str(index))
        if entry is None or {k: entry.get(k) for k in ("file", "size", "mtime_ns")} != self._identity(path):
            return None
        urn = entry.get("urn")
        return str(urn) if isinstance(urn, str) and urn.startswith("urn:li:image:") else None

    def put(self, index: int, path: Path, urn: str) -> None:
        self._load()[str(index)] = {**self._identity(path), "urn": urn}
        self._save()

    def forget(self, index: int) -> None:
        if self._load().pop(str(index), None) is not None:
            self._save()

    def clear(self) -> None:
        self._images = {}
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:  # a stale record only makes a later attempt check LinkedIn first
            log.warning("cannot remove %s (%s)", self.path, exc.strerror or exc)

    def _save(self) -> None:
        try:
            write_json(self.path, {"images": self._load()})
        except OSError as exc:  # the post still goes out; a retry would only upload again
            log.warning("cannot record uploaded images in %s (%s)", self.path, exc.strerror or exc)


def _enc(value: str) -> str:
    return quote(value, safe="")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _receive_redirect(ui: SetupUI, authorize: str, redirect_uri: str) -> OAuthRedirect:
    """Open the authorise page and get the redirect: on the loopback server when the browser is
    on this machine, else (or when nothing arrives) from the address the person pastes."""
    receiver: LoopbackReceiver | None = None
    if is_loopback(redirect_uri) and ui.confirm(_("Is the web browser on this computer?"), default=True):
        try:
            receiver = LoopbackReceiver(redirect_uri)
        except OSError as exc:
            ui.say(
                _("Cannot listen on {address} ({error}); you will paste the address instead.").format(
                    address=redirect_uri, error=exc.strerror or exc
                )
            )
    if receiver is None:
        ui.say(
            _(
                "Sign in and allow access; your browser then goes to an address starting with "
                "{address} that may show an error page. Copy that whole address."
            ).format(address=redirect_uri)
        )
    try:
        ui.open_url(authorize)
        if receiver is not None:
            ui.say(_("Waiting for LinkedIn to send your browser back here…"))
            found = receiver.wait(LOGIN_TIMEOUT)
            if found is not None:
                return found
            ui.say(_("Nothing came back within {seconds} s.").format(seconds=f"{LOGIN_TIMEOUT:g}"))
    finally:
        if receiver is not None:
            receiver.close()
    return parse_redirect(ui.ask(_("Paste the address your browser shows after you allowed access")))


def _setup_send(client: httpx.Client, method: str, url: str, where: str, **kwargs: Any) -> httpx.Response:
    try:
        return client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise TransientError(
            _("{where}: cannot reach LinkedIn ({error}).").format(where=where, error=exc.__class__.__name__)
        ) from None


def _oauth_reason(data: Any, response: httpx.Response, secrets: Sequence[str]) -> str:
    if isinstance(data, dict):
        reason = data.get("error_description") or data.get("message") or data.get("error")
        if reason:
            return " " + _("LinkedIn said: {message}").format(
                message=redact_values(" ".join(str(reason).split()), secrets)[:EXCERPT]
            )
    text = redact_values(" ".join(response.text.split()), secrets)[:EXCERPT]
    return " " + _("LinkedIn said: {message}").format(message=text) if text else ""


def _served_send(send: Callable[[str], httpx.Response], version: str, today: date) -> tuple[str, httpx.Response]:
    """``send(version)``, and when LinkedIn refuses that version, the same with the versions
    :data:`API_VERSIONS` offers instead: (the version that answered, its answer)."""
    response = send(version)
    for other in API_VERSIONS.candidates(version, today) if version_refused(response) else ():
        again = send(other)
        if not version_refused(again):
            return other, again
    return version, response


def _administered(
    client: httpx.Client, auth: Mapping[str, str], where: str, version: str, today: date
) -> list[tuple[str, str]]:
    """(URN, label) of the organization pages the member administers; [] when not permitted."""
    version, acls = _served_send(
        lambda v: _setup_send(
            client,
            "GET",
            API_URL + "/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED",
            where,
            headers={**auth, "LinkedIn-Version": v, **HEADERS_REST},
        ),
        version,
        today,
    )
    headers = {**auth, "LinkedIn-Version": version, **HEADERS_REST}
    data = _json(acls)
    if not acls.is_success or not isinstance(data, dict):
        return []
    found: list[tuple[str, str]] = []
    for element in data.get("elements", [])[:STATS_CHUNK]:
        urn = element.get("organization") if isinstance(element, dict) else None
        if not isinstance(urn, str) or not _AUTHOR.fullmatch(urn):
            continue
        label = urn
        org = _setup_send(
            client, "GET", API_URL + f"/rest/organizations/{urn.rsplit(':', 1)[1]}", where, headers=headers
        )
        org_data = _json(org)
        if org.is_success and isinstance(org_data, dict) and org_data.get("localizedName"):
            label = f"{org_data['localizedName']} ({urn})"
        found.append((urn, label))
    return found


def linkedin_said(response: httpx.Response, secrets: Sequence[str]) -> str:
    """`` LinkedIn said: …`` (with a leading space), or "" when LinkedIn said nothing."""
    data = _json(response)
    raw = redact_values(response.text, secrets)
    message = ""
    if isinstance(data, dict) and data.get("message"):
        message = redact_values(" ".join(str(data["message"]).split()), secrets)
    elif raw.strip():
        message = " ".join(raw.split())
    service = data.get("serviceErrorCode") if isinstance(data, dict) else None
    if not message:
        return ""
    if service is not None:
        said = _("LinkedIn said: {message} (serviceErrorCode {code})").format(message=message[:EXCERPT], code=service)
    else:
        said = _("LinkedIn said: {message}").format(message=message[:EXCERPT])
    return " " + (said if said.endswith(".") else said + ".")


def linkedin_error(
    response: httpx.Response,
    *,
    where: str,
    now: datetime,
    secrets: Sequence[str],
    reconnect: str,
    organization: bool,
    request_sent: bool,
) -> NetworkError:
    """A LinkedIn error answer → the socialpost error that says what is wrong and what to do."""
    status = response.status_code
    data = _json(response)
    raw = redact_values(response.text, secrets)
    message = ""
    if isinstance(data, dict) and data.get("message"):
        message = redact_values(" ".join(str(data["message"]).split()), secrets)
    elif raw.strip():
        message = " ".join(raw.split())
    code = str(data.get("code") or "") if isinstance(data, dict) else ""
    said = linkedin_said(response, secrets)
    if "DUPLICATE_POST" in raw or (status == 422 and "duplicate" in raw.lower()):
        found = _URN.search(raw)
        urn = found.group(0) if found else None
        return DuplicatePost(
            _("{where}: LinkedIn already has this post ({urn}).").format(where=where, urn=urn)
            if urn
            else _("{where}: LinkedIn already has this post.").format(where=where),
            hint=None if urn else _("Change the text, or check the profile: it may already be online."),
            status=status,
            existing_id=urn,
            existing_url=post_url(urn) if urn else None,
        )
    if (
        status == 426
        or code in ("NONEXISTENT_VERSION", "VERSION_MISSING")
        or (
            status == 400
            and "version" in message.lower()
            and ("not active" in message.lower() or "sunset" in message.lower())
        )
    ):
        return PermanentError(
            _(
                "{where}: LinkedIn refused the API version socialpost sent (LinkedIn-Version), and the months "
                "around it.{said}"
            ).format(where=where, said=said),
            hint=_(
                "Set linkedin_version in your config file to a month LinkedIn lists as served ({docs}), "
                "or update socialpost."
            ).format(docs=API_VERSIONS.docs),
            status=status,
        )
    if status == 401:
        return AuthError(
            _("{where}: the access token is expired or revoked (LinkedIn tokens last about 60 days).{said}").format(
                where=where, said=said
            ),
            hint=_("Connect the account again: {command}.").format(command=reconnect),
            status=status,
        )
    if status == 403:
        permission = (
            "w_organization_social (Community Management API)"
            if organization
            else "w_member_social (Share on LinkedIn)"
        )
        return AuthError(
            _(
                "{where}: LinkedIn refused: the app or token lacks a permission ({permission}), or you are not an "
                "administrator of this page.{said}"
            ).format(where=where, permission=permission, said=said),
            hint=_("Add the product to your LinkedIn app, then connect again: {command}.").format(command=reconnect),
            status=status,
        )
    if status == 429:
        retry_at = retry_after(response.headers.get("Retry-After"), now) or now + DEFAULT_RATE_DELAY
        return RateLimited(
            _("{where}: LinkedIn's rate limit is reached (429).{said}").format(where=where, said=said),
            hint=_("socialpost will try again later; LinkedIn's quotas are per day."),
            status=status,
            retry_at=retry_at,
        )
    if status >= 500:
        return TransientError(
            _("{where}: LinkedIn failed ({status}).{said}").format(where=where, status=status, said=said),
            status=status,
            request_sent=request_sent,
        )
    if status in (400, 422):
        return ContentRejected(
            _("{where}: LinkedIn rejected the post ({status}).{said}").format(where=where, status=status, said=said),
            status=status,
        )
    if status == 404:
        return PermanentError(
            _("{where}: LinkedIn cannot find it (404).{said}").format(where=where, said=said),
            hint=_("Check the author URN in your config."),
            status=status,
        )
    return PermanentError(
        _("{where}: LinkedIn refused the request ({status}).{said}").format(where=where, status=status, said=said),
        status=status,
    )


def _check_image(path: Path, where: str) -> str:
    """The MIME type of an image LinkedIn takes; ContentRejected with the reason otherwise."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind, (width, height) = image.format, image.size
    except FileNotFoundError:
        raise ContentRejected(_("{where}: {path} does not exist.").format(where=where, path=path)) from None
    except (UnidentifiedImageError, OSError):
        kind, width, height = None, 0, 0
    if kind not in IMAGE_FORMATS:
        raise ContentRejected(
            _(
                "{where}: {name} is not an image LinkedIn takes (JPEG, PNG or GIF); "
                "socialpost does not post videos or documents to LinkedIn yet."
            ).format(where=where, name=path.name)
        )
    if width * height > MAX_PIXELS:
        raise ContentRejected(
            _("{where}: {name} is {width}×{height} pixels; LinkedIn takes at most {limit} pixels.").format(
                where=where, name=path.name, width=width, height=height, limit=integer(MAX_PIXELS)
            ),
            hint=_("Resize the image."),
        )
    return IMAGE_FORMATS[kind]
