"""One truth for every command, and drafts before accounts are connected (issue #17, items 1–2).

`validate`, `plan` and `schedule` judge a campaign file the same way (socialpost.scheduling):
every problem of a file in one run, each at one position whichever command reports it; posts the
queue has settled (sent…) are not errors and their advice is not repeated; an account that is not
set up yet is measured and advised like a connected one, and `schedule` holds its posts until it
is connected. Run through the CLI as a user runs it, with real daemon processes where the daemon
takes part, in English and French.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.settings.config import Settings
from socialpost.store.db import Store, open_store
from socialpost.store.models import EventRow, PostRow
from socialpost.timeutil import utcnow, zone
from tests.conftest import REPO, START, FakeClock
from tests.store_helpers import assert_history_consistent
from tests.store_helpers.daemons import DaemonFleet, statuses, wait_until
from tests.support.http import LocalServer, Reply

Run = Callable[..., Any]
Write = Callable[[str, str], Path]
TORONTO = zone("America/Toronto")
FAST = {"poll_seconds": 0.2, "lease_seconds": 4, "workers": 2, "retry_base_seconds": 0.2, "retry_max_seconds": 1}

# Four mistakes a new user makes, in one file (the clock of these tests: 2027-01-10 12:00 UTC).
FOUR_MISTAKES = """\
campaign: cafe-erreurs
timezone: America/Toronto
language: fr
accounts: [outbox:cafe, x:cafe]
posts:
  - id: ouverture
    at: 09:00
    text: "Nous ouvrons demain. Quel café voulez-vous goûter en premier ?"
  - id: menu
    at: 2027-01-12 09:00
    text: "Le menu d'hiver est arrivé. Lequel vous tente ?"
  - id: menu
    at: 2027-01-13 09:00
    text: "Le menu, encore. Qu'en dites-vous ?"
  - id: photo
    at: 2027-01-14 09:00
    text: "Nos grains, tout juste torréfiés. Qu'en pensez-vous ?"
    media: [{file: img/absent.jpg, alt: "Des grains de café"}]
  - id: hier
    at: 2027-01-09 09:00
    text: "C'était hier. Vous étiez là ?"
