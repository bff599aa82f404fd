"""``socialpost validate --json`` of a campaign written on the spot, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from socialpost.cli import cli
from socialpost.cli.context import AppContext
from socialpost.settings.config import load_settings
from tests.conftest import FakeClock

MEDIA_HOST = 'media_host: {kind: folder, folder: media, base_url: "https://media.example.com/"}\n'


def validate_json(tmp_path: Path, accounts: str, posts: str, *, config_accounts: str) -> Result:
    """The campaign ``c`` to ``accounts`` (YAML flow list) with ``posts`` (YAML lines), its files in
    ``tmp_path``; a folder media host and ``config_accounts`` (YAML lines under ``accounts:``) set up."""
    campaign = tmp_path / "c.yaml"
    campaign.write_text(f"campaign: c\ntimezone: UTC\naccounts: {accounts}\nposts:\n{posts}", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"{MEDIA_HOST}accounts:\n{config_accounts}", encoding="utf-8")
    app = AppContext(clock=FakeClock(), settings_override=load_settings(str(config)))
    return CliRunner().invoke(cli, ["validate", str(campaign), "--json"], obj=app)


def one_post_errors(
    tmp_path: Path, account: str, config_accounts: str, *, text: str, media: str, extra: str = ""
) -> list[str]:
    """The error messages for one post ``p`` to ``account`` with ``text``, ``extra`` YAML lines and
    ``media`` (the YAML list's inside); the exit code is checked to agree with them."""
    post = f'  - id: p\n    at: 2030-01-01 09:00\n    text: "{text}"\n{extra}    media: [{media}]\n'
    result = validate_json(tmp_path, f"[{account}]", post, config_accounts=config_accounts)
    errors = [str(e["message"]) for e in json.loads(result.stdout)["errors"]]
    assert (result.exit_code == 0) == (errors == []), (result.exit_code, errors)
    return errors
