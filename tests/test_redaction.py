"""The one redaction mechanism (socialpost.redaction): what is registered, and each sink that
applies it. The end-to-end sweep over every command and both stores is tests/test_redaction_sweep.py."""

from __future__ import annotations

import base64
import json
import logging
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, HttpUrl, SecretStr
from sqlalchemy import bindparam, select, update

from socialpost import redaction
from socialpost.logs import JsonFormatter, TextFormatter
from socialpost.networks.base import AccountSettings, AdapterContext, Network, OutgoingPost, Published
from socialpost.networks.webhook import WebhookNetwork, WebhookSettings
from socialpost.redaction import REDACTED, SecretValues, redact, register, register_settings, url_secrets
from socialpost.settings.config import Settings, load_settings
from socialpost.store.db import Store
from socialpost.store.models import EventRow, InboxItemRow, PostRow
from socialpost.wiring import Adapters
from tests.store_helpers import seed_posts
from tests.support.http import LocalServer, Reply


def test_a_registered_value_is_blanked_in_every_form_it_travels_in() -> None:
    secret = "s3cr3t/Token+value=="
    register(secret)
    for form in (
        secret,
        "s3cr3t%2FToken%2Bvalue%3D%3D",  # a query string or a form body
        "s3cr3t%2fToken%2bvalue%3d%3d",  # … with lower-case hex
        "s3cr3t/Token%2Bvalue%3D%3D",  # quote() keeps the slash
        "s3cr3t\\/Token+value==",  # a JSON string written by a server that escapes '/'
    ):
        assert redact(f"before {form} after") == f"before {REDACTED} after", form
    assert redact("s3cr3t/Token") == "s3cr3t/Token"  # only the whole value, not every word of it


def test_short_values_are_not_registered() -> None:
    register("2026", "admin", "")
    assert redact("admin logged in 2026") == "admin logged in 2026"


def test_an_authorisation_value_registers_its_credential_and_basic_its_user_and_password() -> None:
    register("Bearer eyJhbGciOiJIUzI1NiJ9.payload")
    assert redact("token eyJhbGciOiJIUzI1NiJ9.payload leaked") == f"token {REDACTED} leaked"
    basic = base64.b64encode(b"alice:correct-horse-battery").decode()
    register(f"Basic {basic}")
    assert redact("user alice:correct-horse-battery") == f"user {REDACTED}"
    assert redact("password correct-horse-battery") == f"password {REDACTED}"


def test_credentials_are_recognised_by_their_shape_without_being_registered() -> None:
    said = (
        'sent Authorization: Bearer abcdefghij.klmnop; Authorization: Basic dXNlcjpwYXNzd29yZDE=; body {"identifier":'
        '"me","password":"hunter2-unregistered"} grant_type=refresh_token&refresh_token=1%2F%2Fabc&client_secret=xyz9'
    )
    assert redact(said) == (
        f"sent Authorization: Bearer {REDACTED}; Authorization: Basic {REDACTED}; body "
        f'{{"identifier":"me","password":"{REDACTED}"}} grant_type=refresh_token&refresh_token={REDACTED}'
        f"&client_secret={REDACTED}"
    )
    escaped = json.dumps({"reason": 'said {"access_token": "ya29.abcdef"}'})
    assert "ya29.abcdef" not in redact(escaped) and json.loads(redact(escaped))  # still valid JSON
    for ordinary in (
        "Use an app password: socialpost accounts add bluesky me",
        "reading replies needs X's Basic access tier",
        "the account's main password: replace it with an app password",
        "Bearer of bad news",
    ):
        assert redact(ordinary) == ordinary


def test_url_secrets_take_credentials_and_leave_plain_addresses_readable() -> None:
    assert url_secrets("https://mastodon.social") == []
    assert url_secrets("https://www.googleapis.com/youtube/v3/") == []
    slack = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
    assert "XXXXXXXXXXXXXXXXXXXXXXXX" in url_secrets(slack) and slack in url_secrets(slack)
    found = url_secrets("https://bot:pa55word-x@example.com/hook?token=abcdef123&lang=en")
    assert {"pa55word-x", "bot:pa55word-x", "abcdef123"} <= set(found) and "en" not in found
    assert url_secrets("postgresql://app:pw-123456@db/socialpost?sslmode=require", query=False) == [
        "pw-123456",
        "app:pw-123456",
        "postgresql://app:pw-123456@db/socialpost?sslmode=require",
        "/socialpost",
    ]
    zapier = "https://hooks.zapier.com/hooks/catch/123/abc/"
    assert url_secrets(zapier) == [] and zapier in url_secrets(zapier, whole=True)


