"""The example campaigns validate cleanly — no error, no advice — against a config with their accounts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socialpost.cli.context import AppContext
from socialpost.settings.config import load_settings
from tests.conftest import REPO, FakeClock

# every example in campaigns/ but the one that shows errors on purpose
EXAMPLES = sorted(p.name for p in (REPO / "campaigns").glob("*.yaml") if p.name != "broken.yaml")
CONFIG = """\
media_host: {kind: folder, folder: media, base_url: "https://media.example.com/"}
accounts:
  instagram:
    bakery: {user_id: "17841400000000001", access_token: "${EXAMPLE_TOKEN}"}
  mastodon:
    cafe: {api_base_url: "https://mastodon.example", access_token: "${EXAMPLE_TOKEN}"}
    boulangerie: {api_base_url: "https://mastodon.example", access_token: "${EXAMPLE_TOKEN}"}
    ledger: {api_base_url: "https://mastodon.example", access_token: "${EXAMPLE_TOKEN}"}
  bluesky:
    cafe: {handle: cafe.example.com, app_password: "${EXAMPLE_TOKEN}"}
    boulangerie: {handle: boulangerie.example.com, app_password: "${EXAMPLE_TOKEN}"}
  x:
    cafe: {consumer_key: "${EXAMPLE_TOKEN}", consumer_secret: "${EXAMPLE_TOKEN}",
           access_token: "${EXAMPLE_TOKEN}", access_token_secret: "${EXAMPLE_TOKEN}"}
  linkedin:
    cafe: {author: "urn:li:organization:1", access_token: "${EXAMPLE_TOKEN}"}
    ledger: {author: "urn:li:organization:2", access_token: "${EXAMPLE_TOKEN}"}
  facebook:
    boulangerie: {page_id: "1234", page_access_token: "${EXAMPLE_TOKEN}"}
  webhook:
    team-chat: {url: "https://hooks.example/team"}
  telegram:
    news: {chat: "@cafe_riviere", bot_token: "${EXAMPLE_TOKEN}"}
  youtube:
    cafe: {client_id: "1234-abc.apps.googleusercontent.com", client_secret: "${EXAMPLE_TOKEN}",
           refresh_token: "${EXAMPLE_TOKEN}", channel_id: UCexample}
  threads:
    cafe: {access_token: "${EXAMPLE_TOKEN}", user_id: "17841400000000001"}
  google-business:
    bakery: {client_id: "1234-abc.apps.googleusercontent.com", client_secret: "${EXAMPLE_TOKEN}",
             refresh_token: "${EXAMPLE_TOKEN}", account_id: accounts/1234, location_id: locations/5678}
    shop: {client_id: "1234-abc.apps.googleusercontent.com", client_secret: "${EXAMPLE_TOKEN}",
           refresh_token: "${EXAMPLE_TOKEN}", account_id: accounts/1234, location_id: locations/9012}
  pinterest:
    shop: {access_token: "${EXAMPLE_TOKEN}"}
"""


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_campaign_validates_cleanly(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from socialpost.cli import cli

    monkeypatch.setenv("EXAMPLE_TOKEN", "not-a-real-token")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    app = AppContext(clock=FakeClock(), settings_override=load_settings(str(config)))
    result = CliRunner().invoke(cli, ["validate", str(REPO / "campaigns" / name), "--json"], obj=app)
    data = json.loads(result.stdout)
    assert (data["errors"], data["warnings"]) == ([], []), name
    assert result.exit_code == 0
    assert data["posts"], name
    for post in data["posts"]:
        assert post["limit"] is None or post["length"] <= post["limit"]
