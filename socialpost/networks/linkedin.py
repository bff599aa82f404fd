"""LinkedIn members and organisation pages through the REST Posts API, over plain httpx.

No SDK: LinkedIn's REST API is a handful of JSON calls, each with the ``LinkedIn-Version: YYYYMM``
header (a setting, since LinkedIn retires each monthly version after about a year) and
``X-Restli-Protocol-Version: 2.0.0``.

* publish: ``POST /rest/posts``; the new post's URN comes back in ``x-restli-id``. The commentary
  uses LinkedIn's "little text" format, where ``\\ | { } @ [ ] ( ) < > # * _ ~`` are markup: an
  unescaped one makes LinkedIn silently cut the post there. :func:`escape_commentary` escapes them
  outside links and turns ``#word`` into a real hashtag (``{hashtag|\\#|word}``). LinkedIn has no
  threads: the parts are joined into one post, separated by a blank line. Images go through
  ``/rest/images?action=initializeUpload`` and a PUT of the bytes.
* duplicates: ``422 DUPLICATE_POST`` names the existing post's URN → :class:`DuplicatePost` with it,
  which the daemon records as sent.
* metrics: organisations through ``organizationalEntityShareStatistics``, members through
  ``memberCreatorPostAnalytics``; both need products LinkedIn grants on request, so a 403 means
  "not available" (None), never zeros.
* reconcile: organisations can list their posts; members cannot (``r_member_social`` is closed).
* setup: 3-legged OAuth with a loopback redirect (:mod:`socialpost.networks.oauth_loopback`).
"""

from __future__ import annotations

import logging
import re
import secrets as secrets_module
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

import httpx
from pydantic import Field, SecretStr, field_validator, model_validator

from socialpost.errors import (
    AuthError,
    ContentRejected,
    DuplicatePost,
    NetworkError,
    PermanentError,
    RateLimited,
    TransientError,
)
from socialpost.networks.base import (
    AccountSettings,
    AccountSetup,
    AdapterContext,
    Identity,
    Network,
    NotSent,
    OutgoingPost,
    Published,
    SetupUI,
)
from socialpost.networks.oauth_loopback import LoopbackReceiver, OAuthRedirect, is_loopback, parse_redirect
from socialpost.networks.tls import bearer_client
from socialpost.networks.webhook import retry_after
from socialpost.text.utm import links
from socialpost.timeutil import iso_utc

log = logging.getLogger("socialpost.networks.linkedin")

API_URL = "https://api.linkedin.com"
AUTHORIZE_URL = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
DEFAULT_VERSION = "202510"
DEFAULT_REDIRECT = "http://127.0.0.1:8765/callback"
VERSION_MAX_AGE_MONTHS = 11  # LinkedIn supports each version for about a year
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
    linkedin_version: str = Field(DEFAULT_VERSION, description="LinkedIn-Version header, YYYYMM")
    base_url: str = Field(API_URL, description="API host (a proxy or a test server)")
    visibility: Literal["PUBLIC", "CONNECTIONS"] = Field("PUBLIC", description="who sees the posts")
    expires_at: datetime | None = Field(None, description="when the access token expires (set by accounts add)")
    timeout: float = Field(30.0, gt=0, le=300, description="seconds to wait for LinkedIn")

    @field_validator("author")
    @classmethod
    def _author(cls, value: str) -> str:
        value = value.strip()
        if not _AUTHOR.fullmatch(value):
            raise ValueError("write the author as urn:li:person:ID or urn:li:organization:ID")
        return value

    @field_validator("linkedin_version")
    @classmethod
    def _version(cls, value: str) -> str:
        value = str(value).strip()
        if not re.fullmatch(r"20[0-9]{2}(0[1-9]|1[0-2])", value):
            raise ValueError("write the LinkedIn version as YYYYMM, e.g. 202510")
        return value

    @model_validator(mode="after")
    def _visibility(self) -> LinkedInSettings:
        if self.visibility == "CONNECTIONS" and self.is_organization:
            raise ValueError("visibility CONNECTIONS is for members; an organization posts PUBLIC")
        return self

    @property
    def is_organization(self) -> bool:
        return self.author.startswith("urn:li:organization:")

    @property
    def author_id(self) -> str:
        return self.author.rsplit(":", 1)[1]