"""
MISTAKES_AT = {(7, 9), (12, 9), (18, 20), (20, 9)}  # the date, the second 'menu', the image, the past


def _positions(text: str, path: Path, *, errors_only_after: str | None = None) -> set[tuple[int, int]]:
    """Every ``path:line:column`` in ``text`` (only on lines starting with ``errors_only_after``)."""
    where = re.escape(str(path))
    if errors_only_after is not None:
        pattern = rf"^{re.escape(errors_only_after)} {where}:(\d+):(\d+):"
    else:
        pattern = rf"(?:^|\s){where}:(\d+):(\d+):"
    return {(int(line), int(column)) for line, column in re.findall(pattern, text, re.M)}


def _judged_everywhere(run_cli: Run, path: Path, *lang: str) -> dict[str, set[tuple[int, int]]]:
    """The positions of the errors `validate` (text and JSON), `plan` and `schedule` report."""
    error = "erreur :" if lang else "error:"
    shown = run_cli(*lang, "validate", str(path))
    as_json = run_cli(*lang, "validate", str(path), "--json")
    planned = run_cli(*lang, "plan", str(path))
    scheduled = run_cli(*lang, "schedule", str(path))
    for result in (shown, as_json, planned, scheduled):
        assert result.exit_code == 2, (result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
    return {
        "validate": _positions(shown.stderr, path, errors_only_after=error),
        "validate --json": {(e["line"], e["column"]) for e in json.loads(as_json.stdout)["errors"]},
        "plan": _positions(planned.stderr, path),
        "schedule": _positions(scheduled.stderr, path),
    }


def _pending_rows(settings: Settings) -> int:
    store = open_store(settings.database_url)
    try:
        with store.session() as session:
            return len(session.scalars(select(PostRow.id)).all())
    finally:
        store.close()


# --- every problem in one run, at one position ---------------------------------------------------


@pytest.mark.parametrize("lang", [(), ("--lang", "fr")], ids=["en", "fr"])
def test_four_mistakes_in_one_run_at_the_same_positions_in_validate_plan_and_schedule(
    run_cli: Run, write: Write, settings: Settings, lang: tuple[str, ...]
) -> None:
    path = write("cafe.yaml", FOUR_MISTAKES)
    found = _judged_everywhere(run_cli, path, *lang)
    assert found == dict.fromkeys(found, MISTAKES_AT), found
    assert _pending_rows(settings) == 0  # nothing was queued

    data = json.loads(run_cli(*lang, "validate", str(path), "--json").stdout)
    messages = {(e["line"], e["column"]): e["message"] for e in data["errors"]}
    if lang:
        assert "« 09:00 » n'a pas de date" in messages[(7, 9)]
        assert "« menu » est déjà utilisé à la ligne 9" in messages[(12, 9)]
        assert "fichier média introuvable" in messages[(18, 20)]
        assert "est dans le passé" in messages[(20, 9)]
    else:
        assert "'09:00' has no date" in messages[(7, 9)]
        assert "post id 'menu' is already used on line 9" in messages[(12, 9)]
        assert "media file not found" in messages[(18, 20)]
        assert "post 'hier' is due 2027-01-09 09:00 (EST), which is in the past" in messages[(20, 9)]
    # the other posts are measured and advised all the same, the account not connected yet included
    measured = {(m["id"], m["account"]) for m in data["posts"]}
    assert {("menu", "x:cafe"), ("photo", "x:cafe"), ("hier", "outbox:cafe")} <= measured
    assert [w["rule"] for w in data["warnings"]].count("not-connected") == 1


def test_the_broken_example_is_placed_alike_by_every_command(run_cli: Run) -> None:
    path = REPO / "campaigns" / "broken.yaml"
    found = _judged_everywhere(run_cli, path)
    assert len(found["validate"]) == 11
    assert found == dict.fromkeys(found, found["validate"]), found


def test_a_new_post_in_the_past_is_placed_where_its_time_is_written_by_every_command(
    run_cli: Run, write: Write
) -> None:
    path = write(
        "late.yaml",
        "campaign: late\ntimezone: America/Toronto\naccounts: [outbox:cafe]\nposts:\n"
        "  - id: soon\n    at: 2027-01-12 09:00\n    text: Coming soon?\n"
        "  - id: gone\n    at: 2027-01-02 09:00\n    text: Too late?\n",
    )
    found = _judged_everywhere(run_cli, path)
    assert found == {command: {(9, 9)} for command in found}, found
    allowed = run_cli("schedule", str(path), "--allow-past")
    assert allowed.exit_code == 0
    assert _positions(allowed.stderr, path) == {(9, 9)} and "warning [past-time]" in allowed.stderr


# --- a running campaign ----------------------------------------------------------------------------


def _running_campaign(write: Write, *, first_in: float) -> Path:
    """A campaign whose first post is due ``first_in`` seconds from now and the second next year."""
    soon = (utcnow() + timedelta(seconds=first_in)).astimezone(TORONTO)
    return write(
        "cafe.yaml",
        "campaign: cafe-ouverture\ntimezone: America/Toronto\nlanguage: fr\naccounts: [outbox:cafe]\nposts:\n"
        f'  - id: bientot\n    at: "{soon:%Y-%m-%d %H:%M:%S}"\n    text: "Nous ouvrons ! Quel café voulez-vous ?"\n'
        f'  - id: plus-tard\n    at: "{soon.year + 1}-03-02 09:00"\n    text: "Un an déjà ! Vous revenez ?"\n',
    )


def _fleet(tmp_path: Path, settings: Settings) -> DaemonFleet:
    """Real `socialpost daemon` processes on the tests' queue, with a config file of no accounts."""
    (tmp_path / "fleet").mkdir()
    return DaemonFleet(tmp_path / "fleet", settings.database_url, daemon=FAST, accounts={})


def _daemon_sends_the_first_post(tmp_path: Path, settings: Settings, store: Store) -> None:
    fleet = _fleet(tmp_path, settings)
    fleet.start("d1")
    try:
        assert wait_until(lambda: statuses(store).get("sent") == 1, 30), fleet.output()
    finally:
        assert fleet.stop_all() == {"d1": 0}, fleet.output()


