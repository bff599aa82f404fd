"""API versions that networks retire (socialpost.networks.api_version): the policy's calendar, the
search for a served version, the typed status `accounts test` and `doctor` show — and the test that
fails the build once a built-in adapter's declared version is past its sunset."""

from __future__ import annotations

import json
import stat
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from socialpost.networks import registry
from socialpost.networks.api_version import VersionInUse, VersionPolicy, state_path
from socialpost.networks.base import Network
from socialpost.networks.facebook import API_VERSIONS as GRAPH
from socialpost.networks.linkedin import API_VERSIONS as LINKEDIN
from tests.conftest import FakeClock

TODAY = date(2026, 12, 6)


def builtin_declarations() -> dict[str, tuple[type[Network], VersionPolicy]]:
    """Every built-in adapter (registered by socialpost itself in the entry-point group plugins use)
    that declares the API versions it depends on."""
    found = {}
    for entry in registry.available().values():
        if not entry.value.startswith("socialpost."):
            continue  # a plugin installed next to socialpost: not ours to police
        adapter = entry.load()
        if adapter.profile.api_version is not None:
            found[entry.name] = (adapter, adapter.profile.api_version)
    return found


def test_no_builtin_adapter_uses_an_api_version_past_its_sunset() -> None:
    """Fails the build the day a declared version is retired (today's real date, no test clock), so
    the suite catches the rot before users do."""
    today = datetime.now(UTC).date()
    declared = builtin_declarations()
    assert {"linkedin", "facebook"} <= set(declared)
    rotten = []
    for name, (adapter, policy) in sorted(declared.items()):
        version = policy.default(today)
        sunset = policy.sunset_of(version)
        if policy.served(version, today) is False or (sunset is not None and today >= sunset):
            rotten.append(
                f"the {name} adapter ({adapter.__module__}) sends {policy.label} {version}, retired on {sunset} "
                f"(declaration checked {policy.checked}). Fix: check {policy.docs}, then update API_VERSIONS in "
                f"{adapter.__module__} (version, checked date, sunset) and whatever the new version changed."
            )
    assert not rotten, "\n".join(rotten)


def test_the_declarations_say_what_was_checked() -> None:
    for name, (_adapter, policy) in builtin_declarations().items():
        assert policy.network == name
        assert policy.checked <= datetime.now(UTC).date(), f"{name}: checked in the future?"
        assert policy.docs.startswith("https://")
        assert policy.setting in _adapter.settings_model.model_fields
    assert (GRAPH.version, GRAPH.sunset) == ("v24.0", date(2028, 2, 18))
    assert LINKEDIN.version is None  # follows the calendar


# --- LinkedIn's calendar -------------------------------------------------------------------------------


def test_linkedin_default_is_last_month_and_never_older_than_a_year() -> None:
    assert LINKEDIN.default(TODAY) == "202611"
    assert LINKEDIN.default(date(2027, 1, 1)) == "202612"
    for day in (date(2026, 1, 1), date(2026, 12, 31), date(2027, 3, 14), date(2027, 3, 15)):
        version = LINKEDIN.default(day)
        assert LINKEDIN.served(version, day) is True
        sunset = LINKEDIN.sunset_of(version)
        assert sunset is not None and (sunset - day).days > 300


def test_linkedin_sunsets_known_and_estimated() -> None:
    assert LINKEDIN.sunset_of("202510") == date(2026, 10, 15) and not LINKEDIN.estimated("202510")
    assert LINKEDIN.sunset_of("202511") == date(2026, 11, 16)
    assert LINKEDIN.sunset_of("202611") == date(2027, 11, 15) and LINKEDIN.estimated("202611")
    assert LINKEDIN.served("202510", TODAY) is False
    assert LINKEDIN.served("202512", TODAY) is True  # until 2026-12-15
    assert LINKEDIN.served("202612", TODAY) is False  # out on 2026-12-15
    assert LINKEDIN.key("202611") < LINKEDIN.key("202612") < LINKEDIN.key("202701")
    with pytest.raises(ValueError):
        LINKEDIN.key("2026-11")


def test_the_search_after_a_refusal_goes_newer_for_an_old_version_and_older_for_a_new_one() -> None:
    # a retired pin: the default first, never the current month before its release, then older served ones
    assert LINKEDIN.candidates("202510", TODAY) == ["202611", "202610", "202609", "202608", "202607", "202606"]
    assert LINKEDIN.candidates("202510", date(2026, 12, 20))[:2] == ["202611", "202612"]
    # a version not out yet: the months before it, newest first
    assert LINKEDIN.candidates("202702", date(2027, 1, 10))[:3] == ["202612", "202611", "202610"]
    # the default itself refused (LinkedIn late): the month before
    assert LINKEDIN.candidates("202611", TODAY)[0] == "202610"
    assert len(LINKEDIN.candidates("202611", TODAY, limit=3)) == 3
    # Graph forwards a retired version: nothing to search
    assert GRAPH.candidates("v19.0", TODAY) == []


# --- the status shown -------------------------------------------------------------------------------


