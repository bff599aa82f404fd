"""What a first user test found: an outbox post "sent" without its image, a doctor sentence out of
agreement, `collect` silent about why the outbox has no figures, `accounts list` claiming there are
no accounts while campaigns use outbox ones, and `accounts add` leaking Python's getpass warning
when there is no terminal."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from socialpost.errors import ContentRejected
from socialpost.networks.base import Media
from socialpost.settings.config import Settings
from tests.conftest import REPO, START, FakeClock
from tests.store_helpers import deliver_due
from tests.support.files import refuse_to_open
from tests.test_outbox import make_post, outbox

CAMPAIGN = """\
campaign: walk
timezone: UTC
accounts: [outbox:shop]
posts:
  - id: teaser
    at: {at}
    text: A walk in the park
    media:
      - file: img/tmp.png
        alt: the park in the morning
"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _schedule_walk(run_cli, write, clock: FakeClock) -> Path:  # type: ignore[no-untyped-def]
    image = write("img/tmp.png", "")
    image.write_bytes(PNG)
    due = START + timedelta(hours=1)
    campaign = write("walk.yaml", CAMPAIGN.format(at=due.strftime("%Y-%m-%d %H:%M")))
    scheduled = run_cli("schedule", str(campaign))
    assert scheduled.exit_code == 0, scheduled.stderr
    return image


def _outbox_posts(settings: Settings) -> list[Path]:
    return sorted((settings.data_dir / "outbox" / "shop" / "posts").glob("*.json"))


# --- 1. the outbox needs the post's media, like a real network ---------------------------------------


def test_outbox_refuses_a_post_whose_image_was_deleted_and_retry_sends_it(
    run_cli, write, settings: Settings, clock: FakeClock
) -> None:
    image = _schedule_walk(run_cli, write, clock)
    image.unlink()  # deleted after scheduling
    clock.advance(hours=1, minutes=1)
    deliver_due(settings, clock)

    assert _outbox_posts(settings) == [], "nothing may go out without its image"
    status = json.loads(run_cli("status", "--json").stdout)
    (failed,) = status["problems"]
    assert failed["status"] == "failed" and failed["id"] == "teaser"
    reason = failed["reason"]
    assert f"the media file {image} cannot be used" in reason  # the same words for every cause (socialpost.media)
    assert "Nothing was written to the outbox" in reason
    assert "Put the file back at that path, then run: socialpost retry walk/teaser@outbox:shop" in reason

    # the fix it names works as written
    image.write_bytes(PNG)
    command = reason.rsplit("then run: socialpost ", 1)[1].rstrip(".")
    retried = run_cli(*shlex.split(command))
    assert retried.exit_code == 0, retried.stderr
    deliver_due(settings, clock)
    (written,) = _outbox_posts(settings)
    (media,) = json.loads(written.read_text(encoding="utf-8"))["media"]
    assert (media["file"], media["alt"]) == (str(image), "the park in the morning")
    assert (written.parent.parent / media["copy"]).read_bytes() == PNG  # the image put back, copied beside it
    assert json.loads(run_cli("status", "--json").stdout)["counts"]["sent"] == 1


def test_outbox_media_must_be_a_file(settings: Settings, clock: FakeClock, tmp_path: Path) -> None:
    adapter = outbox(settings, clock)
    folder = tmp_path / "pictures"
    folder.mkdir()
    with pytest.raises(ContentRejected) as raised:
        adapter.publish(make_post(1, media=(Media(str(folder), "a folder"),)))
    assert f"the media file {folder} cannot be used" in raised.value.message
    assert raised.value.hint == (
        "Put the file back at that path, then run: socialpost retry spring-launch/post-1@outbox:main"
    )
    assert not (settings.data_dir / "outbox" / "main" / "feed.xml").exists()