@pytest.mark.slow
@pytest.mark.parametrize("lang", [(), ("--lang", "fr")], ids=["en", "fr"])
def test_a_running_campaign_validates_after_its_first_post_went_out_and_its_advice_is_not_repeated(
    run_cli: Run,
    write: Write,
    tmp_path: Path,
    settings: Settings,
    store: Store,
    clock: FakeClock,
    lang: tuple[str, ...],
) -> None:
    path = _running_campaign(write, first_in=2)
    clock.set(utcnow())
    first = run_cli(*lang, "schedule", str(path))
    assert first.exit_code == 0, first.stderr
    advice = [line for line in first.stderr.splitlines() if "[french-typography]" in line]
    assert _positions("\n".join(advice), path) == {(8, 11), (11, 11)}  # both posts' advice, once each

    _daemon_sends_the_first_post(tmp_path, settings, store)  # a real daemon, the outbox network
    clock.set(utcnow() + timedelta(minutes=5))  # the first post's time is well past
    validated = run_cli(*lang, "validate", str(path))
    assert validated.exit_code == 0, validated.stderr
    assert "past" not in validated.stderr and "passé" not in validated.stderr
    for command in ("validate", "plan", "schedule"):
        again = run_cli(*lang, command, str(path))
        assert again.exit_code == 0, (command, again.stderr)
        # the sent post's advice is not repeated; the coming one's still is
        assert _positions(again.stderr, path) == {(11, 11)}, (command, again.stderr)
    as_json = json.loads(run_cli(*lang, "validate", str(path), "--json").stdout)
    assert as_json["ok"] is True and [w["line"] for w in as_json["warnings"]] == [11]
    assert {m["id"] for m in as_json["posts"]} == {"bientot", "plus-tard"}  # measured all the same
    unchanged = json.loads(run_cli(*lang, "plan", str(path), "--json").stdout)["posts"]
    assert [p["action"] for p in unchanged] == ["unchanged", "unchanged"]

    # a fresh machine (or CI) has no queue: the file alone is judged, and the sent post is new there
    settings.database_url = f"sqlite:///{tmp_path / 'elsewhere' / 'none.db'}"
    alone = run_cli(*lang, "validate", str(path))
    assert alone.exit_code == 2
    assert _positions(alone.stderr, path, errors_only_after="erreur :" if lang else "error:") == {(7, 9)}
    assert not (tmp_path / "elsewhere").exists()  # validate never creates a queue
    assert run_cli(*lang, "validate", str(path), "--allow-past").exit_code == 0


# --- drafts: accounts not connected yet -----------------------------------------------------------

DRAFT = """\
campaign: brouillon
timezone: America/Toronto
language: fr
accounts: [outbox:cafe, x:cafe, mastodon:cafe, bluesky:cafe, linkedin:cafe, facebook:cafe]
posts:
  - id: annonce
    at: 2027-03-02 09:00
    text: "{text}"
"""


@pytest.mark.parametrize("lang", [(), ("--lang", "fr")], ids=["en", "fr"])
def test_a_draft_with_unconnected_accounts_is_measured_advised_and_valid(
    run_cli: Run, write: Write, lang: tuple[str, ...]
) -> None:
    path = write("draft.yaml", DRAFT.format(text="Notre torréfaction ouvre samedi #cafe #sherbrooke #local #qc ! " * 5))
    shown = run_cli(*lang, "validate", str(path))
    assert shown.exit_code == 2  # too long for X and Bluesky: errors, the rest of the draft shown all the same
    data = json.loads(run_cli(*lang, "validate", str(path), "--json").stdout)
    limits = {m["account"]: (m["length"], m["limit"]) for m in data["posts"]}
    assert limits == {
        "outbox:cafe": (315, None),
        "x:cafe": (315, 280),
        "mastodon:cafe": (315, 500),
        "bluesky:cafe": (315, 300),
        "linkedin:cafe": (315, 3000),
        "facebook:cafe": (315, 63206),
    }
    warned = {w["rule"] for w in data["warnings"]}
    assert {"not-connected", "too-many-hashtags", "french-typography"} <= warned
    not_connected = [w for w in data["warnings"] if w["rule"] == "not-connected"]
    assert [(w["line"], w["column"]) for w in not_connected] == [(4, 25), (4, 33), (4, 48), (4, 62), (4, 77)]
    commands = " ".join(w["message"] for w in not_connected)
    for network in ("x", "mastodon", "bluesky", "linkedin", "facebook"):
        assert f"socialpost accounts add {network} cafe" in commands

    short = write("short.yaml", DRAFT.format(text="Notre torréfaction ouvre samedi. Quel grain voulez-vous ?"))
    valid = run_cli(*lang, "validate", str(short))
    assert valid.exit_code == 0, valid.stderr  # a draft validates: the accounts are connected later
    text = " ".join(valid.stderr.split())
    table = " ".join(valid.stdout.split())
    if lang:
        assert "le compte « x:cafe » n'est pas encore connecté" in text
        assert "Solution : socialpost accounts add x cafe" in text
        assert "x:cafe (non connecté)" in table and "Valide" in table
    else:
        assert "account 'x:cafe' is not connected yet" in text and "Fix: socialpost accounts add x cafe" in text
        assert "x:cafe (not connected)" in table and "Valid" in table
    assert "[french-typography]" in text  # advice, as for a connected account


