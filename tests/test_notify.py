"""Notifications end to end through the daemon: a real SMTP server (aiosmtpd) with STARTTLS and
implicit TLS and a login, webhook receivers checking Slack, Discord and Teams shapes, every kind of
event, once per event with two daemons on one store, and a failing channel tried again."""

from __future__ import annotations

import ssl
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from sqlalchemy import update

from socialpost import i18n
from socialpost.daemon.service import Daemon
from socialpost.settings.config import Settings
from socialpost.settings.notify import NotifySettings
from socialpost.store import notifications as stored
from socialpost.store.db import Store
from socialpost.store.models import DaemonRow, PostRow, Status
from socialpost.timeutil import utcnow
from tests.servers.chat_hooks import chat_receiver
from tests.servers.smtp import SmtpServer
from tests.store_helpers import post, seed_posts
from tests.support.http import LocalServer, Reply, Request

REFUSAL = "this receiver refuses posts about cats"


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls(authority: trustme.CA) -> ssl.SSLContext:
    """The SMTP server's TLS: a certificate for 127.0.0.1 from a CA made for this test run."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def ca_file(authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "test-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def smtp_password(monkeypatch: pytest.MonkeyPatch) -> str:
    value = f"pw-{uuid.uuid4().hex}"  # built at run time, never a fixture file
    monkeypatch.setenv("SP_TEST_SMTP_PASSWORD", value)
    return value


def _receiver(request: Request) -> Reply:
    """The campaign's own webhook refuses every post (a failed post); the rest is chat receivers."""
    if request.path.startswith("/target"):
        return Reply(422, {"error": REFUSAL})
    return chat_receiver(request)


@pytest.fixture
def web() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.respond(_receiver)
        yield server


def _configure(settings: Settings, web: LocalServer, notify: dict[str, Any], **hooks: str) -> None:
    settings.accounts = {"webhook": {"target": {"url": f"{web.url}/target"}}}
    for name, path in hooks.items():
        settings.accounts["webhook"][name] = {"url": f"{web.url}{path}"}
    settings.notify = NotifySettings.model_validate({"every": "0.2s", "retry_base": "0.2s", **notify})


def _email(server: SmtpServer, ca_file: Path, security: str) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "security": security,
        "user": "marketing@example.com",
        "password": "${SP_TEST_SMTP_PASSWORD}",
        "from": "socialpost <socialpost@example.com>",
        "to": ["team@example.com", "boss@example.com"],
        "ca_file": str(ca_file),
        "timeout": 5,
    }


@contextmanager
def _daemons(store: Store, settings: Settings, *ids: str) -> Iterator[None]:
    """Daemons named ``ids`` running on ``store`` in threads while the block runs; stopped after
    it (each must stop)."""
    daemons = [Daemon(store, settings, daemon_id=daemon_id) for daemon_id in ids]
    threads = [threading.Thread(target=d.run, name=f"daemon-{d.daemon_id}", daemon=True) for d in daemons]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for daemon in daemons:
            daemon.stop()
        for thread in threads:
            thread.join(timeout=15)
            assert not thread.is_alive(), "a daemon did not stop"


