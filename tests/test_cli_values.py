"""Command-line values that cannot work end in a clear message and exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from socialpost.store.db import Store
from tests.conftest import FakeClock
from tests.test_report_pinned import NOW, seed_store


@pytest.fixture
def seeded(store: Store, clock: FakeClock) -> Store:
    seed_store(store)
    clock.set(NOW)
    return store


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("", "--html needs a file name, not ''"),
        ("   ", "--html needs a file name"),
        ("{tmp}", "is a folder. Fix: name a file in it"),
        ("{tmp}/nope/r.html", "the folder {tmp}/nope does not exist. Fix: create it first"),
    ],
)
def test_report_html_needs_a_file_it_can_write(
    seeded: Store, run_cli: Any, tmp_path: Path, name: str, said: str
) -> None:
    folder = tmp_path / "out"  # (the store is in tmp_path)
    folder.mkdir()
    result = run_cli("report", "--html", name.format(tmp=folder))
    assert result.exit_code == 2
    assert said.format(tmp=folder) in result.stderr
    assert "Traceback" not in result.stderr and list(folder.iterdir()) == []  # nothing written, no .tmp left


def test_report_html_writes_the_page(seeded: Store, run_cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    result = run_cli("report", "--html", str(folder / "r.html"))
    assert result.exit_code == 0 and (folder / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in folder.iterdir()] == ["r.html"]


def test_schema_output_is_checked_the_same_way(run_cli: Any, tmp_path: Path) -> None:
    assert run_cli("schema", "-o", "").exit_code == 2
    missing = run_cli("schema", "-o", str(tmp_path / "nope" / "s.json"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    written = run_cli("schema", "-o", str(tmp_path / "s.json"))
    assert written.exit_code == 0 and json.loads((tmp_path / "s.json").read_text())["type"] == "object"


def test_huge_numbers_are_refused_or_looked_up_plainly(store: Store, run_cli: Any) -> None:
    limit = run_cli("inbox", "--no-fetch", "--limit", "99999999999999999999")
    assert limit.exit_code == 2 and "99999999999999999999 is not in the range" in limit.stderr
    reply = run_cli("reply", "99999999999999999999999999", "hello")
    assert reply.exit_code == 2 and "no inbox item '99999999999999999999999999'" in reply.stderr


def test_demo_spacing_must_be_a_number_of_seconds(run_cli: Any, tmp_path: Path) -> None:
    campaign = Path(__file__).resolve().parents[1] / "campaigns" / "coffee-shop-launch.yaml"
    result = run_cli("demo", str(campaign), "--workdir", str(tmp_path / "d"), "--spacing", "nan")
    assert result.exit_code == 2 and "must be between 0 and 3600 seconds" in result.stderr


def test_a_filter_that_matches_nothing_says_so(seeded: Store, run_cli: Any) -> None:
    out = run_cli("report", "--campaign", "[x]", "--no-charts").stdout
    assert "No posts match" in out and "No campaigns yet" not in out


def test_a_page_that_cannot_be_written_is_an_operational_error_and_leaves_nothing(
    seeded: Store, run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills while the page is written: exit 1, the reason and the fix, no half file."""
    import errno

    from socialpost import privatefiles

    folder = tmp_path / "out"
    folder.mkdir()

    def full_disk(fd: int) -> None:  # the page is in the temporary file when its flush to disk fails
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(privatefiles.os, "fsync", full_disk)
    result = run_cli("report", "--html", str(folder / "r.html"))
    assert result.exit_code == 1
    assert f"could not write {folder / 'r.html'}: No space left on device" in result.stderr
    assert "the disk is not full" in result.stderr
    assert list(folder.iterdir()) == []  # neither the page nor its .tmp
