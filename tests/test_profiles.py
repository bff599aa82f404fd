"""Each network declares what it is (a profile) and what it can do (capabilities); the core reads
those, never a network's name — so a plugin gets the same checks as a built-in network."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest

from socialpost.calendar.entries import network_colour
from socialpost.networks import registry
from socialpost.networks.base import AdapterContext, Network
from socialpost.networks.capabilities import (
    CAPABILITIES,
    AccountLimits,
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    PublishAhead,
    Reconciler,
    Replier,
)
from socialpost.networks.health import AccountHealth, HealthWarning, health_of, origin_of
from socialpost.networks.profile import DEFAULT_MEDIA, GENERIC, GREY, THREAD, PreviewLook, profile_of
from socialpost.networks.registry import GROUP, available

SOURCE = Path(__file__).resolve().parent.parent / "socialpost"
BUILT_IN = sorted(n for n, e in available().items() if e.value.startswith("socialpost."))


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_network_declares_its_profile_under_its_entry_point_name(name: str) -> None:
    cls = registry.load(name)
    assert "profile" in vars(cls), f"{cls.__name__} declares no profile of its own"
    assert cls.profile.name == name == cls.name
    assert cls.profile.title and cls.title == cls.profile.title
    assert cls.settings_model is cls.profile.settings_model
    assert cls.profile.length.network == name


@pytest.mark.parametrize("name", BUILT_IN)
def test_declared_capabilities_match_the_methods_implemented(name: str) -> None:
    cls = registry.load(name)
    for capability, methods in CAPABILITIES.items():
        declared = issubclass(cls, capability)
        implemented = all(
            any(method in vars(klass) for klass in cls.__mro__ if klass not in (capability, object))
            for method in methods
        )
        assert declared == implemented, f"{name}: {capability.__name__} declared={declared} implemented={implemented}"


def test_the_capabilities_of_the_built_in_networks() -> None:
    """What each network can do, as users read it in docs/networks/ (a change here is a product change)."""
    caps = {name: {c.__name__ for c in CAPABILITIES if issubclass(registry.load(name), c)} for name in BUILT_IN}
    social = {"Reconciler", "MetricsReader", "InboxReader", "Replier", "GuidedSetup", "HealthCheck"}
    assert caps["x"] == caps["linkedin"] == caps["facebook"] == caps["bluesky"] == social
    assert caps["mastodon"] == social | {"AccountLimits"}
    assert caps["youtube"] == social | {"PublishAhead"}
    assert caps["outbox"] == caps["webhook"] == {"Reconciler", "GuidedSetup", "HealthCheck"}


def test_network_facts_come_from_the_profiles() -> None:
    assert profile_of("x").length.limit == 280 and profile_of("x").advice.hashtags == 2
    assert profile_of("x").media.image_bytes == 5_000_000
    assert [c[1] for c in profile_of("bluesky").length.checks] == [300, 3000]
    assert profile_of("linkedin").reply_length is not None and profile_of("linkedin").reply_length.limit == 1250
    assert not profile_of("linkedin").threads and not profile_of("facebook").threads
    assert profile_of("youtube").takes("video") and "video" in profile_of("youtube").required_keys
    assert profile_of("youtube").post_checks is not None
    assert not profile_of("outbox").needs_config and profile_of("outbox").idempotent
    assert profile_of("linkedin").api_version is not None
    unknown = profile_of("not-installed-anywhere")
    assert unknown.length.limit is None and unknown.media == DEFAULT_MEDIA


PLUGIN = '''
from datetime import timedelta
from socialpost.networks.base import AccountSettings, Network, Published
from socialpost.networks.capabilities import HealthCheck, MetricsReader
from socialpost.networks.health import AccountHealth
from socialpost.networks.profile import FEED, AdviceFacts, MediaLimits, NetworkProfile, PreviewLook
from socialpost.text.rules import characters


class Pigeon(Network, MetricsReader, HealthCheck):
    profile = NetworkProfile(
        name="pigeon", title="Carrier pigeon", settings_model=AccountSettings,
        length=characters("pigeon", 20), media=MediaLimits(1, 1000, 1000, 1000),
        advice=AdviceFacts(hashtags=1), needs_config=False,
        colour="#a0522d", look=PreviewLook(card=FEED, name="Pigeon post", fold_at=12, see_more=True),
    )

    def publish(self, post):
        return Published("coo")

    def fetch_metrics(self, remote_ids):
        return {}

    def health(self):
        return AccountHealth(self.account, "the loft")


class Legacy(Network):
    """Written for the first plugin API: class attributes and methods, no declared bases."""
    name = "legacy"
    title = "Legacy"
    max_length = 10
    idempotent = True
    needs_config = False

    def publish(self, post):
        return Published("old")

    def reconcile(self, post):
        return None

    def confirm(self, remote_id):
        return True

    def check(self):
        return AccountHealth(self.account, "old friend")


class LegacyChild(Legacy):
    def fetch_metrics(self, remote_ids):
        return {}
'''


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sp_profiled.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = dict(available())
    for name, value in {"pigeon": "sp_profiled:Pigeon", "legacy": "sp_profiled:Legacy"}.items():
        found[name] = EntryPoint(name=name, value=value, group=GROUP)
    monkeypatch.setattr(registry, "available", lambda: found)


def test_a_plugin_gets_the_same_checks_from_its_profile(plugins: None, run_cli, write) -> None:  # type: ignore[no-untyped-def]
    campaign = write(
        "pigeon.yaml",
        """\