def test_validate_json_lists_every_measure_even_with_errors(run_cli: Run, write: Write) -> None:
    path = write("cafe.yaml", FOUR_MISTAKES)
    data = json.loads(run_cli("validate", str(path), "--json").stdout)
    assert data["ok"] is False and len(data["errors"]) == 4
    assert sorted((m["id"], m["account"]) for m in data["posts"]) == sorted(
        (post, account) for post in ("menu", "photo", "hier") for account in ("outbox:cafe", "x:cafe")
    )


# --- held until connected -------------------------------------------------------------------------


def _hook_campaign(write: Write, *, due_in: float) -> Path:
    due = (utcnow() + timedelta(seconds=due_in)).astimezone(TORONTO)
    return write(
        "equipe.yaml",
        "campaign: equipe\ntimezone: America/Toronto\naccounts: [outbox:cafe, webhook:equipe]\nposts:\n"
        f'  - id: ouverture\n    at: "{due:%Y-%m-%d %H:%M:%S}"\n    text: "We open on Saturday. See you there?"\n',
    )


@pytest.mark.slow
def test_schedule_holds_the_posts_of_an_unconnected_account_and_the_daemon_releases_them_once_connected(
    run_cli: Run, write: Write, tmp_path: Path, settings: Settings, store: Store, clock: FakeClock
) -> None:
    path = _hook_campaign(write, due_in=3)
    clock.set(utcnow())
    plan = run_cli("plan", str(path), "--json")
    assert plan.exit_code == 0, plan.stderr
    actions = {p["account"]: p["action"] for p in json.loads(plan.stdout)["posts"]}
    assert actions == {"outbox:cafe": "create", "webhook:equipe": "hold"}
    scheduled = run_cli("schedule", str(path))
    assert scheduled.exit_code == 0, scheduled.stderr
    assert "1 post(s) held until their account is connected (webhook:equipe)" in " ".join(scheduled.stdout.split())
    assert (
        "warning [not-connected]" in scheduled.stderr and "socialpost accounts add webhook equipe" in scheduled.stderr
    )

    shown = run_cli("status", "--json")
    assert shown.exit_code == 3  # a held post needs the user
    (held,) = json.loads(shown.stdout)["problems"]
    assert (held["account"], held["status"]) == ("webhook:equipe", "held")
    assert "run 'socialpost accounts add webhook equipe'" in held["reason"]

    with LocalServer() as server:
        server.respond(Reply(200, {"ok": True}))
        fleet = _fleet(tmp_path, settings)
        fleet.start("d1")
        try:
            assert wait_until(lambda: statuses(store).get("sent") == 1, 30), fleet.output()
            time.sleep(1.5)  # a release round passes: the account is still not connected
            assert statuses(store) == {"sent": 1, "held": 1}
            # the user connects the account while the daemon runs: it reads the config again
            config = yaml.safe_load(fleet.config.read_text(encoding="utf-8"))
            config["accounts"] = {"webhook": {"equipe": {"url": server.url + "/hook"}}}
            fleet.config.write_text(yaml.safe_dump(config), encoding="utf-8")
            assert wait_until(lambda: statuses(store) == {"sent": 2}, 30), (statuses(store), fleet.output())
        finally:
            assert fleet.stop_all() == {"d1": 0}, fleet.output()
        assert len(server.requests) == 1
        assert "webhook:equipe is connected: 1 held post(s) back in the queue" in fleet.output()
    with store.session() as session:
        kinds = session.scalars(
            select(EventRow.kind)
            .join(PostRow, PostRow.id == EventRow.post_id)
            .where(PostRow.account == "webhook:equipe")
            .order_by(EventRow.id)
        ).all()
    assert kinds == ["not-connected", "released", "claimed", "sent"]


