"""API versions that networks retire: one declaration per adapter, and what follows from it.

Some networks make every call name an API version and retire each version after a while:
LinkedIn serves each monthly ``LinkedIn-Version`` (``YYYYMM``) for about a year and answers a
retired one with ``426 NONEXISTENT_VERSION``; Meta serves each Graph API version (``v24.0``) for
two years after the next one comes out, then answers it as the oldest version it still serves.
A pinned version that nobody updates breaks every post the day it is retired, so:

* each adapter declares its :class:`VersionPolicy` in one place (the ``api_version`` class
  attribute of its :class:`~socialpost.networks.base.Network`): the version it uses or how it
  follows the calendar, the date the declaration was checked against the network's docs, the
  known sunsets, and how versions are named and ordered. ``tests/test_api_versions.py`` fails the
  build once today is past a declared sunset;
* :class:`VersionInUse` is what one account sends: the configured version (a pin in the config is
  honoured), or the policy's default; after a "this version does not exist" answer it finds a
  served version (:meth:`VersionPolicy.candidates`), records it in the account's private state
  (``<data_dir>/<network>/<name>/api-version.json``, mode 0600) and logs it;
* :class:`ApiVersionStatus` is the typed answer ``accounts test`` and ``doctor`` show: the version
  in use, how long it has left, whether an automatic move happened, and what to do.

Plugins declare their own policy the same way (docs/architecture.md, "API versions").
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

from socialpost.i18n import _, ngettext
from socialpost.i18n.formats import integer
from socialpost.privatefiles import account_folder, read_object, write_json
from socialpost.timeutil import Clock, iso_utc

log = logging.getLogger("socialpost.networks.api_version")

SOON = timedelta(days=91)  # warn from three months before a sunset
SEARCH_LIMIT = 6  # other versions tried, at most, after a refusal
Scheme = Literal["monthly", "major.minor"]
State = Literal["ok", "soon", "retired", "unknown"]
T = TypeVar("T")

_MONTHLY = re.compile(r"(20[0-9]{2})(0[1-9]|1[0-2])")
_MAJOR_MINOR = re.compile(r"v?([0-9]{1,3})\.([0-9])")


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + count
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class VersionPolicy:
    """How one network names, serves and retires its API versions, as checked on ``checked``.

    ``scheme`` says how versions are written and ordered: ``monthly`` is ``YYYYMM`` (LinkedIn),
    ordered by month; ``major.minor`` is ``vNN.N`` (Graph), ordered by number. A ``monthly``
    policy without a ``version`` follows the calendar: its default is the month before the current
    one, and each month is served from ``release_day`` of its month until ``release_day`` of the
    month ``lifetime_months`` later (an estimate, so :meth:`sunset_of` says it is one). A fixed
    policy names its ``version`` and that version's ``sunset``; ``known_sunsets`` gives other
    versions' sunsets, so a version pinned in the config can be warned about too.
    """

    network: str  # the adapter's name ("linkedin")
    setting: str  # the account setting that pins a version ("linkedin_version")
    label: str  # how people know the version ("LinkedIn-Version", "Graph API")
    scheme: Scheme
    checked: date  # when this declaration was last checked against the network's docs
    docs: str  # where the network lists its versions and their sunsets
    version: str | None = None  # the fixed default; None: follow the calendar (monthly only)
    sunset: date | None = None  # when ``version`` is retired
    known_sunsets: Mapping[str, date] = field(default_factory=dict)
    lifetime_months: int = 12  # monthly: how long the network serves each version
    release_day: int = 15  # monthly: the day a version comes out, and is retired after its lifetime
    forwards_retired: bool = False  # the network answers a retired version as a served one (Graph)

    def __post_init__(self) -> None:
        if self.version is None and self.scheme != "monthly":
            raise ValueError(f"{self.network}: only a monthly policy can follow the calendar")
        if self.version is not None:
            self.key(self.version)  # raises on a malformed declaration

    # --- names and order -----------------------------------------------------------------------

    def key(self, version: str) -> tuple[int, int]:
        """``version`` as a sortable pair; ValueError when it is not written the scheme's way."""
        pattern = _MONTHLY if self.scheme == "monthly" else _MAJOR_MINOR
        match = pattern.fullmatch(version.strip())
        if match is None:
            raise ValueError(f"{version!r} is not a {self.scheme} version")
        return int(match.group(1)), int(match.group(2))

    def name(self, key: tuple[int, int]) -> str:
        return f"{key[0]:04d}{key[1]:02d}" if self.scheme == "monthly" else f"v{key[0]}.{key[1]}"

    def shift(self, version: str, months: int) -> str:
        """The monthly version ``months`` after (or before) ``version``."""
        return self.name(_add_months(*self.key(version), months))

    # --- the calendar --------------------------------------------------------------------------

    def default(self, today: date) -> str:
        """The version a user who pins none gets: the fixed one, or last month's."""
        if self.version is not None:
            return self.version
        return self.name(_add_months(today.year, today.month, -1))

    def release_of(self, version: str) -> date | None:
        if self.scheme != "monthly":
            return None
        year, month = self.key(version)
        return date(year, month, self.release_day)

    def sunset_of(self, version: str) -> date | None:
        """When ``version`` is (or was) retired; None when nobody has said."""
        if version in self.known_sunsets:
            return self.known_sunsets[version]
        if version == self.version:
            return self.sunset
        if self.scheme == "monthly":
            year, month = _add_months(*self.key(version), self.lifetime_months)
            return date(year, month, self.release_day)
        return None

    def estimated(self, version: str) -> bool:
        """Whether the sunset of ``version`` is worked out from the network's rule, not published."""
        return self.scheme == "monthly" and version not in self.known_sunsets and version != self.version

    def served(self, version: str, today: date) -> bool | None:
        """Whether the network serves ``version`` today, as far as the declaration knows."""
        release, sunset = self.release_of(version), self.sunset_of(version)
        if release is not None and today < release:
            return False
        if sunset is None:
            return None
        return today < sunset

    def candidates(self, refused: str, today: date, limit: int = SEARCH_LIMIT) -> list[str]:
        """Versions to try, in order, after the network refused ``refused`` as nonexistent.

        A refused version older than the default was retired: the default first, then the newer
        current month, then older months still served. A refused version at or after the default
        is too new (not released yet): the months before it, newest first. Never the refused one,
        and never one the calendar knows is retired or not out yet."""
        if self.scheme != "monthly":
            default = self.default(today)
            return [] if self.forwards_retired or default == refused else [default]
        first = self.default(today)
        if self.key(refused) < self.key(first):
            order = [first, self.shift(first, 1), *(self.shift(first, -n) for n in range(1, self.lifetime_months))]
        else:
            order = [self.shift(refused, -n) for n in range(1, self.lifetime_months + 1)]
        found: list[str] = []
        for version in order:
            if version != refused and version not in found and self.served(version, today) is not False:
                found.append(version)
        return found[:limit]

    def status(
        self,
        version: str,
        today: date,
        *,
        account: str,
        configured: str | None = None,
        refused: str | None = None,
    ) -> ApiVersionStatus:
        return ApiVersionStatus(
            account=account,
            setting=self.setting,
            label=self.label,
            version=version,
            default=self.default(today),
            sunset=self.sunset_of(version),
            estimated=self.estimated(version),
            today=today,
            configured=configured,
            refused=refused,
            forwarded=self.forwards_retired,
        )