def _wait(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _hook_bodies(web: LocalServer, path: str) -> list[dict[str, Any]]:
    return [r.json for r in list(web.requests) if r.path == path]


# --- e-mail through a real SMTP server ----------------------------------------------------------


@pytest.mark.parametrize(("security", "language"), [("starttls", "en"), ("ssl", "fr")])
def test_a_failed_post_is_emailed_once_with_the_reason_and_the_fix(
    store: Store,
    settings: Settings,
    web: LocalServer,
    tls: ssl.SSLContext,
    ca_file: Path,
    smtp_password: str,
    security: str,
    language: str,
) -> None:
    i18n.activate(language)
    (post_id,) = seed_posts(store, 1, due=utcnow(), account="webhook:target", campaign="launch")
    with SmtpServer(security=security, tls=tls, user="marketing@example.com", password=smtp_password) as smtp:
        _configure(settings, web, {"email": {"ops": _email(smtp, ca_file, security)}})
        with _daemons(store, settings, "mailer"):
            assert _wait(lambda: len(smtp.messages) >= 1), "no e-mail arrived"
            time.sleep(1.0)  # several more passes of the notify job: nothing is sent twice
        assert len(smtp.messages) == 1
        received = smtp.messages[0]
        assert smtp.logins == [("marketing@example.com", True)]  # AUTH checked by the server
    assert post(store, post_id).status == "failed"
    assert received.tls and received.login == "marketing@example.com"
    assert received.mail_from == "socialpost@example.com"
    assert received.rcpt_tos == ["team@example.com", "boss@example.com"]
    mail = received.message
    assert mail["Content-Language"] == language
    assert mail["X-Socialpost-Event"] == "failed"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Message-ID"].endswith("@socialpost.invalid>")
    body = mail.get_content()
    assert REFUSAL in body
    assert "socialpost retry launch/p00000@webhook:target" in body
    assert "launch" in body and "webhook:target" in body
    if language == "fr":
        assert mail["Subject"] == "socialpost: launch/p00000 vers webhook:target a échoué"
        assert "Solution : corrigez ce que dit la raison" in body
        assert "Prévu pour : " in body
    else:
        assert mail["Subject"] == "socialpost: launch/p00000 to webhook:target failed"
        assert "Fix: correct what the reason says, then run socialpost retry launch/p00000@webhook:target" in body
        assert f"Planned for: {datetime.fromisoformat(post(store, post_id).local_time):%Y-%m-%d %H:%M} UTC" in body
    assert smtp_password not in body
    (row,) = stored.notifications(store)
    assert (row.status, row.attempts, row.channel) == ("sent", 1, "email:ops")


def test_a_wrong_smtp_password_is_tried_again_and_never_blocks_posting(
    store: Store,
    settings: Settings,
    web: LocalServer,
    tls: ssl.SSLContext,
    ca_file: Path,
    smtp_password: str,
) -> None:
    now = utcnow()
    seed_posts(store, 1, due=now, account="webhook:target", campaign="launch")
    soon = [now + timedelta(seconds=1.5)] * 3
    on_time = seed_posts(store, 3, due=soon, account="outbox:news", campaign="other")
    with SmtpServer(
        security="starttls", tls=tls, user="marketing@example.com", password="not-" + smtp_password
    ) as smtp:
        _configure(settings, web, {"email": {"ops": _email(smtp, ca_file, "starttls")}, "max_attempts": 3})
        with _daemons(store, settings, "mailer"):
            assert _wait(lambda: [r.status for r in stored.notifications(store)] == ["failed"], timeout=20)
            assert _wait(lambda: all(post(store, i).status == "sent" for i in on_time))
        # smtplib tries PLAIN then LOGIN on each attempt: every one refused by the server
        assert len(smtp.logins) >= 3 and set(smtp.logins) == {("marketing@example.com", False)}
        assert smtp.messages == []
    (row,) = stored.notifications(store)
    assert row.attempts == 3
    assert "refused the login (535)" in (row.last_error or "")
    assert smtp_password not in (row.last_error or "")
    for post_id in on_time:  # the posts went out at their time while the mail server refused us
        sent = post(store, post_id)
        assert sent.sent_at is not None and (sent.sent_at - soon[0]).total_seconds() < 1.0


def test_a_busy_smtp_server_gets_the_message_after_backoff_once(
    store: Store, settings: Settings, web: LocalServer, tls: ssl.SSLContext, ca_file: Path, smtp_password: str
) -> None:
    seed_posts(store, 1, due=utcnow(), account="webhook:target", campaign="launch")
    with SmtpServer(security="starttls", tls=tls, user="marketing@example.com", password=smtp_password, busy=2) as smtp:
        _configure(settings, web, {"email": {"ops": _email(smtp, ca_file, "starttls")}})
        with _daemons(store, settings, "mailer"):
            started = time.monotonic()
            assert _wait(lambda: len(smtp.messages) == 1, timeout=20)
            elapsed = time.monotonic() - started
            time.sleep(0.8)
        assert smtp.handler.refused == 2 and len(smtp.messages) == 1
    (row,) = stored.notifications(store)
    assert (row.status, row.attempts) == ("sent", 3)
    assert elapsed >= 0.2 + 0.4  # waited retry_base, then twice that


# --- webhooks: Slack, Discord, Teams ------------------------------------------------------------


def test_slack_discord_and_teams_receivers_take_the_message(store: Store, settings: Settings, web: LocalServer) -> None:
    seed_posts(store, 1, due=utcnow(), account="webhook:target", campaign="launch")
    _configure(
        settings,
        web,
        {
            "webhook": {
                "chat-slack": {"format": "slack"},
                "chat-discord": {"format": "discord"},
                "chat-teams": {"format": "teams", "events": ["failed"]},
            }
        },
        **{"chat-slack": "/slack/T000/B000", "chat-discord": "/discord/123/abc", "chat-teams": "/teams/workflow"},
    )
    with _daemons(store, settings, "hooks"):
        assert _wait(lambda: [r.status for r in stored.notifications(store)] == ["sent"] * 3)
    (slack,) = _hook_bodies(web, "/slack/T000/B000")
    assert slack["text"] == "socialpost: launch/p00000 to webhook:target failed"
    assert [b["type"] for b in slack["blocks"]] == ["header", "section"]
    assert slack["blocks"][1]["text"]["text"].endswith(
        "*Fix:* `correct what the reason says, then run socialpost retry launch/p00000@webhook:target`"
    )
    assert REFUSAL in slack["blocks"][1]["text"]["text"]
    (discord,) = _hook_bodies(web, "/discord/123/abc")
    (embed,) = discord["embeds"]
    assert embed["title"] == "socialpost: launch/p00000 to webhook:target failed"
    assert embed["fields"] == [
        {
            "name": "Fix",
            "value": "`correct what the reason says, then run socialpost retry launch/p00000@webhook:target`",
        }
    ]
    assert discord["allowed_mentions"] == {"parse": []}  # a post's text never pings @everyone
    (teams,) = _hook_bodies(web, "/teams/workflow")
    card = teams["attachments"][0]["content"]
    texts = [element.get("text", "") for element in card["body"]]
    assert texts[0] == "socialpost: launch/p00000 to webhook:target failed"
    assert any("socialpost retry launch/p00000@webhook:target" in text for text in texts)
    facts = next(e["facts"] for e in card["body"] if e["type"] == "FactSet")
    assert {"title": "Account", "value": "webhook:target"} in facts


def test_a_receiver_that_rejects_the_shape_is_reported_not_retried_forever(
    store: Store, settings: Settings, web: LocalServer
) -> None:
    """A Slack receiver given a Discord payload answers 400: the channel's failure is recorded."""
    seed_posts(store, 1, due=utcnow(), account="webhook:target", campaign="launch")
    _configure(settings, web, {"webhook": {"chat": {"format": "discord"}}, "max_attempts": 2}, chat="/slack/T000/B000")
    with _daemons(store, settings, "hooks"):
        assert _wait(lambda: [r.status for r in stored.notifications(store)] == ["failed"], timeout=20)
    (row,) = stored.notifications(store)
    assert row.attempts == 2 and "no_text" in (row.last_error or "")


# --- once per event, with two daemons ----------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_store(request: pytest.FixtureRequest, store: Store) -> Iterator[Store]:
    """The store two daemons share: SQLite (one file), or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield store
        return
    from tests.store_helpers import throwaway_postgres_store

    with throwaway_postgres_store() as opened:
        yield opened


def test_two_daemons_on_one_store_tell_each_event_once(
    shared_store: Store, settings: Settings, web: LocalServer
) -> None:
    store = shared_store
    failing = seed_posts(store, 8, due=utcnow() + timedelta(seconds=0.5), account="webhook:target", campaign="launch")
    _configure(settings, web, {"webhook": {"chat": {"format": "json"}}, "group_over": 100}, chat="/hook")
    with _daemons(store, settings, "d0", "d1"):
        assert _wait(lambda: len(_hook_bodies(web, "/hook")) >= 8, timeout=20)
        time.sleep(1.5)  # both notify jobs pass several more times
    keys = [r.headers["Idempotency-Key"] for r in web.requests if r.path == "/hook"]
    assert len(keys) == 8 and len(set(keys)) == 8
    assert {b["post"]["post"] for b in _hook_bodies(web, "/hook")} == {post(store, i).post_key for i in failing}
    rows = stored.notifications(store)
    assert len(rows) == 8 and {r.status for r in rows} == {"sent"}


def test_a_burst_of_failures_is_one_message_listing_every_post(
    store: Store, settings: Settings, web: LocalServer, tls: ssl.SSLContext, ca_file: Path, smtp_password: str
) -> None:
    failing = seed_posts(store, 12, due=utcnow() + timedelta(seconds=0.3), account="webhook:target", campaign="launch")
    with SmtpServer(security="starttls", tls=tls, user="marketing@example.com", password=smtp_password) as smtp:
        _configure(settings, web, {"email": {"ops": _email(smtp, ca_file, "starttls")}, "every": "2s"})
        with _daemons(store, settings, "mailer"):
            assert _wait(lambda: {r.status for r in stored.notifications(store)} == {"sent"}, timeout=20)
            assert _wait(lambda: len(stored.notifications(store)) == 12)
            assert _wait(lambda: {r.status for r in stored.notifications(store)} == {"sent"})
        messages = [m.message for m in smtp.messages]
    bodies = [m.get_content() for m in messages]
    for post_id in failing:  # every post in exactly one message, with the command that settles it
        ref = f"socialpost retry launch/{post(store, post_id).post_key}@webhook:target"
        assert sum(body.count(ref) for body in bodies) == 1, ref
    assert len(messages) < 12
    grouped = [m for m in messages if m["X-Socialpost-Event"] == "posts"]
    assert grouped and all(m["Subject"].endswith(" failed)") for m in grouped)
    assert any(REFUSAL in body for body in bodies)


# --- every kind of event ------------------------------------------------------------------------


def test_held_missed_unknown_token_daemon_down_and_digest_are_each_told_once(
    store: Store, settings: Settings, web: LocalServer
) -> None:
    now = utcnow()
    (held,) = seed_posts(store, 1, due=now - timedelta(minutes=20), campaign="hold-late", late_else="hold")
    (missed,) = seed_posts(store, 1, due=now - timedelta(minutes=20), campaign="skip-late", late_else="skip")
    # a post a daemon was sending when it died, on a network with no way to check: unknown
    (unknown,) = seed_posts(store, 1, due=now - timedelta(minutes=1), account="telegram:news", campaign="chat")
    with store.write() as session:
        session.execute(
            update(PostRow)
            .where(PostRow.id == unknown)
            .values(status=Status.SENDING.value, claimed_by="gone", lease_until=now - timedelta(seconds=30), attempts=1)
        )
        session.add(  # the last daemon stopped two hours ago
            DaemonRow(
                id="old",
                hostname="elsewhere",
                pid=1,
                started_at=now - timedelta(hours=5),
                heartbeat_at=now - timedelta(hours=2),
                stopped_at=now - timedelta(hours=2),
            )
        )
    expires = (now + timedelta(days=3)).replace(microsecond=0)
    _configure(settings, web, {"webhook": {"chat": {"format": "json"}}, "digest_at": "00:00"}, chat="/hook")
    settings.accounts["telegram"] = {"news": {"chat": "@news", "bot_token": f"{uuid.uuid4().int % 10**9}:x"}}
    settings.accounts["telegram"]["news"]["api_base_url"] = "http://127.0.0.1:9"
    settings.accounts["linkedin"] = {
        "acme": {"author": "urn:li:person:abc", "access_token": uuid.uuid4().hex, "expires_at": expires.isoformat()}
    }
    kinds = {"held", "missed", "unknown", "token", "daemon_down", "digest"}
    with _daemons(store, settings, "watcher"):
        assert _wait(lambda: kinds <= {b["event"] for b in _hook_bodies(web, "/hook")}, timeout=20), _hook_bodies(
            web, "/hook"
        )
        time.sleep(1.0)
    assert (post(store, held).status, post(store, missed).status, post(store, unknown).status) == (
        "held",
        "missed",
        "unknown",
    )
    bodies = {b["event"]: b for b in _hook_bodies(web, "/hook")}
    assert Counter(b["event"] for b in _hook_bodies(web, "/hook")) == dict.fromkeys(kinds, 1)
    held_ref = f"hold-late/{post(store, held).post_key}@outbox:news"
    assert (
        bodies["held"]["fix"] == f"socialpost retry {held_ref} (send it now) or socialpost cancel {held_ref} (drop it)"
    )
    assert bodies["missed"]["fix"].startswith(f"socialpost retry skip-late/{post(store, missed).post_key}@outbox:news")
    assert "socialpost resolve chat/" in bodies["unknown"]["fix"] and "--not-sent" in bodies["unknown"]["fix"]
    assert bodies["token"]["fix"] == "socialpost accounts add linkedin acme"
    assert bodies["token"]["subject"] == "the access of linkedin:acme expires soon"
    assert "no daemon ran from" in bodies["daemon_down"]["subject"]
    assert "were due meanwhile" in bodies["daemon_down"]["text"] or "was due meanwhile" in bodies["daemon_down"]["text"]
    assert bodies["digest"]["subject"].startswith("daily digest for ")
    assert bodies["digest"]["fix"] == "socialpost status"


# --- socialpost notify check / test -------------------------------------------------------------


def test_notify_check_tells_once_that_no_daemon_runs_while_posts_are_due(
    store: Store, settings: Settings, web: LocalServer, run_cli: Any, clock: Any
) -> None:
    seed_posts(store, 2, due=clock() - timedelta(minutes=30), campaign="launch")
    with store.write() as session:
        session.add(
            DaemonRow(
                id="old",
                hostname="elsewhere",
                pid=1,
                started_at=clock() - timedelta(hours=3),
                heartbeat_at=clock() - timedelta(hours=1),
            )
        )
    _configure(settings, web, {"webhook": {"chat": {"format": "slack", "events": ["daemon_down"]}}}, chat="/slack/x")
    first = run_cli("notify", "check")
    assert first.exit_code == 0, first.stdout + first.stderr
    again = run_cli("notify", "check")
    assert again.exit_code == 0
    (message,) = _hook_bodies(web, "/slack/x")
    assert message["text"].startswith("socialpost: no daemon has run since ")
    assert "2 posts are due and waiting" in message["blocks"][1]["text"]["text"]
    assert "`socialpost daemon" in message["blocks"][1]["text"]["text"]


def test_notify_test_reports_each_channel_with_its_fix(
    store: Store, settings: Settings, web: LocalServer, run_cli: Any, tmp_path: Path
) -> None:
    closed = _closed_port()
    _configure(
        settings,
        web,
        {
            "webhook": {"chat": {"format": "teams"}},
            "email": {"ops": {"host": "127.0.0.1", "port": closed, "from": "a@example.com", "to": "b@example.com"}},
        },
        chat="/teams/x",
    )
    result = run_cli("notify", "test")
    assert result.exit_code == 1
    assert "webhook:chat: sent" in result.stdout
    assert f"email:ops: failed: e-mail channel 'ops' (127.0.0.1:{closed}): cannot reach the server" in result.stdout
    assert "Fix: check host, port and security" in result.stdout
    assert "1 channel did not take the test message." in result.stderr
    (card,) = _hook_bodies(web, "/teams/x")
    assert card["attachments"][0]["content"]["body"][0]["text"] == "socialpost: test message"
    only = run_cli("notify", "test", "--channel", "webhook:chat", "--json")
    assert only.exit_code == 0 and '"ok": true' in only.stdout
    unknown = run_cli("notify", "test", "--channel", "email:nope")
    assert unknown.exit_code == 2 and "Fix: use one of email:ops, webhook:chat." in unknown.stderr


def test_desktop_channel_runs_notify_send_and_says_when_there_is_none(
    settings: Settings, run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.notify = NotifySettings.model_validate({"desktop": True})
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    missing = run_cli("notify", "test", "--channel", "desktop")
    assert missing.exit_code == 1
    assert "desktop: failed: desktop: no notifier program on this machine." in missing.stdout
    assert "libnotify" in missing.stdout
    folder = tmp_path / "bin"
    folder.mkdir()
    said = tmp_path / "said.txt"
    script = folder / "notify-send"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {said}\n', encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    done = run_cli("notify", "test", "--channel", "desktop")
    assert done.exit_code == 0, done.stdout + done.stderr
    args = said.read_text(encoding="utf-8").splitlines()
    assert args[:4] == ["--app-name=socialpost", "--urgency=normal", "--", "socialpost: test message"]


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the notify: section of the config ----------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "  email:\n    ops:\n      host: smtp.example.com\n      password: hunter2-in-clear\n"
            "      from: a@example.com\n      to: [b@example.com]\n",
            ":5:17: 'password': a password is not written in the config file in clear",
        ),
        (
            "  email:\n    ops:\n      host: smtp.example.com\n      from: a@example.com\n      to: [not-an-address]\n",
            "'not-an-address' is not an e-mail address",
        ),
        ("  digest_at: 25:99\n", 'is not a time of day. Fix: write it like "09:00"'),
        ("  desktop:\n    events: [failed, exploded]\n", ":3:22:"),
        ("  webhok:\n    chat: {}\n", "unknown key 'webhok'. Did you mean 'webhook'?"),
        ("  every: 0s\n", "the duration must be longer than 0"),
    ],
)
def test_bad_notify_settings_are_located_errors(tmp_path: Path, section: str, expected: str) -> None:
    from socialpost.errors import ConfigError
    from socialpost.settings.config import load_settings

    config = tmp_path / "config.yaml"
    config.write_text("notify:\n" + section, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(config))
    assert expected in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_a_good_notify_section_loads(tmp_path: Path) -> None:
    from socialpost.settings.config import load_settings

    config = tmp_path / "config.yaml"
    config.write_text(
        "notify:\n  digest_at: 09:30\n  daemon_down_after: 20m\n  email:\n    ops:\n"
        "      host: smtp.example.com\n      security: ssl\n      user: me\n      password: ${SMTP_PASSWORD}\n"
        "      from: a@example.com\n      to: b@example.com\n      events: [failed, digest]\n"
        "  webhook:\n    team-chat: {format: discord}\n  desktop: true\n",
        encoding="utf-8",
    )
    loaded = load_settings(str(config)).notify
    assert list(loaded.channels()) == ["email:ops", "webhook:team-chat", "desktop"]
    assert loaded.email["ops"].port_or_default == 465 and loaded.email["ops"].to == ["b@example.com"]
    assert f"{loaded.digest_at:%H:%M}" == "09:30" and loaded.daemon_down_after == timedelta(minutes=20)
    assert loaded.email["ops"].wants("digest") and not loaded.email["ops"].wants("token")
    assert loaded.desktop is not None and loaded.desktop.wants("daemon_down")


# --- doctor -------------------------------------------------------------------------------------


def test_doctor_says_what_keeps_a_channel_from_working(
    store: Store, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialpost.doctor import check_notify

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no notify-send, no osascript
    settings.secrets_path = tmp_path / "secrets.yaml"
    settings.notify = NotifySettings.model_validate(
        {
            "desktop": True,
            "email": {
                "ops": {"host": "h.example.com", "user": "me", "from": "a@example.com", "to": "b@example.com"},
                "env": {
                    "host": "h.example.com",
                    "user": "me",
                    "password": "${SP_UNSET_PASSWORD}",
                    "from": "a@example.com",
                    "to": "b@example.com",
                },
            },
            "webhook": {"nowhere": {}},
        }
    )
    stored.record(store, [stored.NewNotification("post:1:failed:1", "email:ops", "failed", {})], now=utcnow())
    (claimed,) = stored.claim(store, daemon="d", now=utcnow(), lease=timedelta(minutes=1))
    stored.mark_failed(store, claimed.id, daemon="d", error="the server refused the login (535)", retry_at=None)

    findings = check_notify(settings, store, utcnow(), environ={})
    said = {(f.status, f.message): f.fix for f in findings}
    assert said[
        ("warning", "the desktop channel has no notifier program on this machine: its messages cannot be shown.")
    ]
    assert said[("problem", "e-mail channel 'ops' has a user but no password.")] == (
        "Run socialpost notify password ops, or write password: ${SMTP_PASSWORD}."
    )
    assert ("problem", "e-mail channel 'env': the environment variable SP_UNSET_PASSWORD is not set.") in said
    assert said[("problem", "webhook channel 'nowhere' names no webhook account of the config.")] == (
        "Add it: socialpost accounts add webhook nowhere"
    )
    assert (
        said[("warning", "1 notification could not be sent in the last 7 days: the server refused the login (535)")]
        == "Fix the channel, then check it: socialpost notify test"
    )


def test_notify_password_keeps_it_in_the_secrets_file(settings: Settings, run_cli: Any, tmp_path: Path) -> None:
    from socialpost.settings import secrets

    settings.secrets_path = tmp_path / "secrets.yaml"
    settings.notify = NotifySettings.model_validate(
        {"email": {"ops": {"host": "h.example.com", "user": "me", "from": "a@example.com", "to": "b@example.com"}}}
    )
    value = f"pw-{uuid.uuid4().hex}"
    result = run_cli("notify", "password", "ops", input=f"{value}\n")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert value not in (result.stdout + result.stderr)
    assert secrets.load(settings.secrets_path) == {"notify:ops": {"password": value}}
    assert settings.secrets_path.stat().st_mode & 0o777 == 0o600


def test_only_moves_into_a_state_are_told_not_edits_nor_posts_held_for_their_account(
    store: Store, settings: Settings, web: LocalServer
) -> None:
    from socialpost.notify import Notifier
    from socialpost.store import transitions
    from socialpost.store.connect import NOT_CONNECTED
    from socialpost.wiring import Adapters

    now = utcnow()
    drafted, late = seed_posts(store, 2, due=now + timedelta(hours=1), campaign="launch")
    with store.write() as session:
        for post_id, kind in ((drafted, NOT_CONNECTED), (late, "late")):
            transitions.log(session, post_id=post_id, at=now, kind=kind, from_status="pending", to_status="held")
            transitions.log(session, post_id=post_id, at=now, kind="updated", from_status="held", to_status="held")
        session.execute(update(PostRow).where(PostRow.id.in_([drafted, late])).values(status="held"))
    _configure(settings, web, {"webhook": {"chat": {"format": "json"}}}, chat="/hook")
    notifier = Notifier(store, settings, Adapters(settings), daemon_id="one")
    first = notifier.run()
    again = Notifier(store, settings, Adapters(settings), daemon_id="two").run()
    assert (first.found, first.sent, again.found, again.sent) == (1, 1, 0, 0)
    (told,) = _hook_bodies(web, "/hook")
    assert told["event"] == "held" and told["post"]["post"] == post(store, late).post_key
