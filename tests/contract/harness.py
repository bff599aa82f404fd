"""A harness puts one network's adapter in front of that network's strict test server.

The contract suite (``test_contract.py``) runs the same checks over every network installed
through the entry points; a harness is what it needs to know about one of them:

* how to start its test server or transport and what account settings reach it
  (:meth:`Harness.start`), including the account's secret (:attr:`Harness.secret`, the token the
  suite then looks for in messages, logs and stored reasons);
* how many posts the server took (:meth:`Harness.posts_seen`);
* the knobs that make the next publish request fail as the network fails: a 429 with a reset time
  (:meth:`Harness.rate_limit`), a 5xx (:meth:`Harness.server_error`), an answer that does not come
  or a connection that breaks (:meth:`Harness.timeout`), a 401 that echoes the token
  (:meth:`Harness.unauthorized`) — each a :class:`tests.support.faults.Fault` armed on the route
  of a publish (:meth:`Harness.publish_route`);
* how to make the server answer a published post without any count (:meth:`Harness.hide_counts`);
* where the network legitimately differs, a declaration (``rate_limits = False``…): the suite
  then checks the declared behaviour instead. Nothing is skipped silently.

The harness of the network ``pigeon`` is the class ``Harness`` subclass in
``tests/contract/harness_pigeon.py`` (a "-" in the name becomes "_") or, for a plugin, the one its
package declares in the ``socialpost.contract_harnesses`` entry-point group
(``pigeon = "socialpost_pigeon.testing:Pigeon"``).

Adapters are reached only through the registry (``registry.load(name)``, ``Adapters``) and their
public methods: their modules are not imported here.
"""

from __future__ import annotations

import importlib
import uuid
from abc import ABC, abstractmethod
from contextlib import ExitStack
from datetime import datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

from socialpost.errors import AuthError, NetworkError
from socialpost.networks.base import Network, OutgoingPost
from socialpost.settings.config import Settings
from socialpost.timeutil import Clock
from socialpost.wiring import Adapters
from tests.support.faults import Fault, Faults
from tests.support.posts import outgoing

HARNESS_GROUP = "socialpost.contract_harnesses"