@dataclass(frozen=True)
class ApiVersionStatus:
    """The API version one account uses, and what is worth saying about it (typed, for
    ``accounts test``, ``doctor`` and their JSON)."""

    account: str  # network:name
    setting: str  # the setting that pins it ("linkedin_version")
    label: str  # "LinkedIn-Version", "Graph API"
    version: str  # the version in use
    default: str  # what the policy would use today
    sunset: date | None  # when the version in use is retired (None: not announced)
    estimated: bool  # the sunset is worked out from the network's rule
    today: date
    configured: str | None = None  # the version the config pins (None: the policy's default)
    refused: str | None = None  # the version the network refused, when socialpost moved by itself
    forwarded: bool = False  # the network answers a retired version as a served one

    @property
    def days_left(self) -> int | None:
        return None if self.sunset is None else (self.sunset - self.today).days

    @property
    def state(self) -> State:
        left = self.days_left
        if left is None:
            return "unknown"
        if left <= 0:
            return "retired"
        return "soon" if left <= SOON.days else "ok"

    @property
    def moved(self) -> bool:
        """socialpost uses another version than the one it asked for first."""
        return self.refused is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "sunset": self.sunset.isoformat() if self.sunset else None,
            "sunset_estimated": self.estimated,
            "days_left": self.days_left,
            "state": self.state,
            "configured": self.configured,
            "refused": self.refused,
        }

    def describe(self) -> str:
        """``202611 (served until about 2027-11-15, 344 days left)``, in the active language."""
        left = self.days_left
        if self.sunset is None or left is None:
            return _("{version} (no sunset announced)").format(version=self.version)
        if left <= 0:
            return _("{version} (retired on {date})").format(version=self.version, date=self.sunset.isoformat())
        days = ngettext("{count} day left", "{count} days left", left).format(count=integer(left))
        if self.estimated:
            text = _("{version} (served until about {date}, {days})")
        else:
            text = _("{version} (served until {date}, {days})")
        return text.format(version=self.version, date=self.sunset.isoformat(), days=days)

    def warnings(self) -> list[tuple[str, str]]:
        """(what happened, the fix) for everything worth a warning; [] when all is well."""
        network, _sep, name = self.account.partition(":")
        place = f"accounts.{network}.{name}.{self.setting}"
        found: list[tuple[str, str]] = []
        if self.refused is not None and self.configured is not None:
            found.append(
                (
                    _(
                        "the network no longer serves {label} {refused}, which {place} in your config asks for; "
                        "socialpost sends {version} instead, so posts still go out."
                    ).format(label=self.label, refused=self.refused, place=place, version=self.version),
                    _(
                        "Remove {place} from your config file (socialpost then follows the network's calendar), "
                        "or set it to a newer version, e.g. {version}."
                    ).format(place=place, version=self.version),
                )
            )
        elif self.refused is not None:
            found.append(
                (
                    _(
                        "the network refused {label} {refused}, the version socialpost chose; socialpost moved to "
                        "{version} by itself, so posts still go out."
                    ).format(label=self.label, refused=self.refused, version=self.version),
                    _(
                        "Nothing to do while posts go out. If it happens again, check this machine's date, or set "
                        "{place} to a version the network serves."
                    ).format(place=place),
                )
            )
        state = self.state
        if state == "retired" and self.refused is None:
            message = _("{label} {version} was retired on {date}.").format(
                label=self.label, version=self.version, date=self.sunset.isoformat() if self.sunset else "?"
            )
            if self.forwarded:
                message += " " + _(
                    "The network answers it as the oldest version it still serves, which may behave differently."
                )
            found.append((message, self._newer(place)))
        elif state == "soon" and self.sunset is not None and self.days_left is not None:
            found.append(
                (
                    ngettext(
                        "{label} {version} is retired on {date}, in {count} day.",
                        "{label} {version} is retired on {date}, in {count} days.",
                        self.days_left,
                    ).format(
                        label=self.label,
                        version=self.version,
                        date=self.sunset.isoformat(),
                        count=integer(self.days_left),
                    ),
                    self._newer(place),
                )
            )
        return found

    def operator_note(self) -> str | None:
        """The log's (English) line when the version in use is retired or close to it; else None."""
        state, place = self.state, f"{self.setting} in accounts.{self.account.replace(':', '.', 1)}"
        if state not in ("retired", "soon") or self.sunset is None:
            return None
        when = "was retired on" if state == "retired" else "is retired on"
        forwarded = " (the network answers it as the oldest version it serves)" if self.forwarded else ""
        fix = f"remove {place} or set a newer version" if self.configured else "update socialpost"
        return f"{self.account}: {self.label} {self.version} {when} {self.sunset.isoformat()}{forwarded}: {fix}"

    def _newer(self, place: str) -> str:
        if self.configured is not None:
            return _(
                "Remove {place} from your config file (socialpost then uses {default}), or set it to a newer version."
            ).format(place=place, default=self.default)
        return _("Update socialpost: newer releases use a newer version (or set {place} to a newer version).").format(
            place=place
        )


