"""One exception tree for the whole library, mapped to exit codes in one place.

Library code raises these; only the CLI (``socialpost.cli``) turns them into messages and exit
codes. Every error carries a message that says what is wrong and, where we know it, how to fix it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from socialpost.i18n import ngettext


class ExitCode(enum.IntEnum):
    """Documented exit codes (README, "Exit codes")."""

    OK = 0
    FAILURE = 1  # operational failure: database, network, a bug
    BAD_INPUT = 2  # usage, config or campaign errors
    ATTENTION = 3  # something needs the user's attention (failed or unknown posts)
    INTERRUPTED = 130  # stopped by a second Ctrl-C


class SocialpostError(Exception):
    """Base of every error socialpost raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} {self.hint}"
        return self.message


# --- bad input (exit 2) -------------------------------------------------------------------------


class InputError(SocialpostError):
    """The user gave us something we cannot use: a campaign, a config file, an option value."""

    exit_code = ExitCode.BAD_INPUT


@dataclass(frozen=True)
class Problem:
    """One error or warning located in a file (line and column are 1-based; 0 = unknown)."""

    file: str
    line: int
    column: int
    message: str
    rule: str | None = None  # warnings carry a stable rule id

    def location(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


class CampaignError(InputError):
    """A campaign file is invalid. Carries every problem found, each with its position."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        summary = "\n".join(str(p) for p in problems)
        if len(problems) > 1:
            count = len(problems)
            summary += "\n" + ngettext("({count} problem)", "({count} problems)", count).format(count=count)
        super().__init__(summary)

    def __str__(self) -> str:
        return self.message


class ConfigError(InputError):
    """The configuration file or a setting is invalid."""


class AccountNotSetUp(ConfigError):
    """A campaign names an account the config does not have yet: a draft can be checked and
    queued (its posts are held) before the account is connected. ``suggestion`` is the
    " Did you mean …?" for a name close to a configured account ("" when none is)."""

    def __init__(self, message: str, *, hint: str | None = None, suggestion: str = "") -> None:
        super().__init__(message, hint=hint)
        self.suggestion = suggestion


class UsageError(InputError):
    """A command-line value is invalid (unknown post id, bad duration, …)."""


class NotFound(InputError):
    """The user named something (a post, a campaign, an account) that does not exist."""


# --- operational failures (exit 1) --------------------------------------------------------------


class StoreError(SocialpostError):
    """The database cannot be opened, migrated or written."""


class NetworkError(SocialpostError):
    """A network adapter could not complete a call. Subclasses say whether to try again."""

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class TransientError(NetworkError):
    """Worth retrying later: timeouts, connection errors, 5xx, 429.

    ``retry_at`` is the earliest time the network told us to come back (``Retry-After``,
    ``x-rate-limit-reset``), when it told us.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        retry_at: datetime | None = None,
        request_sent: bool = False,
    ) -> None:
        super().__init__(message, hint=hint, status=status)
        self.retry_at = retry_at
        # True when the request may have reached the network (e.g. a read timeout): a retry is then
        # only safe when the network honours our idempotency key.
        self.request_sent = request_sent


class RateLimited(TransientError):
    """The network said "too many requests"."""


class PermanentError(NetworkError):
    """Retrying will not help: the post or the credentials must change first."""


class AuthError(PermanentError):
    """Credentials are missing, wrong, expired or lack a permission."""


class AccessTierError(AuthError):
    """The account's access tier, or the permissions the network grants this kind of app, do not
    include this feature (X's Free tier cannot search replies; LinkedIn lets only approved partners
    read the comments on a member's posts). Nothing to fix before the next run, so the inbox notes
    it rather than failing; an upgrade or another kind of account would change it."""


class ContentRejected(PermanentError):
    """The network refused this content (too long, duplicate, policy…)."""


class DuplicatePost(ContentRejected):
    """The network says this exact post already exists; ``existing_id`` when it tells us which."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        existing_id: str | None = None,
        existing_url: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint, status=status)
        self.existing_id = existing_id
        self.existing_url = existing_url


class MediaRefused(ContentRejected):
    """A media file a post names cannot be used: outside the allowed folders, missing, unreadable,
    not a regular file or not an image or video. One neutral message for every cause, so a campaign
    cannot learn which files exist on the machine (``socialpost.media``)."""


class FetchError(SocialpostError):
    """A URL socialpost fetches by itself (a link card's page or image) was refused or could not be
    read. ``refused`` is True when the guard said no (an address that is not public, a port, a size
    or time bound), False when the site failed; the message is the reason, in plain words."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class FeedError(SocialpostError):
    """A campaign's feed could not be read or is not a feed (RSS, Atom); the message says why. The
    daemon logs it, keeps it for ``status`` and ``doctor``, and goes on posting."""


class NotificationFailed(SocialpostError):
    """A notification channel (an SMTP server, a webhook receiver, the desktop) did not take a
    message; the hint says what to fix. The notifier tries it again later (socialpost.notify)."""


class PluginError(SocialpostError):
    """A network adapter plugin could not be loaded."""


class UnknownNetwork(PluginError, InputError):
    """The user named a network no installed adapter provides (bad input: exit 2)."""

    exit_code = ExitCode.BAD_INPUT


# --- attention needed (exit 3) ------------------------------------------------------------------


class AttentionNeeded(SocialpostError):
    """Not an error of the command itself: it found something the user must look at."""

    exit_code = ExitCode.ATTENTION
