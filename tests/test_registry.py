"""Finding adapters through entry points, broken plugins, and the per-run adapter cache."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from socialpost.errors import ConfigError, PluginError
from socialpost.networks import registry
from socialpost.networks.base import Network, OutgoingPost, Published
from socialpost.networks.outbox import OutboxNetwork
from socialpost.networks.registry import GROUP, available, load, network_names
from socialpost.networks.webhook import WebhookNetwork
from socialpost.settings.config import Settings
from socialpost.wiring import Adapters
from tests.conftest import FakeClock
from tests.support.http import LocalServer

PLUGIN = """
from socialpost.networks.base import Network, Published


class PigeonNetwork(Network):
    name = "pigeon"
    title = "Carrier pigeon"
    needs_config = False
    closed = 0

    def publish(self, post):
        return Published(remote_id="coo-" + post.key)

    def close(self):
        type(self).closed += 1


class Grumpy(PigeonNetwork):
    def close(self):
        raise RuntimeError("refuses to close")


class Fragile(PigeonNetwork):
    def __init__(self, **kwargs):
        raise RuntimeError("cannot start")


class Incomplete(Network):
    name = "incomplete"
    title = "Incomplete"
    needs_config = False


def not_a_class():
    return None
"""


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, EntryPoint]:
    """The installed entry points plus third-party ones (real EntryPoint objects, real imports)."""
    (tmp_path / "sp_pigeon.py").write_text(PLUGIN, encoding="utf-8")
    (tmp_path / "sp_explodes.py").write_text("raise RuntimeError('bad plugin import')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    extra = {
        "pigeon": "sp_pigeon:PigeonNetwork",
        "grumpy": "sp_pigeon:Grumpy",
        "fragile": "sp_pigeon:Fragile",
        "incomplete": "sp_pigeon:Incomplete",
        "notclass": "sp_pigeon:not_a_class",
        "notnetwork": "json:JSONDecoder",
        "missing": "sp_not_installed_anywhere:Network",
        "explodes": "sp_explodes:Network",
    }
    found = dict(available())
    found.update({name: EntryPoint(name=name, value=value, group=GROUP) for name, value in extra.items()})
    monkeypatch.setattr(registry, "available", lambda: found)
    return found


def post(account: str) -> OutgoingPost:
    return OutgoingPost(
        key="sp-abc", campaign="c", post_id="p", account=account, text="hi", due_at=datetime(2027, 1, 1, tzinfo=UTC)
    )


# --- discovery --------------------------------------------------------------------------------------


def test_available_reads_metadata_without_importing_adapters() -> None:
    script = textwrap.dedent(
        """
        import json, sys
        from socialpost.networks.registry import available, network_names
        found = available()
        print(json.dumps({
            "names": network_names(),
            "values": {name: ep.value for name, ep in found.items()},
            "imported": sorted(m for m in sys.modules if m.startswith("socialpost.networks.") or m == "httpx"),
        }))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    data = json.loads(result.stdout)
    assert {"outbox", "webhook"} <= set(data["names"])
    assert data["names"] == sorted(data["names"])
    assert data["values"]["outbox"] == "socialpost.networks.outbox:OutboxNetwork"
    assert data["values"]["webhook"] == "socialpost.networks.webhook:WebhookNetwork"
    # the contract's own small modules, no adapter and no HTTP library (the capabilities are
    # imported by socialpost.wiring, which creates adapters, not by finding them)
    assert data["imported"] == [
        "socialpost.networks.base",
        "socialpost.networks.health",
        "socialpost.networks.registry",
    ]


def test_load_builtins() -> None:
    assert load("outbox") is OutboxNetwork
    assert load("webhook") is WebhookNetwork
    assert {"outbox", "webhook"} <= set(network_names())


def test_unknown_network_lists_the_installed_ones() -> None:
    with pytest.raises(PluginError) as caught:
        load("nope")
    message = str(caught.value)
    assert "no network adapter named 'nope'" in message
    assert f"installed: {', '.join(network_names())}" in message
    assert "outbox" in message and "webhook" in message
    assert caught.value.hint and "install the plugin" in caught.value.hint


def test_a_third_party_plugin_is_used_like_a_builtin(plugins: dict[str, EntryPoint], settings: Settings) -> None:
    adapters = Adapters(settings)
    adapters.check_configured("pigeon:loft")
    assert adapters.get("pigeon:loft").publish(post("pigeon:loft")) == Published("coo-sp-abc")
    assert "pigeon" in network_names()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing", "failed to load: ModuleNotFoundError: No module named 'sp_not_installed_anywhere'"),
        ("explodes", "failed to load: RuntimeError: bad plugin import"),
        ("notclass", "(sp_pigeon:not_a_class) is not a socialpost Network class"),
        ("notnetwork", "(json:JSONDecoder) is not a socialpost Network class"),
        ("incomplete", "is incomplete: it does not implement publish"),
    ],
)
def test_a_broken_plugin_is_a_plugin_error(
    plugins: dict[str, EntryPoint], settings: Settings, name: str, expected: str
) -> None:
    with pytest.raises(PluginError) as caught:
        load(name)
    assert f"the '{name}' " in str(caught.value)
    assert expected in str(caught.value)
    # the same through the paths the CLI and daemon take
    with pytest.raises(PluginError):
        Adapters(settings).check_configured(f"{name}:x")
    with pytest.raises(PluginError):
        Adapters(settings).get(f"{name}:x")
    # and the healthy adapters still work
    assert load("outbox") is OutboxNetwork


