"""Facebook Pages through the Graph API, over plain httpx.

Why not ``facebook-sdk``: its 3.1.0 release (2018, the newest) accepts only Graph versions 2.8–3.1,
all long retired, and rejects any two-digit version. The Graph calls a Page needs are few, so this
module makes them itself, with the version (``graph_version``) and host (``base_url``) as settings.

Graph versions: :data:`API_VERSIONS` declares the version socialpost uses (``v24.0``), when it
was checked and its sunset (:mod:`socialpost.networks.api_version`). Meta answers a call to a
retired version as the oldest version it still serves ("calls made to it will be defaulted to the
next oldest usable version", Graph API versioning guide), so a retired ``graph_version`` pin does
not break posting: it is a warning in the log, ``accounts test`` and ``doctor``.

What it does (docs/networks/facebook.md has the user's view):

* publish: ``POST /{page}/feed`` (text, with the first link as ``link``); one photo:
  ``POST /{page}/photos`` (``caption``, ``alt_text_custom``); several photos: each uploaded with
  ``published=false``, then ``/feed`` with ``attached_media``. Facebook has no threads: the parts
  are joined into one message, separated by a blank line.
* reconcile: the Page's ``published_posts`` since the post's due time, matched on the message.
* metrics: reactions, comments and shares from the post's fields; views (``post_media_view``:
  impressions, as every other network counts views) and clicks from the post's insights, under
  configurable metric names (Meta renamed and removed many in 2024–2025). Graph batch requests
  fetch up to 25 posts (50 requests) per call.
* errors: Graph's ``{"error": {"code", "error_subcode", "message", "fbtrace_id"}}`` mapped onto
  socialpost's error tree; the token travels in the ``Authorization`` header and request bodies,
  never in a URL, so it cannot reach a log line.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import Field, SecretStr, field_validator

from socialpost.errors import (
    AuthError,
    ContentRejected,
    DuplicatePost,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.i18n import N_, _
from socialpost.i18n.formats import decimal, integer
from socialpost.media import MediaRoots
from socialpost.networks.api_version import ApiVersionStatus, VersionPolicy
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
from socialpost.networks.common.numbers import as_int
from socialpost.networks.common.read_pause import ReadPause
from socialpost.networks.common.tls import LazyClient, bearer_client
from socialpost.networks.health import AccountHealth, HealthWarning, origin_of
from socialpost.networks.profile import MB, AdviceFacts, MediaLimits, NetworkProfile
from socialpost.redaction import redact_values
from socialpost.text.rules import characters
from socialpost.text.utm import links

log = logging.getLogger("socialpost.networks.facebook")

GRAPH_URL = "https://graph.facebook.com"
# Graph API versions (developers.facebook.com/docs/graph-api/changelog): each is served until two
# years after the next one came out; v19.0 and v20.0 from the changelog, v21.0–v23.0 by that rule
# (v22.0 came out 2025-01-21, v23.0 2025-05-29, v24.0 2025-10-08), v24.0 until 2028-02-18.
API_VERSIONS = VersionPolicy(
    network="facebook",
    setting="graph_version",
    label="Graph API",
    scheme="major.minor",
    checked=date(2026, 12, 6),
    docs="https://developers.facebook.com/docs/graph-api/changelog",
    version="v24.0",
    sunset=date(2028, 2, 18),
    known_sunsets={
        "v19.0": date(2026, 5, 21),
        "v20.0": date(2026, 9, 24),
        "v21.0": date(2027, 1, 21),
        "v22.0": date(2027, 5, 29),
        "v23.0": date(2027, 10, 8),
    },
    forwards_retired=True,
)
DEFAULT_METRICS = {"views": "post_media_view", "clicks": "post_clicks"}
MAX_MESSAGE = 63_206
MAX_PHOTOS = 10  # socialpost's cap for one multi-photo post
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Meta recommends under 4 MB; larger files are refused outright
BATCH_LIMIT = 50  # requests per Graph batch call
THREAD_SEPARATOR = "\n\n"
DEFAULT_RATE_DELAY = timedelta(minutes=15)  # when Meta does not say how long to wait
CLOCK_SKEW = timedelta(minutes=2)
EXCERPT = 300
PUBLISH_PERMISSIONS = ("pages_manage_posts", "pages_read_engagement", "pages_show_list")
INBOX_PERMISSIONS = ("pages_read_engagement", "pages_read_user_content")  # read the comments
REPLY_PERMISSIONS = ("pages_manage_engagement",)  # answer them as the Page
MAX_COMMENT = 8000  # characters in one comment
COMMENT_FIELDS = "id,from{id,name},message,created_time,parent{id},permalink_url"
COMMENTS_PAGE = 100  # comments per request
COMMENT_PAGES = 20  # requests per post, at most (2,000 comments)
PERMISSION_PAUSE = timedelta(hours=1)  # no comments read for a while after a permission error
# Graph error codes (developers.facebook.com/docs/graph-api/guides/error-handling)
_RATE_CODES = {4, 17, 32, 613, 80001}
_TRANSIENT_CODES = {1, 2}
_PERMISSION = re.compile(r"\b((?:pages|publish|read|business|instagram)_[a-z_]+)\b")

_IMAGE_TYPES = {  # magic bytes → (name, MIME)
    b"\xff\xd8\xff": ("JPEG", "image/jpeg"),
    b"\x89PNG\r\n\x1a\n": ("PNG", "image/png"),
    b"GIF87a": ("GIF", "image/gif"),
    b"GIF89a": ("GIF", "image/gif"),
    b"BM": ("BMP", "image/bmp"),
    b"II*\x00": ("TIFF", "image/tiff"),
    b"MM\x00*": ("TIFF", "image/tiff"),
}


class FacebookSettings(AccountSettings):
    page_id: str = Field(min_length=1, description="the Page's numeric id")
    page_access_token: SecretStr = Field(description="a Page access token (secrets.yaml)")
    graph_version: str | None = Field(None, description="Graph API version, e.g. v24.0; unset: socialpost's")
    base_url: str = Field(GRAPH_URL, description="Graph API host (a proxy or a test server)")
    insights_metrics: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_METRICS),
        description="socialpost metric → Graph post insights metric; {} to skip insights",
    )
    timeout: float = Field(30.0, gt=0, le=300, description="seconds to wait for Facebook")

    @field_validator("graph_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value.startswith("v"):
            value = f"v{value}"
        if not re.fullmatch(r"v[0-9]{1,3}\.[0-9]", value):
            raise ValueError(_("write the Graph API version like v24.0"))
        return value

    @field_validator("page_id")
    @classmethod
    def _page_id(cls, value: str) -> str:
        value = value.strip()
        if not value.isdigit():
            raise ValueError(_("the Page id is the Page's number (see the Page's About, or 'accounts add')"))
        return value

    @field_validator("insights_metrics")
    @classmethod
    def _metrics(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - {"views", "clicks"}
        if unknown:
            raise ValueError(
                _("insights can give 'views' and 'clicks', not {names}").format(names=", ".join(sorted(unknown)))
            )
        return value


class FacebookNetwork(Network, Reconciler, MetricsReader, InboxReader, Replier, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="facebook",
        title=N_("Facebook Page"),
        settings_model=FacebookSettings,
        length=characters("facebook", MAX_MESSAGE),
        reply_length=characters("facebook", MAX_COMMENT),  # a comment is shorter than a post
        media=MediaLimits(10, 10 * MB, 1024 * MB, 10 * MB),
        advice=AdviceFacts(hashtags=3),
        threads=False,
        idempotent=False,
        api_version=API_VERSIONS,
    )

    settings: FacebookSettings
    transport: httpx.BaseTransport | None = None  # tests may inject one

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = LazyClient(self._new_client)
        name = self.account.partition(":")[2] or self.account
        self._name = name
        self._reconnect = f"socialpost accounts add facebook {name}"
        self._read_pause = ReadPause(self.context.clock)
        self._version = self.settings.graph_version or API_VERSIONS.default(self.context.clock().date())
        note = self._version_status().operator_note()
        if note:
            log.warning("%s", note)

    # --- plumbing -------------------------------------------------------------------------------

    @property
    def _where(self) -> str:
        """How messages name this account (in the language active when the message is built)."""
        return _("Facebook Page '{name}'").format(name=self._name)

    def _new_client(self) -> httpx.Client:
        return bearer_client(
            self.settings.base_url, self.settings.timeout, self.settings.page_access_token, self.transport
        )

    def _path(self, *parts: str) -> str:
        return "/" + "/".join([self._version, *parts])

    def _version_status(self) -> ApiVersionStatus:
        return API_VERSIONS.status(
            self._version, self.context.clock().date(), account=self.account, configured=self.settings.graph_version
        )

    def _secrets(self) -> list[str]:
        return [self.settings.page_access_token.get_secret_value()]

    def _call(
        self,
        method: str,
        path: str,
        *,
        publishing: bool = False,
        permissions: Sequence[str] = PUBLISH_PERMISSIONS,
        **kwargs: Any,
    ) -> Any:
        """One Graph request → its JSON; any failure → the mapped socialpost error.

        ``publishing``: the request makes a visible post, so an unseen outcome must be reconciled
        rather than repeated. ``permissions``: what the request needs, named when Graph refuses it
        without saying which."""
        try:
            response = self._client.get().request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(
                _("{where}: cannot reach Facebook ({error}).").format(where=self._where, error=exc.__class__.__name__)
            ) from None
        except httpx.TimeoutException:
            raise TransientError(
                _("{where}: Facebook did not answer within {seconds} s.").format(
                    where=self._where, seconds=f"{self.settings.timeout:g}"
                ),
                request_sent=publishing,
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(
                _("{where}: the connection to Facebook broke ({error}).").format(
                    where=self._where, error=exc.__class__.__name__
                ),
                request_sent=publishing,
            ) from None
        data = _json(response)
        if response.is_success and not (isinstance(data, dict) and "error" in data):
            return data
        raise graph_error(
            response.status_code,
            data,
            response.headers,
            where=self._where,
            now=self.context.clock(),
            secrets=self._secrets(),
            request_sent=publishing,
            text=response.text,
            reconnect=self._reconnect,
            permissions=permissions,
        )

    # --- publish --------------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> Published:
        message = self.message(post)
        roots = MediaRoots.checked(post, self.context)
        photos = [(Path(m.file), m.alt, *_check_photo(Path(m.file), self._where)) for m in post.media]
        if len(photos) > MAX_PHOTOS:
            raise ContentRejected(
                _("{where}: {count} images in one post; socialpost sends at most {limit}.").format(
                    where=self._where, count=len(photos), limit=MAX_PHOTOS
                ),
                hint=_("Split the images over several posts."),
            )
        page = self.settings.page_id
        if not photos:
            form = {"message": message}
            found = links(message)
            if found:
                form["link"] = found[0][2]
            data = self._call("POST", self._path(page, "feed"), data=form, publishing=True)
            return self._published(_post_id(data, self._where))
        if len(photos) == 1:
            path, alt, _kind, mime = photos[0]
            form = {"caption": message, "published": "true"}
            if alt:
                form["alt_text_custom"] = alt
            data = self._call(
                "POST",
                self._path(page, "photos"),
                data=form,
                files={"source": (path.name, roots.read(path), mime)},
                publishing=True,
            )
            return self._published(_post_id(data, self._where, key="post_id"))
        media_ids = []
        for path, alt, _kind, mime in photos:
            # unpublished uploads are invisible: a failure here never needs reconciling
            form = {"published": "false"}
            if alt:
                form["alt_text_custom"] = alt
            data = self._call(
                "POST", self._path(page, "photos"), data=form, files={"source": (path.name, roots.read(path), mime)}
            )
            media_ids.append(_post_id(data, self._where))
        form = {"message": message}
        for index, media_id in enumerate(media_ids):
            form[f"attached_media[{index}]"] = json.dumps({"media_fbid": media_id})
        data = self._call("POST", self._path(page, "feed"), data=form, publishing=True)
        return self._published(_post_id(data, self._where))

    @classmethod
    def as_read(cls, parts: Sequence[str]) -> Rendition:
        """One message, as :meth:`message` joins it."""
        return Rendition.joined(parts, network="Facebook", separator=THREAD_SEPARATOR)

    def message(self, post: OutgoingPost) -> str:
        """Facebook has no threads: the parts become one message, separated by a blank line."""
        message = THREAD_SEPARATOR.join([post.text, *post.thread])
        if len(message) > MAX_MESSAGE:
            raise ContentRejected(
                _(
                    "{where}: the post is {length} characters with its thread parts joined "
                    "(Facebook has no threads); a Page post takes at most {limit}."
                ).format(where=self._where, length=integer(len(message)), limit=integer(MAX_MESSAGE)),
                hint=_("Shorten the text or the thread for Facebook (variants: facebook: {{text: …}}).").format(),
            )
        return message

    @staticmethod
    def _published(post_id: str) -> Published:
        return Published(post_id, f"https://www.facebook.com/{post_id}")

    # --- reconcile ------------------------------------------------------------------------------

    def reconcile(self, post: OutgoingPost) -> Published | NotSent | None:
        message = self.message(post).strip()
        since = post.due_at - CLOCK_SKEW
        data = self._call(
            "GET",
            self._path(self.settings.page_id, "published_posts"),
            params={"since": str(int(since.timestamp())), "fields": "id,message,created_time", "limit": "100"},
        )
        posts = data.get("data") if isinstance(data, dict) else None
        if not isinstance(posts, list):
            return None
        for item in posts:
            if isinstance(item, dict) and str(item.get("message", "")).strip() == message and item.get("id"):
                return self._published(str(item["id"]))
        if isinstance(data.get("paging"), dict) and data["paging"].get("next"):
            return None  # more posts than one page since then: cannot prove absence
        return NotSent(f"no post with this text on the Page since {since:%Y-%m-%d %H:%M} UTC")

    # --- metrics --------------------------------------------------------------------------------

    def fetch_metrics(self, remote_ids: Sequence[str]) -> dict[str, dict[str, int | None]]:
        wanted = dict(self.settings.insights_metrics)
        per_post = 2 if wanted else 1
        results: dict[str, dict[str, int | None]] = {}
        ids = list(dict.fromkeys(remote_ids))
        step = BATCH_LIMIT // per_post
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            requests: list[dict[str, str]] = []
            for post_id in chunk:
                requests.append({"method": "GET", "relative_url": f"{post_id}?fields={FIELDS}"})
                if wanted:
                    metrics = ",".join(dict.fromkeys(wanted.values()))
                    requests.append({"method": "GET", "relative_url": f"{post_id}/insights?metric={metrics}"})
            answers = self._batch(requests)
            for index, post_id in enumerate(chunk):
                fields = answers[index * per_post]
                insights = answers[index * per_post + 1] if wanted else None
                results[post_id] = self._metrics(post_id, fields, insights, wanted)
        return results

    def _batch(self, requests: list[dict[str, str]]) -> list[tuple[int, Any]]:
        """One Graph batch call → (status, parsed body) per request (status 0: no answer)."""
        data = self._call(
            "POST",
            f"/{self._version}/",
            data={"batch": json.dumps(requests, separators=(",", ":")), "include_headers": "false"},
        )
        if not isinstance(data, list):
            raise TransientError(
                _("{where}: Facebook answered a batch request with something unexpected.").format(where=self._where)
            )
        answers: list[tuple[int, Any]] = []
        for index in range(len(requests)):
            item = data[index] if index < len(data) else None
            if not isinstance(item, dict):
                answers.append((0, None))  # Graph returns null for requests it did not complete
                continue
            body = item.get("body")
            try:
                parsed = json.loads(body) if isinstance(body, str) else body
            except ValueError:
                parsed = None
            answers.append((int(item.get("code") or 0), parsed))
        return answers

    def _metrics(
        self,
        post_id: str,
        fields: tuple[int, Any],
        insights: tuple[int, Any] | None,
        wanted: Mapping[str, str],
    ) -> dict[str, int | None]:
        result: dict[str, int | None] = {"likes": None, "replies": None, "reposts": None}
        status, body = fields
        if status == 200 and isinstance(body, dict) and "error" not in body:
            result["likes"] = _summary_count(body.get("reactions"))
            result["replies"] = _summary_count(body.get("comments"))
            shares = body.get("shares")
            # Graph leaves the field out when nobody has shared the post
            result["reposts"] = as_int(shares.get("count")) if isinstance(shares, dict) else 0
        else:
            log.warning("%s: no engagement for %s (%s)", self._where, post_id, _item_reason(status, body))
        if not wanted:
            return result
        for metric in wanted:
            result[metric] = None
        if insights is None:
            return result
        status, body = insights
        if status != 200 or not isinstance(body, dict) or "error" in body:
            log.warning(
                "%s: insights %s not available for %s (%s); check insights_metrics and the read_insights permission",
                self._where,
                ", ".join(wanted.values()),
                post_id,
                _item_reason(status, body),
            )
            return result
        values = {
            str(entry.get("name")): _insight_value(entry)
            for entry in body.get("data", [])
            if isinstance(entry, dict) and entry.get("name")
        }
        for metric, graph_name in wanted.items():
            result[metric] = values.get(graph_name)
        return result

    # --- inbox ----------------------------------------------------------------------------------

    def fetch_replies(self, remote_ids: Sequence[str]) -> list[Reply]:
        """Every comment under each post, replies to comments included (``GET /{post}/comments``
        with ``filter=stream``: one flat list, each reply naming its ``parent``), page after page.
        The Page's own comments are ``own``. A post that is gone is left out."""
        ids = list(dict.fromkeys(str(i) for i in remote_ids if str(i).strip()))
        if not ids:
            return []
        self._read_pause.check()
        try:
            replies: list[Reply] = []
            for post_id in ids:
                try:
                    replies += self._comments(post_id)
                except GraphNotFound as exc:
                    log.info("%s: post %s is gone; no comments (%s)", self._where, post_id, exc.message)
            return replies
        except RateLimited as exc:
            self._read_pause.hold(exc, exc.retry_at or self.context.clock() + DEFAULT_RATE_DELAY)
            raise
        except AuthError as exc:
            self._read_pause.hold(exc, self.context.clock() + PERMISSION_PAUSE)
            raise

    def _comments(self, post_id: str) -> list[Reply]:
        params = {
            "filter": "stream",
            "order": "reverse_chronological",
            "limit": str(COMMENTS_PAGE),
            "fields": COMMENT_FIELDS,
        }
        replies: list[Reply] = []
        for _page in range(COMMENT_PAGES):
            data = self._call("GET", self._path(post_id, "comments"), params=params, permissions=INBOX_PERMISSIONS)
            items = data.get("data") if isinstance(data, dict) else None
            for item in items if isinstance(items, list) else []:
                reply = _comment_reply(item, post_id, self.settings.page_id)
                if reply is not None:
                    replies.append(reply)
            paging = data.get("paging") if isinstance(data, dict) else None
            cursors = paging.get("cursors") if isinstance(paging, dict) and paging.get("next") else None
            after = cursors.get("after") if isinstance(cursors, dict) else None
            if not after:
                return replies
            params = {**params, "after": str(after)}
        log.info(
            "%s: post %s has more than %d comments; only the newest are read",
            self._where,
            post_id,
            COMMENTS_PAGE * COMMENT_PAGES,
        )
        return replies

    def reply(self, in_reply_to: str, text: str) -> Published:
        """Answer a comment as the Page (``POST /{comment}/comments``). Facebook threads are one
        level deep: an answer to a reply goes under the comment that reply belongs to."""
        check_reply(
            text,
            where=self._where,
            limit=MAX_COMMENT,
            too_long=_("{where}: the reply is {length} characters; a Facebook comment takes at most {limit}."),
        )
        target = self._thread_of(in_reply_to)
        data = self._call(
            "POST",
            self._path(target, "comments"),
            data={"message": text},
            publishing=True,
            permissions=REPLY_PERMISSIONS,
        )
        return Published(_post_id(data, self._where), None)

    def _thread_of(self, comment_id: str) -> str:
        """The comment an answer to ``comment_id`` goes under: its parent when it is a reply."""
        try:
            data = self._call(
                "GET", self._path(comment_id), params={"fields": "id,parent{id}"}, permissions=INBOX_PERMISSIONS
            )
        except GraphNotFound:
            raise PermanentError(
                _("{where}: the comment {id} is gone; it cannot be answered.").format(where=self._where, id=comment_id),
                hint=_("Refresh the inbox: socialpost inbox"),
            ) from None
        except AuthError:
            return comment_id  # not allowed to read it: answer it directly
        parent = data.get("parent") if isinstance(data, dict) else None
        return str(parent["id"]) if isinstance(parent, dict) and parent.get("id") else comment_id

    # --- check ----------------------------------------------------------------------------------

    def api_origin(self) -> str | None:
        return origin_of(self.settings.base_url)

    def health(self) -> AccountHealth:
        token = self.settings.page_access_token.get_secret_value()
        # one batch: the token to inspect travels in the body, never in a URL
        (page_status, page), (debug_status, debug) = self._batch(
            [
                {"method": "GET", "relative_url": f"{self.settings.page_id}?fields=id,name"},
                {"method": "GET", "relative_url": f"debug_token?input_token={token}"},
            ]
        )
        if page_status != 200 or not isinstance(page, dict) or "error" in page:
            raise graph_error(
                page_status or 502,
                page,
                {},
                where=self._where,
                now=self.context.clock(),
                secrets=self._secrets(),
                request_sent=False,
                text="",
                reconnect=self._reconnect,
            )
        details = {"page id": self.settings.page_id}
        info = debug.get("data") if debug_status == 200 and isinstance(debug, dict) else None
        if not isinstance(info, dict):
            details["token expires"] = "unknown (Facebook did not let this token inspect itself)"
            return AccountHealth(
                self.account,
                str(page.get("name") or self.settings.page_id),
                details,
                api_version=self._version_status(),
            )
        details.update(_token_details(info))
        expires = as_int(info.get("expires_at"))
        scopes = info.get("scopes")
        missing = [p for p in PUBLISH_PERMISSIONS if p not in scopes] if isinstance(scopes, list) else []
        warning = details.get("warning")
        return AccountHealth(
            self.account,
            str(page.get("name") or self.settings.page_id),
            details,
            expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
            missing_permissions=tuple(missing),
            warnings=(HealthWarning(warning, "Run 'socialpost accounts add facebook' again."),) if warning else (),
            api_version=self._version_status(),
        )

    # --- setup ----------------------------------------------------------------------------------

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        ui.say(
            _(
                "socialpost posts to a Facebook Page through a Meta app of yours. Once: create an app at "
                "https://developers.facebook.com/apps (type Business, with the Facebook Login for Business "
                "product); you must have a role on the Page. Then open the Graph API Explorer, pick your "
                "app, add the permissions pages_manage_posts, pages_read_engagement, pages_show_list "
                "(and read_insights for views and clicks; pages_read_user_content and pages_manage_engagement "
                "to read and answer comments with socialpost inbox), and press Generate Access Token. "
                "socialpost exchanges that short-lived token for a Page token that does not expire, and keeps "
                "only the Page token (in secrets.yaml). The app secret is used once and not saved."
            )
        )
        ui.open_url("https://developers.facebook.com/tools/explorer/")
        app_id = ui.ask(_("App ID")).strip()
        app_secret = ui.ask_secret(_("App secret")).strip()
        short_token = ui.ask_secret(_("User access token from the Graph API Explorer")).strip()
        secrets = [app_secret, short_token]
        name = account.partition(":")[2]
        where = _("Facebook set-up for '{name}'").format(name=name)
        again = _("generate a new token in the Graph API Explorer and run '{command}' again").format(
            command=f"socialpost accounts add facebook {name}"
        )
        version = API_VERSIONS.default(context.clock().date())
        with bearer_client(GRAPH_URL, 30.0, None, cls.transport) as client:
            exchanged = _setup_call(
                client,
                "POST",
                f"/{version}/oauth/access_token",
                where,
                secrets,
                again,
                data={
                    "grant_type": "fb_exchange_token",
                    "client_id": app_id,
                    "client_secret": app_secret,
                    "fb_exchange_token": short_token,
                },
            )
            long_token = str(exchanged.get("access_token") or "")
            if not long_token:
                raise AuthError(_("{where}: Facebook did not return a long-lived token.").format(where=where))
            secrets.append(long_token)
            pages = _setup_call(
                client,
                "GET",
                f"/{version}/me/accounts",
                where,
                secrets,
                again,
                params={"fields": "id,name,access_token,tasks", "limit": "100"},
                headers={"Authorization": f"Bearer {long_token}"},
            )
        choices = [p for p in pages.get("data", []) if isinstance(p, dict) and p.get("id") and p.get("access_token")]
        if not choices:
            raise AuthError(
                _("{where}: this Facebook user manages no Page this app can post to.").format(where=where),
                hint=_(
                    "Give the user a role on the Page, grant pages_show_list and pages_manage_posts "
                    "in the Graph API Explorer, and try again."
                ),
            )
        if len(choices) == 1:
            chosen = choices[0]
            ui.say(_("Using the Page {name} ({id}).").format(name=chosen.get("name"), id=chosen["id"]))
        else:
            picked = ui.choose(_("Which Page?"), [(str(p["id"]), f"{p.get('name', '?')} ({p['id']})") for p in choices])
            chosen = next(p for p in choices if str(p["id"]) == picked)
        tasks = chosen.get("tasks")
        if isinstance(tasks, list) and "CREATE_CONTENT" not in tasks:
            ui.say(_("Warning: your role on this Page does not allow creating content (task CREATE_CONTENT)."))
        return AccountSetup(
            settings={"page_id": str(chosen["id"])},
            secrets={"page_access_token": str(chosen["access_token"])},
        )

    def close(self) -> None:
        self._client.close()