class LinkedInNetwork(Network):
    name = "linkedin"
    title = "LinkedIn"
    settings_model = LinkedInSettings
    idempotent = False
    max_length = MAX_COMMENTARY

    settings: LinkedInSettings
    transport: httpx.BaseTransport | None = None  # tests may inject one

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        name = self.account.partition(":")[2] or self.account
        self._where = f"LinkedIn '{name}'"
        self._reconnect = f"socialpost accounts add linkedin {name}"

    # --- plumbing -------------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = bearer_client(
                    self.settings.base_url, self.settings.timeout, self.settings.access_token, self.transport
                )
            return self._client

    def _rest_headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {"LinkedIn-Version": self.settings.linkedin_version, **HEADERS_REST, **(extra or {})}

    def _send(self, method: str, url: str, *, publishing: bool = False, **kwargs: Any) -> httpx.Response:
        try:
            return self._http().request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(f"{self._where}: cannot reach LinkedIn ({exc.__class__.__name__}).") from None
        except httpx.TimeoutException:
            raise TransientError(
                f"{self._where}: LinkedIn did not answer within {self.settings.timeout:g} s.",
                request_sent=publishing,
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"{self._where}: the connection to LinkedIn broke ({exc.__class__.__name__}).",
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

    def commentary(self, post: OutgoingPost) -> str:
        """LinkedIn has no threads: the parts become one post, separated by a blank line."""
        commentary = escape_commentary(THREAD_SEPARATOR.join([post.text, *post.thread]))
        if len(commentary) > MAX_COMMENTARY:
            raise ContentRejected(
                f"{self._where}: the post is {len(commentary):,} characters once its thread parts are joined "
                f"and LinkedIn's reserved characters escaped; LinkedIn takes at most {MAX_COMMENTARY:,}.",
                hint="Shorten the text for LinkedIn (variants: linkedin: {text: …}).",
            )
        return commentary

    def publish(self, post: OutgoingPost) -> Published:
        commentary = self.commentary(post)
        images = [(Path(m.file), m.alt, _check_image(Path(m.file), self._where)) for m in post.media]
        if len(images) > MAX_IMAGES:
            raise ContentRejected(
                f"{self._where}: {len(images)} images in one post; LinkedIn takes at most {MAX_IMAGES}.",
                hint="Split the images over several posts.",
            )
        uploaded = [(self._upload(path, mime), alt) for path, alt, mime in images]
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
        response = self._call("POST", "/rest/posts", json=body, headers=self._rest_headers(), publishing=True)
        urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not urn:
            raise TransientError(
                f"{self._where}: LinkedIn accepted the post ({response.status_code}) but did not say its id.",
                request_sent=True,
            )
        return Published(urn, post_url(urn))

    def _upload(self, path: Path, mime: str) -> str:
        """Upload one image; its ``urn:li:image:…``. Failures here never leave a visible post."""
        response = self._call(
            "POST",
            "/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": self.settings.author}},
            headers=self._rest_headers(),
        )
        value = _json(response).get("value") if isinstance(_json(response), dict) else None
        if not isinstance(value, dict) or not value.get("uploadUrl") or not value.get("image"):
            raise TransientError(f"{self._where}: LinkedIn did not give an upload address for {path.name}.")
        self._call("PUT", str(value["uploadUrl"]), content=path.read_bytes(), headers={"Content-Type": mime})
        return str(value["image"])

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
            created = _int(item.get("createdAt")) or _int(item.get("publishedAt")) or 0
            modified = _int(item.get("lastModifiedAt")) or created
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
                        "views": _int(stats.get("impressionCount")),
                        "likes": _int(stats.get("likeCount")),
                        "replies": _int(stats.get("commentCount")),
                        "reposts": _int(stats.get("shareCount")),
                        "clicks": _int(stats.get("clickCount")),
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
                    log.info("%s: post analytics are not available for this member (403)", self._where)
                    return result
                if not response.is_success:
                    raise self._error(response)
                data = _json(response)
                elements = data.get("elements") if isinstance(data, dict) else None
                if isinstance(elements, list):
                    counts = [_int(e.get("count")) for e in elements if isinstance(e, dict)]
                    known = [c for c in counts if c is not None]
                    result[urn][metric] = sum(known) if known else None
        return result

    # --- check ----------------------------------------------------------------------------------

    def check(self) -> Identity:
        details = {"author": self.settings.author, "LinkedIn-Version": self.settings.linkedin_version}
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
        now = self.context.clock()
        age = version_age_months(self.settings.linkedin_version, now)
        if age > VERSION_MAX_AGE_MONTHS:
            details["version warning"] = (
                f"LinkedIn-Version {self.settings.linkedin_version} is {age} months old and LinkedIn retires "
                f"versions after about a year: set linkedin_version to a recent month (e.g. {now:%Y%m})"
            )
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
        return Identity(self.account, display or self.settings.author, details)

    # --- setup ----------------------------------------------------------------------------------

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        name = account.partition(":")[2]
        where = f"LinkedIn set-up for '{name}'"
        again = f"socialpost accounts add linkedin {name}"
        ui.say(
            "socialpost posts to LinkedIn through a LinkedIn app of yours. Once: create an app at "
            "https://www.linkedin.com/developers/apps (it must be linked to a company page), add the "
            "products 'Share on LinkedIn' and 'Sign In with LinkedIn using OpenID Connect' (and "
            "'Community Management API' to post as an organization page and read statistics), and on "
            f"the Auth tab add the redirect URL {DEFAULT_REDIRECT}. Then copy the Client ID and the "
            "Primary Client Secret here. The secret is used once and not saved; the access token "
            "(valid about 60 days) goes to secrets.yaml."
        )
        client_id = ui.ask("Client ID").strip()
        client_secret = ui.ask_secret("Client secret").strip()
        redirect_uri = ui.ask("Redirect URL registered in the app", default=DEFAULT_REDIRECT).strip()
        organization = ui.confirm(
            "Post as an organization page you administer? (needs the Community Management API product)",
            default=False,
        )
        scopes = ["openid", "profile", "w_member_social"]
        if organization:
            scopes += ["w_organization_social", "r_organization_social", "rw_organization_admin"]
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
                f"{where}: LinkedIn did not grant access ({redirect.error}: {redirect.error_description or ''}).",
                hint="Check the app's products and redirect URL, then try again.",
            )
        if redirect.state != state:
            raise AuthError(
                f"{where}: the answer does not belong to this sign-in (state mismatch).",
                hint=f"Start again with '{again}' and use the newest link.",
            )
        if not redirect.code:
            raise AuthError(f"{where}: the address holds no authorization code.", hint=f"Start again with '{again}'.")
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
                    f"{where}: LinkedIn refused to issue a token ({token_response.status_code}).{said}",
                    hint="Check the Client ID, the Client Secret and the redirect URL, then try again.",
                    status=token_response.status_code,
                )
            token = str(token_data["access_token"])
            hidden.append(token)
            expires_in = _int(token_data.get("expires_in")) or 60 * 86400
            auth = {"Authorization": f"Bearer {token}"}
            me = _setup_send(client, "GET", API_URL + "/v2/userinfo", where, headers=auth)
            me_data = _json(me)
            if not me.is_success or not isinstance(me_data, dict) or not me_data.get("sub"):
                said = _oauth_reason(me_data, me, hidden)
                raise AuthError(
                    f"{where}: LinkedIn did not say who you are ({me.status_code}).{said}",
                    hint="Add the 'Sign In with LinkedIn using OpenID Connect' product to the app and try again.",
                    status=me.status_code,
                )
            person = f"urn:li:person:{me_data['sub']}"
            options = [(person, f"{me_data.get('name') or 'you'} (your own profile)")]
            if organization:
                options += _administered(client, auth, where)
                if len(options) == 1:
                    ui.say(
                        "No organization page you administer was found (or the Community Management API is "
                        "not granted): the account will post as you."
                    )
        author = options[0][0] if len(options) == 1 else ui.choose("Post as", options)
        expires_at = context.clock() + timedelta(seconds=expires_in)
        return AccountSetup(
            settings={"author": author, "expires_at": iso_utc(expires_at)},
            secrets={"access_token": token},
        )

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