@pytest.mark.parametrize("lang", [(), ("--lang", "fr")], ids=["en", "fr"])
def test_scheduling_again_once_the_account_is_connected_puts_its_held_posts_back_in_the_queue(
    run_cli: Run, write: Write, settings: Settings, clock: FakeClock, lang: tuple[str, ...]
) -> None:
    path = _hook_campaign(write, due_in=3600)
    clock.set(utcnow())
    assert run_cli(*lang, "schedule", str(path)).exit_code == 0
    assert run_cli(*lang, "status").exit_code == 3
    again = json.loads(run_cli(*lang, "plan", str(path), "--json").stdout)["posts"]
    assert {p["account"]: p["action"] for p in again} == {"outbox:cafe": "unchanged", "webhook:equipe": "unchanged"}

    settings.accounts = {"webhook": {"equipe": {"url": "https://hooks.example/equipe"}}}
    released = run_cli(*lang, "schedule", str(path), "--json")
    assert released.exit_code == 0, released.stderr
    assert {p["account"]: p["action"] for p in json.loads(released.stdout)["posts"]} == {
        "outbox:cafe": "unchanged",
        "webhook:equipe": "update",
    }
    assert "not-connected" not in released.stderr
    status = json.loads(run_cli(*lang, "status", "--json").stdout)
    assert status["counts"].get("held", 0) == 0 and status["counts"]["pending"] == 2


def test_accounts_add_puts_the_posts_held_for_it_back_in_the_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALPOST_DATABASE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    monkeypatch.setenv("SOCIALPOST_DATA_DIR", str(tmp_path / "data"))
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    campaign = tmp_path / "team.yaml"
    campaign.write_text(
        "campaign: team\ntimezone: UTC\naccounts: [webhook:team]\nposts:\n"
        "  - id: a\n    at: 2030-01-01 12:00\n    text: Hello team, coffee at ten?\n",
        encoding="utf-8",
    )

    def run(*args: str, input: str | None = None) -> Any:
        return CliRunner().invoke(cli, ["--config", str(config), *args], obj=AppContext(), input=input)

    assert run("schedule", str(campaign)).exit_code == 0
    assert json.loads(run("status", "--json").stdout)["counts"]["held"] == 1
    added = run("--lang", "fr", "accounts", "add", "webhook", "team", input="https://hooks.example/team\n5\n")
    assert added.exit_code == 0, added.output
    assert "1 publication(s) retenue(s) pour webhook:team sont de retour dans la file" in " ".join(added.stdout.split())
    counts = json.loads(run("status", "--json").stdout)["counts"]
    assert counts.get("held", 0) == 0 and counts["pending"] == 1


def test_accounts_add_creates_no_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALPOST_DATABASE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    config = tmp_path / "config.yaml"
    config.write_text("accounts: {}\n", encoding="utf-8")
    added = CliRunner().invoke(
        cli,
        ["--config", str(config), "accounts", "add", "webhook", "team"],
        obj=AppContext(),
        input="https://hooks.example/team\n5\n",
    )
    assert added.exit_code == 0, added.output
    assert not (tmp_path / "queue.db").exists()


def test_unknown_network_stays_an_error_with_the_draft_measured(run_cli: Run, write: Write) -> None:
    """A network no installed adapter provides is most likely a typo: an error, not a draft."""
    path = write("typo.yaml", DRAFT.format(text="Bonjour ! Quel café ?").replace(", x:cafe", ", twiter:cafe"))
    data = json.loads(run_cli("validate", str(path), "--json").stdout)
    assert data["ok"] is False
    assert [(e["line"], e["column"]) for e in data["errors"]] == [(4, 25)]  # not a warning: likely a typo
    assert "no network adapter named 'twiter'" in data["errors"][0]["message"]
    assert {m["account"] for m in data["posts"]} >= {"twiter:cafe", "mastodon:cafe"}


# --- with the helpful mistakes, pauses and a cancel that sticks ------------------------------------

# The four mistakes, and the kinds the helpful-mistakes and security work added: a control character
# (in a post that is left out for its date: the whole file is read for them), a hashtag lost to a
# YAML comment, a day in except: that does not exist, and the holiday advice of the country.
MORE_MISTAKES = """\
campaign: cafe-erreurs
timezone: America/Toronto
language: fr
country: CA-QC
accounts: [outbox:cafe, x:cafe]
posts:
  - id: ouverture
    at: 09:00
    text: "Nous ouvrons demain.\\e]0;pirate\\a Quel café voulez-vous ?"
  - id: menu
    at: 2027-01-12 09:00
    text: Le menu d'hiver est arrivé. Lequel vous tente ? #Sherbrooke
  - id: menu
    at: 2027-01-13 09:00
    text: "Le menu, encore. Qu'en dites-vous ?"
  - id: photo
    at: 2027-01-14 09:00
    text: "Nos grains, tout juste torréfiés. Qu'en pensez-vous ?"
    media: [{file: img/absent.jpg, alt: "Des grains de café"}]
  - id: hier
    at: 2027-01-09 09:00
    text: "C'était hier. Vous étiez là ?"
  - id: conseil
    every: {days: [fri], at: "10:30", from: 2027-01-15, until: 2027-03-01, except: [2027-02-30]}
    text: "Un conseil par semaine. Et vous ?"
  - id: fete
    at: 2027-06-24 10:00
    text: "Bonne fête nationale. Vous venez ?"
"""
# the date, the control character, the hashtag, the second 'menu', the image, the past, except:
MORE_MISTAKES_AT = {(8, 9), (9, 32), (12, 59), (13, 9), (19, 20), (21, 9), (24, 85)}


