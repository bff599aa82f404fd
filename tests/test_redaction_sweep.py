"""The output sweep (issue #16, finding 3): no planted secret comes out anywhere.

Distinctive tokens are planted in every place a secret can live — a webhook URL's userinfo, path
and query, webhook headers (literal and ``${ENV}``), ``secrets.yaml`` for every built-in network,
``${ENV}`` values, the PostgreSQL URL's password — and one local server plays every network,
echoing each request (its headers and body) in its error answers, as a careless receiver or a
proxy does. Then the commands a user runs are run as the user runs them (the real ``socialpost``
program, ``-v`` with text and JSON logs), on SQLite and on PostgreSQL, and every output, every
log line, the HTML report and every row of every table are searched for each token: as written,
URL-encoded, and in base64 (also ``user:password`` as HTTP Basic auth sends it).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy import MetaData, create_engine, select

from tests.conftest import REPO
from tests.store_helpers import throwaway_postgres
from tests.support.http import LocalServer, Reply, Request

pytestmark = pytest.mark.slow

# Every token is distinctive (it cannot occur by chance) and some hold characters that URL
# encoding changes ('/', '+', '='), so an encoded echo is a different string.
TOKENS = {
    "hook_user_password": "HookPw9sweepQ7xv",
    "hook_path": "HookPathSweepTok3n8841",
    "hook_query": "HookQuerySweep/Tok+en55=",
    "hook_bearer": "BearerSweep.eyJ4LjE/Zm9v+YmFy",
    "hook_literal_header": "LiteralHeaderSweepKey0193",
    "hook_secret_url_query": "SecretUrlQuerySweep42abc",
    "env_spoiler": "EnvSpoilerSweepValue7731",
    "x_consumer_key": "XConsumerKeySweep5521",
    "x_consumer_secret": "XConsumerSecretSweep/8+q",
    "x_access_token": "XAccessTokenSweep-22-abcdef",
    "x_access_token_secret": "XAccessSecretSweep9931zz",
    "facebook_token": "EAAFacebookSweepPageToken77",
    "linkedin_token": "AQVLinkedInSweepToken_4410",
    "mastodon_token": "MastodonSweepToken_ZZ81x",
    "bluesky_password": "bsky-swee-p7ap-pw42",
    "youtube_client_secret": "GOCSPX-YouTubeSweep/Secret",
    "youtube_refresh_token": "1//YouTubeSweepRefresh+Tok",
    "pg_password": "PgSweepPassw0rd/+x",
}
HOOK_USER = "hookuser"


def forms(token: str) -> set[str]:
    """How a token may come out: as is, URL-encoded, or in base64."""
    found = {token, quote(token, safe=""), quote_plus(token), quote(token)}
    for raw in (token, f"{HOOK_USER}:{token}"):
        encoded = base64.b64encode(raw.encode()).decode()
        found |= {encoded, encoded.rstrip("="), base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")}
    return found


def leaks(text: str) -> list[str]:
    """The names of the tokens found in ``text``, in any of their forms."""
    return sorted(name for name, token in TOKENS.items() if any(form in text for form in forms(token)))


ORDINARY_HEADERS = {"host", "accept", "accept-encoding", "connection", "user-agent", "content-length", "content-type"}


def echo(request: Request) -> str:
    """A request written back, as a receiver that repeats what it got does; the unusual headers
    and the body first, so that what the adapters keep of a long answer holds them."""
    unusual = "; ".join(f"{k}: {v}" for k, v in request.headers.items() if k.lower() not in ORDINARY_HEADERS)
    ordinary = "; ".join(f"{k}: {v}" for k, v in request.headers.items() if k.lower() in ORDINARY_HEADERS)
    body = request.body.decode("utf-8", "replace")
    return f"you sent {request.method} {request.path} with {unusual}; body {body}; and {ordinary}"


def mastodon_status(status_id: str) -> dict[str, Any]:
    return {
        "id": status_id,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://example.social/users/acme/statuses/{status_id}",
        "url": f"https://example.social/@acme/{status_id}",
        "replies_count": 1,
        "reblogs_count": 0,
        "favourites_count": 0,
        "content": "<p>posted</p>",
        "reblog": None,
        "account": {"id": "1", "username": "acme", "acct": "acme", "url": "https://example.social/@acme"},
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
    }


MASTODON_INSTANCE = {
    "domain": "example.social",
    "title": "Example",
    "version": "4.4.0",
    "api_versions": {"mastodon": 6},
    "configuration": {
        "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
        "media_attachments": {"supported_mime_types": ["image/png", "video/mp4"], "description_limit": 1500},
    },
}


def every_network(request: Request) -> Reply:
    """One server for every network. Mastodon's posts go through (so there is something for the
    inbox and the report to read); every other request is refused with an answer that repeats
    the request, in the error shape of the network it was meant for."""
    path = request.path.split("?", 1)[0].rstrip("/")
    said = echo(request)
    if path.startswith("/api/"):  # Mastodon
        if path in ("/api/v1/instance", "/api/v2/instance"):
            return Reply(200, MASTODON_INSTANCE)
        if request.method == "POST" and path == "/api/v1/statuses":
            return Reply(200, mastodon_status("9001"))
        if path.startswith("/api/v1/statuses/9001") and not path.endswith("/context"):
            return Reply(200, mastodon_status("9001"))
        return Reply(500 if path.endswith("/context") else 401, {"error": said})
    if path.startswith("/xrpc/"):  # Bluesky
        return Reply(400, {"error": "InvalidRequest", "message": said})
    if path.startswith("/rest/"):  # LinkedIn
        return Reply(422, {"status": 422, "message": said, "code": "INVALID"})
    if path.startswith("/2/") or path.startswith("/1.1/"):  # X
        return Reply(400, {"title": "Invalid Request", "detail": said, "errors": [{"message": said}]})
    if path.startswith("/token"):  # Google's OAuth endpoint
        return Reply(400, {"error": "invalid_grant", "error_description": said})
    if "youtube" in path:
        return Reply(400, {"error": {"code": 400, "message": said, "errors": [{"reason": "bad", "message": said}]}})
    if path.startswith("/hook"):  # the webhooks
        return Reply(403 if "plain" in path else 400, said)
    # Facebook Graph: /vNN.N/…
    return Reply(400, {"error": {"message": said, "type": "OAuthException", "code": 100, "fbtrace_id": "x"}})


@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    def output(self) -> str:
        return f"$ socialpost {' '.join(self.args)}\n[exit {self.code}]\n{self.stdout}\n{self.stderr}"


@dataclass
class Setup:
    folder: Path
    config: Path
    env: dict[str, str]
    database_url: str
    campaigns: list[Path]

    def run(self, *args: str, timeout: float = 60) -> Run:
        process = subprocess.run(
            [str(REPO / ".venv" / "bin" / "socialpost"), "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.folder,
            timeout=timeout,
            check=False,
        )
        return Run(args, process.returncode, process.stdout, process.stderr)


def _mp4(path: Path) -> Path:
    """A few bytes that start like an MP4 file."""
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8)
    return path


def make_setup(folder: Path, server: LocalServer, database_url: str) -> Setup:
    t = TOKENS
    host = server.url.removeprefix("http://")
    config = folder / "config.yaml"
    config.write_text(
        "database: ${SWEEP_DATABASE}\n"
        "daemon: {poll_seconds: 0.2, retry_base_seconds: 1, max_attempts: 2, lease_seconds: 30}\n"
        "accounts:\n"
        "  x:\n"
        f"    acme: {{base_url: '{server.url}'}}\n"
        "  facebook:\n"
        f"    acme: {{page_id: '1234567890', base_url: '{server.url}'}}\n"
        "  linkedin:\n"
        f"    acme: {{author: 'urn:li:organization:42', base_url: '{server.url}'}}\n"
        "  mastodon:\n"
        f"    acme: {{api_base_url: '{server.url}', spoiler_text: '${{SWEEP_SPOILER}}'}}\n"
        "  bluesky:\n"
        f"    acme: {{handle: acme.test, pds_url: '{server.url}', link_cards: false}}\n"
        "  youtube:\n"
        f"    acme: {{client_id: '1234-abc.apps.googleusercontent.com', channel_id: UCsweepchannel000000000,"
        f" base_url: '{server.url}/youtube', token_url: '{server.url}/token'}}\n"
        "  webhook:\n"
        "    env:\n"
        f"      url: 'http://{host}/hook/${{SWEEP_HOOK_PATH}}?token=${{SWEEP_HOOK_QUERY}}&lang=en'\n"
        "      timeout: 5\n"
        "      headers:\n"
        "        Authorization: 'Bearer ${SWEEP_HOOK_BEARER}'\n"
        f"        X-Api-Key: '{t['hook_literal_header']}'\n"
        "    plain: {timeout: 5}\n",
        encoding="utf-8",
    )
    secrets = folder / "secrets.yaml"
    secrets.write_text(
        json.dumps(
            {
                "x:acme": {
                    "consumer_key": t["x_consumer_key"],
                    "consumer_secret": t["x_consumer_secret"],
                    "access_token": t["x_access_token"],
                    "access_token_secret": t["x_access_token_secret"],
                },
                "facebook:acme": {"page_access_token": t["facebook_token"]},
                "linkedin:acme": {"access_token": t["linkedin_token"]},
                "mastodon:acme": {"access_token": t["mastodon_token"]},
                "bluesky:acme": {"app_password": t["bluesky_password"]},
                "youtube:acme": {
                    "client_secret": t["youtube_client_secret"],
                    "refresh_token": t["youtube_refresh_token"],
                },
                "webhook:plain": {
                    "url": f"http://{HOOK_USER}:{t['hook_user_password']}@{host}/hook-plain/"
                    f"?key={quote(t['hook_secret_url_query'])}"
                },
            }
        ),
        encoding="utf-8",
    )
    secrets.chmod(0o600)
    config.chmod(0o600)
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)  # gone out at once (--allow-past)
    accounts = "x:acme, facebook:acme, linkedin:acme, mastodon:acme, bluesky:acme, webhook:env, webhook:plain"
    posts = folder / "sweep.yaml"
    posts.write_text(
        f"campaign: sweep\ntimezone: UTC\naccounts: [{accounts}]\nlate: {{within: 1h, else: skip}}\nposts:\n"
        f"  - id: one\n    at: '{due:%Y-%m-%d %H:%M:%S}'\n    text: 'A quiet post about coffee'\n",
        encoding="utf-8",
    )
    _mp4(folder / "tour.mp4")
    video = folder / "video.yaml"
    video.write_text(
        "campaign: sweep-video\ntimezone: UTC\naccounts: [youtube:acme]\nlate: {within: 1h, else: skip}\nposts:\n"
        f"  - id: tour\n    at: '{due:%Y-%m-%d %H:%M:%S}'\n    text: 'A tour of the roastery'\n"
        "    video: {file: tour.mp4, title: Roastery tour}\n",
        encoding="utf-8",
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SOCIALPOST_") and key not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")
    }
    env.update(
        SWEEP_DATABASE=database_url,
        SWEEP_SPOILER=t["env_spoiler"],
        SWEEP_HOOK_PATH=t["hook_path"],
        SWEEP_HOOK_QUERY=quote(t["hook_query"], safe=""),
        SWEEP_HOOK_BEARER=t["hook_bearer"],
        SOCIALPOST_DATA_DIR=str(folder / "data"),
        HOME=str(folder),
        COLUMNS="200",
    )
    return Setup(folder, config, env, database_url, [posts, video])


def run_everything(setup: Setup, folder: Path) -> list[Run]:
    """The commands a user runs, in the order a user runs them."""
    files = [str(p) for p in setup.campaigns]
    runs = [
        setup.run("validate", "--allow-past", *files),
        setup.run("validate", "--json", "--allow-past", *files),
        setup.run("plan", "--allow-past", *files),
        setup.run("plan", "--json", "--allow-past", *files),
        setup.run("-v", "--log-format", "json", "schedule", "--allow-past", *files, "--follow", timeout=90),
        setup.run("-v", "status"),
        setup.run("status", "--json"),
        setup.run("report"),
        setup.run("report", "--json"),
        setup.run("report", "--csv"),
        setup.run("report", "--html", str(folder / "report.html")),
        setup.run("-v", "doctor"),
        setup.run("-v", "--log-format", "json", "doctor", "--json"),
        setup.run("-v", "inbox"),
        setup.run("-v", "--log-format", "json", "inbox", "--json"),
        setup.run("accounts", "list"),
        setup.run("accounts", "list", "--json"),
        setup.run("-v", "schedule", "--allow-past", *files),
        setup.run("retry", "--campaign", "sweep"),  # once more, with the daemon's log as text
        setup.run("-v", "schedule", "--allow-past", *files, "--follow", timeout=90),
    ]
    for account in ("x:acme", "facebook:acme", "linkedin:acme", "mastodon:acme", "bluesky:acme", "youtube:acme"):
        runs.append(setup.run("-v", "accounts", "test", account))
    runs.append(setup.run("-v", "--log-format", "json", "accounts", "test", "webhook:env"))
    runs.append(setup.run("accounts", "test", "--json", "webhook:plain"))
    return runs


def every_row(database_url: str) -> Iterator[tuple[str, str]]:
    """(table, row as text) for every row of every table of the store."""
    engine = create_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in connection.execute(select(table)):
                    yield table.name, json.dumps([str(v) for v in row], ensure_ascii=False)
    finally:
        engine.dispose()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        running.respond(every_network)
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sweep.db'}"
        return
    with throwaway_postgres() as url:
        password = quote(TOKENS["pg_password"], safe="")
        yield url.replace("postgresql://postgres@", f"postgresql+psycopg://postgres:{password}@")


@pytest.mark.timeout(420)  # some 25 runs of the real program per store, on a busy 2-core machine
def test_no_planted_secret_comes_out_anywhere(tmp_path: Path, server: LocalServer, database_url: str) -> None:
    setup = make_setup(tmp_path, server, database_url)
    runs = run_everything(setup, tmp_path)

    # the sweep means something only if the secrets really went out and came back in the echoes
    echoed = "\n".join(echo(r) for r in server.requests)
    never_sent = {"pg_password", "x_consumer_secret", "x_access_token_secret"}  # OAuth 1.0a signs with them
    assert set(leaks(echoed)) == set(TOKENS) - never_sent, sorted(set(TOKENS) - never_sent - set(leaks(echoed)))
    scheduled = runs[4]
    assert scheduled.code in (0, 3), scheduled.output()
    assert any(json.loads(line).get("logger") for line in scheduled.stderr.splitlines() if line.startswith("{"))
    status = json.loads(runs[6].stdout)
    assert status["counts"]["failed"] >= 6 and status["counts"]["sent"] == 1, status["counts"]
    assert "The receiver said" in runs[5].stdout + runs[6].stdout  # the echoes were stored and shown

    found: dict[str, list[str]] = {}
    for run in runs:
        for name in leaks(run.output()):
            found.setdefault(name, []).append(" ".join(run.args[:4]))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    for name in leaks(html):
        found.setdefault(name, []).append("report.html")
    for table, row in every_row(setup.database_url):
        for name in leaks(row):
            found.setdefault(name, []).append(f"table {table}")
    assert not found, json.dumps({k: sorted(set(v)) for k, v in found.items()}, indent=1)


if __name__ == "__main__":  # pragma: no cover - a quick look at one run's outputs
    sys.exit(pytest.main([__file__, "-x", "-q"]))