def test_a_load_that_raises_importerror_is_a_plugin_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        name = "broken"
        value = "socialpost_broken:Adapter"

        def load(self) -> type[Network]:
            raise ImportError("libfoo.so: cannot open shared object file")

    monkeypatch.setattr(registry, "available", lambda: {"broken": Broken()})
    with pytest.raises(PluginError, match=r"ImportError: libfoo\.so: cannot open shared object file"):
        load("broken")


def test_an_adapter_that_fails_to_start_is_a_plugin_error(plugins: dict[str, EntryPoint], settings: Settings) -> None:
    adapters = Adapters(settings)
    with pytest.raises(PluginError, match="failed to start for fragile:x: RuntimeError: cannot start"):
        adapters.get("fragile:x")


# --- configuration ----------------------------------------------------------------------------------


def test_a_webhook_without_config_names_the_missing_entry_and_the_fix(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Adapters(settings).check_configured("webhook:team")
    error = caught.value
    assert "account 'webhook:team' is not set up" in error.message
    assert "accounts.webhook.team" in error.message
    assert error.hint and "socialpost accounts add webhook team" in error.hint
    assert "config.example.yaml" in error.hint

    settings.config_path = tmp_path / "my-config.yaml"
    with pytest.raises(ConfigError, match=r"my-config\.yaml has no accounts\.webhook\.team entry"):
        Adapters(settings).get("webhook:team")


def test_an_outbox_needs_no_config(settings: Settings) -> None:
    adapters = Adapters(settings)
    adapters.check_configured("outbox:x")
    adapter = adapters.get("outbox:x")
    assert isinstance(adapter, OutboxNetwork)
    assert adapter.folder == settings.data_dir / "outbox" / "x"


def test_an_outbox_with_a_bad_setting_is_a_config_error(settings: Settings) -> None:
    settings.accounts = {"outbox": {"x": {"folder": "out", "colour": "blue"}}}
    with pytest.raises(ConfigError, match=r"accounts\.outbox\.x\.colour: Extra inputs are not permitted"):
        Adapters(settings).check_configured("outbox:x")


@pytest.mark.parametrize("account", ["outbox", "outbox:", ":name", ""])
def test_a_malformed_account_is_a_config_error(settings: Settings, account: str) -> None:
    with pytest.raises(ConfigError, match="write it as network:name"):
        Adapters(settings).check_configured(account)
    with pytest.raises(ConfigError):
        Adapters(settings).get(account)


# --- the cache --------------------------------------------------------------------------------------


def test_instances_are_created_once_per_account_and_shared_by_threads(settings: Settings, clock: FakeClock) -> None:
    adapters = Adapters(settings, clock=clock)
    start = threading.Barrier(16)

    def get(_n: int) -> Network:
        start.wait(timeout=5)
        return adapters.get("outbox:main")

    with ThreadPoolExecutor(max_workers=16) as pool:
        got = list(pool.map(get, range(16)))
    assert all(adapter is got[0] for adapter in got)
    assert adapters.get("outbox:other") is not got[0]
    assert got[0].context.clock is clock
    assert got[0].context.data_dir == settings.data_dir


def test_a_failed_creation_is_not_cached(settings: Settings) -> None:
    adapters = Adapters(settings)
    with pytest.raises(ConfigError):
        adapters.get("webhook:team")
    settings.accounts = {"webhook": {"team": {"url": "https://hooks.example/x"}}}
    assert isinstance(adapters.get("webhook:team"), WebhookNetwork)


def test_close_closes_every_adapter(settings: Settings, clock: FakeClock) -> None:
    with LocalServer() as server:
        settings.accounts = {"webhook": {"team": {"url": f"{server.url}/hook"}}}
        adapters = Adapters(settings, clock=clock)
        hook = adapters.get("webhook:team")
        assert isinstance(hook, WebhookNetwork)
        hook.publish(post("webhook:team"))
        client = hook._client.current
        assert client is not None and not client.is_closed

        adapters.close()

        assert client.is_closed
        assert hook._client.current is None
        assert adapters.get("webhook:team") is not hook  # a fresh one after close


def test_close_goes_on_when_one_adapter_fails_to_close(plugins: dict[str, EntryPoint], settings: Settings) -> None:
    import sp_pigeon  # type: ignore[import-not-found]

    adapters = Adapters(settings)
    adapters.get("grumpy:a")
    adapters.get("pigeon:b")
    adapters.get("pigeon:c")
    before = sp_pigeon.PigeonNetwork.closed
    with pytest.raises(RuntimeError, match="refuses to close"):
        adapters.close()
    assert sp_pigeon.PigeonNetwork.closed == before + 2
    adapters.close()  # everything was forgotten: nothing left to fail


def test_account_settings_without_a_config_document_are_refused_field_by_field_without_the_input(
    settings: Settings,
) -> None:
    """Settings from the environment alone (no YAML document to point into): each problem as
    accounts.<network>.<name>.<field>, never pydantic's text, which would repeat a token."""
    import dataclasses

    assert settings.document is None
    bad = dataclasses.replace(
        settings, accounts={"webhook": {"team": {"url": "ftp://hooks.example/secret-token-4242", "timeout": -1}}}
    )
    adapters = Adapters(bad)
    with pytest.raises(ConfigError) as caught:
        adapters.get("webhook:team")
    message = caught.value.message
    assert message.startswith("account 'webhook:team' is not set up right:\n")
    lines = message.splitlines()[1:]
    assert {line.split(":", 1)[0] for line in lines} == {"accounts.webhook.team.url", "accounts.webhook.team.timeout"}
    assert "secret-token-4242" not in message