@pytest.mark.parametrize("lang", [(), ("--lang", "fr")], ids=["en", "fr"])
def test_the_new_kinds_of_mistakes_come_in_the_same_run_at_the_same_positions(
    run_cli: Run, write: Write, settings: Settings, lang: tuple[str, ...]
) -> None:
    path = write("cafe.yaml", MORE_MISTAKES)
    found = _judged_everywhere(run_cli, path, *lang)
    assert found == dict.fromkeys(found, MORE_MISTAKES_AT), found
    assert _pending_rows(settings) == 0

    data = json.loads(run_cli(*lang, "validate", str(path), "--json").stdout)
    messages = {(e["line"], e["column"]): e["message"] for e in data["errors"]}
    if lang:
        assert "caractère de contrôle U+001B ESC" in messages[(9, 32)]
        assert "« #Sherbrooke »" in messages[(12, 59)]
        assert "« 2027-02-30 » n'est pas une date" in messages[(24, 85)]
    else:
        assert "control character U+001B ESC (written \\e)" in messages[(9, 32)]
        assert "'#Sherbrooke' after this text is read as a YAML comment" in messages[(12, 59)]
        assert "'2027-02-30' is not a date" in messages[(24, 85)]
    (holiday,) = [w for w in data["warnings"] if w["rule"] == "holiday"]
    assert (holiday["line"], holiday["column"]) == (27, 9) and "2027-06-24" in holiday["message"]


def test_the_holiday_advice_is_placed_alike_by_every_command_and_left_out_once_you_cancelled_the_post(
    run_cli: Run, write: Write
) -> None:
    fixed = MORE_MISTAKES.replace("    at: 09:00\n", "    at: 2027-01-11 09:00\n").replace("\\e]0;pirate\\a", "")
    fixed = fixed.replace("? #Sherbrooke", '?"').replace("text: Le menu d'hiver", "text: \"Le menu d'hiver")
    fixed = fixed.replace("  - id: menu\n    at: 2027-01-13", "  - id: menu-2\n    at: 2027-01-13")
    fixed = fixed.replace('    media: [{file: img/absent.jpg, alt: "Des grains de café"}]\n', "")
    fixed = fixed.replace("2027-01-09 09:00", "2027-01-19 09:00").replace("2027-02-30", "2027-02-26")
    path = write("cafe.yaml", fixed)
    for command in ("validate", "plan", "schedule", "validate"):
        result = run_cli(command, str(path))
        assert result.exit_code == 0, (command, result.stderr)
        holidays = [line for line in result.stderr.splitlines() if "[holiday]" in line]
        assert _positions("\n".join(holidays), path) == {(26, 9)}, (command, result.stderr)

    assert run_cli("cancel", "cafe-erreurs/fete@outbox:cafe").exit_code == 0
    still = run_cli("validate", str(path))  # still held for x:cafe: advised
    assert _positions("\n".join(line for line in still.stderr.splitlines() if "[holiday]" in line), path) == {(26, 9)}
    assert run_cli("cancel", "cafe-erreurs/fete@x:cafe").exit_code == 0  # now you cancelled it everywhere
    for command in ("validate", "plan", "schedule"):
        result = run_cli(command, str(path))
        assert result.exit_code == 0, (command, result.stderr)
        assert "[holiday]" not in result.stderr, command  # about a post you settled: not repeated


