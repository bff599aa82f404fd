"""Send one claimed post through its adapter and record what happened.

This is where the retry policy lives (README, "Reliability"): transient errors (timeouts,
connection errors, 5xx, 429) wait with exponential backoff and jitter, never earlier than the
network's own reset time; permanent errors fail the post at once with the network's reason; an
outcome we could not see is re-sent only when the network honours our idempotency key, and is
otherwise reconciled or marked ``unknown`` — never blindly re-sent.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from socialpost.errors import (
    AccountNotSetUp,
    ConfigError,
    DuplicatePost,
    PermanentError,
    PluginError,
    RateLimited,
    StoreError,
    TransientError,
)
from socialpost.i18n import _
from socialpost.networks.base import Network, NotSent, OutgoingPost, Published
from socialpost.networks.capabilities import Reconciler
from socialpost.networks.registry import load
from socialpost.settings.config import DaemonSettings
from socialpost.store.claims import Claimed, ClaimPolicy
from socialpost.store.models import Status
from socialpost.store.outcomes import Outcome
from socialpost.store.queue import Queue
from socialpost.timeutil import format_duration
from socialpost.wiring import Adapters

log = logging.getLogger("socialpost.daemon")
RECONCILE_AFTER = timedelta(seconds=60)  # time for a network to show a post whose answer was lost
CRASH_RETRY = timedelta(hours=1)  # after an unexpected error, when even the backoff cannot be worked out
_MAX_DOUBLINGS = 60  # the backoff stops doubling here (a post reconciled many times has many attempts)


class _Progress:
    """How far one delivery got: whether its request may have reached the network."""

    __slots__ = ("may_have_sent",)

    def __init__(self) -> None:
        self.may_have_sent = False


class OutcomeSink(Protocol):
    """Where outcomes go when not written at once (the daemon's :class:`OutcomeWriter`)."""

    def put(self, outcome: Outcome, *, durable: bool) -> None: ...


class Dispatcher:
    def __init__(
        self,
        queue: Queue,
        adapters: Adapters,
        settings: DaemonSettings,
        *,
        jitter: Callable[[], float] = random.random,
        outcomes: OutcomeSink | None = None,
    ) -> None:
        self.queue = queue
        self.adapters = adapters
        self.settings = settings
        self.jitter = jitter
        # None: each outcome is written before deliver() returns
        self.outcomes = outcomes
        self._recoverable: dict[str, bool] = {}

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.lease_seconds)

    @property
    def policy(self) -> ClaimPolicy:
        return ClaimPolicy(
            max_age=self.settings.max_age, min_interval=self.settings.min_interval, ahead_ok=self.recoverable
        )

    def recoverable(self, network: str) -> bool:
        """Whether a post of ``network`` may be claimed ahead of its time and held.

        Only adapters that honour our idempotency key qualify: a daemon that dies while holding
        such a post leaves it ``sending``, and resending it with the same key is safe whether or
        not it went out. An adapter that can only look posts up (``reconcile``) may not be able to
        for every account (a LinkedIn member, X without timeline reads), which would leave a post
        that was never sent ``unknown``; those posts are claimed at their time instead.
        """
        known = self._recoverable.get(network)
        if known is None:
            try:
                cls = load(network)
            except Exception:  # noqa: BLE001 - an adapter that does not load is reported when used
                known = False
            else:
                known = cls.profile.idempotent
            self._recoverable[network] = known
        return known

    def claim(self, limit: int, *, ahead: timedelta = timedelta(0)) -> list[Claimed]:
        """Due posts, and with ``ahead`` those due within that much (to send at their ``send_at``)."""
        return self.queue.claim(limit, self.lease, self.policy, ahead=ahead)

    def deliver(self, claimed: Claimed) -> Status:
        """Publish one claimed post; return the state it ended in. Never raises: an unexpected
        error leaves the post in a visible state with its reason (see :meth:`crashed`)."""
        progress = _Progress()
        try:
            return self._deliver(claimed, progress)
        except Exception as exc:  # noqa: BLE001 - a bug of ours after the claim
            return self.crashed(claimed, exc, may_have_sent=progress.may_have_sent)

    def _deliver(self, claimed: Claimed, progress: _Progress) -> Status:
        post = _outgoing(claimed)
        try:
            adapter = self.adapters.get(claimed.account)
        except AccountNotSetUp:  # nothing was sent: it waits for the account (socialpost.store.connect)
            return self._not_connected(claimed)
        except (ConfigError, PluginError) as exc:
            return self._fail(claimed, str(exc), None)
        log.info(
            "sending %s/%s to %s (attempt %d)",
            claimed.campaign,
            claimed.post_key,
            claimed.account,
            claimed.attempts,
            extra=_extra(claimed),
        )
        progress.may_have_sent = True
        try:
            published = adapter.publish(post)
        except DuplicatePost as exc:
            if exc.existing_id:
                return self._sent(
                    claimed, adapter, Published(exc.existing_id, exc.existing_url), "the network already had this post"
                )
            return self._fail(claimed, str(exc), adapter)
        except TransientError as exc:
            progress.may_have_sent = exc.request_sent
            return self._transient(claimed, adapter, exc)
        except PermanentError as exc:
            progress.may_have_sent = False  # the network refused it
            return self._fail(claimed, str(exc), adapter)
        except Exception as exc:  # a bug in an adapter: we cannot know whether it posted
            # one line (the _unknown below); the traceback only with --verbose
            log.debug("the %s adapter raised an unexpected error", claimed.network, exc_info=True)
            return self._unknown(
                claimed,
                _("the {network} adapter failed unexpectedly ({error}); the post may or may not be online.").format(
                    network=claimed.network, error=f"{exc.__class__.__name__}: {exc}"
                ),
            )
        return self._sent(claimed, adapter, published, published.note)

    def reconcile(self, claimed: Claimed) -> Status:
        """Settle a post whose lease expired while ``sending`` (its daemon died or hung).

        The adapter's own check comes first (the outbox looks for its file, other networks search
        the account): found → ``sent``; proven absent → ``pending`` again. When it cannot decide,
        an idempotent adapter re-sends with the same key (a duplicate is impossible); any other is
        marked ``unknown`` for the user — never blindly re-sent. Never raises: after an unexpected
        error the outcome is still open, so the post is ``unknown``.
        """
        try:
            return self._reconcile(claimed)
        except Exception as exc:  # noqa: BLE001 - a bug of ours: the outcome stays open
            return self.crashed(claimed, exc, may_have_sent=True)

    def crashed(self, claimed: Claimed, exc: Exception, *, may_have_sent: bool) -> Status:
        """Settle a post after an unexpected error between its claim and its outcome (a bug, or a
        setting out of range), so that it never stays ``sending`` without a reason.

        If the request may have reached the network, the post is ``unknown``, for the user to
        check — never re-sent blindly. Otherwise it never left: it waits for another try like after
        a temporary error (``retry_wait``), and ``failed`` once out of attempts or older than
        ``daemon.max_age``, so the same bug cannot loop forever. Logged in one line; the traceback
        only with --verbose.

        A database failure (:class:`StoreError`) is not settled here: the outcome could not be
        written, so the post stays ``sending`` and is reconciled when its lease expires (found →
        ``sent``, the same key sent again…), as after a crash; so it is when even this cannot be
        written.
        """
        error = f"{exc.__class__.__name__}: {exc}"
        log.debug("unexpected error with %s/%s", claimed.campaign, claimed.post_key, exc_info=exc)
        if isinstance(exc, StoreError):
            log.error(
                "%s/%s to %s: the database failed (%s); the post stays 'sending' until its lease expires, then "
                "it is reconciled",
                claimed.campaign,
                claimed.post_key,
                claimed.account,
                exc,
                extra=_extra(claimed),
            )
            return Status.SENDING
        try:
            if may_have_sent:
                return self._unknown(
                    claimed,
                    _(
                        "socialpost failed unexpectedly while sending this post ({error}); it may or may not be "
                        "online. Check {account} and run 'socialpost resolve' with --sent URL or --not-sent."
                    ).format(error=error, account=claimed.account),
                )
            unsent = _("socialpost failed unexpectedly before this post reached {network} ({error}).").format(
                network=claimed.network, error=error
            )
            try:
                retry_at = self.backoff(claimed.attempts, None)
            except Exception:  # noqa: BLE001 - the backoff itself may be what failed
                retry_at = self.queue.clock() + CRASH_RETRY
            return self._retry_or_give_up(claimed, unsent, retry_at, None, level=logging.WARNING)
        except Exception as again:  # noqa: BLE001 - the database may be what failed
            log.error(
                "%s/%s to %s: unexpected error (%s), and recording it failed too (%s); the post stays 'sending' "
                "until its lease expires, then it is reconciled",
                claimed.campaign,
                claimed.post_key,
                claimed.account,
                error,
                f"{again.__class__.__name__}: {again}",
                extra=_extra(claimed),
            )
            return Status.SENDING

    def _reconcile(self, claimed: Claimed) -> Status:
        try:
            adapter = self.adapters.get(claimed.account)
        except (ConfigError, PluginError) as exc:
            return self._unknown(claimed, _("cannot reconcile: {error}").format(error=exc))
        reason = _("the network gives no way to check")
        found: Published | NotSent | None = None
        if isinstance(adapter, Reconciler):
            try:
                found = adapter.reconcile(_outgoing(claimed))
            except TransientError as exc:
                if adapter.profile.idempotent:
                    return self._transient(claimed, adapter, exc)
                reason = f"{exc.__class__.__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - any failure here leaves the outcome open
                reason = f"{exc.__class__.__name__}: {exc}"
        if isinstance(found, Published):
            return self._sent(claimed, adapter, found, "found on the network by reconciliation")
        if isinstance(found, NotSent):
            self.queue.requeue(claimed.id, _("reconciliation: {reason}; sending again").format(reason=found.reason))
            log.info(
                "%s/%s was not sent (%s); queued again",
                claimed.campaign,
                claimed.post_key,
                found.reason,
                extra=_extra(claimed),
            )
            return Status.PENDING
        if adapter.profile.idempotent:
            log.info(
                "re-sending %s/%s with its idempotency key after an unseen outcome",
                claimed.campaign,
                claimed.post_key,
                extra=_extra(claimed),
            )
            return self.deliver(claimed)
        return self._unknown(
            claimed,
            _(
                "a daemon stopped while sending this post and its outcome could not be established ({reason}). "
                "Check {account} and run 'socialpost resolve' with --sent URL or --not-sent."
            ).format(reason=reason, account=claimed.account),
        )

    # --- outcomes --------------------------------------------------------------------------

    def _record(self, outcome: Outcome, adapter: Network | None) -> None:
        """Write the outcome now, or hand it to the daemon's writer. Only an idempotent adapter's
        outcome may wait there: if the daemon dies first, the reaper sends the post again with the
        same key, which cannot publish twice. Any other outcome is durable before we go on."""
        if self.outcomes is None:
            self.queue.record([outcome])
        else:
            self.outcomes.put(outcome, durable=adapter is None or not adapter.profile.idempotent)

    def _sent(self, claimed: Claimed, adapter: Network, published: Published, note: str = "") -> Status:
        self._record(
            self.queue.sent(
                claimed.id,
                remote_id=published.remote_id,
                remote_url=published.url,
                detail=" ".join(part for part in dict.fromkeys((note, published.note)) if part),
                note=published.note,
            ),
            adapter,
        )
        log.info(
            "sent %s/%s to %s: %s",
            claimed.campaign,
            claimed.post_key,
            claimed.account,
            published.url or published.remote_id,
            extra=_extra(claimed),
        )
        return Status.SENT

    def _fail(self, claimed: Claimed, reason: str, adapter: Network | None) -> Status:
        self._record(self.queue.outcome(claimed.id, Status.FAILED, "failed", reason), adapter)
        log.warning(
            "failed %s/%s to %s: %s",
            claimed.campaign,
            claimed.post_key,
            claimed.account,
            reason,
            extra=_extra(claimed),
        )
        return Status.FAILED

    def _not_connected(self, claimed: Claimed) -> Status:
        """A post whose account is not set up here (retried by hand before it was connected, or
        removed from the config): held until it is, not failed."""
        from socialpost.store import connect

        self._record(
            self.queue.outcome(claimed.id, Status.HELD, connect.NOT_CONNECTED, connect.reason(claimed.account)), None
        )
        log.warning(
            "held %s/%s: account %s is not connected (%s)",
            claimed.campaign,
            claimed.post_key,
            claimed.account,
            connect.set_up_command(claimed.account),
            extra=_extra(claimed),
        )
        return Status.HELD

    def _unknown(self, claimed: Claimed, reason: str) -> Status:
        self._record(self.queue.outcome(claimed.id, Status.UNKNOWN, "unknown", reason), None)
        log.warning(
            "unknown outcome %s/%s to %s: %s",
            claimed.campaign,
            claimed.post_key,
            claimed.account,
            reason,
            extra=_extra(claimed),
        )
        return Status.UNKNOWN

    def _transient(self, claimed: Claimed, adapter: Network, exc: TransientError) -> Status:
        if exc.request_sent and not adapter.profile.idempotent:
            if not isinstance(adapter, Reconciler):  # no way to look: the user must
                return self._unknown(
                    claimed,
                    _(
                        "{error} The request may have reached {network}; it is not re-sent blindly. "
                        "Check the account and run 'socialpost resolve'."
                    ).format(error=exc, network=claimed.network),
                )
            # The network may still be publishing it: look for it a little later (the lease runs
            # out, and a daemon's reaper reconciles it: found → sent, proven absent → sent again).
            self.queue.reconcile_later(
                claimed.id,
                _("{error} The request may have reached {network}.").format(error=exc, network=claimed.network),
                RECONCILE_AFTER,
            )
            log.info(
                "%s/%s: outcome not seen; reconciling in %s",
                claimed.campaign,
                claimed.post_key,
                format_duration(RECONCILE_AFTER),
                extra=_extra(claimed),
            )
            return Status.SENDING
        retry_at = self.backoff(claimed.attempts, exc.retry_at)
        status = self._retry_or_give_up(claimed, exc, retry_at, adapter)
        if status is Status.RETRY_WAIT and isinstance(exc, RateLimited):
            moved = self.queue.rate_limited(claimed.account, retry_at, str(exc))
            log.info(
                "%s is rate limited until %s; %d other post(s) wait until then",
                claimed.account,
                retry_at.isoformat(),
                moved,
                extra=_extra(claimed),
            )
        return status

    def _retry_or_give_up(
        self, claimed: Claimed, error: object, retry_at: datetime, adapter: Network | None, *, level: int = logging.INFO
    ) -> Status:
        """A post that did not go out: failed when it is out of attempts or ``retry_at`` is past
        daemon.max_age, else waiting to retry then, with ``error`` as its reason."""
        if claimed.attempts >= self.settings.max_attempts:
            return self._fail(
                claimed,
                _("gave up after {attempts} attempts. Last error: {error}").format(
                    attempts=claimed.attempts, error=error
                ),
                adapter,
            )
        if retry_at > claimed.due_at + self.settings.max_age:
            return self._fail(
                claimed,
                _(
                    "gave up: the next try ({after} after the post's time) would be later than daemon.max_age "
                    "({max_age}). Last error: {error}"
                ).format(
                    after=format_duration(retry_at - claimed.due_at),
                    max_age=format_duration(self.settings.max_age),
                    error=error,
                ),
                adapter,
            )
        wait = retry_at - self.queue.clock()
        reason = _("{error} Trying again in {wait}.").format(error=error, wait=format_duration(wait))
        self._record(
            self.queue.outcome(claimed.id, Status.RETRY_WAIT, "retry", reason, next_attempt_at=retry_at), adapter
        )
        log.log(
            level,
            "will retry %s/%s to %s in %s: %s",
            claimed.campaign,
            claimed.post_key,
            claimed.account,
            format_duration(wait),
            error,
            extra=_extra(claimed),
        )
        return Status.RETRY_WAIT

    def backoff(self, attempts: int, not_before: datetime | None) -> datetime:
        """Exponential backoff with jitter (50–100 % of the step), never before ``not_before``."""
        doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
        step = min(self.settings.retry_base_seconds * 2**doublings, self.settings.retry_max_seconds)
        when = self.queue.clock() + timedelta(seconds=step * (0.5 + 0.5 * self.jitter()))
        if not_before is not None and not_before > when:
            when = not_before
        return when


def _outgoing(claimed: Claimed) -> OutgoingPost:
    return OutgoingPost.from_payload(
        key=claimed.idempotency_key,
        campaign=claimed.campaign,
        post_id=claimed.post_key,
        account=claimed.account,
        due_at=claimed.due_at,
        payload=claimed.payload,
        occurrence=claimed.occurrence,
    )


def _extra(claimed: Claimed) -> dict[str, object]:
    return {
        "post": {
            "campaign": claimed.campaign,
            "id": claimed.post_key,
            "account": claimed.account,
            "row": claimed.id,
        }
    }
