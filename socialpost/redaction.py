"""Secrets never come out: one registry of secret values for the whole process, and the one
function every sink applies before text leaves the program.

What is registered (see docs/security.md, "Secrets in output"):

* when the settings are read (:func:`socialpost.settings.config.load_settings`): the database URL's
  password, every ``${ENV}`` value the config file refers to, every value of ``secrets.yaml``,
  and config values whose name says they are secret (``token``, ``secret``, ``password``, ``key``…)
  or that are URLs carrying credentials;
* when an account's settings are built (:func:`register_settings`, from ``Network.__init__`` and
  the adapter registry): every ``SecretStr``, every URL's credentials, and every value of a field
  marked :class:`SecretValues` (webhook ``headers:``), walking the settings model generically.

Each value is registered with the forms it takes on the way out: URL-encoded, percent-decoded,
base64 (HTTP Basic auth sends ``user:password`` so), JSON- and HTML-escaped; an
``Authorization`` value also registers its credential without the scheme word. Values shorter
than :data:`MIN_LENGTH` are not registered: blanking every ``2026`` or ``admin`` in the output
would hide more than it protects. On top of the registry, :func:`redact` blanks credentials by
their shape (``Bearer …``, ``"password": "…"``, ``access_token=…``), for tokens the program
receives at run time (OAuth refreshes, sessions) that no setting holds.

Where it is applied: log records (the formatters of :mod:`socialpost.logs`, and a filter on the
HTTP libraries' loggers), the store (every ``last_error``, event detail, rate-limit reason, inbox
text and remote URL goes through :class:`socialpost.store.models.RedactedText`), and everything
the CLI prints or writes (``socialpost.cli.render``, ``socialpost.cli.output``).
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit

REDACTED = "[redacted]"
MIN_LENGTH = 6  # shorter values are not registered (they are words, years, ports, not secrets)
TOKEN_SEGMENT = 12  # a URL path segment this long is taken for a token (hooks.slack.com/services/T…/B…/X…)

# Names of settings (and headers) whose values are secrets even when nothing else says so: the
# name ends with one of these words (access_token, consumer_key, X-Api-Key, Authorization, apiKey;
# not token_url, author, expires_at).
_SECRET_WORDS = "token|secret|password|passwd|key|apikey|authorization|auth|cookie|signature|credentials?|session|jwt"
_SECRET_NAME = re.compile(rf"(?:^|[_\-. ])(?:{_SECRET_WORDS})$", re.IGNORECASE)
_SECRET_CAMEL = re.compile(r"[a-z](?:Token|Secret|Password|Key|Auth|Cookie|Signature|Credentials?|Session|Jwt)$")


def secret_name(name: str) -> bool:
    """True when a setting or header called ``name`` holds a secret by its name."""
    return bool(_SECRET_NAME.search(name) or _SECRET_CAMEL.search(name))


_AUTH_VALUE = re.compile(r"^\s*(Bearer|Basic|Token|Bot|OAuth|Digest|ApiKey|Key)\s+(\S.*?)\s*$", re.IGNORECASE)

_KEY_WORDS = (
    "access_token", "refresh_token", "id_token", "client_secret", "app_password", "password", "accessjwt",
    "refreshjwt", "code_verifier", "oauth_token_secret", "api_key", "apikey",
)  # fmt: skip
_KEYS = "(?:" + "|".join(_KEY_WORDS) + ")"
# Credentials recognised by their shape, whether registered or not: the value after an HTTP
# authorisation scheme, and the value of a field named like a credential: quoted as in JSON (also inside
# a JSON string, where its quotes are escaped) or ``name=value`` as in a query string or a form body.
_BEARER = re.compile(r"(\bBearer\s+)[A-Za-z0-9._~+/-]{8,}=*")
_BASIC = re.compile(r"(\bBasic\s+)(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}")
_NAMED = re.compile(
    rf"""((?:\\?["']{_KEYS}\\?["']\s*:\s*\\?["']?|\b{_KEYS}=))(?!\[redacted\])[^"'\\&\s,;}}<]{{4,}}""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SecretValues:
    """Field metadata (``Annotated[dict[str, str], SecretValues(...)]``): every text inside the
    field is a secret, a URL as a whole (a webhook's ``url``, its ``headers:``), except the values
    of the keys in ``except_keys`` (lower case)."""

    except_keys: frozenset[str] = frozenset()


# Request headers whose values are public vocabulary, not credentials ("User-Agent: socialpost"
# must not blank the program's name out of every message).
PUBLIC_HEADERS = frozenset(
    {"accept", "accept-encoding", "accept-language", "cache-control", "content-language", "content-type", "user-agent"}
)


def forms(value: str) -> set[str]:
    """``value`` and what it becomes on the way out (encoded, escaped, in base64)."""
    found = {value, unquote(value), unquote_plus(value)}
    for text in list(found):
        encoded = quote(text, safe="")
        found |= {encoded, _lower_hex(encoded), quote(text), quote_plus(text)}
        dumped = json.dumps(text, ensure_ascii=False)[1:-1]
        found |= {dumped, dumped.replace("/", "\\/"), json.dumps(text)[1:-1], html.escape(text)}
    return {form for form in found if len(form) >= MIN_LENGTH}


def pair_forms(user: str, password: str) -> set[str]:
    """``user:password`` and its base64, as HTTP Basic auth sends it (with and without padding)."""
    pair = f"{user}:{password}"
    encoded = base64.b64encode(pair.encode("utf-8", "surrogatepass")).decode()
    return forms(pair) | {encoded, encoded.rstrip("=")}


def _lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), text)