def test_outbox_media_must_be_readable(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked.png"
    locked.write_bytes(PNG)
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads every file (as in CI)
        refuse_to_open(monkeypatch, locked)
    with pytest.raises(ContentRejected, match=r"locked\.png cannot be used"):
        outbox(settings, clock).publish(make_post(2, media=(Media(str(locked), ""),)))


def test_outbox_retry_hint_names_a_recurring_occurrence(settings: Settings, clock: FakeClock) -> None:
    adapter = outbox(settings, clock)
    post = make_post(1, media=(Media("/nowhere/tip.png", ""),), post_id="tip", occurrence="2027-03-02T10:30")
    with pytest.raises(ContentRejected) as raised:
        adapter.publish(post)
    assert raised.value.hint is not None
    assert raised.value.hint.endswith("socialpost retry spring-launch/tip@2027-03-02T10:30@outbox:main")


def test_a_post_already_in_the_outbox_stays_published_when_its_image_goes(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    image = tmp_path / "teaser.png"
    image.write_bytes(PNG)
    adapter = outbox(settings, clock)
    post = make_post(1, media=(Media(str(image), "a cup"),))
    first = adapter.publish(post)
    image.unlink()
    assert adapter.publish(post) == first  # idempotent: the post is out, its image was read then


# --- 2. doctor's count sentence agrees with its number ------------------------------------------------


def test_doctor_says_one_warning_needs_your_attention(run_cli, write, clock: FakeClock) -> None:
    from socialpost.cli.doctor import _counts_line

    assert _counts_line(0, 1) == "1 warning needs your attention."
    assert _counts_line(1, 0) == "1 problem needs your attention. Start with the ✗ lines."
    assert _counts_line(0, 2) == "2 warnings need your attention."
    assert _counts_line(1, 1) == "1 problem and 1 warning need your attention. Start with the ✗ lines."

    _schedule_walk(run_cli, write, clock)  # a post waits and no daemon runs: one warning
    result = run_cli("doctor")
    assert result.exit_code == 3
    assert "1 warning needs your attention." in result.stdout
    assert "need your attention" not in result.stdout


# --- 3. collect says why the outbox has no figures ---------------------------------------------------


def test_collect_says_the_outbox_gives_no_engagement_figures(
    run_cli, write, settings: Settings, clock: FakeClock
) -> None:
    _schedule_walk(run_cli, write, clock)
    clock.advance(hours=1, minutes=1)
    deliver_due(settings, clock)
    clock.advance(hours=2)

    human = run_cli("collect")
    assert human.exit_code == 0, human.stderr
    assert "outbox accounts give no engagement figures, so there is nothing to read." in " ".join(human.stdout.split())

    clock.advance(days=2)  # due again at 24 h
    data = json.loads(run_cli("collect", "--json").stdout)
    assert set(data) == {"collected", "unavailable", "left", "accounts"}  # the JSON shape is unchanged
    (account,) = data["accounts"]
    assert set(account) == {
        "account",
        "wanted",
        "collected",
        "unavailable",
        "over_budget",
        "left",
        "paused_until",
        "error",
    }
    assert account["account"] == "outbox:shop" and account["unavailable"] == 1 and account["error"] is None


# --- 4. accounts list with no configured account -----------------------------------------------------


def test_accounts_list_explains_outbox_accounts_need_no_entry(run_cli) -> None:
    result = run_cli("accounts", "list")
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "No account is configured yet. Campaigns can use outbox:NAME accounts without one: their posts go "
        "to a local folder. To connect a real network, run: socialpost accounts add NETWORK NAME "
        "(for example: socialpost accounts add mastodon cafe)."
    )
    assert json.loads(run_cli("accounts", "list", "--json").stdout) == {"accounts": []}


# --- 5. accounts add without a terminal ---------------------------------------------------------------


def test_accounts_add_without_a_terminal_fails_cleanly_before_asking_the_secret(isolated_env: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "socialpost", "accounts", "add", "webhook", "x"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONWARNINGS": "default"},
        timeout=60,
        start_new_session=True,  # no controlling terminal to fall back on
    )
    assert result.returncode == 2, result.stderr
    assert "Warning" not in result.stderr and "getpass" not in result.stderr and "Aborted" not in result.stderr
    assert "Webhook URL" not in result.stdout + result.stderr  # never prompted
    error = result.stderr.strip()
    assert error.startswith("error: this set-up asks for a secret")
    assert "\n" not in error  # one paragraph
    assert "Run socialpost accounts add in a terminal" in error
    assert "with ${ENV_VAR} where the secret goes" in error
    assert not (isolated_env / ".config" / "socialpost").exists()  # nothing saved