# --- helpers --------------------------------------------------------------------------------------


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}"


def version_age_months(version: str, now: datetime) -> int:
    return (now.year - int(version[:4])) * 12 + now.month - int(version[4:6])


def _enc(value: str) -> str:
    return quote(value, safe="")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


def _receive_redirect(ui: SetupUI, authorize: str, redirect_uri: str) -> OAuthRedirect:
    """Open the authorise page and get the redirect: on the loopback server when the browser is
    on this machine, else (or when nothing arrives) from the address the person pastes."""
    receiver: LoopbackReceiver | None = None
    if is_loopback(redirect_uri) and ui.confirm("Is the web browser on this computer?", default=True):
        try:
            receiver = LoopbackReceiver(redirect_uri)
        except OSError as exc:
            ui.say(f"Cannot listen on {redirect_uri} ({exc.strerror or exc}); you will paste the address instead.")
    if receiver is None:
        ui.say(
            "Sign in and allow access; your browser then goes to an address starting with "
            f"{redirect_uri} that may show an error page. Copy that whole address."
        )
    try:
        ui.open_url(authorize)
        if receiver is not None:
            ui.say("Waiting for LinkedIn to send your browser back here…")
            found = receiver.wait(LOGIN_TIMEOUT)
            if found is not None:
                return found
            ui.say(f"Nothing came back within {LOGIN_TIMEOUT:g} s.")
    finally:
        if receiver is not None:
            receiver.close()
    return parse_redirect(ui.ask("Paste the address your browser shows after you allowed access"))


