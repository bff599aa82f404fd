"""The Mastodon.py client of one account, and what its exceptions mean in socialpost's error tree."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from socialpost.errors import AuthError, ContentRejected, PermanentError, RateLimited, TransientError
from socialpost.i18n import _
from socialpost.networks.base import Network, decimal_mark
from socialpost.networks.common.http import excerpt
from socialpost.networks.mastodon.settings import MastodonSettings
from socialpost.networks.mastodon.state import AttachmentBook
from socialpost.timeutil import iso_utc

if TYPE_CHECKING:
    from mastodon import Mastodon

    from socialpost.networks.mastodon.limits import MastodonLimits

log = logging.getLogger("socialpost.networks.mastodon")

USER_AGENT = "socialpost"
MESSAGE_CHARS = 300  # how much of the instance's error message goes into ours
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class MastodonClient(Network):
    """The account's client (one call at a time), the words naming the account, error translation."""

    settings: MastodonSettings

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client: Mastodon | None = None
        self._lock = threading.RLock()  # one call at a time: Mastodon.py keeps rate-limit state per client
        self._limits: MastodonLimits | None = None
        self._me: dict[str, Any] | None = None
        self.sleep: Callable[[float], None] = time.sleep  # tests replace it
        self.monotonic: Callable[[], float] = time.monotonic  # and this, with it
        self._host = urlsplit(self.settings.api_base_url).netloc
        # the uploads of posts not online yet, so that a later attempt waits for them again
        self.attachments = AttachmentBook(
            self.context.state_dir(
                "media", self.account, old=self.context.data_dir / "mastodon" / self._slug / "media"
            ),
            instance=self.settings.api_base_url,
        )

    @property
    def _where(self) -> str:
        """How messages name this account, in the active language."""
        return _("Mastodon account {account} ({host})").format(account=self.account, host=self._host)

    # --- plumbing ------------------------------------------------------------------------------

    def _api(self) -> Mastodon:
        from mastodon import Mastodon

        with self._lock:
            if self._client is None:
                client = Mastodon(
                    api_base_url=self.settings.api_base_url,
                    ratelimit_method="throw",
                    version_check_mode="none",
                    request_timeout=self.settings.timeout,
                    user_agent=USER_AGENT,
                )
                # Given to the constructor, a token that happens to name a file would be read from it.
                client.access_token = self.settings.access_token.get_secret_value()
                self._client = client
            return self._client

    @contextmanager
    def _calling(self, doing: str, *, sends: bool = False) -> Iterator[Mastodon]:
        """Run Mastodon.py calls, turning its exceptions into socialpost's (see :meth:`_translate`)."""
        from mastodon.errors import MastodonError

        with self._lock:
            client = self._api()
            try:
                yield client
            except MastodonError as exc:
                self._translate(exc, client, doing, sends=sends)

    def _translate(self, exc: Exception, client: Mastodon, doing: str, *, sends: bool) -> NoReturn:
        """Raise the socialpost error for a Mastodon.py exception. Never repeats the token."""
        from mastodon.errors import (
            MastodonAPIError,
            MastodonFileNotFoundError,
            MastodonIllegalArgumentError,
            MastodonIOError,
            MastodonNetworkError,
            MastodonNotFoundError,
            MastodonRatelimitError,
            MastodonServerError,
            MastodonUnauthorizedError,
        )

        where = _("{where}: {doing}").format(where=self._where, doing=doing)
        fix_auth = _("Connect the account again: socialpost accounts add mastodon {name}").format(
            name=self.account.split(":", 1)[1]
        )
        if isinstance(exc, MastodonRatelimitError):
            reset = getattr(client, "ratelimit_reset", None)
            retry_at = datetime.fromtimestamp(float(reset), UTC) if isinstance(reset, int | float) else None
            if retry_at:
                text = _("{where}: the instance is rate limiting this account (429) until {time}.").format(
                    where=where, time=iso_utc(retry_at)
                )
            else:
                text = _("{where}: the instance is rate limiting this account (429).").format(where=where)
            raise RateLimited(text, status=429, retry_at=retry_at) from None
        if isinstance(exc, MastodonNetworkError):
            sent = sends and _may_have_arrived(exc)
            reason = _network_reason(exc, self.settings.timeout)
            raise TransientError(
                _("{where}: {reason}.").format(where=where, reason=reason), request_sent=sent
            ) from None
        if isinstance(exc, MastodonFileNotFoundError | MastodonIOError):
            raise ContentRejected(
                _("{where}: a media file cannot be read ({error}).").format(where=where, error=exc.__class__.__name__)
            ) from None
        if isinstance(exc, MastodonIllegalArgumentError):
            raise PermanentError(_("{where}: {message}").format(where=where, message=self._clean(str(exc)))) from None
        if isinstance(exc, MastodonAPIError):
            status, message = _api_error(exc)
            said = " " + _("The instance said: {message}").format(message=self._clean(message)) if message else ""
            if isinstance(exc, MastodonUnauthorizedError) or status == 401:
                raise AuthError(
                    _("{where}: the instance refused the access token (401); it was revoked or is wrong.").format(
                        where=where
                    )
                    + said,
                    hint=fix_auth,
                    status=401,
                ) from None
            if status == 403:
                raise AuthError(
                    _("{where}: the instance does not allow this account or token to do it (403).").format(where=where)
                    + said,
                    hint=_(
                        "The token needs the read and write permissions and the account must be active. {fix}"
                    ).format(fix=fix_auth),
                    status=403,
                ) from None
            if isinstance(exc, MastodonNotFoundError) or status == 404:
                raise PermanentError(
                    _("{where}: not found on the instance (404); it was deleted or never existed.").format(where=where)
                    + said,
                    status=404,
                ) from None
            if status == 422:
                raise ContentRejected(
                    _("{where}: the instance rejected the post (422).").format(where=where) + said,
                    hint=_("Change the post so the instance accepts it, then run socialpost retry."),
                    status=422,
                ) from None
            if isinstance(exc, MastodonServerError) or (status is not None and status >= 500):
                raise TransientError(
                    _("{where}: the instance failed ({status}).").format(where=where, status=status) + said,
                    status=status,
                    request_sent=sends,
                ) from None
            if status is None:  # a 2xx answer Mastodon.py could not read
                raise TransientError(
                    _("{where}: the instance sent an answer socialpost cannot read.").format(where=where),
                    request_sent=sends,
                ) from None
            raise PermanentError(
                _("{where}: the instance refused the request ({status}).").format(where=where, status=status) + said,
                status=status,
            ) from None
        # Anything else from Mastodon.py: the outcome is open, and a resend with the same key is safe.
        raise TransientError(
            _("{where}: {error}.").format(where=where, error=exc.__class__.__name__), request_sent=sends
        ) from None

    def _clean(self, text: str) -> str:
        """An instance's message on one line, cut short, with none of our secrets in it."""
        return excerpt(text, secrets=self._secrets(), limit=MESSAGE_CHARS)

    def _secrets(self) -> list[str]:
        values = [self.settings.access_token, self.settings.client_secret]
        return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]

    @property
    def _old_folder(self) -> Path:
        """Where this account's state lived before ``AdapterContext.state_dir`` (names with unusual
        characters were folded differently)."""
        return self.context.data_dir / "mastodon" / self._slug

    @property
    def _slug(self) -> str:
        """The account's name as it may appear in a file name."""
        return _UNSAFE.sub("_", self.account.split(":", 1)[-1]) or "account"

    def _unless_gone(self, doing: str, method: str, remote_id: str, *, lacking: str) -> Any:
        """Mastodon.py's ``method(remote_id)``, or None when status ``remote_id`` is gone (404,
        410): logged, with ``lacking`` saying what the caller goes without ("replies", "metrics")."""
        try:
            with self._calling(doing) as api:
                return getattr(api, method)(remote_id)
        except PermanentError as exc:
            if exc.status in (404, 410):
                log.info("%s: status %s is gone; no %s", self.account, remote_id, lacking)
                return None
            raise

    def _whoami(self) -> dict[str, Any]:
        if self._me is None:
            with self._calling(_("checking the access token")) as api:
                self._me = dict(api.account_verify_credentials())
        return self._me

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.session.close()
                self._client = None


