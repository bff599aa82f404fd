"""Docs stay true: the CLI reference is generated from --help, and every command is documented."""

from __future__ import annotations

import subprocess
import sys

import pytest

from socialpost.cli import COMMANDS, cli
from tests.conftest import REPO


@pytest.mark.parametrize("reference", ["docs/cli.md", "docs/fr/commandes.md"])
def test_cli_reference_is_in_sync_with_help(reference: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", reference], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, f"{reference} is stale; run `make docs`.\n{result.stdout}{result.stderr}"


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.help, f"{name} has no help text"
        assert f"`socialpost {name}" in readme, f"README does not document `socialpost {name}`"


def test_readme_quick_start_has_exactly_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    block = quick.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "\ndemo:" in makefile and "\ntest:" in makefile


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_readme_install_is_what_ci_checks_and_names_no_package_index() -> None:
    """The README's install commands are Makefile targets that CI runs from a fresh clone; no doc
    tells users to install from a package index (socialpost-cli is not published)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    install = readme.split("## Install\n", 1)[1].split("\n## ", 1)[0]
    block = install.split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == [
        "make install",
        "socialpost --version",
    ]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in ("install", "uninstall", "dist", "install-check"):
        assert f"\n{target}:" in makefile, target
    assert "make install-check" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    docs = [REPO / "README.md", *(REPO / "docs").rglob("*.md")]
    for path in docs:
        text = path.read_text(encoding="utf-8")
        assert "pip install socialpost-cli" not in text and "pip install 'socialpost-cli" not in text, path


def test_example_config_is_valid() -> None:
    from socialpost.settings.config import load_settings

    settings = load_settings(str(REPO / "config.example.yaml"), environ={})
    assert settings.daemon.workers == 8
    assert set(settings.accounts) == {"outbox", "webhook"}