def _setup_send(client: httpx.Client, method: str, url: str, where: str, **kwargs: Any) -> httpx.Response:
    try:
        return client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise TransientError(f"{where}: cannot reach LinkedIn ({exc.__class__.__name__}).") from None


def _oauth_reason(data: Any, response: httpx.Response, secrets: Sequence[str]) -> str:
    if isinstance(data, dict):
        reason = data.get("error_description") or data.get("message") or data.get("error")
        if reason:
            return " LinkedIn said: " + _redact(" ".join(str(reason).split()), secrets)[:EXCERPT]
    text = _redact(" ".join(response.text.split()), secrets)[:EXCERPT]
    return f" LinkedIn said: {text}" if text else ""


def _administered(client: httpx.Client, auth: Mapping[str, str], where: str) -> list[tuple[str, str]]:
    """(URN, label) of the organization pages the member administers; [] when not permitted."""
    headers = {**auth, "LinkedIn-Version": DEFAULT_VERSION, **HEADERS_REST}
    acls = _setup_send(
        client,
        "GET",
        API_URL + "/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED",
        where,
        headers=headers,
    )
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
    raw = _redact(response.text, secrets)
    message = ""
    if isinstance(data, dict) and data.get("message"):
        message = _redact(" ".join(str(data["message"]).split()), secrets)
    elif raw.strip():
        message = " ".join(raw.split())
    code = str(data.get("code") or "") if isinstance(data, dict) else ""
    service = data.get("serviceErrorCode") if isinstance(data, dict) else None
    said = f" LinkedIn said: {message[:EXCERPT]}" if message else ""
    if service is not None:
        said += f" (serviceErrorCode {service})"
    said = said + "." if said and not said.endswith(".") else said
    if "DUPLICATE_POST" in raw or (status == 422 and "duplicate" in raw.lower()):
        found = _URN.search(raw)
        urn = found.group(0) if found else None
        return DuplicatePost(
            f"{where}: LinkedIn already has this post" + (f" ({urn})." if urn else "."),
            hint=None if urn else "Change the text, or check the profile: it may already be online.",
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
            f"{where}: LinkedIn no longer accepts the API version in linkedin_version.{said}",
            hint=f"Set linkedin_version to a recent month, e.g. {now:%Y%m}, in your config file.",
            status=status,
        )
    if status == 401:
        return AuthError(
            f"{where}: the access token is expired or revoked (LinkedIn tokens last about 60 days).{said}",
            hint=f"Connect the account again: {reconnect}.",
            status=status,
        )
    if status == 403:
        permission = (
            "w_organization_social (Community Management API)"
            if organization
            else "w_member_social (Share on LinkedIn)"
        )
        return AuthError(
            f"{where}: LinkedIn refused: the app or token lacks a permission ({permission}), or you are not an "
            f"administrator of this page.{said}",
            hint=f"Add the product to your LinkedIn app, then connect again: {reconnect}.",
            status=status,
        )
    if status == 429:
        retry_at = retry_after(response.headers.get("Retry-After"), now) or now + DEFAULT_RATE_DELAY
        return RateLimited(
            f"{where}: LinkedIn's rate limit is reached (429).{said}",
            hint="socialpost will try again later; LinkedIn's quotas are per day.",
            status=status,
            retry_at=retry_at,
        )
    if status >= 500:
        return TransientError(f"{where}: LinkedIn failed ({status}).{said}", status=status, request_sent=request_sent)
    if status in (400, 422):
        return ContentRejected(f"{where}: LinkedIn rejected the post ({status}).{said}", status=status)
    if status == 404:
        return PermanentError(
            f"{where}: LinkedIn cannot find it (404).{said}",
            hint="Check the author URN in your config.",
            status=status,
        )
    return PermanentError(f"{where}: LinkedIn refused the request ({status}).{said}", status=status)


def _check_image(path: Path, where: str) -> str:
    """The MIME type of an image LinkedIn takes; ContentRejected with the reason otherwise."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind, (width, height) = image.format, image.size
    except FileNotFoundError:
        raise ContentRejected(f"{where}: {path} does not exist.") from None
    except (UnidentifiedImageError, OSError):
        kind, width, height = None, 0, 0
    if kind not in IMAGE_FORMATS:
        raise ContentRejected(
            f"{where}: {path.name} is not an image LinkedIn takes (JPEG, PNG or GIF); "
            "socialpost does not post videos or documents to LinkedIn yet."
        )
    if width * height > MAX_PIXELS:
        raise ContentRejected(
            f"{where}: {path.name} is {width}×{height} pixels; LinkedIn takes at most {MAX_PIXELS:,} pixels.",
            hint="Resize the image.",
        )
    return IMAGE_FORMATS[kind]