FIELDS = "reactions.summary(total_count).limit(0),comments.summary(true).limit(0),shares"


# --- helpers --------------------------------------------------------------------------------------


def _setup_call(
    client: httpx.Client, method: str, path: str, where: str, secrets: list[str], reconnect: str, **kwargs: Any
) -> Any:
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise TransientError(
            _("{where}: cannot reach Facebook ({error}).").format(where=where, error=exc.__class__.__name__)
        ) from None
    data = _json(response)
    if response.is_success and isinstance(data, dict) and "error" not in data:
        return data
    raise graph_error(
        response.status_code,
        data,
        response.headers,
        where=where,
        now=datetime.now(UTC),
        secrets=secrets,
        request_sent=False,
        text=response.text,
        reconnect=reconnect,
    )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class GraphNotFound(PermanentError):
    """Graph cannot find the object (code 100, subcode 33): deleted, or not visible to the token."""


def graph_error(
    status: int,
    body: Any,
    headers: Mapping[str, str],
    *,
    where: str,
    now: datetime,
    secrets: Sequence[str],
    request_sent: bool,
    text: str,
    reconnect: str = "socialpost accounts add facebook NAME",
    permissions: Sequence[str] = PUBLISH_PERMISSIONS,
) -> NetworkError:
    """A Graph error answer → the socialpost error that says what is wrong and what to do.
    ``permissions``: what the request needed, named when Graph does not say which one is missing."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        excerpt = redact_values(" ".join(text.split())[:EXCERPT], secrets)
        said = " " + _("Facebook said: {excerpt}").format(excerpt=excerpt) if excerpt else ""
        if status == 429:
            return RateLimited(
                _("{where}: too many requests (429).{said}").format(where=where, said=said),
                status=status,
                retry_at=now + DEFAULT_RATE_DELAY,
            )
        if status >= 500 or status == 0:
            return TransientError(
                _("{where}: Facebook failed ({status}).{said}").format(where=where, status=status, said=said),
                status=status,
                request_sent=request_sent,
            )
        return PermanentError(
            _("{where}: Facebook refused the request ({status}).{said}").format(where=where, status=status, said=said),
            status=status,
        )
    code = as_int(error.get("code"))
    subcode = as_int(error.get("error_subcode"))
    message = redact_values(" ".join(str(error.get("message") or "").split()), secrets)[:EXCERPT]
    trace = error.get("fbtrace_id")
    number = f"{code}/{subcode}" if subcode else f"{code}"
    said = " " + (
        _("Facebook said: {message} (code {code}, fbtrace_id {trace}).").format(
            message=message, code=number, trace=trace
        )
        if trace
        else _("Facebook said: {message} (code {code}).").format(message=message, code=number)
    )
    if code in (190, 102):
        return AuthError(
            _(
                "{where}: the Page access token is no longer valid (expired, revoked, the password changed or "
                "your Page role was removed).{said}"
            ).format(where=where, said=said),
            hint=_("Connect the Page again: {command}.").format(command=reconnect),
            status=status,
        )
    if code == 10 or (code is not None and 200 <= code <= 299):
        found = _PERMISSION.findall(message)
        needed = ", ".join(dict.fromkeys(found)) if found else ", ".join(permissions)
        return AuthError(
            _("{where}: the token lacks a permission Facebook requires ({permissions}).{said}").format(
                where=where, permissions=needed, said=said
            ),
            hint=_(
                "Grant it to your app (Graph API Explorer, or App Review for people without a role on the app) "
                "and connect the Page again: {command}."
            ).format(command=reconnect),
            status=status,
        )
    if code in _RATE_CODES or (code is not None and 80000 <= code <= 80014):
        return RateLimited(
            _("{where}: Facebook is rate-limiting this app or Page.{said}").format(where=where, said=said),
            hint=_("socialpost will try again when Meta says the limit is over."),
            status=status,
            retry_at=now + (_regain_access(headers) or DEFAULT_RATE_DELAY),
        )
    if code == 368:
        return ContentRejected(
            _("{where}: Facebook blocked this post as abusive or spam.{said}").format(where=where, said=said),
            hint=_(
                "Check the text and links against Meta's Community Standards "
                "(posting the same link often triggers this)."
            ),
            status=status,
        )
    if code == 506:
        return DuplicatePost(
            _("{where}: Facebook refused a duplicate of a recent post.{said}").format(where=where, said=said),
            hint=_("Change the text, or check the Page: it may already be online."),
            status=status,
        )
    if code in _TRANSIENT_CODES or status >= 500:
        return TransientError(
            _("{where}: Facebook had a temporary problem.{said}").format(where=where, said=said),
            status=status,
            request_sent=request_sent,
        )
    if code == 100 and subcode == 33:
        return GraphNotFound(
            _("{where}: Facebook cannot find the Page or post, or the token may not see it.{said}").format(
                where=where, said=said
            ),
            hint=_("Check page_id in your config, or connect the Page again."),
            status=status,
        )
    if code == 100:
        return ContentRejected(
            _("{where}: Facebook rejected the post.{said}").format(where=where, said=said), status=status
        )
    return PermanentError(
        _("{where}: Facebook refused the request.{said}").format(where=where, said=said), status=status
    )


def _regain_access(headers: Mapping[str, str]) -> timedelta | None:
    """The longest ``estimated_time_to_regain_access`` (minutes) in Meta's usage headers."""
    minutes: list[int] = []
    for name in ("x-business-use-case-usage", "x-app-usage", "x-page-usage", "x-ad-account-usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        minutes.extend(_find_regain(value))
    best = max(minutes, default=0)
    return timedelta(minutes=best) if best > 0 else None


def _find_regain(value: Any) -> Iterator[int]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "estimated_time_to_regain_access":
                number = as_int(item)
                if number is not None:
                    yield number
            else:
                yield from _find_regain(item)
    elif isinstance(value, list):
        for item in value:
            yield from _find_regain(item)


def _summary_count(edge: Any) -> int | None:
    if isinstance(edge, dict) and isinstance(edge.get("summary"), dict):
        return as_int(edge["summary"].get("total_count"))
    return None


def _insight_value(entry: Mapping[str, Any]) -> int | None:
    values = entry.get("values")
    if not isinstance(values, list) or not values or not isinstance(values[-1], dict):
        return None
    value = values[-1].get("value")
    if isinstance(value, dict):  # *_by_type metrics: {"like": 3, "love": 1}
        numbers = [as_int(v) for v in value.values()]
        return sum(n for n in numbers if n is not None)
    return as_int(value)


def _item_reason(status: int, body: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"code {error.get('code')}: {' '.join(str(error.get('message', '')).split())[:EXCERPT]}"
    return f"status {status}" if status else "no answer"


def _post_id(data: Any, where: str, *, key: str = "id") -> str:
    value = data.get(key) or data.get("id") if isinstance(data, dict) else None
    if not value:
        raise TransientError(
            _("{where}: Facebook accepted the request but returned no id.").format(where=where), request_sent=True
        )
    return str(value)


def _comment_reply(item: Any, post_id: str, page_id: str) -> Reply | None:
    """One Graph comment as an inbox reply (None when it has no id)."""
    if not isinstance(item, dict) or not item.get("id"):
        return None
    author: dict[str, Any] = item["from"] if isinstance(item.get("from"), dict) else {}
    parent: dict[str, Any] = item["parent"] if isinstance(item.get("parent"), dict) else {}
    link = item.get("permalink_url")
    return Reply(
        remote_id=str(item["id"]),
        in_reply_to=str(parent.get("id") or post_id),
        post_remote_id=post_id,
        # Graph leaves "from" out when the person's profile is not visible to the app
        author=str(author.get("name") or author.get("id") or "?"),
        author_name="",
        text=str(item.get("message") or ""),
        created_at=_graph_time(item.get("created_time")),
        url=str(link) if link else None,
        own=str(author.get("id") or "") == page_id,
    )


def _graph_time(value: Any) -> datetime | None:
    """Graph's ``2027-03-02T15:04:05+0000``."""
    if not isinstance(value, str):
        return None
    for shape in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value, shape).astimezone(UTC)
        except ValueError:
            continue
    return None


def _token_details(info: Mapping[str, Any]) -> dict[str, str]:
    details: dict[str, str] = {}
    expires = as_int(info.get("expires_at"))
    details["token expires"] = "never" if expires == 0 else (_date(expires) if expires else "unknown")
    data_access = as_int(info.get("data_access_expires_at"))
    if data_access:
        details["data access expires"] = _date(data_access)
    kind = info.get("type")
    if kind and kind != "PAGE":
        details["warning"] = f"this is a {kind} token, not a Page token; run 'socialpost accounts add facebook' again"
    scopes = info.get("scopes")
    if isinstance(scopes, list):
        missing = [p for p in PUBLISH_PERMISSIONS if p not in scopes]
        if missing:
            details["missing permissions"] = ", ".join(missing)
        details["insights"] = "yes" if "read_insights" in scopes else "no (read_insights not granted)"
    if info.get("is_valid") is False:
        details["warning"] = "Facebook says this token is not valid; run 'socialpost accounts add facebook' again"
    return details


def _date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _check_photo(path: Path, where: str) -> tuple[str, str]:
    """(kind, MIME) of an image Facebook takes; ContentRejected with the reason otherwise."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise ContentRejected(
            _("{where}: cannot read {path} ({error}).").format(where=where, path=path, error=exc.strerror)
        ) from None
    kind = next((t for magic, t in _IMAGE_TYPES.items() if head.startswith(magic)), None)
    if kind is None and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = ("WebP", "image/webp")
    if kind is None:
        raise ContentRejected(
            _(
                "{where}: {name} is not an image Facebook takes (JPEG, PNG, GIF, BMP, TIFF or WebP); "
                "socialpost does not post videos to Facebook yet."
            ).format(where=where, name=path.name),
        )
    if size > MAX_PHOTO_BYTES:
        raise ContentRejected(
            _("{where}: {name} is {size} MB; Facebook photos must stay under {limit} MB (under 4 MB is best).").format(
                where=where, name=path.name, size=decimal(size / 1_048_576), limit=MAX_PHOTO_BYTES // 1_048_576
            ),
            hint=_("Resize or recompress the image."),
        )
    return kind
