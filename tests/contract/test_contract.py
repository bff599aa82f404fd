"""One contract for every installed network, built in or plugin (issue #18).

Parametrised over every network the entry points declare (``socialpost.networks`` and any later
versioned group ``socialpost.networks.v<N>``), each run against its own strict test server or
transport through its harness (``tests/contract/harness_<network>.py``). A network installed
without a harness fails here: a new network cannot be added without one.

For each network: publishing returns proof and the server took exactly one post; a 429 with a reset
is RateLimited carrying that time; a 5xx, a timeout and a lost connection are TransientError; a 401
is an auth error; the account's token, echoed by the server, is never in a log record (at DEBUG),
in what the store records (``redact(str(exc))``) nor in the error's own message and hint; nothing
is printed; reconcile finds a post it published (or
honestly says None); a count the network does not give is None or absent, never 0; ``close()`` may
be called twice. Where a network legitimately differs its harness declares it, and the declared
behaviour is checked instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest

from socialpost.errors import NetworkError, RateLimited, TransientError
from socialpost.networks import registry
from socialpost.networks.base import Published
from socialpost.networks.capabilities import CAPABILITIES, MetricsReader, Reconciler
from socialpost.redaction import redact
from tests.conftest import FakeClock
from tests.contract.harness import HARNESS_GROUP, Harness, harness_for
from tests.servers.bluesky import bluesky_devenv  # noqa: F401  (session fixtures harnesses use)
from tests.servers.mastodon import mastodon_mock  # noqa: F401
from tests.support.faults import Fault


def network_groups() -> list[str]:
    """``socialpost.networks`` and its later versions (``socialpost.networks.v2``…)."""
    prefix = registry.GROUP + ".v"
    groups = {registry.GROUP} | {
        g for g in entry_points().groups if g.startswith(prefix) and g[len(prefix) :].isdigit()
    }
    return sorted(groups)


def installed_networks() -> list[str]:
    return sorted({entry.name for group in network_groups() for entry in entry_points(group=group)})


NETWORKS = installed_networks()


@pytest.fixture(params=NETWORKS)
def harness(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Harness]:
    name = request.param
    made = harness_for(name)
    if made is None:
        pytest.fail(f"the installed network '{name}' has no contract harness (tests/contract/harness_{name}.py)")
    servers = {fixture: request.getfixturevalue(fixture) for fixture in made.fixtures}
    with made(tmp_path, clock, servers) as running:
        yield running


@pytest.fixture(autouse=True)
def nothing_printed(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """Library code never prints: whatever a test does, stdout and stderr stay empty."""
    yield
    out, err = capsys.readouterr()
    assert (out, err) == ("", ""), f"an adapter printed: {out!r} {err!r}"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_secret(harness: Harness, error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    """The token is not in what the store records or the CLI shows (both through ``redact``), nor
    in any log record."""
    secret = harness.secret
    assert secret, f"{harness.network}: the harness names no secret to look for"
    assert isinstance(error, NetworkError)
    assert secret not in redact(str(error)), "the token in what the store would record"
    for record in caplog.records:
        assert secret not in record.getMessage(), f"the token in a log record: {record.name}"
        if record.exc_text:
            assert secret not in record.exc_text


def test_the_installed_networks_are_found() -> None:
    assert "outbox" in NETWORKS and len(NETWORKS) == len(set(NETWORKS))


@pytest.mark.parametrize("name", NETWORKS)
def test_every_installed_network_has_a_harness(name: str) -> None:
    made = harness_for(name)
    assert made is not None, f"the installed network '{name}' has no contract harness"
    assert registry.load(name).name == name


def test_a_plugins_harness_is_found_through_its_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.contract import harness as module
    from tests.contract.harness_outbox import OutboxHarness

    declared = EntryPoint("pigeon", "tests.contract.harness_outbox:OutboxHarness", HARNESS_GROUP)
    monkeypatch.setattr(module, "entry_points", lambda group: [declared] if group == HARNESS_GROUP else [])
    assert harness_for("pigeon") is OutboxHarness
    assert harness_for("carrier-pigeon") is None


def test_publish_returns_proof_and_the_server_took_one_post(harness: Harness) -> None:
    adapter = harness.adapter()
    assert harness.posts_seen() == 0
    published = adapter.publish(harness.outgoing())
    assert isinstance(published, Published) and published.remote_id
    if harness.gives_url:
        assert published.url and published.url.split(":", 1)[0] in ("https", "http", "file")
    else:
        assert published.url is None
    assert harness.posts_seen() == 1
    adapter.close()


def test_429_with_a_reset_is_rate_limited_until_then(harness: Harness, debug_logs: pytest.LogCaptureFixture) -> None:
    adapter = harness.adapter()
    if not harness.rate_limits:  # declared: this network never says "too many requests"
        for _ in range(5):
            adapter.publish(harness.outgoing())
        assert harness.posts_seen() == 5
        return
    reset = (harness.clock() + timedelta(minutes=7)).replace(microsecond=0)
    harness.arm(harness.rate_limit(reset))
    with pytest.raises(RateLimited) as caught:
        adapter.publish(harness.outgoing())
    assert harness.faults.pending == 0, "the 429 never reached the adapter"
    assert caught.value.retry_at is not None
    assert abs(caught.value.retry_at - reset) <= harness.retry_at_slack, (caught.value.retry_at, reset)
    assert harness.posts_seen() == 0
    adapter.close()


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_is_transient(harness: Harness, status: int, debug_logs: pytest.LogCaptureFixture) -> None:
    adapter = harness.adapter()
    if not harness.fails:  # declared: nothing between the adapter and where posts go can fail this way
        adapter.publish(harness.outgoing())
        assert harness.posts_seen() == 1
        return
    harness.arm(harness.server_error(status))
    with pytest.raises(TransientError) as caught:
        adapter.publish(harness.outgoing())
    assert harness.faults.pending == 0, f"the {status} never reached the adapter"
    assert not isinstance(caught.value, RateLimited)
    if harness.secret:
        assert_no_secret(harness, caught.value, debug_logs)
    adapter.close()


@pytest.mark.parametrize("how", ["timeout", "broken"])
def test_a_timeout_or_a_lost_connection_is_transient(
    harness: Harness, how: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    adapter = harness.adapter()
    if not harness.fails:
        adapter.publish(harness.outgoing())
        assert harness.posts_seen() == 1
        return
    if how == "timeout":
        harness.arm(harness.timeout())
    else:
        harness.arm(harness.broken(), times=1 + harness.resends_after_lost_connection)
    with pytest.raises(TransientError) as caught:
        adapter.publish(harness.outgoing())
    assert harness.faults.pending == 0, f"the {how} connection never reached the adapter"
    if not caught.value.request_sent:  # "safe to send again" must be true
        assert harness.posts_seen() == 0
    adapter.close()


def test_401_is_an_auth_error_that_never_shows_the_token(
    harness: Harness, debug_logs: pytest.LogCaptureFixture
) -> None:
    adapter = harness.adapter()
    if not harness.authenticates:  # declared: no token, nothing to refuse
        assert harness.secret == ""
        adapter.publish(harness.outgoing())
        assert harness.posts_seen() == 1
        return
    fault = harness.unauthorized()
    assert isinstance(fault, Fault) and harness.secret in str(fault.body), "the 401 must echo the token"
    harness.arm(fault, times=1 + harness.resends_after_401)  # a token that stays refused
    with pytest.raises(harness.auth_error) as caught:
        adapter.publish(harness.outgoing())
    assert harness.faults.pending == 0, "the 401 never reached the adapter"
    assert caught.value.status == 401
    assert not isinstance(caught.value, TransientError)
    assert_no_secret(harness, caught.value, debug_logs)
    assert harness.posts_seen() == 0
    adapter.close()


def test_a_token_the_server_echoes_is_not_in_the_errors_own_words(
    harness: Harness, request: pytest.FixtureRequest
) -> None:
    """Beyond the sinks (which redact): the error's message, hint, str and repr are clean, so no
    later sink that forgets to redact can leak the token."""
    if not harness.authenticates:
        assert harness.secret == ""
        return
    gap = harness.known_gaps.get("token in the error's own words")
    if gap:  # declared and reported; strict: this fails as soon as the adapter is fixed
        request.applymarker(pytest.mark.xfail(reason=gap, strict=True))
    adapter = harness.adapter()
    harness.arm(harness.unauthorized(), times=1 + harness.resends_after_401)
    with pytest.raises(NetworkError) as caught:
        adapter.publish(harness.outgoing())
    assert harness.faults.pending == 0, "the 401 never reached the adapter"
    error, secret = caught.value, harness.secret
    assert secret not in error.message and secret not in (error.hint or "")
    assert secret not in str(error) and secret not in repr(error)
    adapter.close()


def test_reconcile_finds_what_was_published(harness: Harness) -> None:
    adapter = harness.adapter()
    post = harness.outgoing()
    published = adapter.publish(post)
    if not isinstance(adapter, Reconciler):  # declared: the network cannot be asked
        assert not harness.reconciles, f"{harness.network} is no Reconciler, its harness says it reconciles"
        assert not callable(getattr(adapter, "reconcile", None))
        return
    fresh = harness.adapter()  # a new adapter: what a restarted daemon has
    assert isinstance(fresh, Reconciler)
    found = fresh.reconcile(post)
    if harness.reconciles:
        assert isinstance(found, Published), found
        assert found.remote_id == published.remote_id
    else:  # declared: this network cannot look, and says so
        assert found is None
    assert harness.posts_seen() == 1


def test_metrics_the_network_does_not_give_are_none_never_0(harness: Harness) -> None:
    adapter = harness.adapter()
    published = adapter.publish(harness.outgoing())
    if not isinstance(adapter, MetricsReader):  # declared: no metrics through socialpost
        assert not harness.reads_metrics, f"{harness.network} is no MetricsReader, its harness says it reads metrics"
        assert not callable(getattr(adapter, "fetch_metrics", None))
        return
    assert harness.reads_metrics, f"{harness.network} is a MetricsReader, its harness says it reads none"
    harness.hide_counts(published.remote_id)
    metrics = adapter.fetch_metrics([published.remote_id])
    counts = metrics.get(published.remote_id, {})
    assert all(value is None for value in counts.values()), f"unknown counts given as numbers: {counts}"
    adapter.close()


@pytest.mark.parametrize("name", NETWORKS)
def test_declared_capabilities_match_the_methods_implemented(name: str) -> None:
    """An adapter declaring a capability implements its methods (not the abstract ones), and one
    that implements them declares it: the core asks ``isinstance``, never guesses by method."""
    cls = registry.load(name)
    for capability, methods in CAPABILITIES.items():
        declared = issubclass(cls, capability)
        implemented = all(
            any(method in vars(klass) for klass in cls.__mro__ if klass not in (capability, object))
            for method in methods
        )
        assert declared == implemented, f"{name}: {capability.__name__} declared={declared}, implemented={implemented}"
        if declared:
            for method in methods:
                assert not getattr(getattr(cls, method), "__isabstractmethod__", False), f"{name}.{method} is abstract"


def test_a_harness_agrees_with_the_capabilities_its_adapter_declares(harness: Harness) -> None:
    adapter = harness.adapter()
    assert isinstance(adapter, registry.load(harness.network))
    assert harness.reads_metrics == isinstance(adapter, MetricsReader)
    if harness.reconciles:
        assert isinstance(adapter, Reconciler)
    adapter.close()


def test_close_is_safe_twice(harness: Harness) -> None:
    adapter = harness.adapter()
    adapter.publish(harness.outgoing())
    adapter.close()
    adapter.close()
    unused = harness.adapter()
    unused.close()
    unused.close()