def _api_error(exc: Exception) -> tuple[int | None, str]:
    """(HTTP status, the instance's message) from ``MastodonAPIError('…', status, reason, message)``."""
    args = exc.args
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    message = args[3] if len(args) > 3 and isinstance(args[3], str) else ""
    if status is not None and not message and len(args) > 2 and isinstance(args[2], str):
        message = args[2]
    return status, message


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.args and isinstance(current.args[0], BaseException):
            yield from _causes(current.args[0])
        current = current.__cause__ or current.__context__


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cause in _causes(exc) for cls in type(cause).__mro__}


def _may_have_arrived(exc: BaseException) -> bool:
    """False only when the connection was never made (refused, DNS, connect timeout)."""
    names = _names(exc)
    if names & {"ReadTimeout", "ReadTimeoutError", "ProtocolError", "ChunkedEncodingError"}:
        return True
    connect = {"ConnectTimeout", "ConnectTimeoutError", "NewConnectionError", "NameResolutionError"}
    return not (names & connect or ("MaxRetryError" in names and "ConnectionRefusedError" in names))


def _network_reason(exc: BaseException, timeout: float) -> str:
    names = _names(exc)
    seconds = decimal_mark(f"{timeout:g}")
    if names & {"ReadTimeout", "ReadTimeoutError"}:
        return _("no answer within {seconds} s").format(seconds=seconds)
    if names & {"ConnectTimeout", "ConnectTimeoutError"} and not names & {"NewConnectionError"}:
        return _("cannot connect within {seconds} s").format(seconds=seconds)
    if "NameResolutionError" in names:
        return _("the instance's name cannot be resolved (DNS)")
    if names & {"NewConnectionError", "ConnectionRefusedError"}:
        return _("cannot connect to the instance")
    return _("the connection broke")


def _status_url(status: dict[str, Any]) -> str | None:
    url = status.get("url") or status.get("uri")
    return str(url) if url else None
