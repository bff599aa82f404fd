"""With French active, adapter errors and the `accounts` library speak French (English is the default)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest

from socialpost import accounts, i18n
from socialpost.errors import ConfigError, NotFound, PermanentError
from socialpost.networks.base import AdapterContext, OutgoingPost
from socialpost.networks.webhook import WebhookNetwork
from socialpost.settings.config import Settings
from socialpost.wiring import Adapters
from tests.conftest import FakeClock
from tests.support.http import LocalServer, Reply

POST = OutgoingPost(
    key="sp-fr-0123456789abcdef",
    campaign="lancement",
    post_id="annonce",
    account="webhook:equipe",
    text="Bientôt en magasin",
    due_at=datetime(2027, 3, 2, 14, 0, tzinfo=UTC),
)


class ScriptedUI:
    """Answers the guided set-up from a list and keeps what it was told and asked."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.shown: list[str] = []

    def say(self, text: str) -> None:
        self.shown.append(text)

    def ask(self, prompt: str, *, default: str | None = None) -> str:
        self.shown.append(prompt)
        return self.answers.pop(0)

    def ask_secret(self, prompt: str) -> str:
        return self.ask(prompt)

    def confirm(self, prompt: str, *, default: bool = True) -> bool:
        raise AssertionError("not asked by the webhook set-up")

    def choose(self, prompt: str, options: Sequence[tuple[str, str]]) -> str:
        raise AssertionError("not asked by the webhook set-up")

    def open_url(self, url: str) -> None:
        raise AssertionError("not asked by the webhook set-up")


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def test_a_webhook_error_comes_out_in_french(settings: Settings, clock: FakeClock, server: LocalServer) -> None:
    server.respond(Reply(401, "jeton refusé"))
    settings.accounts = {"webhook": {"equipe": {"url": f"{server.url}/hook", "timeout": 2}}}
    adapter = Adapters(settings, clock=clock).get("webhook:equipe")
    assert isinstance(adapter, WebhookNetwork)
    i18n.activate("fr")
    try:
        with pytest.raises(PermanentError) as caught:
            adapter.publish(POST)
    finally:
        adapter.close()
    error = caught.value
    assert error.status == 401
    assert error.message == (
        "webhook « equipe » : le destinataire a refusé nos identifiants (401). Le destinataire a répondu : jeton refusé"
    )
    assert error.hint == "Vérifiez le jeton dans l'URL ou les en-têtes dans votre configuration."


def test_accounts_speaks_french(settings: Settings) -> None:
    i18n.activate("fr_CA")
    ui = ScriptedUI(["https://hooks.example/abc", "2,5"])
    # the set-up's questions are French, and a French decimal comma is understood
    context = AdapterContext(data_dir=settings.data_dir, base_dir=settings.base_dir)
    setup = WebhookNetwork.setup(ui, account="webhook:equipe", context=context)
    assert setup.settings == {"timeout": 2.5}
    assert ui.shown[1:] == ["URL du webhook (https://…)", "Secondes d'attente pour une réponse"]
    assert ui.shown[0].startswith("socialpost enverra chaque publication en JSON (POST)")

    with pytest.raises(ConfigError) as refused:
        accounts.add(settings, "webhook:equipe", ScriptedUI(["https://hooks.example/abc", "-1"]))
    assert refused.value.message.startswith("les réponses pour webhook:equipe ne sont pas utilisables :\n")

    with pytest.raises(NotFound) as missing:
        accounts.remove(settings, "webhook:fantome")
    assert missing.value.message.startswith("il n'y a pas de compte webhook:fantome dans ")
    assert missing.value.hint == "Voyez « socialpost accounts list »."