def test_a_paused_campaign_is_judged_alike_by_validate_plan_and_schedule(
    run_cli: Run, write: Write, store: Store, clock: FakeClock
) -> None:
    text = (
        "campaign: pause\ntimezone: America/Toronto\nlanguage: fr\naccounts: [outbox:cafe]\nposts:\n"
        '  - id: bientot\n    at: 2027-01-10 09:00\n    text: "Bientôt ! Vous venez ?"\n{media}'
        '  - id: plus-tard\n    at: 2027-02-10 09:00\n    text: "Plus tard ! Vous venez ?"\n'
    )
    path = write("pause.yaml", text.format(media=""))
    clock.set(START - timedelta(hours=1))  # 06:00 in Toronto: 'bientot' is due in two hours
    assert run_cli("schedule", str(path)).exit_code == 0
    assert run_cli("pause", "pause", "--reason", "a burst pipe").exit_code == 0
    clock.set(START + timedelta(hours=2))  # 'bientot' came due while paused: the late policy's, on resume

    advice = {}
    for command in ("validate", "plan", "schedule"):
        result = run_cli(command, str(path))
        assert result.exit_code == 0, (command, result.stderr)
        assert "past" not in result.stderr, command
        advice[command] = _positions(result.stderr, path)
    assert advice == {key: {(8, 11), (11, 11)} for key in advice}, advice  # the paused posts are still advised
    posts = json.loads(run_cli("plan", str(path), "--json").stdout)["posts"]
    assert [(p["id"], p["state"], [b["target"] for b in p["paused_by"]]) for p in posts] == [
        ("bientot", "pending", ["pause"]),
        ("plus-tard", "pending", ["pause"]),
    ]
    assert "unchanged (paused)" in run_cli("plan", str(path)).stdout

    # a mistake in a paused post, and a paused post moved to another past time: the same errors everywhere
    broken = text.format(media='    media: [{file: absent.jpg, alt: "Rien"}]\n')
    path.write_text(broken.replace("2027-02-10 09:00", "2027-01-09 09:00"), encoding="utf-8")
    found = _judged_everywhere(run_cli, path)
    assert found == {key: {(9, 20), (11, 9)} for key in found}, found
    with store.session() as session:
        assert [r.status for r in session.scalars(select(PostRow).order_by(PostRow.id))] == ["pending", "pending"]
    listed = json.loads(run_cli("status", "--json").stdout)["paused"]
    assert [(p["target"], p["waiting"], p["overdue"]) for p in listed] == [("pause", 2, 1)]


def test_a_post_cancelled_by_hand_stays_cancelled_and_is_judged_as_settled_until_the_file_changes_it(
    run_cli: Run, write: Write, store: Store, clock: FakeClock
) -> None:
    text = (
        "campaign: annule\ntimezone: America/Toronto\nlanguage: fr\naccounts: [outbox:cafe]\nposts:\n"
        '  - id: teaser\n    at: 2027-01-12 09:00\n    text: "{teaser}"\n'
        '  - id: reveal\n    at: 2027-01-14 09:00\n    text: "La voici ! Vous aimez ?"\n'
    )
    path = write("annule.yaml", text.format(teaser="Quelque chose arrive ! Devinez ?"))
    assert run_cli("schedule", str(path)).exit_code == 0
    assert run_cli("cancel", "annule/teaser").exit_code == 0
    clock.set(START + timedelta(days=3))  # the cancelled post's time has passed too
    for command in ("validate", "plan", "schedule"):
        result = run_cli(command, str(path))
        assert result.exit_code == 0, (command, result.stderr)
        assert _positions(result.stderr, path) == {(11, 11)}, (command, result.stderr)  # reveal's advice only
    item = json.loads(run_cli("plan", str(path), "--json").stdout)["posts"][0]
    assert (item["id"], item["action"], item["state"], item["cancelled_by"]) == (
        "teaser",
        "unchanged",
        "cancelled",
        "user",
    )

    # the file changes it: its new version is judged (restore would queue it), then kept, cancelled
    path.write_text(
        text.format(teaser="Trop long ?" + " x" * 20).replace(
            '\n    text: "Trop', '\n    media: [{file: absent.jpg, alt: "Rien"}]\n    text: "Trop'
        ),
        encoding="utf-8",
    )
    found = _judged_everywhere(run_cli, path)
    assert found == {key: {(8, 20)} for key in found}, found
    path.write_text(text.format(teaser="Une autre version ! Devinez ?"), encoding="utf-8")
    warned = {}
    for command in ("validate", "plan", "schedule"):
        result = run_cli(command, str(path))
        assert result.exit_code == 0, (command, result.stderr)
        lines = [line for line in result.stderr.splitlines() if "[cancelled-by-you]" in line]
        warned[command] = _positions("\n".join(lines), path)
    assert warned == {key: {(6, 5)} for key in warned}, warned
    with store.session() as session:
        row = session.scalars(select(PostRow).where(PostRow.post_key == "teaser")).one()
        assert (row.status, row.cancelled_by, row.payload["text"]) == (
            "cancelled",
            "user",
            "Une autre version ! Devinez ?",
        )
    assert_history_consistent(store)


