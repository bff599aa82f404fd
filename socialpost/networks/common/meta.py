"""Meta's Graph API, the parts every Graph network shares (Facebook Pages now; Instagram and
Threads later): the version policy, the error body and what its codes mean, the usage headers that
say when a rate limit ends, batch calls and Graph's times.

The wording of errors stays with each network (its product names, its permissions, its fix):
:class:`GraphErrorBody` reads ``{"error": {"code", "error_subcode", "message", "fbtrace_id"}}``
and :func:`error_kind` says which family a code belongs to
(developers.facebook.com/docs/graph-api/guides/error-handling).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from socialpost.errors import PermanentError
from socialpost.i18n import _
from socialpost.networks.api_version import VersionPolicy
from socialpost.networks.common.numbers import as_int
from socialpost.redaction import redact_values

GRAPH_URL = "https://graph.facebook.com"
BATCH_LIMIT = 50  # requests per Graph batch call
EXCERPT = 300  # how much of Graph's message goes into ours
USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-page-usage", "x-ad-account-usage")
RATE_CODES = frozenset({4, 17, 32, 613, 80001})
TRANSIENT_CODES = frozenset({1, 2})
TOKEN_CODES = frozenset({190, 102})
_PERMISSION = re.compile(r"\b((?:pages|publish|read|business|instagram)_[a-z_]+)\b")

ErrorKind = Literal["token", "permission", "rate", "abuse", "duplicate", "transient", "not_found", "invalid", "other"]


def graph_versions(network: str, *, setting: str = "graph_version") -> VersionPolicy:
    """The Graph API's versions as ``network``'s policy (the versions are Meta's, the account
    setting that pins one is the network's).

    Graph API versions (developers.facebook.com/docs/graph-api/changelog): each is served until two
    years after the next one came out; v19.0 and v20.0 from the changelog, v21.0–v23.0 by that rule
    (v22.0 came out 2025-01-21, v23.0 2025-05-29, v24.0 2025-10-08), v24.0 until 2028-02-18. Meta
    answers a retired version as the oldest version it still serves (``forwards_retired``)."""
    return VersionPolicy(
        network=network,
        setting=setting,
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


def graph_version_setting(value: str | None) -> str | None:
    """A ``graph_version`` setting as Graph writes it (``24.0`` → ``v24.0``); ValueError otherwise."""
    if value is None:
        return None
    value = value.strip()
    if not value.startswith("v"):
        value = f"v{value}"
    if not re.fullmatch(r"v[0-9]{1,3}\.[0-9]", value):
        raise ValueError(_("write the Graph API version like v24.0"))
    return value


class GraphNotFound(PermanentError):
    """Graph cannot find the object (code 100, subcode 33): deleted, or not visible to the token."""


@dataclass(frozen=True)
class GraphErrorBody:
    """Graph's ``error`` object: its code and subcode, its message (secrets blanked, on one line,
    cut to :data:`EXCERPT`) and its ``fbtrace_id`` (what Meta's support asks for)."""

    code: int | None
    subcode: int | None
    message: str
    trace: Any

    @classmethod
    def parse(cls, body: Any, secrets: Sequence[str]) -> GraphErrorBody | None:
        """The error in a Graph answer's parsed body; None when it holds none."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return None
        return cls(
            code=as_int(error.get("code")),
            subcode=as_int(error.get("error_subcode")),
            message=redact_values(" ".join(str(error.get("message") or "").split()), secrets)[:EXCERPT],
            trace=error.get("fbtrace_id"),
        )

    @property
    def number(self) -> str:
        """``code/subcode``, or the code alone."""
        return f"{self.code}/{self.subcode}" if self.subcode else f"{self.code}"

    @property
    def kind(self) -> ErrorKind:
        return error_kind(self.code, self.subcode)

    def permissions(self) -> list[str]:
        """The permissions the message names (``pages_manage_posts``…), each once, in order."""
        return list(dict.fromkeys(_PERMISSION.findall(self.message)))


def error_kind(code: int | None, subcode: int | None) -> ErrorKind:
    """What a Graph error code means, in the order Graph's codes are read."""
    if code in TOKEN_CODES:
        return "token"
    if code == 10 or (code is not None and 200 <= code <= 299):
        return "permission"
    if code in RATE_CODES or (code is not None and 80000 <= code <= 80014):
        return "rate"
    if code == 368:
        return "abuse"
    if code == 506:
        return "duplicate"
    if code in TRANSIENT_CODES:
        return "transient"
    if code == 100 and subcode == 33:
        return "not_found"
    if code == 100:
        return "invalid"
    return "other"


def regain_access(headers: Mapping[str, str]) -> timedelta | None:
    """The longest ``estimated_time_to_regain_access`` (minutes) in Meta's usage headers."""
    minutes: list[int] = []
    for name in USAGE_HEADERS:
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


def batch_form(requests: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """The form of one Graph batch call (``POST /{version}/``) making ``requests``
    (``{"method": "GET", "relative_url": …}``, at most :data:`BATCH_LIMIT`)."""
    return {"batch": json.dumps(list(requests), separators=(",", ":")), "include_headers": "false"}


def batch_answers(data: Any, count: int) -> list[tuple[int, Any]] | None:
    """A batch call's answer → (status, parsed body) per request (status 0: no answer; Graph
    returns null for requests it did not complete); None when the answer is not a batch's list."""
    if not isinstance(data, list):
        return None
    answers: list[tuple[int, Any]] = []
    for index in range(count):
        item = data[index] if index < len(data) else None
        if not isinstance(item, dict):
            answers.append((0, None))
            continue
        body = item.get("body")
        try:
            parsed = json.loads(body) if isinstance(body, str) else body
        except ValueError:
            parsed = None
        answers.append((int(item.get("code") or 0), parsed))
    return answers


def item_reason(status: int, body: Any) -> str:
    """The log's words for a batch item that failed: ``code 100: …``, ``status 500`` or ``no answer``."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"code {error.get('code')}: {' '.join(str(error.get('message', '')).split())[:EXCERPT]}"
    return f"status {status}" if status else "no answer"


def graph_time(value: Any) -> datetime | None:
    """Graph's ``2027-03-02T15:04:05+0000``."""
    if not isinstance(value, str):
        return None
    for shape in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value, shape).astimezone(UTC)
        except ValueError:
            continue
    return None
