"""YAML syntax mistakes as beginners make them, through `socialpost validate` in English and French.

Each broken file is the café's campaign with one realistic mistake. The error must point at the
user's mistake (not where PyYAML gave up), say what to change in the user's language, and never
show PyYAML's own English words in French output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

GOOD = """\
campaign: cafe-sherbrooke
timezone: America/Montreal
language: fr-CA
accounts: [outbox:cafe]
posts:
  - id: ouverture
    at: 2027-06-01 09:00
    text: "Nous ouvrons demain, qu'en dites-vous?"
  - id: menu
    at: 2027-06-02 09:00
    text: Le menu d'été est arrivé, lequel préférez-vous?
"""


@dataclass(frozen=True)
class Case:
    name: str
    old: str  # a piece of GOOD …
    new: str  # … replaced by the mistake
    where: str  # line:column of the mistake
    english: tuple[str, ...]
    french: tuple[str, ...]


CASES = [
    Case(
        "key indented more than the one above",
        '    text: "Nous',
        '      text: "Nous',
        "8:7",
        ("this line is indented more than 'at:' on line 7", "Fix: line up 'text:' with 'at:' (column 5)."),
        ("cette ligne est plus en retrait que « at: » à la ligne 7", "alignez « text: » sur « at: » (colonne 5)"),
    ),
    Case(
        "key indented less than the one above",
        '    text: "Nous',
        '   text: "Nous',
        "8:4",
        ("lines up with no key above it", "Fix: line up 'text:' with 'at:' on line 7 (column 5)."),
        ("ne s'aligne sur aucune clé au-dessus", "alignez « text: » sur « at: » à la ligne 7 (colonne 5)"),
    ),
    Case(
        "key lined up with the list item's dash (PyYAML: expected <block end>, but found '?')",
        "    at: 2027-06-01 09:00",
        "  at: 2027-06-01 09:00",
        "7:3",
        ("lines up with no key above it", "Fix: line up 'at:' with 'id:' on line 6 (column 5)."),
        ("ne s'aligne sur aucune clé au-dessus", "alignez « at: » sur « id: » à la ligne 6 (colonne 5)"),
    ),
    Case(
        "tab for indentation",
        "    at: 2027-06-02",
        "\tat: 2027-06-02",
        "10:1",
        ("a tab character; YAML indentation must use spaces", "replace the tabs with spaces"),
        ("un caractère de tabulation", "remplacez les tabulations par des espaces"),
    ),
    Case(
        "missing colon",
        'text: "Nous',
        'text "Nous',
        "8:5",
        ("has no ':' between the key and its value", "Fix: write 'text: \"Nous ouvrons demain,"),
        ("n'a pas de « : » entre la clé et sa valeur", 'écrivez « text: "Nous ouvrons demain,'),
    ),
    Case(
        "missing space after the colon",
        "  - id: menu",
        "  - id:menu",
        "9:7",
        ("'id:menu' has no space after ':'", "Fix: write 'id: menu'."),
        ("« id:menu » n'a pas d'espace après « : »", "écrivez « id: menu »"),
    ),
    Case(
        "double quote never closed",
        "qu'en dites-vous?\"",
        "qu'en dites-vous?",
        "8:11",
        ('the double quote (") that opens here is never closed', 'Fix: end the text with "'),
        ("le guillemet double (\") ouvert ici n'est jamais fermé", 'terminez le texte par "'),
    ),
    Case(
        "bracket never closed",
        "accounts: [outbox:cafe]",
        "accounts: [outbox:cafe",
        "4:11",
        ("the '[' that opens here is never closed", "Fix: add the matching ']'."),
        ("« [ » ouvert ici n'est jamais fermé", "ajoutez le « ] » correspondant"),
    ),
    Case(
        "list item at the wrong level",
        "  - id: menu",
        " - id: menu",
        "9:2",
        ("this list item's '-' lines up with no list above it", "line up its '-' with the '-' on line 6 (column 3)"),
        ("ne s'aligne sur aucune liste au-dessus", "alignez son « - » sur le « - » de la ligne 6 (colonne 3)"),
    ),
    Case(
        "a key written twice",
        "    at: 2027-06-02 09:00\n",
        "    at: 2027-06-02 09:00\n    at: 2027-06-03 09:00\n",
        "11:5",
        ("duplicate key 'at' (first written on line 10)", "remove or rename one of them"),
        ("clé en double « at » (écrite d'abord à la ligne 10)",),
    ),
    Case(
        "a colon inside an unquoted text",
        "text: Le menu d'été est arrivé",
        "text: Nouveau: le menu d'été est arrivé",
        "11:18",
        ("the value of 'text' holds ': '", 'Fix: put the whole value in quotes: text: "Nouveau: le menu'),
        ("la valeur de « text » contient « : »", 'mettez toute la valeur entre guillemets : text: "Nouveau: le menu'),
    ),
    Case(
        "a hashtag read as a comment",
        "lequel préférez-vous?\n",
        "lequel préférez-vous? #Sherbrooke\n",
        "11:59",
        ("'#Sherbrooke' after this text is read as a YAML comment", "put the whole text in quotes"),
        ("« #Sherbrooke » après ce texte est lu comme un commentaire YAML", "mettez tout le texte entre guillemets"),
    ),
    Case(
        "a text that starts with '#'",
        "text: Le menu",
        "text: #Sherbrooke Le menu",
        "11:10",
        ("this text starts with '#'", 'Fix: put the whole text in quotes: "#Sherbrooke Le menu'),
        ("ce texte commence par « # »", 'mettez tout le texte entre guillemets : "#Sherbrooke Le menu'),
    ),
    Case(
        "a text that starts with '@'",
        "text: Le menu",
        "text: @cafe Le menu",
        "11:11",
        ("a value cannot start with '@' in YAML", 'put the whole text in quotes, like "@…"'),
        ("une valeur ne peut pas commencer par « @ »", 'mettez tout le texte entre guillemets, comme "@…"'),
    ),
    Case(
        "a text that starts with a backtick",
        "text: Le menu",
        "text: `menu` Le menu",
        "11:11",
        ("a value cannot start with '`' in YAML",),
        ("une valeur ne peut pas commencer par « ` »",),
    ),
    Case(
        "an apostrophe inside single quotes",
        "text: Le menu d'été est arrivé, lequel préférez-vous?",
        "text: 'L'été est arrivé, lequel préférez-vous?'",
        "11:11",
        ("the text in single quotes that opens here ends at the next ' (line 11, column 13)", "as '' (two single"),
        ("le texte entre apostrophes qui s'ouvre ici se termine", "écrivez une apostrophe '' (deux apostrophes)"),
    ),
    Case(
        "a text that starts with a bracket",
        "text: Le menu",
        "text: [Nouveau] Le menu",
        "11:11",
        ("a value that starts with '[' is read as a list", 'put the whole text in quotes: "[Nouveau] Le menu'),
        ("une valeur qui commence par « [ » est lue comme une liste", 'entre guillemets : "[Nouveau] Le menu'),
    ),
    Case(
        "Windows line endings and a key indented more",
        '    text: "Nous',
        '      text: "Nous',
        "8:7",
        ("this line is indented more than 'at:' on line 7",),
        ("cette ligne est plus en retrait que « at: » à la ligne 7",),
    ),
]
# PyYAML's own words: never in French output
PYYAML_WORDS = ("expected", "found", "while parsing", "while scanning", "block end", "Fix:", "could not")


def _broken(case: Case) -> str:
    assert GOOD.count(case.old) == 1, case.name
    text = GOOD.replace(case.old, case.new)
    return text.replace("\n", "\r\n") if "Windows" in case.name else text


def test_there_are_enough_realistic_cases() -> None:
    assert len(CASES) >= 12
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_mistake_is_placed_and_explained_in_english(run_cli: Any, tmp_path: Path, case: Case) -> None:
    path = tmp_path / "cafe.yaml"
    path.write_bytes(_broken(case).encode("utf-8"))
    result = run_cli("validate", str(path))
    assert result.exit_code == 2, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"error: {path}:{case.where}: "), errors[0]
    for words in case.english:
        assert words in errors[0], errors[0]
    assert "Technical detail" not in errors[0]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_mistake_is_placed_and_explained_in_french(run_cli: Any, tmp_path: Path, case: Case) -> None:
    path = tmp_path / "cafe.yaml"
    path.write_bytes(_broken(case).encode("utf-8"))
    result = run_cli("--lang", "fr", "validate", str(path))
    assert result.exit_code == 2, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("erreur :")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"erreur : {path}:{case.where}: "), errors[0]
    for words in case.french:
        assert words in errors[0], errors[0]
    for english in PYYAML_WORDS:
        assert english not in errors[0], errors[0]


def test_a_mistake_nothing_recognises_keeps_pyyaml_words_only_as_a_detail(run_cli: Any, write: Any) -> None:
    path = write("odd.yaml", "campaign: c\n: orphan value\n")
    english = run_cli("validate", str(path))
    assert f"{path}:2:1: this is not valid YAML." in english.stderr
    assert "Technical detail from the YAML reader, in English: expected <block end>" in english.stderr
    french = run_cli("--lang", "fr", "validate", str(path))
    assert f"{path}:2:1: ce n'est pas du YAML valide." in french.stderr
    assert "Détail technique du lecteur YAML, en anglais : expected <block end>" in french.stderr


def test_a_real_comment_after_a_text_is_still_a_comment(run_cli: Any, write: Any) -> None:
    text = GOOD.replace("lequel préférez-vous?\n", "lequel préférez-vous? # à revoir avec Julie\n")
    path = write("cafe.yaml", text)
    result = run_cli("validate", str(path))
    assert "error:" not in result.stderr, result.stderr


# --- YAML positions and dates ------------------------------------------------------------------

UNCLOSED = """\
campaign: syn
timezone: America/Montreal
accounts: [outbox:news]
posts:
  - id: teaser
    at: 2027-03-02 09:00
    text: "Hello there
  - id: other
    at: 2027-03-03 09:00
    text: ok