def test_a_url_password_is_blanked_also_as_basic_auth_sends_it() -> None:
    redaction.register_url("https://bot:pa55word-x@example.com/hook")
    sent = base64.b64encode(b"bot:pa55word-x").decode()
    assert redact(f"Authorization: {sent}") == f"Authorization: {REDACTED}"


class _PluginSettings(AccountSettings):
    """A third-party network's settings: nothing here is known to socialpost by name."""

    class Nested(BaseModel):
        signing: SecretStr
        plain: str = "visible-value-1"

    api: HttpUrl
    tokens: list[SecretStr] = Field(default_factory=list)
    nested: Nested
    extra_headers: Annotated[dict[str, str], SecretValues(except_keys=frozenset({"user-agent"}))] = Field(
        default_factory=dict
    )
    label: str = "public-label-value"


def test_settings_are_walked_generically() -> None:
    settings = _PluginSettings(
        api=HttpUrl("https://api.example/v1?key=plugin-query-token"),
        tokens=[SecretStr("plugin-list-token")],
        nested=_PluginSettings.Nested(signing=SecretStr("plugin-nested-secret")),
        extra_headers={"X-Auth": "plugin-header-value", "User-Agent": "socialpost-plugin"},
    )
    register_settings(settings)
    for secret in ("plugin-query-token", "plugin-list-token", "plugin-nested-secret", "plugin-header-value"):
        assert redact(f"[{secret}]") == f"[{REDACTED}]", secret
    for visible in ("visible-value-1", "public-label-value", "socialpost-plugin", "https://api.example"):
        assert visible in redact(f"{visible}?"), visible


def test_every_adapter_registers_its_settings_when_built(tmp_path: Path) -> None:
    class Plugin(Network):
        name = "plugin"
        title = "Plugin"
        settings_model = _PluginSettings

        def publish(self, post: OutgoingPost) -> Published:  # pragma: no cover - not used
            raise NotImplementedError

    settings = _PluginSettings(api=HttpUrl("https://x.example"), nested={"signing": "built-adapter-secret"})
    Plugin(account="plugin:a", settings=settings, context=AdapterContext(data_dir=tmp_path, base_dir=tmp_path))
    assert redact("built-adapter-secret") == REDACTED