# --- one account's version ------------------------------------------------------------------------


def state_path(data_dir: Path, account: str) -> Path:
    """``<data_dir>/<network>/<name>/api-version.json``: in one account's private state folder."""
    return account_folder(data_dir, account) / "api-version.json"


class VersionInUse:
    """The version one account sends, kept across runs, moved when the network refuses it.

    The first version is the configured one (``configured``) or the policy's default for today
    (worked out again when the day changes, so a daemon running for months follows the calendar
    too). When the account's state file says that very version was refused before, the version
    that worked then is used instead (so a retired pin is not tried on every run). Thread-safe."""

    def __init__(
        self,
        policy: VersionPolicy,
        *,
        account: str,
        configured: str | None,
        data_dir: Path,
        clock: Clock,
    ) -> None:
        self.policy = policy
        self.account = account
        self.configured = configured
        self.path = state_path(data_dir, account)
        self._clock = clock
        self._lock = threading.Lock()
        self._requested = ""
        self._current: str | None = None
        self._refused: str | None = None

    def _load(self) -> None:
        requested = self.configured or self.policy.default(self._clock().date())
        if self._current is not None and requested == self._requested:
            return
        self._requested, self._current, self._refused = requested, requested, None
        recorded = read_object(self.path)
        if not recorded or recorded.get("requested") != self._requested:
            return  # nothing recorded, or for another setting or month: start from the requested one
        version = recorded.get("version")
        try:
            self.policy.key(str(version))
        except ValueError:
            return
        self._current, self._refused = str(version), self._requested
        if self.configured is not None:
            log.warning(
                "%s: %s %s (%s in the config) is retired; using %s, recorded in %s. "
                "Remove the setting or set a newer version.",
                self.account,
                self.policy.label,
                self._requested,
                self.policy.setting,
                version,
                self.path,
            )

    @property
    def current(self) -> str:
        with self._lock:
            self._load()
            assert self._current is not None
            return self._current

    def status(self) -> ApiVersionStatus:
        with self._lock:
            self._load()
            version, refused = str(self._current), self._refused
        return self.policy.status(
            version, self._clock().date(), account=self.account, configured=self.configured, refused=refused
        )

    def move(self, refused: str, attempt: Callable[[str], T | None], *, reason: str) -> tuple[str, T] | None:
        """After the network answered ``refused`` with "no such version": try the policy's
        candidates with ``attempt`` (it returns None while the network refuses that one too) and
        keep the first that works. (version, what ``attempt`` returned), or None when none works.
        Another thread that already moved wins: its version is tried first."""
        with self._lock:
            self._load()
            tried = [] if self._current == refused else [str(self._current)]
            tried += [v for v in self.policy.candidates(refused, self._clock().date()) if v not in tried]
            for version in tried:
                result = attempt(version)
                if result is None:
                    continue
                if version != self._current:
                    self._record(refused, version, reason)
                return version, result
            return None

    def _record(self, refused: str, version: str, reason: str) -> None:
        """Use ``version`` from now on, and say so: in the account's state file and the log."""
        self._current, self._refused = version, self._requested
        now = self._clock()
        record = {"requested": self._requested, "refused": refused, "version": version, "at": iso_utc(now)}
        try:
            write_json(self.path, record)
            where = str(self.path)
        except OSError as exc:  # the post still goes out; only the next run tries the old one again
            where = f"not recorded: {exc.strerror or exc}"
        log.warning(
            "%s: the network refused %s %s (%s); using %s from now on (%s)%s",
            self.account,
            self.policy.label,
            refused,
            reason,
            version,
            where,
            f"; {self.policy.setting} {self.configured} in the config is retired: remove it or set a newer version"
            if self.configured is not None
            else "",
        )