class Registry:
    """Secret values, shared by every thread. Adding is rare and locked; :meth:`redact` reads one
    compiled pattern without a lock (the attribute is replaced whole)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._dirty = False

    def add(self, *values: str | None) -> None:
        given = {v for v in values if v and len(v) >= MIN_LENGTH and v != REDACTED}
        with self._lock:
            fresh = given - self._values
        if not fresh:
            return
        more: set[str] = set()
        for value in fresh:
            more |= forms(value)
            auth = _AUTH_VALUE.match(value)
            if auth:  # "Bearer TOKEN": the token also travels alone
                more |= forms(auth.group(2))
                if auth.group(1).lower() == "basic":
                    more |= _basic_forms(auth.group(2))
        self.add_forms(more, values=fresh)

    def add_forms(self, found: set[str], *, values: set[str] | None = None) -> None:
        """Register forms as they are (see :func:`pair_forms`); with ``values``, the values they
        are the forms of, in the same step (a value is never known without its forms)."""
        with self._lock:
            self._values |= values or set()
            if not found <= self._forms:
                self._forms |= found
                self._dirty = True

    def redact(self, text: str) -> str:
        pattern = self._pattern
        if self._dirty:
            pattern = self._compile()
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        return _redact_shapes(text)

    def _compile(self) -> re.Pattern[str] | None:
        """The pattern of every registered form, compiled on the first use after a change (a run
        registers its secrets in bursts; compiling after each one would cost seconds)."""
        with self._lock:
            if self._dirty:
                self._pattern = _trie_pattern(self._forms) if self._forms else None
                self._dirty = False
            return self._pattern

    def snapshot(self) -> tuple[frozenset[str], frozenset[str]]:
        """What is registered (values, forms), for :meth:`restore` (tests put the registry back so)."""
        with self._lock:
            return frozenset(self._values), frozenset(self._forms)

    def restore(self, snapshot: tuple[frozenset[str], frozenset[str]]) -> None:
        values, found = snapshot
        with self._lock:
            self._values, self._forms, self._pattern, self._dirty = set(values), set(found), None, bool(found)


def _redact_shapes(text: str) -> str:
    """Credentials recognised by their shape (each pattern tried only when its word is there)."""
    if "Bearer" in text:
        text = _BEARER.sub(r"\1" + REDACTED, text)
    if "Basic" in text:
        text = _BASIC.sub(r"\1" + REDACTED, text)
    if "=" in text or ":" in text:
        lowered = text.lower()
        if any(word in lowered for word in _KEY_WORDS):
            text = _NAMED.sub(r"\1" + REDACTED, text)
    return text


def _basic_forms(credential: str) -> set[str]:
    """The ``user:password`` inside a Basic credential, and the password alone."""
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return set()
    _user, _sep, password = decoded.partition(":")
    return forms(decoded) | (forms(password) if len(password) >= MIN_LENGTH else set())


def _trie_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """One regular expression matching any of ``words``, longest first, built as a trie so that
    each position of a text costs one branch, not one try per word."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a word ends here: the longer ones are tried first, then the end
            return "(?:" + body + ")?" if len(branches) == 1 else body + "?"
        return body

    return re.compile(build(trie))


REGISTRY = Registry()


def register(*values: str | None) -> None:
    """Register secret values (and their encodings) for the whole process."""
    REGISTRY.add(*values)


def redact(text: str) -> str:
    """``text`` with every registered secret, and every credential recognised by its shape, blanked."""
    if not text:
        return text
    return REGISTRY.redact(text)


