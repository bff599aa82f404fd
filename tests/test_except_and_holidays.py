"""Recurring rules skip days with ``except:``; the ``holiday`` advice flags public holidays of the
campaign's ``country:``. Through the CLI, in English and French."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from socialpost.campaign.load import load_campaign
from socialpost.campaign.public_holidays import holidays_on

CAFE = """\
campaign: cafe
timezone: America/Montreal
language: fr-CA
country: CA-QC
accounts: [outbox:cafe]
posts:
  - id: conseil
    every: {{days: [fri], at: "10:30", from: 2026-12-11, until: 2027-01-15{skip}}}
    texts: ["Conseil 1. Et vous?", "Conseil 2. Et vous?", "Conseil 3. Et vous?"]
"""
NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def today(clock: Any) -> None:
    clock.set(NOW)


def _plan(run_cli: Any, path: Any, command: str = "plan") -> list[dict[str, Any]]:
    result = run_cli(command, str(path), "--json")
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout)["posts"])


def test_except_skips_listed_days_and_ranges(run_cli: Any, write: Any) -> None:
    every_friday = [item["local_time"][:10] for item in _plan(run_cli, write("a.yaml", CAFE.format(skip="")))]
    assert every_friday == ["2026-12-11", "2026-12-18", "2026-12-25", "2027-01-01", "2027-01-08", "2027-01-15"]
    path = write("b.yaml", CAFE.format(skip=", except: [2026-12-25, 2027-01-01]"))
    assert [i["local_time"][:10] for i in _plan(run_cli, path)] == [
        "2026-12-11",
        "2026-12-18",
        "2027-01-08",
        "2027-01-15",
    ]
    path = write("c.yaml", CAFE.format(skip=", except: [2026-12-24..2027-01-02]"))
    assert [i["local_time"][:10] for i in _plan(run_cli, path)] == [
        "2026-12-11",
        "2026-12-18",
        "2027-01-08",
        "2027-01-15",
    ]


def test_a_skipped_day_takes_no_turn_in_the_rotation(run_cli: Any, write: Any) -> None:
    path = write("b.yaml", CAFE.format(skip=", except: [2026-12-18]"))
    texts = [(i["local_time"][:10], i["text"]) for i in _plan(run_cli, path)]
    assert texts[:3] == [
        ("2026-12-11", "Conseil 1. Et vous?"),
        ("2026-12-25", "Conseil 2. Et vous?"),  # the tip of the 18th is not lost
        ("2027-01-01", "Conseil 3. Et vous?"),
    ]


def test_a_queued_occurrence_on_a_day_added_to_except_is_cancelled_by_the_next_schedule(
    run_cli: Any, write: Any
) -> None:
    path = write("cafe.yaml", CAFE.format(skip=""))
    assert {i["action"] for i in _plan(run_cli, path, "schedule")} == {"create"}
    path.write_text(CAFE.format(skip=", except: [2026-12-25, 2027-01-01]"), encoding="utf-8")
    planned = {i["local_time"][:10]: i["action"] for i in _plan(run_cli, path)}
    assert planned["2026-12-25"] == "cancel" and planned["2027-01-01"] == "cancel"
    applied = {i["local_time"][:10]: i["action"] for i in _plan(run_cli, path, "schedule")}
    assert applied == planned
    status = json.loads(run_cli("status", "--json").stdout)
    assert "cancelled" in json.dumps(status)
    again = {i["action"] for i in _plan(run_cli, path, "schedule")}
    assert again == {"unchanged"}  # a second run finds nothing more to do


@pytest.mark.parametrize(
    ("skip", "where", "english", "french"),
    [
        (
            ", except: [2026-12-25, 2026-12-32]",
            "8:97",
            "'2026-12-32' is not a date. Fix: write it like 2026-03-02",
            "« 2026-12-32 » n'est pas une date",
        ),
        (
            ", except: [2027-01-02..2026-12-24]",
            "8:85",
            "'2027-01-02..2026-12-24' ends before it starts. Fix: write the earlier day first",
            "« 2027-01-02..2026-12-24 » se termine avant de commencer",
        ),
        (
            ", except: 2026-12-25",
            "8:84",
            "expected a list",
            "une liste",
        ),
    ],
)
def test_a_bad_day_in_except_is_located(
    run_cli: Any, write: Any, skip: str, where: str, english: str, french: str
) -> None:
    path = write("cafe.yaml", CAFE.format(skip=skip))
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:{where}: " in result.stderr and english in result.stderr, result.stderr
    result = run_cli("--lang", "fr", "validate", str(path))
    assert f"{path}:{where}: " in result.stderr and french in result.stderr, result.stderr


def test_holiday_advice_names_the_days_in_the_campaigns_language_and_suggests_except(run_cli: Any, write: Any) -> None:
    path = write("cafe.yaml", CAFE.format(skip=""))
    result = run_cli("validate", str(path))
    assert result.exit_code == 0
    assert (
        f"warning [holiday]: {path}:8:12: 2 occurrences fall on public holidays in CA-QC: "
        "2026-12-25 (Jour de Noël), 2027-01-01 (Jour de l'an)."
    ) in result.stderr
    assert "Fix: skip them with except: [2026-12-25, 2027-01-01] under every:" in result.stderr
    french = run_cli("--lang", "fr", "validate", str(path))
    assert (
        "avertissement [holiday] : " + f"{path}:8:12: 2 occurrences tombent des jours fériés en CA-QC : "
        "2026-12-25 (Jour de Noël), 2027-01-01 (Jour de l'an)."
    ) in french.stderr
    assert "sautez-les avec except: [2026-12-25, 2027-01-01] sous every:" in french.stderr
    # plan and schedule give the same advice
    assert "[holiday]" in run_cli("plan", str(path)).stderr


def test_english_campaign_gets_english_names_and_a_one_off_post_is_flagged(run_cli: Any, write: Any) -> None:
    text = CAFE.format(skip="").replace("language: fr-CA", "language: en").replace("CA-QC", "CA-ON")
    text += '  - id: boxing-day\n    at: 2026-12-26 10:00\n    text: "Open today, are you coming?"\n'
    path = write("cafe.yaml", text)
    result = run_cli("validate", str(path))
    assert "2026-12-25 (Christmas Day), 2027-01-01 (New Year's Day)" in result.stderr
    # Boxing Day is a holiday in Ontario, not in Québec: the subdivision matters
    assert f"warning [holiday]: {path}:11:9: due on a public holiday in CA-ON: 2026-12-26 (Boxing Day)" in result.stderr
    assert "Fix: move it to another day" in result.stderr


def test_holiday_advice_goes_with_except_and_quiet_and_needs_a_country(run_cli: Any, write: Any) -> None:
    skipped = write("a.yaml", CAFE.format(skip=", except: [2026-12-25, 2027-01-01]"))
    assert "[holiday]" not in run_cli("validate", str(skipped)).stderr
    quiet = write("b.yaml", CAFE.format(skip="").replace("    texts:", "    quiet: [holiday]\n    texts:"))
    assert "[holiday]" not in run_cli("validate", str(quiet)).stderr
    nowhere = write("c.yaml", CAFE.format(skip="").replace("country: CA-QC\n", ""))
    assert "[holiday]" not in run_cli("validate", str(nowhere)).stderr


@pytest.mark.parametrize(
    ("country", "english", "french"),
    [
        ("Canada", "'CANADA' is not a country code. Fix: write an ISO 3166 code like CA", "n'est pas un code de pays"),
        ("CA-QX", "CA has no subdivision 'QX' in the holidays data. Fix: use one of AB, BC,", "n'a pas de subdivision"),
        ("ZZ", "the public holidays of 'ZZ' are not known", "les jours fériés de « ZZ » ne sont pas connus"),
    ],
)
def test_a_bad_country_is_located(run_cli: Any, write: Any, country: str, english: str, french: str) -> None:
    path = write("cafe.yaml", CAFE.format(skip="").replace("CA-QC", country))
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:4:10: 'country': {english}" in result.stderr, result.stderr
    result = run_cli("--lang", "fr", "validate", str(path))
    assert french in result.stderr and "Fix:" not in result.stderr


def test_country_is_written_in_any_case_and_kept_upper(write: Any) -> None:
    path = write("cafe.yaml", CAFE.format(skip="").replace("CA-QC", "ca-qc"))
    assert load_campaign(path).model.country == "CA-QC"


def test_holidays_on_a_subdivision() -> None:
    days = [date(2026, 6, 24), date(2026, 6, 25), date(2026, 12, 26)]
    assert holidays_on("CA-QC", days, "fr-CA") == {date(2026, 6, 24): "Fête nationale du Québec"}
    assert holidays_on("CA-ON", days, "en") == {date(2026, 12, 26): "Boxing Day"}
    assert holidays_on("CA-QC", days, "fr-CA") == holidays_on("CA-QC", days, "fr")