"""


CLOSED = UNCLOSED.replace('"Hello there', '"Hello there"')


def test_an_unclosed_double_quote_points_where_it_opens(run_cli: Any, write: Any) -> None:
    path = write("syn.yaml", UNCLOSED)
    assert len(UNCLOSED.splitlines()) == 10
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert (
        f'{path}:7:11: the double quote (") that opens here is never closed. '
        'Fix: end the text with " (write \\" for a quote inside it).'
    ) in result.stderr
    assert f"{path}:11:" not in result.stderr and "end of stream" not in result.stderr


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("    text: 'Hello there\n", "7:11", "the single quote (') that opens here is never closed"),
        ('    text: "Hello\n---\n', "7:11", 'the double quote (") that opens here is never closed'),
        ("    text: [a, b\n", "7:11", "the '[' that opens here is never closed. Fix: add the matching ']'."),
        ("    text: {a: b\n", "7:11", "the '{' that opens here is never closed. Fix: add the matching '}'."),
        ('    text: "no newline at the end', "7:11", 'the double quote (") that opens here is never closed'),
    ],
)
def test_other_unclosed_openings_point_where_they_open(
    run_cli: Any, write: Any, text: str, where: str, words: str
) -> None:
    path = write("open.yaml", UNCLOSED.split('    text: "Hello')[0] + text)
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:{where}: {words}" in result.stderr


def test_a_problem_at_the_end_without_a_quote_points_at_its_context(run_cli: Any, write: Any) -> None:
    path = write("anchor.yaml", CLOSED.split("  - id: other")[0] + "  - id: &\n\n")
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    # the '&', not the empty line after the file
    assert f"{path}:8:9: a value that starts with '&' is read as the name of an anchor" in result.stderr


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (
            "2027-13-10 25:00",
            "'at': '2027-13-10 25:00' is not a valid date and time: month 13 does not exist (01 to 12); "
            "hour 25 does not exist (00 to 23). Fix: correct it (written like 2026-03-02 09:00).",
        ),
        ("2027-02-29 09:00", "2027-02 has no day 29 (it has 28 days)"),
        ("2027-04-00 09:00", "2027-04 has no day 00 (it has 30 days)"),
        ("2027-03-02 09:60", "minute 60 does not exist (00 to 59)"),
        ("2027-03-02 09:00:61", "second 61 does not exist (00 to 59)"),
    ],
)
def test_an_impossible_date_says_what_is_wrong(run_cli: Any, write: Any, at: str, words: str) -> None:
    path = write("dates.yaml", CLOSED.replace("2027-03-02 09:00", at))
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:6:9: " in result.stderr and words in result.stderr
    assert "%Y" not in result.stderr and "does not match format" not in result.stderr


def test_a_leap_day_is_a_real_date(run_cli: Any, write: Any) -> None:
    path = write("leap.yaml", CLOSED.replace("2027-03-02", "2028-02-29"))
    result = run_cli("validate", str(path))
    assert result.exit_code == 0, result.stderr