campaign: coo
timezone: America/Toronto
accounts: [pigeon:loft]
posts:
  - id: long
    at: 2030-01-07 10:00
    text: "This message is far too long for a bird #one #two"
""",
    )
    result = run_cli("validate", str(campaign))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "49 characters on pigeon, over the limit of 20 by 29" in result.stderr
    report = json.loads(run_cli("validate", "--json", str(campaign)).stdout)
    assert report["posts"] == [{"id": "long", "account": "pigeon:loft", "network": "pigeon", "length": 49, "limit": 20}]
    (hashtags,) = [w for w in report["warnings"] if w["rule"] == "too-many-hashtags"]
    assert "more than 1 reads as spam" in hashtags["message"]  # the plugin says one reads well


def test_a_network_looks_as_its_profile_declares(plugins: None, run_cli, tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    """The calendar's colours and the preview's cards come from the profiles: a plugin declares its
    own, and one that declares nothing (the first API's) is grey and drawn as the generic card."""
    assert profile_of("x").dark_colour and profile_of("x").look.card == THREAD
    assert profile_of("mastodon").look.content_warning == "spoiler_text"
    assert profile_of("bluesky").look.rich_text is not None and profile_of("youtube").look.title_limit == 100
    assert network_colour("pigeon") == "#a0522d" and network_colour("legacy") == GREY == network_colour("nowhere")
    assert profile_of("legacy").look == PreviewLook() and profile_of("legacy").look.card == GENERIC
    campaign = write(
        "coo.yaml",
        """\
campaign: coo
timezone: America/Toronto
accounts: [pigeon:loft, legacy:old]
posts:
  - id: long
    at: 2030-01-07 10:00
    text: "Coo coo from the loft https://example.com"
""",
    )
    out = tmp_path / "coo.html"
    result = run_cli("preview", str(campaign), "--html", str(out))
    assert result.exit_code == 0, result.stdout + result.stderr
    page = out.read_text(encoding="utf-8")
    pigeon = page.split('<article class="net pigeon feed" style="--c:#a0522d">', 1)[1].split("</article>", 1)[0]
    assert "<b>Pigeon post</b> pigeon:loft" in pigeon and '<span class="more">… see more</span>' in pigeon
    assert "about the first 12 characters" in pigeon and 'class="card"' not in pigeon  # no link card declared
    legacy = page.split('<article class="net legacy generic" style="--c:#6b7280">', 1)[1].split("</article>", 1)[0]
    assert "<b>legacy</b> legacy:old" in legacy and "https://example.com</a>" in legacy  # the link as written


def test_a_first_api_plugin_keeps_working(plugins: None, tmp_path: Path) -> None:
    legacy = registry.load("legacy")
    assert legacy.profile.name == "legacy" and legacy.profile.max_length == 10
    assert legacy.profile.idempotent and not legacy.profile.needs_config
    assert issubclass(legacy, Reconciler) and issubclass(legacy, PublishAhead) and issubclass(legacy, HealthCheck)
    assert not issubclass(legacy, MetricsReader) and not issubclass(legacy, InboxReader)
    assert not issubclass(legacy, Replier) and not issubclass(legacy, GuidedSetup)
    assert not issubclass(legacy, AccountLimits)
    adapter = legacy(account="legacy:a", settings=legacy.settings_model(), context=AdapterContext(tmp_path, tmp_path))
    assert health_of(adapter, "legacy:a").display == "old friend"
    assert isinstance(adapter, PublishAhead) and adapter.lead_time().total_seconds() == 0
    assert isinstance(adapter, HealthCheck) and adapter.caveats() == [] and adapter.token_expiry() is None
    child = __import__("sp_profiled").LegacyChild
    assert issubclass(child, MetricsReader) and issubclass(child, Reconciler)  # its parent's are kept


def test_account_health_expiry_is_typed() -> None:
    when = datetime(2027, 3, 1, tzinfo=UTC)
    assert AccountHealth("a:b", "b", expires_at=when).expiry == when
    assert AccountHealth("a:b", "b", expires_at=when, renews=True).expiry is None
    assert AccountHealth("a:b", "b", expires_at=datetime(2027, 3, 1)).expiry == when  # naive means UTC
    assert AccountHealth("a:b", "b", warnings=(HealthWarning("w", "f"),)).warnings[0].fix == "f"
    assert origin_of("https://user:tok@api.example:8443/v1/secret?token=t") == "https://api.example:8443"
    assert origin_of("ftp://x") is None and origin_of(None) is None


def test_an_adapter_without_a_health_check_is_its_account_name(tmp_path: Path) -> None:
    class Mute(Network):
        name = "mute"
        title = "Mute"

        def publish(self, post):  # type: ignore[no-untyped-def]
            raise AssertionError

    adapter = Mute(account="mute:a", settings=Mute.settings_model(), context=AdapterContext(tmp_path, tmp_path))
    assert not isinstance(adapter, HealthCheck)
    assert health_of(adapter, "mute:a") == AccountHealth("mute:a", "mute:a")


# The core may use a network as a tool (the outbox is the demo's and the rehearsal's sink; the
# inbox digest goes to a webhook) but never keys a network fact by its name.
TOOLS = {
    "rehearsal.py": {"outbox"},
    "cli/demo.py": {"outbox"},
    "settings/inbox.py": {"webhook"},
    "settings/notify.py": {"webhook"},  # `notify: webhook:` is a notification channel, not the network
}
NAMES = {
    *("x", "twitter", "mastodon", "bluesky", "linkedin", "facebook", "youtube", "outbox", "webhook"),
    *("instagram", "threads", "telegram", "pinterest", "google", "gbp", "google-business"),
}


def test_no_network_name_in_the_core() -> None:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith("networks/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                for side in (node.left, *node.comparators):
                    if isinstance(side, ast.Constant) and side.value in NAMES - TOOLS.get(relative, set()):
                        found.append(f"{relative}:{node.lineno}: compares with {side.value!r}")
            if isinstance(node, ast.Dict):
                for key in node.keys:
                    if isinstance(key, ast.Constant) and key.value in NAMES - {"x"} - TOOLS.get(relative, set()):
                        found.append(f"{relative}:{node.lineno}: keyed by {key.value!r}")
    assert found == []


def test_the_entry_point_group_is_versioned_and_the_first_one_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    assert registry.GROUP == "socialpost.networks.v2" and registry.FIRST_GROUP == "socialpost.networks"
    assert {e.group for e in entry_points(group=registry.GROUP) if e.value.startswith("socialpost.")} == {
        registry.GROUP
    }
    groups = {
        registry.FIRST_GROUP: [
            EntryPoint(name="legacy", value="sp_old:Legacy", group=registry.FIRST_GROUP),
            EntryPoint(name="pigeon", value="sp_old:Pigeon", group=registry.FIRST_GROUP),
        ],
        registry.GROUP: [EntryPoint(name="pigeon", value="sp_new:Pigeon", group=registry.GROUP)],
    }
    monkeypatch.setattr(registry, "entry_points", lambda group: groups.get(group, []))
    registry.available.cache_clear()
    try:
        found = registry.available()
        assert found["pigeon"].value == "sp_new:Pigeon"  # the current contract wins a name in both
        assert found["legacy"].group == registry.FIRST_GROUP  # a first-contract plugin is still found
        assert registry.network_names() == ["legacy", "pigeon"]
    finally:
        registry.available.cache_clear()