def test_graph_status_ok_soon_and_retired() -> None:
    fine = GRAPH.status("v24.0", TODAY, account="facebook:acme")
    assert (fine.state, fine.days_left, fine.warnings()) == ("ok", 439, [])
    assert fine.describe() == "v24.0 (served until 2028-02-18, 439 days left)"
    soon = GRAPH.status("v21.0", TODAY, account="facebook:acme", configured="v21.0")
    ((message, fix),) = soon.warnings()
    assert message == "Graph API v21.0 is retired on 2027-01-21, in 46 days."
    assert fix.startswith(
        "Remove accounts.facebook.acme.graph_version from your config file (socialpost then uses v24.0)"
    )
    gone = GRAPH.status("v20.0", TODAY, account="facebook:acme", configured="v20.0")
    ((message, _fix),) = gone.warnings()
    assert message.startswith("Graph API v20.0 was retired on 2026-09-24.")
    assert "answers it as the oldest version it still serves" in message
    assert gone.operator_note() == (
        "facebook:acme: Graph API v20.0 was retired on 2026-09-24 (the network answers it as the oldest version "
        "it serves): remove graph_version in accounts.facebook.acme or set a newer version"
    )
    unknown = GRAPH.status("v26.0", TODAY, account="facebook:acme", configured="v26.0")
    assert (unknown.state, unknown.describe(), unknown.warnings()) == ("unknown", "v26.0 (no sunset announced)", [])


def test_the_default_close_to_its_sunset_asks_to_update_socialpost() -> None:
    late = GRAPH.status("v24.0", date(2027, 12, 1), account="facebook:acme")
    ((message, fix),) = late.warnings()
    assert message == "Graph API v24.0 is retired on 2028-02-18, in 79 days."
    assert fix.startswith("Update socialpost")


def test_status_in_french() -> None:
    from socialpost import i18n

    i18n.activate("fr_CA.UTF-8")
    status = LINKEDIN.status("202611", TODAY, account="linkedin:acme", configured="202510", refused="202510")
    assert status.describe() == "202611 (servie jusqu'au 2027-11-15 environ, il reste 344 jours)"
    ((message, fix),) = status.warnings()
    assert message.startswith("le réseau ne sert plus LinkedIn-Version 202510")
    assert fix.startswith("Retirez accounts.linkedin.acme.linkedin_version de votre fichier de configuration")


# --- one account's version, kept across runs --------------------------------------------------------


def test_state_path_stays_in_the_data_folder(tmp_path: Path) -> None:
    assert state_path(tmp_path, "linkedin:acme") == tmp_path / "linkedin" / "acme" / "api-version.json"
    for name in ("..", "../../etc", ".hidden", "a/b"):
        path = state_path(tmp_path, f"linkedin:{name}")
        assert path.resolve().is_relative_to(tmp_path / "linkedin") and path.parent.parent == tmp_path / "linkedin"


def test_a_move_is_recorded_privately_and_used_by_the_next_run(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 6, 12, tzinfo=UTC))
    versions = VersionInUse(LINKEDIN, account="linkedin:acme", configured="202510", data_dir=tmp_path, clock=clock)
    assert versions.current == "202510"  # a pin is honoured until LinkedIn refuses it
    tried: list[str] = []

    def attempt(version: str) -> str | None:
        tried.append(version)
        return "posted" if version == "202611" else None

    assert versions.move("202510", attempt, reason="426 NONEXISTENT_VERSION") == ("202611", "posted")
    assert tried == ["202611"]
    record = state_path(tmp_path, "linkedin:acme")
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert json.loads(record.read_text()) == {
        "requested": "202510",
        "refused": "202510",
        "version": "202611",
        "at": "2026-12-06T12:00:00Z",
    }
    again = VersionInUse(LINKEDIN, account="linkedin:acme", configured="202510", data_dir=tmp_path, clock=clock)
    assert again.current == "202611" and again.status().refused == "202510"
    # another setting (or another month's default) starts afresh
    other = VersionInUse(LINKEDIN, account="linkedin:acme", configured="202603", data_dir=tmp_path, clock=clock)
    assert other.current == "202603" and other.status().refused is None
    assert VersionInUse(LINKEDIN, account="linkedin:acme", configured=None, data_dir=tmp_path, clock=clock).current == (
        "202611"
    )


def test_threads_refused_at_once_move_once(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 6, tzinfo=UTC))
    versions = VersionInUse(LINKEDIN, account="linkedin:acme", configured="202510", data_dir=tmp_path, clock=clock)
    assert versions.current == "202510"
    calls: list[str] = []
    lock = threading.Lock()

    def attempt(version: str) -> str | None:
        with lock:
            calls.append(version)
        return version if version != "202510" else None

    results: list[tuple[str, str] | None] = []
    threads = [
        threading.Thread(target=lambda: results.append(versions.move("202510", attempt, reason="426")))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [("202611", "202611")] * 4
    assert calls == ["202611"] * 4  # each thread's request went out once, on the version the first one found


def test_when_nothing_is_served_the_move_gives_up_bounded(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 6, tzinfo=UTC))
    versions = VersionInUse(LINKEDIN, account="linkedin:acme", configured=None, data_dir=tmp_path, clock=clock)
    tried: list[str] = []
    assert versions.move(versions.current, lambda v: tried.append(v), reason="426") is None  # type: ignore[func-returns-value]
    assert 1 <= len(tried) <= 6
    assert not state_path(tmp_path, "linkedin:acme").exists()


def test_a_long_running_daemon_follows_the_calendar(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
    versions = VersionInUse(LINKEDIN, account="linkedin:acme", configured=None, data_dir=tmp_path, clock=clock)
    assert versions.current == "202610"
    clock.set(datetime(2026, 12, 1, tzinfo=UTC))
    assert versions.current == "202611" and versions.status().refused is None
    pinned = VersionInUse(LINKEDIN, account="linkedin:acme", configured="202603", data_dir=tmp_path, clock=clock)
    clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    assert pinned.current == "202603"  # a pin does not move with the calendar