def redact_values(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of ``secrets`` (the values one request sent) blanked, longest first so a
    secret that contains another is blanked whole."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def url_secrets(url: str, *, query: bool = True, whole: bool = False) -> list[str]:
    """The parts of ``url`` that are credentials: the password of its userinfo (and
    ``user:password``, as Basic auth sends it), its query values, path segments long enough to be
    tokens; and the whole URL, its path and query when any of them holds one, or always with
    ``whole`` (a URL that is a secret as a whole, like a webhook's). Nothing for a URL without
    credentials (``https://mastodon.social`` stays readable)."""
    try:
        parts = urlsplit(url.strip())
        password = parts.password
    except ValueError:
        return []
    if not parts.scheme or not parts.netloc:
        return []
    found: list[str] = []
    if password:
        found += [password, f"{parts.username or ''}:{password}"]
    if query and parts.query:
        found += [v for pair in parts.query.split("&") for v in pair.split("=")[1:] if len(v) >= MIN_LENGTH]
    found += [segment for segment in parts.path.split("/") if len(segment) >= TOKEN_SEGMENT]
    if found or whole:
        found += [url, parts.query if query else "", parts.path if len(parts.path) > 1 else ""]
        if parts.query and query:
            found.append(f"{parts.path}?{parts.query}")
    return [piece for piece in found if piece]


def register_url(url: str, *, query: bool = True, whole: bool = False) -> None:
    """Register the credentials a URL carries (see :func:`url_secrets`), and ``user:password`` in
    base64 as Basic auth sends it."""
    register(*url_secrets(url, query=query, whole=whole))
    try:
        parts = urlsplit(url.strip())
        if parts.password:
            REGISTRY.add_forms(pair_forms(unquote(parts.username or ""), unquote(parts.password)))
    except ValueError:
        pass


def register_database_url(url: str) -> None:
    """The database password (a database URL's query holds options, not secrets)."""
    register_url(url, query=False)


def register_raw(values: Any, *, everything: bool = False, name: str = "") -> None:
    """Register what may be secret in raw settings (a mapping from a config or secrets file):
    with ``everything``, every text; otherwise texts under a secret-sounding name, and URLs with
    credentials."""
    for key, text in walk_texts(values, name):
        if everything or secret_name(key.rsplit(".", 1)[-1]):
            register(text)
        if "://" in text:
            register_url(text)


def walk_texts(value: Any, name: str = "") -> Iterator[tuple[str, str]]:
    """(dotted name, text) for every text in nested mappings and lists."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from walk_texts(item, f"{name}.{key}")
    elif isinstance(value, list | tuple):
        for item in value:
            yield from walk_texts(item, name)


def register_settings(model: Any) -> None:
    """Walk a settings model (pydantic) and register what can hold a secret: every ``SecretStr``
    (also inside lists and mappings), every URL's credentials, and every value of a field marked
    :class:`SecretValues`. Generic: no network is named here; a plugin's settings get the same."""
    from pydantic import BaseModel, SecretStr

    def walk(value: Any, marked: SecretValues | None) -> None:
        if isinstance(value, SecretStr):
            secret = value.get_secret_value()
            register(secret)
            if "://" in secret:
                register_url(secret)
        elif isinstance(value, BaseModel):
            fields = type(value).model_fields
            for field_name, info in fields.items():
                mark = next((m for m in info.metadata if isinstance(m, SecretValues)), None)
                walk(getattr(value, field_name, None), mark)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if marked is None or str(key).lower() not in marked.except_keys:
                    walk(item, marked)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                walk(item, marked)
        elif isinstance(value, str):
            if marked is not None:
                register(value)
            if "://" in value:
                register_url(value, whole=marked is not None)
        elif value is not None and type(value).__name__.endswith("Url"):  # pydantic's HttpUrl, AnyUrl…
            register_url(str(value), whole=marked is not None)

    walk(model, None)


class RedactingFilter(logging.Filter):
    """Blanks secrets out of the records of a logger it is added to (the HTTP libraries log whole
    request URLs; a webhook URL may hold a token). socialpost's own handler redacts in its
    formatter; this is for records that reach other handlers (an application embedding socialpost)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's business, not ours
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


LOG_FILTER = RedactingFilter()
# A logger's filters see only the records logged on that very logger, not its children's.
HTTP_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.connection_pool",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "urllib3.connectionpool",
)


def protect_http_loggers() -> None:
    """Add :data:`LOG_FILTER` to the HTTP libraries' loggers (once; adding it again is a no-op)."""
    for name in HTTP_LOGGERS:
        logging.getLogger(name).addFilter(LOG_FILTER)