class Harness(ABC):
    """One network behind its strict test server, for one test (use it as a context manager)."""

    network: ClassVar[str]  # the entry-point name
    # --- what the network does, declared where it differs from most -------------------------------
    rate_limits: ClassVar[bool] = True  # the network can answer "too many requests"
    retry_at_slack: ClassVar[timedelta] = timedelta(0)  # how far retry_at may be from the reset given
    fails: ClassVar[bool] = True  # a server that can fail (5xx, timeouts, lost connections)
    authenticates: ClassVar[bool] = True  # the network checks a token
    auth_error: ClassVar[type[NetworkError]] = AuthError  # what a 401 becomes
    gives_url: ClassVar[bool] = True  # Published.url is set
    reconciles: ClassVar[bool] = True  # reconcile finds a published post (False: it says None)
    reads_metrics: ClassVar[bool] = True  # fetch_metrics reads the network (False: always {})
    counts_post: ClassVar[bool] = True  # posts_seen can count what the server took
    # how many times the network's client library sends a request again by itself: after a 401
    # (it renews the access token first) and after a lost connection; the fault is armed that many
    # times more, so that it is what the adapter finally sees
    resends_after_401: ClassVar[int] = 0
    resends_after_lost_connection: ClassVar[int] = 0
    secret: str = ""  # the account's token (the suite looks for it everywhere)
    # contract points the adapter does not keep yet, each with the reason: the suite expects them
    # to fail (strictly: the day the adapter is fixed, the declaration must go); keys are the
    # names the tests use ("token in the error's own words")
    known_gaps: ClassVar[dict[str, str]] = {}
    # pytest fixtures the harness needs (a server started once per session), by name; the suite
    # hands them over in ``servers``
    fixtures: ClassVar[tuple[str, ...]] = ()

    def __init__(self, tmp_path: Path, clock: Clock, servers: dict[str, Any] | None = None) -> None:
        self.tmp_path = tmp_path
        self.clock = clock
        self.servers = dict(servers or {})
        self.faults = Faults()
        self.stack = ExitStack()
        self.account = f"{self.network}:contract"
        self._adapters: Adapters | None = None

    # --- to write for each network ----------------------------------------------------------------

    @abstractmethod
    def start(self, stack: ExitStack) -> dict[str, Any]:
        """Start the server (its clean-up on ``stack``) and return the account's settings, secrets
        included, as ``accounts.<network>.contract`` in a config file would hold them."""

    @abstractmethod
    def posts_seen(self) -> int:
        """How many posts the server has taken for the account."""

    def publish_route(self, method: str, path: str) -> bool:
        """Whether a request is the one that publishes (faults are armed on it)."""
        return method == "POST"

    def rate_limit(self, reset: datetime) -> Fault:
        """The network's 429, telling to come back at ``reset``."""
        raise NotImplementedError(f"{self.network}: declare rate_limits = False or write rate_limit()")

    def unauthorized(self) -> Fault:
        """The network's 401, its body echoing the token (as some servers do)."""
        return Fault.answer(401, {}, {"error": "invalid_token", "message": f"The token {self.secret} is not valid"})

    def server_error(self, status: int) -> Fault:
        return Fault.answer(status, {}, {"error": "internal", "message": "Something went wrong"})

    def timeout(self) -> Fault:
        return Fault.timeout()

    def broken(self) -> Fault:
        return Fault.broken()

    def hide_counts(self, remote_id: str) -> None:
        """From now on, the server answers ``remote_id`` without any engagement count."""
        raise NotImplementedError(f"{self.network}: declare reads_metrics = False or write hide_counts()")

    def text(self) -> str:
        """A post the network accepts, different each time (a network may refuse duplicates)."""
        return f"Contract check {uuid.uuid4().hex[:8]} ☕"

    def outgoing(self, text: str | None = None, **more: Any) -> OutgoingPost:
        """A post of the test account, due now, with its own idempotency key."""
        fields: dict[str, Any] = {"key": f"sp-{uuid.uuid4().hex[:16]}", "campaign": "contract", "post_id": "check"}
        fields.update(more)
        return outgoing(self.account, text if text is not None else self.text(), due_at=self.clock(), **fields)

    def prepare(self, adapter: Network) -> None:
        """Anything an adapter needs after it is made (a test clock for its waits…)."""

    # --- the same for every network ---------------------------------------------------------------

    def adapter(self) -> Network:
        """A new adapter for the test account, made as the daemon makes it (config → registry)."""
        adapters = Adapters(self.settings, clock=self.clock)
        made = adapters.get(self.account)
        self.prepare(made)
        return made

    def arm(self, fault: Fault, times: int = 1) -> None:
        for _ in range(times):
            self.faults.arm(fault, self.publish_route)

    def __enter__(self) -> Harness:
        self.stack.__enter__()
        try:
            values = self.start(self.stack)
            self.settings = Settings(
                database_url=f"sqlite:///{self.tmp_path / 'contract.db'}",
                data_dir=self.tmp_path / "data",
                config_path=self.tmp_path / "config.yaml",  # never written: relative paths start here
            )
            self.settings.accounts = {self.network: {"contract": values}}
        except BaseException:
            self.stack.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stack.__exit__(kind, error, trace)


def harness_for(network: str) -> type[Harness] | None:
    """The harness class of ``network``: the contract suite's own, else a plugin's; None: none."""
    module_name = f"tests.contract.harness_{network.replace('-', '_')}"  # google-business: harness_google_business
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
    else:
        found = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Harness) and getattr(value, "network", None) == network
        ]
        if found:
            return found[0]
    for entry in entry_points(group=HARNESS_GROUP):
        if entry.name == network:
            loaded = entry.load()
            if isinstance(loaded, type) and issubclass(loaded, Harness):
                return loaded
    return None
