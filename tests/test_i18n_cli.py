"""The command line in French: help, click's own messages, usage errors, and --lang over the locale.

French comes from the compiled catalogue (socialpost/i18n/locale/fr); the language is chosen from
LANG exactly as a user's shell would set it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest

from socialpost import i18n
from socialpost.cli import cli
from socialpost.cli.translated import TranslatedMixin
from socialpost.i18n import catalogue
from tests.conftest import REPO, Result

NBSP = "\u00a0"
RunCli = Callable[..., Result]
Write = Callable[[str, str], Path]


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and group of the tree, with the words that reach it (as help_texts walks it)."""
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from walk(sub, (*path, name))


COMMANDS = list(walk(cli))


@pytest.fixture(autouse=True)
def fresh_help_options() -> Iterator[None]:
    """Click makes each command's --help option once and keeps it, with its help text in the language
    of that moment (one language per process in real use). Tests switch languages within a process:
    forget those options before and after each test so no French --help leaks into another test."""

    def forget() -> None:
        for _path, command in COMMANDS:
            command._help_option = None

    forget()
    yield
    forget()


def test_the_walk_sees_the_whole_tree() -> None:
    paths = {" ".join(path) for path, _command in COMMANDS}
    assert {"", "validate", "schedule", "report", "accounts", "accounts add", "accounts remove"} <= paths
    assert len(paths) >= 20


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "socialpost" for p, _c in COMMANDS])
def test_every_command_translates_its_help(path: tuple[str, ...], command: click.Command) -> None:
    assert isinstance(command, TranslatedMixin), f"socialpost {' '.join(path)} is a plain {type(command).__name__}"


@pytest.mark.parametrize("path", [p for p, _c in COMMANDS], ids=[" ".join(p) or "socialpost" for p, _c in COMMANDS])
def test_every_help_page_is_french(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, path: tuple[str, ...]) -> None:
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    command = dict(COMMANDS)[path]
    result = run_cli(*path, "--help")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Utilisation : ")  # CliRunner names the program "cli"
    assert "Afficher ce message et quitter." in result.stdout and "Show this message" not in result.stdout
    first_line = catalogue.help_msgid(command.help or "").splitlines()[0]
    assert first_line not in result.stdout  # the English summary gave way to the French
    for param in command.params:
        if isinstance(param, click.Option) and param.help:
            english = catalogue.help_msgid(param.help)
            assert " ".join(english.split()) not in " ".join(result.stdout.split()), param.name


def test_french_help_from_the_locale(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    result = run_cli("--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Utilisation : cli [OPTIONS] COMMAND [ARGS]...")  # CliRunner calls it "cli"
    assert "Options :\n" in result.stdout and "Commandes :\n" in result.stdout
    assert "Afficher plus de détails dans les journaux." in result.stdout
    assert "[par défaut : text]" in result.stdout
    # the \b block of the root help keeps its lines as written
    assert "  socialpost validate campaigns/launch.yaml   vérifier une campagne\n" in result.stdout
    # short help in the command list is French too
    assert "Vérifier ce qui se brise souvent et dire comment le réparer." in result.stdout

    schedule = run_cli("schedule", "--help")
    text = " ".join(schedule.stdout.split())
    assert "Valider les fichiers de campagne FILE et mettre leurs publications en file d'attente." in text
    assert "Faire aussi tourner le démon ici" in text
    assert "Also run the daemon" not in schedule.stdout


def test_french_help_keeps_unwrapped_blocks(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    schema = run_cli("schema", "--help").stdout
    assert "\n    # yaml-language-server: $schema=campaign.schema.json\n" in schema
    doctor = run_cli("doctor", "--help").stdout
    lines = doctor.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"Examine{NBSP}:"))
    assert lines[start + 3].strip().startswith("et l'expiration des jetons de chaque compte")  # as written