def test_the_registry_is_safe_to_share_between_threads() -> None:
    errors: list[BaseException] = []
    values = [f"thread-secret-{n:04d}" for n in range(400)]

    def work(part: list[str]) -> None:
        try:
            for value in part:
                register(value)
                assert redact(f"<{value}>") == f"<{REDACTED}>"
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(values[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert redact(" ".join(values)) == " ".join([REDACTED] * len(values))


# --- what is registered when the settings are read -----------------------------------------------


def test_load_settings_registers_env_values_secrets_file_and_database_password(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: postgresql://app:${DB_PASSWORD}@db.example/socialpost\n"
        "accounts:\n"
        "  webhook:\n"
        "    hook:\n"
        "      url: 'https://hooks.example/in/${HOOK_PATH}'\n"
        "      headers: {Authorization: 'Bearer ${HOOK_TOKEN}', X-Api-Key: literal-api-key-1, Accept: text/plain}\n"
        "  mastodon:\n"
        "    cafe: {api_base_url: 'https://mastodon.social', access_token: literal-config-token}\n",
        encoding="utf-8",
    )
    (tmp_path / "secrets.yaml").write_text("bluesky:me:\n  app_password: from-the-secrets-file\n", encoding="utf-8")
    environ = {"DB_PASSWORD": "db-pass-from-env", "HOOK_PATH": "hook-path-from-env", "HOOK_TOKEN": "bearer-from-env"}
    load_settings(str(config), environ)
    for secret in (
        "db-pass-from-env",
        "hook-path-from-env",
        "bearer-from-env",
        "literal-api-key-1",
        "literal-config-token",
        "from-the-secrets-file",
        "https://hooks.example/in/hook-path-from-env",
    ):
        assert redact(f"({secret})") == f"({REDACTED})", secret
    for visible in ("https://mastodon.social", "text/plain", "db.example"):
        assert redact(visible) == visible


def test_webhook_headers_and_url_are_registered_and_never_in_its_error(tmp_path: Path) -> None:
    """The finding: a receiver that repeats the request put `Authorization: Bearer …` in the reason."""
    from socialpost.timeutil import utcnow

    with LocalServer() as server:
        server.respond(lambda request: Reply(400, json.dumps({"you sent": request.headers, "to": request.path})))
        settings = WebhookSettings(
            url=HttpUrl(f"{server.url}/hook/abcdefghijklmnop?sig=query-signature-1"),
            headers={"Authorization": "Bearer webhook-bearer-token-1", "X-Custom": "custom-header-secret"},
        )
        adapter = WebhookNetwork(
            account="webhook:h", settings=settings, context=AdapterContext(data_dir=tmp_path, base_dir=tmp_path)
        )
        post = OutgoingPost(key="k", campaign="c", post_id="p", account="webhook:h", text="t", due_at=utcnow())
        with pytest.raises(Exception) as caught:
            adapter.publish(post)
        adapter.close()
    message = str(caught.value)
    assert "The receiver said" in message and "X-Custom" in message
    for secret in ("webhook-bearer-token-1", "custom-header-secret", "abcdefghijklmnop", "query-signature-1"):
        assert secret not in message, secret


def test_an_accounts_secrets_are_registered_even_when_its_settings_are_wrong(
    settings: Settings, tmp_path: Path
) -> None:
    """A message about a wrong setting must not be able to repeat a secret: the secrets file's
    values are registered before the settings are checked."""
    from socialpost.errors import ConfigError

    settings.secrets_path = tmp_path / "secrets.yaml"
    settings.secrets_path.write_text("webhook:bad:\n  url: not-a-url-but-a-secret\n", encoding="utf-8")
    settings.accounts = {"webhook": {"bad": {"timeout": 5}}}
    with pytest.raises(ConfigError):
        Adapters(settings).get("webhook:bad")
    assert redact("not-a-url-but-a-secret") == REDACTED


# --- the sinks ------------------------------------------------------------------------------------------


def test_the_store_redacts_every_write_of_free_text(store: Store) -> None:
    register("stored-secret-token-1")
    (post_id,) = seed_posts(store, 1, due=datetime(2027, 1, 1, tzinfo=UTC))
    with store.write() as session:
        # the batch update the outcome writer uses (a typed bindparam) and plain values
        session.execute(
            update(PostRow.__table__)
            .where(PostRow.__table__.c.id == bindparam("row_id"))
            .values({"last_error": bindparam("new_last_error"), "remote_url": bindparam("new_remote_url")}),
            [
                {
                    "row_id": post_id,
                    "new_last_error": "x stored-secret-token-1",
                    "new_remote_url": "https://h/stored-secret-token-1",
                }
            ],
        )
        session.add(
            EventRow(post_id=post_id, at=datetime(2027, 1, 1, tzinfo=UTC), kind="k", detail="stored-secret-token-1")
        )
        session.add(
            InboxItemRow(
                account="a:b", network="a", remote_id="r", post_remote_id="p", in_reply_to="p", author="@x",
                text="my token is stored-secret-token-1", fetched_at=datetime(2027, 1, 1, tzinfo=UTC),
            )
        )  # fmt: skip
    with store.session() as session:
        row = session.get(PostRow, post_id)
        assert row is not None and row.last_error == f"x {REDACTED}" and row.remote_url == f"https://h/{REDACTED}"
        assert session.scalars(select(EventRow.detail).where(EventRow.kind == "k")).one() == REDACTED
        assert session.scalars(select(InboxItemRow.text)).one() == f"my token is {REDACTED}"


def _record(message: str, *args: object) -> logging.LogRecord:
    try:
        raise RuntimeError("the traceback says log-secret-token-1 too")
    except RuntimeError:
        return logging.LogRecord("socialpost.x", logging.ERROR, __file__, 1, message, args, sys.exc_info())


def test_both_log_formats_redact_messages_arguments_and_tracebacks() -> None:
    register("log-secret-token-1")
    record = _record("failed: %s", "receiver said log-secret-token-1")
    text = TextFormatter().format(record)
    assert "log-secret-token-1" not in text and text.count(REDACTED) >= 2
    entry = json.loads(JsonFormatter().format(_record("failed: %s", "receiver said log-secret-token-1")))
    assert entry["message"] == f"failed: receiver said {REDACTED}" and REDACTED in entry["exception"]


def test_http_library_records_are_redacted_where_they_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    import socialpost.networks.webhook  # noqa: F401 - installs the filter, as using a webhook does

    register("httpx-url-token-123")
    with caplog.at_level(logging.INFO, logger="httpx"):
        logging.getLogger("httpx").info('HTTP Request: POST %s "HTTP/1.1 200 OK"', "https://h/httpx-url-token-123")
    assert "httpx-url-token-123" not in caplog.text and REDACTED in caplog.text


def test_cli_errors_and_json_are_redacted(run_cli, settings: Settings, write) -> None:  # type: ignore[no-untyped-def]
    register("cli-secret-token-1")
    settings.accounts = {"outbox": {"cli-secret-token-1": {}}}
    path = write("c.yaml", "campaign: c\ntimezone: UTC\naccounts: [nosuch:cli-secret-token-1]\nposts: []\n")
    result = run_cli("validate", str(path))
    assert result.exit_code == 2 and "cli-secret-token-1" not in result.stdout + result.stderr
    listed = run_cli("accounts", "list", "--json")
    assert "cli-secret-token-1" not in listed.stdout and json.loads(listed.stdout)