@pytest.mark.parametrize("lang", [(), ("--lang", "fr")], ids=["en", "fr"])
def test_held_for_its_account_paused_and_cancelled_by_you_are_three_states_in_plan_and_status(
    run_cli: Run, write: Write, settings: Settings, store: Store, lang: tuple[str, ...]
) -> None:
    path = write(
        "etats.yaml",
        "campaign: etats\ntimezone: America/Toronto\naccounts: [outbox:cafe, webhook:equipe]\nposts:\n"
        '  - id: a\n    at: 2027-02-01 09:00\n    text: "We open on Saturday. See you there?"\n'
        '  - id: b\n    at: 2027-02-02 09:00\n    text: "Saturday it is. Coming?"\n',
    )
    assert run_cli(*lang, "schedule", str(path)).exit_code == 0
    assert run_cli(*lang, "cancel", "etats/b@outbox:cafe").exit_code == 0
    assert run_cli(*lang, "cancel", "etats/b@webhook:equipe").exit_code == 0  # held, then cancelled by you
    assert run_cli(*lang, "pause", "etats").exit_code == 0

    def states() -> dict[str, tuple[str, bool, list[str], str | None]]:
        result = run_cli(*lang, "plan", str(path), "--json")
        assert result.exit_code == 0, result.stderr
        return {
            f"{p['id']}@{p['account']}": (
                p["state"],
                p["waiting_for_account"],
                [b["target"] for b in p["paused_by"]],
                p["cancelled_by"],
            )
            for p in json.loads(result.stdout)["posts"]
        }

    assert states() == {
        "a@outbox:cafe": ("pending", False, ["etats"], None),  # paused
        "a@webhook:equipe": ("held", True, [], None),  # held until its account is connected
        "b@outbox:cafe": ("cancelled", False, [], "user"),  # cancelled by you
        "b@webhook:equipe": ("cancelled", False, [], "user"),  # cancelled by you, account or not
    }
    shown = " ".join(run_cli(*lang, "plan", str(path)).stdout.split())
    if lang:
        for label in (
            "unchanged (en pause)",
            "unchanged (retenue : compte non connecté)",
            "unchanged (annulée par vous)",
        ):
            assert label in shown, label
    else:
        for label in ("unchanged (paused)", "unchanged (held: account not connected)", "unchanged (cancelled by you)"):
            assert label in shown, label

    status = run_cli(*lang, "status", "--json")
    assert status.exit_code == 3  # the post held for its account needs you
    summary = json.loads(status.stdout)
    assert {k: v for k, v in summary["counts"].items() if v} == {"pending": 1, "held": 1, "cancelled": 2}
    (held,) = summary["problems"]
    assert held["account"] == "webhook:equipe" and "socialpost accounts add webhook equipe" in held["reason"]
    assert [(p["kind"], p["target"], p["waiting"]) for p in summary["paused"]] == [("campaign", "etats", 1)]

    # the account is connected: its held post goes back in the queue, where the pause keeps it; the
    # post you cancelled stays cancelled
    settings.accounts = {"webhook": {"equipe": {"url": "https://hooks.example/equipe"}}}
    released = run_cli(*lang, "schedule", str(path), "--json")
    assert released.exit_code == 0, released.stderr
    assert {f"{p['id']}@{p['account']}": p["action"] for p in json.loads(released.stdout)["posts"]} == {
        "a@outbox:cafe": "unchanged",
        "a@webhook:equipe": "update",
        "b@outbox:cafe": "unchanged",
        "b@webhook:equipe": "unchanged",
    }
    assert states() == {
        "a@outbox:cafe": ("pending", False, ["etats"], None),
        "a@webhook:equipe": ("pending", False, ["etats"], None),
        "b@outbox:cafe": ("cancelled", False, [], "user"),
        "b@webhook:equipe": ("cancelled", False, [], "user"),
    }
    summary = json.loads(run_cli(*lang, "status", "--json").stdout)
    assert summary["problems"] == [] and summary["paused"][0]["waiting"] == 2
    assert_history_consistent(store)