def test_french_usage_error_exits_2(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    result = run_cli("schedule", "--bogus")
    assert result.exit_code == 2  # the documented exit code of a usage error
    assert result.stderr.splitlines()[0] == "Utilisation : cli schedule [OPTIONS] FILE..."
    assert "Essayez « cli schedule --help » pour obtenir de l'aide." in result.stderr
    assert "Erreur : Option '--bogus' inconnue." in result.stderr
    assert "No such option" not in result.stderr

    missing = run_cli("validate")
    assert missing.exit_code == 2 and "Erreur : Argument manquant 'FILE...'." in missing.stderr

    suggestion = run_cli("validate", "--jsn", "x.yaml")
    assert suggestion.exit_code == 2 and "Option '--jsn' inconnue. Vouliez-vous dire '--json'?" in suggestion.stderr

    choice = run_cli("report", "--by", "year")
    assert choice.exit_code == 2
    assert "Erreur : Valeur non valide pour '--by' : 'year' ne fait pas partie des choix :" in choice.stderr


def test_lang_option_overrides_the_locale(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    english = run_cli("--lang", "en", "--help")
    assert english.exit_code == 0
    assert english.stdout.startswith("Usage: cli [OPTIONS]")
    assert "Show this message and exit." in english.stdout and "Utilisation" not in english.stdout
    assert "Check what commonly breaks and say how to fix it." in english.stdout

    error = run_cli("--lang", "en", "schedule", "--bogus")
    assert error.exit_code == 2
    assert "Error: No such option '--bogus'." in error.stderr and "Erreur" not in error.stderr

    monkeypatch.setenv("LANG", "en_CA.UTF-8")
    french = run_cli("--lang", "fr", "status", "--help")
    assert french.stdout.startswith("Utilisation : cli status")


def test_socialpost_help_in_french_as_installed() -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.pop("SOCIALPOST_LANG", None)
    env["LANG"] = "fr_CA.UTF-8"
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "socialpost"), "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Utilisation : socialpost")
    assert "Afficher ce message et quitter." in result.stdout
    assert "Commandes :" in result.stdout


CAMPAIGN = """\
campaign: spring
timezone: America/Montreal
accounts: [outbox:shop]
posts:
  - id: hello
    at: 2027-03-02 09:00
    text: What would you like to see first?
"""


def test_tables_and_summaries_in_french(run_cli: RunCli, write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("spring.yaml", CAMPAIGN)
    english = run_cli("plan", str(path))
    assert "2027-03-02 09:00 EST" in english.stdout and "1 to create, 0 to update" in english.stdout

    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    valid = run_cli("validate", str(path))
    assert valid.exit_code == 0
    assert "Longueur par publication et par compte" in valid.stdout and "longueur" in valid.stdout
    assert "Valide : 1 publication(s) vers 1 compte(s); 0 conseil(s)." in valid.stdout

    scheduled = run_cli("schedule", str(path))
    assert scheduled.exit_code == 0, scheduled.stderr
    assert "Publications planifiées" in scheduled.stdout and "heure locale" in scheduled.stdout
    assert "2027-03-02 09 h 00 EST" in scheduled.stdout  # the time the Québec way, the zone as status names it
    assert "1 à créer, 0 à mettre à jour, 0 à annuler, 0 inchangée(s)." in scheduled.stdout

    status = run_cli("status")
    assert "À venir" in status.stdout and "quand (heure locale)" in status.stdout
    assert "pending" in status.stdout  # state names stay as they are
    assert "Aucun démon ne tourne" in status.stdout

    nothing = run_cli("retry", "--all")
    assert nothing.stdout.strip() == "Rien à réessayer : aucune publication échouée, manquée ou retenue."
    cancelled = run_cli("cancel", "spring/hello")
    assert cancelled.stdout.strip() == "spring/hello vers outbox:shop : pending → cancelled"


def test_doctor_counts_in_both_languages() -> None:
    from socialpost.cli.doctor import _counts_line

    assert _counts_line(2, 1) == "2 problems and 1 warning need your attention. Start with the ✗ lines."
    assert _counts_line(0, 1) == "1 warning needs your attention."
    i18n.activate("fr_CA")
    assert _counts_line(2, 1) == "2 problèmes et 1 avertissement demandent votre attention. Commencez par les lignes ✗."
    assert _counts_line(1, 0) == "1 problème demande votre attention. Commencez par les lignes ✗."
    assert _counts_line(0, 3) == "3 avertissements demandent votre attention."


def test_plurals_follow_the_count_in_french() -> None:
    from socialpost.cli.render import _when

    i18n.activate("fr_CA")
    one = i18n.ngettext(
        "{count} account(s) could not be read: {errors}", "{count} account(s) could not be read: {errors}", 1
    )
    two = i18n.ngettext(
        "{count} account(s) could not be read: {errors}", "{count} account(s) could not be read: {errors}", 2
    )
    assert one.format(count=1, errors="x:a") == "1 compte n'a pas pu être lu : x:a"
    assert two.format(count=2, errors="x:a") == "2 comptes n'ont pas pu être lus : x:a"
    assert _when("2027-03-02T09:00:30-05:00") == "2027-03-02 09:00:30 -05:00"
    i18n.activate("en")
    assert _when("2027-03-02T09:00:30-05:00") == "2027-03-02 09:00:30 -05:00"
    assert _when("2027-03-02T09:00:00+00:00") == "2027-03-02 09:00 +00:00"
    assert _when("not a time") == "not a time"
